"""Generated pages kept between builds (issue 16): an author who edits one standards file and runs `oap build`
again waits only for the pages that show it.

The preview (`mkdocs serve`) keeps each page's Markdown in memory from one rebuild to the next (builder.web.PageMemo:
a page is rendered again only when what it is made from changed). `oap build` runs in a new process each time, so
here the same memo is kept on disk, under the project's cache folder (.oap-cache/pages, beside the PDF cache), as
JSON: one file per kind of build, holding each page's key and Markdown from the last build.

A page's key in the memo covers the edition's data it shows, the vocabularies, the council, the day, the downloads
and the templates. What a process never changes between two preview rebuilds but can between two builds is in the
file's name: every file of the builder package, every installed package's version, Python's version and the
schemas (namespace()). Anything wrong with a file (missing, cut short, not ours, another version) means it is
ignored, every page is rendered, and the file is written again; a write is a temporary file renamed into place, so
two builds at once, or a killed one, leave a whole file or none. tests/test_page_cache.py checks that a build with
the cache makes the same site, byte for byte, as one without it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .incremental import write_json
from .web import PageMemo

if TYPE_CHECKING:
    from .council import Council

FORMAT = "oap page cache 1"
"""The first value of every file: a file in any other form is ignored."""
KEEP_FILES = 8
"""Files kept (the most recently used): the national edition and a few council editions, and a version or two back."""


def namespace(edition_key: str) -> str:
    """The file name's hash: everything a page depends on that the memo's own keys leave out, and the kind of build
    (edition_key: the national edition, or which council's)."""
    h = hashlib.sha256(f"{FORMAT}\0{edition_key}\0{_builder_digest()}".encode())
    return h.hexdigest()[:32]


@functools.cache
def _builder_digest() -> str:
    """The builder's code, the installed packages, Python and the schemas: worked out once a process (oap build
    runs once; the page and load caches both use it)."""
    from . import incremental
    from .validate import SCHEMA_DIR

    h = hashlib.sha256(f"python={sys.version}\0".encode())
    h.update(incremental.code_digest().encode() + b"\0" + incremental.packages_digest().encode() + b"\0")
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class DiskMemo(PageMemo):
    """A PageMemo whose pages from the last build are read from a file at the start and written at the end."""

    def __init__(self, folder: Path, edition_key: str) -> None:
        super().__init__()
        self.folder = folder
        self.path = folder / f"{namespace(edition_key)}.json"
        self._kept = read(self.path)

    def finish(self) -> None:
        """A render ended: keep its pages, and the last build's parts of a page that was not rendered again. A page
        inside a page (the finder's items, "teachers/finder.md <id>") is asked for only when the page holding it is
        rendered, which the next build may need; once that page is rendered, the parts it did not ask for are of
        standards gone since, and are dropped (as is a whole page not asked for: it is no longer in the edition)."""
        rendered = set(self.rendered)
        earlier = {name: entry for name, entry in self._kept.items() if " " in name and name.split(" ", 1)[0] not in rendered}
        self._kept, self._building = {**earlier, **self._building}, {}

    def save(self) -> None:
        """Write this build's pages (best effort: a cache that cannot be written only means a slower next build)."""
        write(self.path, self._kept)
        prune(self.folder)


def read(path: Path) -> dict[str, tuple[str, str]]:
    """The pages in a cache file, by path: (key, Markdown); empty when the file is missing or not a whole one of ours,
    and without any page whose Markdown does not match the digest written with it."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not (isinstance(data, list) and len(data) == 2 and data[0] == FORMAT and isinstance(data[1], dict)):
        return {}
    pages: dict[str, tuple[str, str]] = {}
    for name, entry in data[1].items():
        if not (isinstance(entry, list) and len(entry) == 3 and all(isinstance(part, str) for part in entry)):
            return {}
        key, text, written = entry
        if digest(text) == written:  # else damaged on disk: left out, so the page is rendered again
            pages[name] = (key, text)
    with contextlib.suppress(OSError):
        os.utime(path)  # in use: pruning keeps it
    return pages


def write(path: Path, pages: dict[str, tuple[str, str]]) -> None:
    """Write the pages to path (see write_json)."""
    write_json(path, [FORMAT, {name: [key, text, digest(text)] for name, (key, text) in pages.items()}])


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def prune(folder: Path, *, now: float | None = None) -> None:
    """Keep the KEEP_FILES most recently used files; remove temporary files a killed build left (an hour old)."""
    now = time.time() if now is None else now
    kept: list[tuple[float, Path]] = []
    with contextlib.suppress(OSError):
        for path in folder.glob("*.json"):
            try:
                used = path.stat().st_mtime
            except OSError:
                continue
            if path.name.startswith(".tmp-"):
                if now - used > 3600:
                    with contextlib.suppress(OSError):
                        path.unlink()
                continue
            kept.append((used, path))
    for _, path in sorted(kept, reverse=True)[KEEP_FILES:]:
        with contextlib.suppress(OSError):
            path.unlink()


def edition_key(council: Council | None) -> str:
    """Which kind of build: the national edition, or a council's (each keeps its own file)."""
    return "national" if council is None else f"council {council.slug}"

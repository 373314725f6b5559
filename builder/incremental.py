"""A build with nothing changed finds every PDF in the cache without writing any print HTML (issue 16).

builder.pdfcache.PdfCache keys each PDF by its print HTML, so a build had to write the print HTML of every document (a
few seconds) just to learn that nothing changed. Here a whole build has a key of its own: everything the print
HTML is made from, and the renderer. After a build whose PDFs all came from or went into the cache, the cache keeps
a small list (a "build list") of which cached PDF each document is; the next build with the same key copies them
without making any print HTML. Any difference at all in the key falls back to the full path (print HTML, then
PdfCache), which renders again only the PDFs whose HTML changed.

The key covers, conservatively:
  - the whole edition model (every standard, the vocabularies, the council overlay and its logo, the edition's date,
    title and version, the changes since the previous edition), walked field by field (edition_digest);
  - every file of the builder package (the code, the print templates and CSS), so any change to how a document is
    made counts;
  - the version of every installed Python package (Jinja, Markdown, WeasyPrint and its libraries);
  - SOURCE_DATE_EPOCH (the documents' printed creation date), and Python's version (its standard library);
  - the renderer's fingerprint (builder.pdfcache.renderer_fingerprint: fonts, system libraries, PDF options).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .edition import Edition
    from .pdfcache import PdfCache

PACKAGE = Path(__file__).resolve().parent
"""The builder package: every file in it is part of the key (the national edition's data copied into a wheel is not:
it reaches the print HTML only through the edition model, which the key covers)."""
SKIPPED = ("__pycache__", "national_edition")
BUILDS = "builds"
"""The folder inside the PDF cache that holds the build lists, one JSON file per build key."""
KEEP_BUILDS = 8
"""Build lists kept (the most recently used): the national and a council edition, and a few versions back."""


def _feed(h: Any, value: Any) -> None:
    """Add a value of the edition model to the hash: the same value gives the same bytes in every process, and two
    different values never do (each part says its type and length). Anything of a type not known here is refused
    (TypeError), so a new kind of field can never be left out silently."""
    kind = type(value)
    h.update(f"{kind.__module__}.{kind.__qualname__}:".encode())
    if value is None or isinstance(value, bool | int | float | dt.date | dt.datetime | dt.time):
        text = repr(value).encode()
        h.update(len(text).to_bytes(8, "big") + text)
    elif isinstance(value, str):
        text = value.encode("utf-8", "surrogatepass")
        h.update(len(text).to_bytes(8, "big") + text)
    elif isinstance(value, bytes):
        h.update(len(value).to_bytes(8, "big") + value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        h.update(len(fields).to_bytes(8, "big"))
        for f in fields:
            _feed(h, f.name)
            _feed(h, getattr(value, f.name))
    elif isinstance(value, dict):
        h.update(len(value).to_bytes(8, "big"))
        for k, v in value.items():
            _feed(h, k)
            _feed(h, v)
    elif isinstance(value, list | tuple):
        h.update(len(value).to_bytes(8, "big"))
        for item in value:
            _feed(h, item)
    elif isinstance(value, set | frozenset):  # iteration order differs between processes: sort the items' hashes
        parts = []
        for item in value:
            sub = hashlib.sha256()
            _feed(sub, item)
            parts.append(sub.digest())
        h.update(len(parts).to_bytes(8, "big") + b"".join(sorted(parts)))
    else:
        raise TypeError(f"the build key does not know how to hash a {kind.__qualname__}")


def edition_digest(edition: Edition) -> str:
    h = hashlib.sha256()
    _feed(h, edition)
    return h.hexdigest()


def code_digest(package: Path | None = None) -> str:
    """A hash of every file of the builder package, by path and content."""
    package = package or PACKAGE
    h = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(package)
        if rel.parts[0] in SKIPPED or "__pycache__" in rel.parts or not path.is_file():
            continue
        data = path.read_bytes()
        h.update(f"{rel.as_posix()}\0{len(data)}\0".encode() + data)
    return h.hexdigest()


def packages_digest() -> str:
    """A hash of the name and version of every installed Python package, each once (a package found through two
    entries of sys.path, such as the current folder's .egg-info under `python -c` and again through PYTHONPATH, is
    one package: counted twice, the key differed between processes)."""
    found = sorted({f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()})
    return hashlib.sha256("\n".join(found).encode()).hexdigest()


def build_key(edition: Edition, renderer: str) -> str | None:
    """The key of a whole build's PDFs; None when the edition holds something it cannot hash (then no build list is
    used, and every build takes the full path)."""
    h = hashlib.sha256(b"oap build key 1\0")
    try:
        parts = [edition_digest(edition), code_digest(), packages_digest(), renderer]
    except TypeError:
        return None
    parts.append("SOURCE_DATE_EPOCH=" + os.environ.get("SOURCE_DATE_EPOCH", "").strip())
    parts.append("python=" + sys.version)
    for part in parts:
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def reuse(cache: PdfCache, key: str | None) -> dict[str, bytes] | None:
    """Every PDF of the build with this key, by file name in the build's order, from the cache; None unless the
    build list is there and every PDF it names is whole (then the caller takes the full path)."""
    if key is None:
        return None
    try:
        names = json.loads((cache.folder / BUILDS / f"{key}.json").read_text(encoding="utf-8"))
        found = {}
        for name, file in names.items():
            path = cache.folder / Path(file).name
            data = path.read_bytes()
            if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
                return None
            found[name] = data
        for file in names.values():  # in use: pruning keeps them
            os.utime(cache.folder / Path(file).name)
        os.utime(cache.folder / BUILDS / f"{key}.json")
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    return found


def record(cache: PdfCache, key: str | None, names: list[str]) -> None:
    """After a build through the full path: remember which cached PDF each document is, when every one of them is
    in the cache. Best effort, like PdfCache.put: a list that cannot be written only means the full path next time."""
    if key is None or any(name not in cache.files for name in names):
        return
    folder = cache.folder / BUILDS
    write_json(folder / f"{key}.json", {name: cache.files[name] for name in names})
    try:
        lists = sorted(((p.stat().st_mtime, p) for p in folder.glob("*.json")), reverse=True)
        for _, path in lists[KEEP_BUILDS:]:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def write_json(path: Path, value: object) -> None:
    """Write value to path as JSON: a temporary file in the same folder, renamed into place (a reader sees a whole
    file). Best effort: a cache that cannot be written only means a slower next build. Shared by the build lists
    here and the page and load caches (builder.pagecache, builder.loadcache)."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, ensure_ascii=False)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()


def write(found: dict[str, bytes], out_dir: Path) -> dict[str, int]:
    """Write the PDFs reuse() found into out_dir; each file name with its size in bytes, in the build's order."""
    from .errors import blame

    out_dir.mkdir(parents=True, exist_ok=True)
    with blame(out_dir):
        for name, data in found.items():
            (out_dir / name).write_bytes(data)
    return {name: len(data) for name, data in found.items()}

"""Each standards file's checked standards kept between builds (issue 16), beside the pages (builder.pagecache).

Loading a standards file (its YAML, the schema, then the rules) was a third of a build's own work, and an author
who edits one file leaves the others as they were. `oap build` keeps, for each file that loaded with no problem,
the data of its standards and where each one starts, as JSON under .oap-cache/load, keyed by the file's bytes, the
vocabularies' bytes, the area and phase its path promises and the file's path; the file's own name holds the
builder's code, the installed packages and the schemas (builder.pagecache.namespace). A file with any problem is
never kept: its messages always come from loading it. An entry that does not match its digest, does not decode,
or does not make standards is ignored and the file is loaded again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from . import model
from .pagecache import digest, namespace, prune, write_json

FORMAT = "oap load cache 1"


class LoadCache:
    """The standards of unchanged files, from the last build; save() writes what this build loaded."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"{namespace(FORMAT)}.json"
        self.entries: dict[str, list[str]] = {}
        self.changed = False
        self.seen: set[str] = set()
        """The files this build asked for: only theirs are written (a file deleted since is forgotten)."""
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(data, list) and len(data) == 2 and data[0] == FORMAT and isinstance(data[1], dict):
            self.entries = {
                rel: entry
                for rel, entry in data[1].items()
                if isinstance(entry, list) and len(entry) == 3 and all(isinstance(part, str) for part in entry)
            }

    @staticmethod
    def key(*parts: Any) -> str:
        return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, rel: str, key: str) -> list[model.Standard] | None:
        """The file's standards as the last build loaded them, or None (not kept, changed, or damaged)."""
        self.seen.add(rel)
        entry = self.entries.get(rel)
        if entry is None or entry[0] != key or digest(entry[1]) != entry[2]:
            return None
        try:
            return [model.build(model.Standard, data, source=source, local=False) for data, source in json.loads(entry[1])]
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def put(self, rel: str, key: str, loaded: list[tuple[dict[str, Any], str]]) -> None:
        """Keep a file's standards: the data they were made from, and where each starts."""
        try:
            payload = json.dumps(loaded, ensure_ascii=False)
        except (TypeError, ValueError):
            return
        if json.loads(payload) != [list(pair) for pair in loaded]:  # JSON would change it (a key that is not text)
            return
        self.seen.add(rel)
        self.entries[rel] = [key, payload, digest(payload)]
        self.changed = True

    def save(self) -> None:
        if self.changed or set(self.entries) != self.seen:
            write_json(self.path, [FORMAT, {rel: entry for rel, entry in self.entries.items() if rel in self.seen}])
            prune(self.folder)

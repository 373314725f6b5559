"""Write the vocabularies' ids into the JSON Schemas' enums, so every list of ids has one source.

    python scripts/sync-schema.py           rewrite each enum that differs from its source (`make schema`)
    python scripts/sync-schema.py --check   change nothing; list each enum that differs and exit 1

The schemas repeat areas, phases, tiers and need types as enums so that editors can offer them as you type, and
so that `oap check` can list them; the ids themselves are defined in standards/vocabularies/*.yaml (contact roles:
ROLE_NAMES in builder/overlay.py). Only the text between an enum's brackets is rewritten, in the file's own
layout: a list on one line stays on one line, a wrapped list is wrapped at the same width.
tests/test_schema_sync.py fails when an enum and its source differ.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = "standards/schema"
VOCABULARY_DIR = "standards/vocabularies"


@dataclass(frozen=True)
class Source:
    """Where one list of ids is defined, and how to read it."""

    path: str
    """The defining file, relative to the repository root; named in every message."""
    read: Callable[[Path], list[str]]
    """The ids, in order, from the file at that path."""


def _vocabulary(key: str, keep: Callable[[dict[str, object]], bool] = lambda entry: True) -> Callable[[Path], list[str]]:
    """A reader for the ids of one vocabulary file, optionally only the entries that pass keep."""

    def read(path: Path) -> list[str]:
        with open(path, encoding="utf-8") as f:
            entries = yaml.load(f, Loader=yaml.CSafeLoader)[key]
        return [str(entry["id"]) for entry in entries if keep(entry)]

    return read


def _role_names(path: Path) -> list[str]:
    """The keys of ROLE_NAMES in builder/overlay.py, read without importing the builder."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ROLE_NAMES" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise LookupError(f"{path}: no ROLE_NAMES = {{...}} found")


AREAS = Source(f"{VOCABULARY_DIR}/areas.yaml", _vocabulary("areas"))
PHASES = Source(f"{VOCABULARY_DIR}/phases.yaml", _vocabulary("phases"))
TIERS = Source(f"{VOCABULARY_DIR}/tiers.yaml", _vocabulary("tiers"))
TIERS_BEYOND = Source(f"{VOCABULARY_DIR}/tiers.yaml", _vocabulary("tiers", lambda tier: tier.get("ordinarily_available") is False))
"""The tiers that are not ordinarily available: a standard in one of them must give its access_route."""
NEED_TYPES = Source(f"{VOCABULARY_DIR}/need-types.yaml", _vocabulary("need_types"))
CONTACT_ROLES = Source("builder/overlay.py", _role_names)
"""Contact roles have no vocabulary file: ROLE_NAMES holds each role's name as families see it."""


@dataclass(frozen=True)
class Enum:
    """One enum in one schema file, and the source its values are copied from."""

    schema: str
    """The schema's file name in standards/schema/."""
    pointer: str
    """JSON Pointer to the enum's array."""
    source: Source


ENUMS = (
    Enum("standards-file.schema.json", "/$defs/standard/properties/area/enum", AREAS),
    Enum("standards-file.schema.json", "/$defs/standard/properties/phase/enum", PHASES),
    Enum("standards-file.schema.json", "/$defs/standard/properties/tier/enum", TIERS),
    Enum("standards-file.schema.json", "/$defs/standard/properties/need_types/items/enum", NEED_TYPES),
    Enum("standards-file.schema.json", "/$defs/standard/allOf/2/if/properties/tier/enum", TIERS_BEYOND),
    Enum("vocabulary-file.schema.json", "/$defs/phase_ids/items/enum", PHASES),
    Enum("vocabulary-file.schema.json", "/$defs/tier_ids/items/enum", TIERS),
    Enum("vocabulary-file.schema.json", "/$defs/phase/properties/id/enum", PHASES),
    Enum("vocabulary-file.schema.json", "/$defs/tier/properties/id/enum", TIERS),
    Enum("vocabulary-file.schema.json", "/$defs/setting/properties/phase/enum", PHASES),
    Enum("vocabulary-file.schema.json", "/$defs/law_today/properties/phase/enum", PHASES),
    Enum("council.schema.json", "/$defs/contact/properties/role/enum", CONTACT_ROLES),
    Enum("council.schema.json", "/$defs/service/properties/need_types/items/enum", NEED_TYPES),
    Enum("council.schema.json", "/$defs/service/properties/phases/items/enum", PHASES),
)
"""Every enum that repeats a list of ids defined elsewhere. A new one belongs here (the test finds unlisted copies)."""


@dataclass(frozen=True)
class Drift:
    """An enum whose values differ from its source's ids."""

    enum: Enum
    found: list[str]
    wanted: list[str]

    def message(self) -> str:
        """One line naming the schema, the enum and the source, and saying what differs."""
        missing = [v for v in self.wanted if v not in self.found]
        extra = [v for v in self.found if v not in self.wanted]
        parts = [f"missing {', '.join(missing)}" if missing else "", f"not in the source {', '.join(extra)}" if extra else ""]
        what = "; ".join(p for p in parts if p) or f"in another order (the source's order: {', '.join(self.wanted)})"
        return f"{SCHEMA_DIR}/{self.enum.schema}: enum {self.enum.pointer} differs from {self.enum.source.path} ({what}): run `make schema`"


def _lookup(doc: object, pointer: str) -> object:
    """The value at a JSON Pointer, or None if it points nowhere."""
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return None
    return doc


def drifts(root: Path = ROOT) -> list[Drift]:
    """Every enum in ENUMS that differs from its source, in ENUMS order."""
    found: list[Drift] = []
    for enum in ENUMS:
        current = _lookup(json.loads((root / SCHEMA_DIR / enum.schema).read_text(encoding="utf-8")), enum.pointer)
        if not isinstance(current, list):
            raise LookupError(f"{SCHEMA_DIR}/{enum.schema}: no enum at {enum.pointer} (update ENUMS in scripts/sync-schema.py)")
        wanted = enum.source.read(root / enum.source.path)
        if current != wanted:
            found.append(Drift(enum, current, wanted))
    return found


_SPACE = re.compile(r"[ \t\n\r]*")


def value_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each value of a JSON text starts and ends, by JSON Pointer; json.loads gives no positions."""
    spans: dict[str, tuple[int, int]] = {}
    scalar = json.JSONDecoder()

    def skip(i: int) -> int:
        match = _SPACE.match(text, i)
        return match.end() if match else i

    def value(i: int, pointer: str) -> int:
        start = i = skip(i)
        if text[i] in "[{":
            close, index = ("]", 0) if text[i] == "[" else ("}", None)
            i = skip(i + 1)
            while text[i] != close:
                if index is None:
                    key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    i = skip(skip(i) + 1)  # past the colon
                    i = value(i, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
                else:
                    i = value(i, f"{pointer}/{index}")
                    index += 1
                i = skip(i)
                if text[i] == ",":
                    i = skip(i + 1)
            end = i + 1
        else:
            end = scalar.raw_decode(text, i)[1]
        spans[pointer] = (start, end)
        return end

    value(0, "")
    return spans


def format_list(values: list[str], text: str, start: int, end: int) -> str:
    """values as a JSON array to replace text[start:end], laid out as the array there was."""
    items = [json.dumps(v, ensure_ascii=False) for v in values]
    if "\n" not in text[start:end]:
        return "[" + ", ".join(items) + "]"
    # A wrapped list: continue under the first item, breaking where the widest of its old lines ended.
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) if "\n" in text[end:] else len(text)
    width = max(len(line) for line in text[line_start:line_end].split("\n"))
    indent, suffix = " " * (start - line_start + 1), line_end - end
    lines, current = [], " " * (start - line_start) + "["
    for n, item in enumerate(items):
        last = n == len(items) - 1
        token = item + ("]" if last else ",")
        room = len(current) + 1 + len(token) + (suffix if last else 0)
        if not current.endswith("[") and room > width:
            lines.append(current)
            current = indent + token
        else:
            current += ("" if current.endswith("[") else " ") + token
    lines.append(current)
    return "\n".join(lines)[start - line_start :]


def synced(text: str, enums: dict[str, list[str]]) -> str:
    """The schema text with each enum (by JSON Pointer) holding the given values; nothing else changes."""
    spans = value_spans(text)
    for pointer, (start, end) in sorted(((p, spans[p]) for p in enums), key=lambda item: -item[1][0]):
        text = text[:start] + format_list(enums[pointer], text, start, end) + text[end:]
    return text


def sync(root: Path = ROOT) -> list[Path]:
    """Rewrite every enum in ENUMS from its source; the schema files changed."""
    changed = []
    for name in sorted({enum.schema for enum in ENUMS}):
        path = root / SCHEMA_DIR / name
        text = path.read_text(encoding="utf-8")
        wanted = {e.pointer: e.source.read(root / e.source.path) for e in ENUMS if e.schema == name}
        new = synced(text, wanted)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str]) -> int:
    """`make schema`, or with --check only report."""
    if argv not in ([], ["--check"]):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if argv == ["--check"]:
        problems = drifts()
        for drift in problems:
            print(drift.message(), file=sys.stderr)
        return 1 if problems else 0
    changed = sync()
    for path in changed:
        print(f"rewrote {path.relative_to(ROOT)}")
    if not changed:
        print("every schema enum already matches its vocabulary")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""What changed between two editions: two `data/standards.json` files compared standard by standard, field by field.

One comparison serves three readers: `oap diff OLD NEW` (plain English on a terminal, or JSON), the "What changed in
this edition" page of a build given the previous edition's data (`oap build --previous FILE`), with a label on each
new or changed standard, and `data/changes.json` in that build's open data.

The files are compared as published (the JSON), not as YAML, so an edition can be compared with any earlier one
whose data is still online, whatever the sources looked like then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import json
import os
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import OapError, Problem, visible

if TYPE_CHECKING:
    from .edition import Edition

FORMAT_VERSION = 1
"""The version of the shape of data/standards.json (its "format_version"); a file without one is version 1, the
shape before the number was written. Raise it only when a field changes meaning or shape, not when one is added."""
SCHEMA_NAME = "standards-file.schema.json"
"""What every data/standards.json names as its "schema"."""
PREVIOUS_ENV = "OAP_PREVIOUS"
"""The environment variable naming the previous edition's standards.json, for when no --previous is given."""
MAX_BYTES = 200_000_000
"""A standards.json larger than this is refused unread (the national set's is about 1 MB)."""
MAX_DEPTH = 32
"""Lists and objects nested deeper than this are refused: the national set's go 4 deep, and comparing them recurses."""

FIELDS: dict[str, str] = {
    "title": "title",
    "area": "area of need",
    "phase": "phase",
    "tier": "tier",
    "settings": "settings",
    "need_types": "need types",
    "summary": "summary",
    "for_families": "what families can expect",
    "signs": "what you might notice",
    "adjustments": "adjustments",
    "who_provides": "who provides",
    "who_pays": "who pays",
    "funding_note": "about the funding",
    "access_route": "how to get it",
    "provision": "typical provision",
    "typical_annual_cost_per_pupil": "typical annual cost per pupil",
    "cost_not_worked_out": "why the cost is not worked out",
    "what_may_change": "what may change",
    "legal_basis": "legal basis",
    "evidence": "evidence",
    "local": "local to the council",
    "local_notes": "local notes",
    "facts": "facts cited",
    "search_words": "search words",
    "last_reviewed": "last reviewed",
    "review_due": "next review due",
    "url": "web address",
}
"""A standard's fields as readers know them, in the order a change lists them. A field not named here (one a later
version adds) is compared too, under its key with spaces for underscores."""
RECORD_KEEPING = frozenset({"facts", "search_words", "last_reviewed", "review_due", "url", "cost_not_worked_out"})
"""Fields that do not change what a standard says: a standard with changes only here is not marked as changed on
the site (it was reviewed again, or its search words grew); `oap diff` still lists them. cost_not_worked_out follows
from the provision and the rates, whose own changes mark the standard; alone (its first appearance in open data, or
a rate's name changing) it is not a change to what the standard says."""
WORDS = frozenset({"summary", "for_families", "funding_note", "access_route", "text"})
"""Paragraphs of prose: the changes page says they were reworded rather than quoting both versions."""
SUB_FIELDS: dict[str, str] = {
    "name": "name",
    "group": "group",
    "budget_holder": "budget holder",
    "citation": "citation",
    "statutory": "statutory",
    "status": "status",
    "publisher": "publisher",
    "year": "year",
    "text": "text",
    "proposals": "proposals",
    "value": "value",
    "applies": "period",
    "description": "description",
    "source": "source",
    "review_by": "review by",
}
"""Fields inside a field (a funding stream's budget holder, a fact's value), by their readers' names."""
EDITION_FIELDS = {"title": "title", "version": "version", "date": "content date", "publisher": "publisher", "council": "council"}


# -- the comparison -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its value before and after, or what was added to and removed from a list."""

    field: str
    """The JSON key, e.g. "who_pays"."""
    label: str
    """Its name for readers, e.g. "who pays"."""
    was: Any = None
    now: Any = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    """Changes inside the items both sides hold, in words: 'School core budget: budget holder was X, now Y'."""
    parts: tuple[FieldChange, ...] = ()
    """Changes inside an object field (what may change: its text, its proposals)."""
    reordered: bool = False
    whole: bool = True
    """True when the change is a plain before and after (was, now); False for a list's additions and removals."""

    @property
    def record_keeping(self) -> bool:
        return self.field in RECORD_KEEPING

    def sentence(self, *, brief: bool = False) -> str:
        """The change in words: 'Who pays: added "High needs top-up"; removed "School core budget".'

        brief (the web page): prose that was reworded is said to be, not quoted twice."""
        label = self.label[:1].upper() + self.label[1:]
        if self.whole:
            if brief and self.field in WORDS and self.was is not None and self.now is not None:
                return f"{label}: {_edits(self.was, self.now) or 'reworded'}."
            if self.was is None:
                return f"{label}: added {_words(self.now)}."
            if self.now is None:
                return f"{label}: removed (was {_words(self.was)})."
            return f"{label}: was {_words(self.was)}, now {_words(self.now)}."
        parts = [f"added {_quoted_list(self.added)}"] if self.added else []
        parts += [f"removed {_quoted_list(self.removed)}"] if self.removed else []
        parts += list(self.details) + [_clause(p, brief=brief) for p in self.parts]
        if self.reordered and not parts:
            parts.append("the same items in a new order")
        return f"{label}: {'; '.join(parts)}."

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "label": self.label, "text": self.sentence()}
        if self.whole:
            out.update(was=self.was, now=self.now)
        else:
            out.update(
                added=list(self.added),
                removed=list(self.removed),
                details=[*self.details, *map(_clause, self.parts)],
                reordered=self.reordered,
            )
        return out


@dataclass(frozen=True)
class Entry:
    """A standard (or a fact) as one side of the comparison holds it: enough to name it and place it."""

    id: str
    title: str
    area: str = ""
    phase: str = ""
    tier: str = ""

    def as_json(self) -> dict[str, str]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


@dataclass(frozen=True)
class Changed:
    """A standard (or a fact) both editions hold, and every field that differs."""

    entry: Entry
    """As the new edition has it."""
    fields: tuple[FieldChange, ...]

    @property
    def says_something_new(self) -> bool:
        """Whether what the standard says changed (not only its review dates, search words or the like)."""
        return any(not f.record_keeping for f in self.fields)

    def as_json(self) -> dict[str, Any]:
        return {**self.entry.as_json(), "changes": [f.as_json() for f in self.fields]}


@dataclass(frozen=True)
class Changes:
    """Everything that differs between an older and a newer standards.json."""

    old_label: str
    new_label: str
    added: tuple[Entry, ...] = ()
    removed: tuple[Entry, ...] = ()
    changed: tuple[Changed, ...] = ()
    edition: tuple[FieldChange, ...] = ()
    facts_added: tuple[Entry, ...] = ()
    facts_removed: tuple[Entry, ...] = ()
    facts_changed: tuple[Changed, ...] = ()

    @property
    def any(self) -> bool:
        return bool(
            self.added or self.removed or self.changed or self.edition or self.facts_added or self.facts_removed or self.facts_changed
        )

    @property
    def revised(self) -> tuple[Changed, ...]:
        """The changed standards whose content changed: those the site marks as changed."""
        return tuple(c for c in self.changed if c.says_something_new)

    @property
    def reviewed_only(self) -> tuple[Changed, ...]:
        """The changed standards whose changes are all record keeping (review dates, search words)."""
        return tuple(c for c in self.changed if not c.says_something_new)

    def mark(self, standard_id: str) -> str | None:
        """'new', 'changed' or None: the label a standard of the new edition carries on the site."""
        return self._marks.get(standard_id)

    @functools.cached_property
    def _marks(self) -> dict[str, str]:
        return {**{c.entry.id: "changed" for c in self.revised}, **{e.id: "new" for e in self.added}}

    def counts(self) -> str:
        """'Added: 1 standard. Removed: 1 standard. Changed: 2 standards.', or 'No differences.'"""
        if not self.any:
            return "No differences."
        return f"Added: {_n(len(self.added))}. Removed: {_n(len(self.removed))}. Changed: {_n(len(self.changed))}."

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "previous": self.old_label,
            "current": self.new_label,
            "differences": self.any,
            "edition": [f.as_json() for f in self.edition],
            "added": [e.as_json() for e in self.added],
            "removed": [e.as_json() for e in self.removed],
            "changed": [c.as_json() for c in self.changed],
            "facts": {
                "added": [e.as_json() for e in self.facts_added],
                "removed": [e.as_json() for e in self.facts_removed],
                "changed": [c.as_json() for c in self.facts_changed],
            },
        }

    def text(self, old_name: str = "the previous edition", new_name: str = "this edition") -> str:
        """The whole comparison in plain English, for `oap diff`."""
        lines = [f"Comparing {old_name} ({self.old_label}) with {new_name} ({self.new_label}).", ""]
        if not self.any:
            lines.append("No differences.")
            return visible_lines(lines)
        lines.append(self.counts())
        for f in self.edition:
            lines.append(f"Edition: {f.sentence()}")
        for e in self.added:
            lines += ["", f"Added {_entry_words(e)}."]
        for e in self.removed:
            lines += ["", f"Removed {_entry_words(e)}."]
        for c in self.changed:
            lines += ["", f"Changed {_entry_words(c.entry)}:"]
            lines += [f"  - {f.sentence()}" for f in c.fields]
        for e in self.facts_added:
            lines += ["", f"Added fact {e.id} ({e.title})."]
        for e in self.facts_removed:
            lines += ["", f"Removed fact {e.id} ({e.title})."]
        for c in self.facts_changed:
            lines += ["", f"Changed fact {c.entry.id} ({c.entry.title}):"]
            lines += [f"  - {f.sentence()}" for f in c.fields]
        return visible_lines(lines)


def visible_lines(lines: list[str]) -> str:
    """Lines for a terminal: any control character or bidi override quoted from the data is shown as an escape."""
    return "\n".join(visible(line) for line in lines) + "\n"


def _n(count: int) -> str:
    return f"{count} standard{'s' if count != 1 else ''}"


def _entry_words(e: Entry) -> str:
    where = ", ".join(x for x in (e.area, e.phase) if x)
    return f'{e.id} "{e.title}"' + (f" ({where})" if where else "")


def _words(value: Any) -> str:
    """A value in words: text in quotes, yes or no, a list of names, an object by its name or its fields."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return _quoted_list(tuple(_name(v) for v in value)) if value else "none"
    if isinstance(value, dict):
        if "name" in value:
            return _words(value["name"])
        return "; ".join(f"{_sub_label(k)} {_words(v)}" for k, v in value.items())
    return str(value)


def _quoted_list(items: tuple[str, ...]) -> str:
    return ", ".join(f'"{i}"' for i in items)


def _name(item: Any) -> str:
    """How an item of a list is named: a reference by its name, a note by its text, text as itself."""
    if isinstance(item, dict):
        for key in ("name", "markdown", "text", "id"):
            if isinstance(item.get(key), str):
                return str(item[key])
        return json.dumps(item, ensure_ascii=False, sort_keys=True)
    if isinstance(item, str):
        return item
    return json.dumps(item, ensure_ascii=False)


def _key(item: Any) -> str:
    """What identifies a list item from one edition to the next: its id when it has one, else all of it."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return f"id:{item['id']}"
    if isinstance(item, dict) and isinstance(item.get("markdown"), str):
        return f"markdown:{item['markdown']}"
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def _sub_label(key: str) -> str:
    return SUB_FIELDS.get(key, key.replace("_", " "))


def compare_field(key: str, label: str, old: Any, new: Any) -> FieldChange | None:
    """How one field differs, or None when it is the same."""
    if old == new:
        return None
    if isinstance(old, list) and isinstance(new, list):
        old_keys, new_keys = [_key(i) for i in old], [_key(i) for i in new]
        olds, news = _first(old_keys, old), _first(new_keys, new)
        # Counted, not as sets: an item the new edition lists twice, or once where the old one listed it twice, is a
        # difference to say (as sets the two lists are the same, and the change had nothing to say).
        added = tuple(_name(news[k]) for k in _surplus(new_keys, old_keys))
        removed = tuple(_name(olds[k]) for k in _surplus(old_keys, new_keys))
        details = tuple(d for k in news if k in olds for d in _item_details(olds[k], news[k]))
        common = [k for k in news if k in olds]
        reordered = common != [k for k in olds if k in news]
        return FieldChange(key, label, added=added, removed=removed, details=details, reordered=reordered, whole=False)
    if isinstance(old, dict) and isinstance(new, dict):
        inside = [compare_field(sub, _sub_label(sub), old.get(sub), new.get(sub)) for sub in [*old, *(k for k in new if k not in old)]]
        return FieldChange(key, label, parts=tuple(c for c in inside if c is not None), whole=False)
    return FieldChange(key, label, was=old, now=new)


def _first(keys: list[str], items: list[Any]) -> dict[str, Any]:
    """Each key's first item, in the order of the list."""
    out: dict[str, Any] = {}
    for k, item in zip(keys, items, strict=True):
        out.setdefault(k, item)
    return out


def _surplus(keys: list[str], others: list[str]) -> list[str]:
    """The keys keys holds more often than others does, each as often as it is over, in keys' order."""
    over = Counter(keys) - Counter(others)
    out = []
    for k in keys:
        if over[k] > 0:
            over[k] -= 1
            out.append(k)
    return out


def _item_details(old: Any, new: Any) -> list[str]:
    """Changes inside one list item both editions hold: 'School core budget: budget holder was X, now Y'."""
    if old == new or not (isinstance(old, dict) and isinstance(new, dict)):
        return []
    out = []
    for sub in [*old, *(k for k in new if k not in old)]:
        if sub == "id" or old.get(sub) == new.get(sub):
            continue
        change = compare_field(sub, _sub_label(sub), old.get(sub), new.get(sub))
        if change is not None:
            out.append(f'"{_name(old)}": {_clause(change)}')
    return out


EDITS_SHOWN = 3
"""At most this many changed stretches of a paragraph are quoted on the changes page; more, and it says 'reworded'."""
EDIT_WORDS = 12
"""At most this many words on either side of one changed stretch; a longer one is a rewording, said as such."""
EDITS_MAX_WORDS = 4000
"""Paragraphs longer than this (both versions' words together; the national set's longest is a few hundred) are
said to be reworded without looking for the words that changed."""
MOSTLY_SAME = 0.75
"""How alike (difflib's ratio of words) the two versions must be for their differences to be quoted: less is a rewording."""


def _edits(was: Any, now: Any) -> str:
    """The few words of a paragraph that changed: '"£6,000" is now "£6,500"'; or '' when it was reworded more widely.

    So a new figure (a fact's value the paragraph quotes) or a changed word is said, not hidden behind 'reworded'.
    A stretch only added or only removed is quoted with the word either side of it, to be understood."""
    if not (isinstance(was, str) and isinstance(now, str)):
        return ""
    old, new = was.split(), now.split()
    if len(old) + len(new) > EDITS_MAX_WORDS:  # difflib's time grows with the square of the words it compares
        return ""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    stretches = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not stretches or len(stretches) > EDITS_SHOWN or matcher.ratio() < MOSTLY_SAME:
        return ""
    out = []
    for _, i1, i2, j1, j2 in stretches:
        if i1 == i2 or j1 == j2:  # only added, or only removed: take in a word of context either side
            i1, j1, i2, j2 = max(i1 - 1, 0), max(j1 - 1, 0), min(i2 + 1, len(old)), min(j2 + 1, len(new))
        if max(i2 - i1, j2 - j1) > EDIT_WORDS:
            return ""
        before, after = " ".join(old[i1:i2]), " ".join(new[j1:j2])
        out.append(f'"{before}" is now "{after}"' if before and after else f'added "{after}"' if after else f'removed "{before}"')
    return "; ".join(out)


def _clause(change: FieldChange, *, brief: bool = False) -> str:
    """A change's sentence as part of a longer one: 'budget holder was "X", now "Y"' (brief: prose 'reworded')."""
    if brief and change.whole and change.field in WORDS and change.was is not None and change.now is not None:
        edits = _edits(change.was, change.now)
        return f"{change.label}: {edits}" if edits else f"{change.label} reworded"
    if change.whole and change.was is not None and change.now is not None:
        return f"{change.label} was {_words(change.was)}, now {_words(change.now)}"
    text = change.sentence().removesuffix(".")
    return text[:1].lower() + text[1:]


def compare_items(
    old: Mapping[str, Any], new: Mapping[str, Any], labels: Mapping[str, str], *, skip: frozenset[str] = frozenset()
) -> tuple[FieldChange, ...]:
    """Every field of one item (a standard, a fact, the edition) that differs, known fields first in their order."""
    keys = [k for k in labels if k in old or k in new]
    keys += [k for k in [*old, *new] if k not in labels and k not in keys]
    out = []
    for key in dict.fromkeys(keys):
        if key in skip:
            continue
        change = compare_field(key, labels.get(key, key.replace("_", " ")), old.get(key), new.get(key))
        if change is not None:
            out.append(change)
    return tuple(out)


def _entry(item: Mapping[str, Any]) -> Entry:
    return Entry(
        id=str(item["id"]),
        title=str(item.get("title", "")),
        area=_text(item.get("area")),
        phase=_text(item.get("phase")),
        tier=_text(item.get("tier")),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Changes:
    """Compare two standards.json documents (as loaded by load, so of a known shape)."""
    olds = {s["id"]: s for s in old["standards"]}
    news = {s["id"]: s for s in new["standards"]}
    changed = []
    for i, s in news.items():
        if i in olds:
            fields = compare_items(olds[i], s, FIELDS, skip=frozenset({"id"}))
            if fields:
                changed.append(Changed(_entry(s), fields))
    old_facts = {f["id"]: f for f in old.get("facts") or [] if isinstance(f, dict) and isinstance(f.get("id"), str)}
    new_facts = {f["id"]: f for f in new.get("facts") or [] if isinstance(f, dict) and isinstance(f.get("id"), str)}

    def fact(f: Mapping[str, Any]) -> Entry:
        return Entry(id=f["id"], title=_text(f.get("description")))

    facts_changed = []
    for i, f in new_facts.items():
        if i in old_facts:
            fields = compare_items(old_facts[i], f, SUB_FIELDS, skip=frozenset({"id"}))
            if fields:
                facts_changed.append(Changed(fact(f), fields))
    return Changes(
        old_label=edition_label(old),
        new_label=edition_label(new),
        added=tuple(_entry(s) for i, s in news.items() if i not in olds),
        removed=tuple(_entry(s) for i, s in olds.items() if i not in news),
        changed=tuple(changed),
        edition=compare_items(old.get("edition") or {}, new.get("edition") or {}, EDITION_FIELDS),
        facts_added=tuple(fact(f) for i, f in new_facts.items() if i not in old_facts),
        facts_removed=tuple(fact(f) for i, f in old_facts.items() if i not in new_facts),
        facts_changed=tuple(facts_changed),
    )


def edition_label(doc: Mapping[str, Any]) -> str:
    """'Edition 0.1.0, content as of 1 November 2026', from a standards.json's edition (as Edition.label says it)."""
    found = doc.get("edition")
    edition: Mapping[str, Any] = found if isinstance(found, dict) else {}
    version, date = edition.get("version"), edition.get("date")
    try:
        day = dt.date.fromisoformat(date) if isinstance(date, str) else None
    except ValueError:
        day = None
    when = f"{day.day} {day:%B %Y}" if day else (str(date) if date else "no date given")
    return f"Edition {version if version else '(no version given)'}, content as of {when}"


# -- reading a standards.json ---------------------------------------------------------------------------------------
def load(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A standards.json, checked to be one of a shape this version knows; or None and what is wrong with it."""
    name = str(path)

    def problem(message: str, field: str = "", line: int = 0, column: int = 0) -> tuple[None, list[Problem]]:
        return None, [Problem(name, line, column, field, message)]

    try:
        size = os.stat(path).st_size
        if path.is_dir():
            return problem("is a folder, not a file; give the standards.json inside a built site's data/ folder")
        if size > MAX_BYTES:
            return problem(f"file is too large ({size:,} bytes; at most {MAX_BYTES:,})")
        raw = path.read_bytes()
    except FileNotFoundError:
        return problem("cannot read: the file does not exist; check the path")
    except OSError as exc:
        return problem(f"cannot read: {(exc.strerror or str(exc)).lower()}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return problem(f"not UTF-8 text (byte {exc.start + 1}); a standards.json is JSON in UTF-8")
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except _NotJson as exc:
        return problem(f"not valid JSON: {exc}")
    except json.JSONDecodeError as exc:
        return problem(f"not valid JSON: {exc.msg[:1].lower()}{exc.msg[1:]}", line=exc.lineno, column=exc.colno)
    except RecursionError:
        return problem("not a standards.json: nested too deeply")
    except ValueError:  # Python refuses a whole number of more than sys.get_int_max_str_digits() digits
        return problem(f"not valid JSON: a number is too long (more than {sys.get_int_max_str_digits():,} digits)")
    deep = _too_deep(doc)
    if deep is not None:
        return problem(f"not a standards.json: nested too deeply (more than {MAX_DEPTH} levels)", field=deep)
    return check_shape(doc, name)


class _NotJson(ValueError):
    """What Python's json reads but JSON does not allow."""


def _no_constant(name: str) -> Any:
    """NaN, Infinity and -Infinity: refused, as JSON does (NaN differs even from itself, so a file would too)."""
    raise _NotJson(f"{name} is not a number JSON allows (only digits, as in 1.5)")


def _too_deep(doc: Any) -> str | None:
    """Where doc nests lists and objects more than MAX_DEPTH deep (the comparison recurses into them), or None.

    The place is named down to a standard's field ('standards[0].notes'), not to the bottom of the nesting."""
    stack: list[tuple[Any, int, str]] = [(doc, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            return where
        if isinstance(value, dict):
            stack += [(v, depth + 1, (f"{where}.{k}" if where else str(k)) if depth < 3 else where) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, depth + 1, f"{where}[{i}]" if depth < 3 else where) for i, v in enumerate(value)]
    return None


def check_shape(doc: Any, name: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The document if it is a standards.json of a format this version reads; else None and every problem found."""
    what = "a data/standards.json from an oap build"
    if not isinstance(doc, dict):
        return None, [Problem(name, message=f"not a standards.json: expected an object, found {_kind(doc)}; give {what}")]
    if doc.get("schema") != SCHEMA_NAME or "standards" not in doc:
        return None, [Problem(name, message=f'not a standards.json (no "schema": "{SCHEMA_NAME}" with a "standards" list); give {what}')]
    version = doc.get("format_version", 1)
    if version != FORMAT_VERSION:
        return None, [
            Problem(
                name,
                field="format_version",
                message=f"format version {json.dumps(version)} is not one this oap reads (it reads version {FORMAT_VERSION}); "
                "compare it with the oap that wrote it, or build both editions with this one",
            )
        ]
    problems = []
    if not isinstance(doc["standards"], list):
        return None, [Problem(name, field="standards", message=f"expected a list of standards, found {_kind(doc['standards'])}")]
    seen: set[str] = set()
    for i, s in enumerate(doc["standards"]):
        where = f"standards[{i}]"
        if not isinstance(s, dict):
            problems.append(Problem(name, field=where, message=f"expected a standard (an object), found {_kind(s)}"))
            continue
        for key in ("id", "title"):
            if not isinstance(s.get(key), str) or not s[key]:
                problems.append(Problem(name, field=f"{where}.{key}", message=f"expected text, found {_kind(s.get(key))}"))
        if isinstance(s.get("id"), str):
            if s["id"] in seen:
                problems.append(Problem(name, field=f"{where}.id", message=f"{s['id']!r} appears twice; each standard's id is unique"))
            seen.add(s["id"])
    if "edition" in doc and not isinstance(doc["edition"], dict):
        problems.append(Problem(name, field="edition", message=f"expected an object, found {_kind(doc['edition'])}"))
    if doc.get("facts") is not None and not isinstance(doc["facts"], list):
        problems.append(Problem(name, field="facts", message=f"expected a list of facts, found {_kind(doc['facts'])}"))
    return (None, problems) if problems else (doc, [])


def _kind(value: Any) -> str:
    if value is None:
        return "null (nothing)"
    return {dict: "an object", list: "a list", str: "text", bool: "true or false", int: "a number", float: "a number"}.get(
        type(value), "something else"
    )


def load_all(*paths: Path) -> list[dict[str, Any]]:
    """Each file loaded, or OapError with the problems of every one of them."""
    docs, problems = [], []
    for path in paths:
        doc, found = load(path)
        problems += found
        if doc is not None:
            docs.append(doc)
    if problems:
        raise OapError(problems)
    return docs


def diff_command(old: Path, new: Path, *, fmt: str = "text") -> int:
    """`oap diff OLD NEW`: the comparison on stdout, in plain English or JSON; exit 0 whether or not the files differ,
    1 (every problem of both files on stderr, nothing on stdout) when either cannot be compared."""
    try:
        before, after = load_all(old, new)
    except OapError as exc:  # nothing is written either way: say what did not happen
        n = len(exc.problems)
        print("\n".join([*map(str, exc.problems), f"{n} problem{'s' if n != 1 else ''} found; no comparison was made."]), file=sys.stderr)
        return 1
    changes = compare(before, after)
    if fmt == "json":
        print(json.dumps(changes.as_json(), indent=2, ensure_ascii=False))
    else:
        print(changes.text(str(old), str(new)), end="")
    return 0


# -- an edition compared with its previous one -------------------------------------------------------------------------
def compared(edition: Edition, previous: Path) -> Edition:
    """The edition with its changes since the previous edition's standards.json (raises OapError if that file is bad)."""
    from .opendata import standards_doc  # opendata reads the edition: import it only when comparing

    (old,) = load_all(previous)
    now = json.loads(json.dumps(standards_doc(edition)))  # as published (lists, not tuples); without indent, C is quick
    return dataclasses.replace(edition, changes=compare(old, now))


def choose_previous(flag: Path | None, env: Mapping[str, str] | None = None) -> tuple[Path | None, str | None]:
    """The previous edition's file: --previous, else OAP_PREVIOUS (and its value, for the summary line); as the
    council's folder is chosen (builder.edition.choose_setting): the flag wins, and two different files are an error."""
    from .edition import choose_setting

    return choose_setting(flag, "--previous", PREVIOUS_ENV, ("files", "file"), env)

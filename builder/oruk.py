"""`oap import-services`: a council's Open Referral UK (ORUK) 3.0 services feed, saved as a file, imported into its folder.

The imported services go into their own file (services-imported.yaml, named by `imported_services` in council.yaml),
never into council.yaml itself: council.yaml stays the council's hand-written, commented file, and the imported file
belongs to the command, which rewrites it whole on every import. So an import never touches a hand-written service,
importing the same feed twice writes the same bytes, and a service the feed no longer lists goes from the imported
file only. A service keeps its feed id as `oruk_id`, so a later import updates it in place and keeps its page id.

Which terms mean which need types, and which ages make which phase, is data: builder/oruk-terms.yaml, with a
council's own oruk-terms.yaml before it. Every term the tables do not know is reported, never dropped silently.
The feed's text is only ever text: HTML in a description becomes paragraphs and list items of plain text, escaped
so that nothing in it acts as Markdown or markup on the site.
"""

from __future__ import annotations

import bisect
import dataclasses
import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from json import decoder
from json.scanner import NUMBER_RE
from pathlib import Path
from typing import Any

import yaml

from . import model
from .errors import OapError, Problem, blame
from .load import Document, Path_, load_yaml, read_regular
from .overlay import COUNCIL_FILE, load_overlay, shown_path
from .project import load_corpus
from .scaffold import slugify
from .text import BIDI_CONTROLS
from .text import problem as text_problem
from .validate import schema, schema_problems

IMPORTED_FILE = "services-imported.yaml"
"""Where the imported services go, unless council.yaml's imported_services names another file."""
TERMS_FILE = "oruk-terms.yaml"
"""A council's own terms, in its folder, read before the project's."""
DEFAULT_TERMS = Path(__file__).resolve().parent / TERMS_FILE
MAX_FEED_BYTES = 50_000_000
"""Largest feed file read: a directory of a few thousand services is a few megabytes."""
KEY = "imported_services"

_SCHEMA_SERVICE = schema("council.schema.json")["$defs"]["service"]["properties"]
_MAX_NAME = _SCHEMA_SERVICE["name"]["maxLength"]
_MAX_DESCRIPTION = schema("council.schema.json")["$defs"]["markdown"]["maxLength"]
_MAX_ID = _SCHEMA_SERVICE["id"]["maxLength"]
_EMAIL = re.compile(schema("council.schema.json")["$defs"]["email"]["pattern"])
_PHONE = re.compile(schema("council.schema.json")["$defs"]["phone"]["pattern"])
_URL = re.compile(schema("council.schema.json")["$defs"]["url"]["pattern"])


# -- reading the feed: JSON, with the line and column of every value --------------------------------------------------
def load_feed(path: Path) -> tuple[Document | None, list[Problem]]:
    """One feed file as a Document (positions of every value), or None and what stopped it."""
    rel = shown_path(path)
    raw, refused = read_regular(path, rel, limit=MAX_FEED_BYTES)
    if raw is None:
        return None, [refused or Problem(rel, message="cannot read the file")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line, col = before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(rel, line, col, message=f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (an ORUK feed is UTF-8 JSON)")]
    if not text.strip():
        return None, [Problem(rel, message="file is empty (expected an Open Referral UK services feed: JSON)")]
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return None, [
            Problem(
                rel, exc.lineno, exc.colno, message=f"not valid JSON: {exc.msg} (save the feed exactly as the service directory sent it)"
            )
        ]
    except _NotANumber as exc:
        return None, [Problem(rel, message=f"not valid JSON: {exc} is not a number JSON allows")]
    except RecursionError:
        return None, [Problem(rel, message="not an Open Referral UK feed: the JSON is nested too deeply")]
    doc = Document(rel, data)
    _positions(text, doc)
    return doc, []


class _NotANumber(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotANumber(name)


_WS = re.compile(r"[ \t\n\r]*")


def _positions(text: str, doc: Document) -> None:
    """Record the line and column of every value of valid JSON text in doc.positions (as load.py does for YAML)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def mark(path: Path_, i: int) -> None:
        line = bisect.bisect_right(starts, i)
        doc.positions[path] = (line, i - starts[line - 1] + 1)

    def value(i: int, path: Path_) -> int:
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        mark(path, i)
        ch = text[i]
        if ch in "{[":
            close, n = ("}" if ch == "{" else "]"), 0
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            while text[i] != close:
                if ch == "{":
                    key, i = decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    i = _WS.match(text, i).end() + 1  # type: ignore[union-attr]  # the colon
                    i = value(i, (*path, key))
                else:
                    i = value(i, (*path, n))
                    n += 1
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == ",":
                    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            return i + 1
        if ch == '"':
            return int(decoder.scanstring(text, i + 1)[1])  # type: ignore[attr-defined]
        number = NUMBER_RE.match(text, i)
        if number:
            return number.end()
        return i + next(len(word) for word in ("true", "false", "null") if text.startswith(word, i))

    value(0, ())


def feed_services(docs: list[Document]) -> tuple[list[tuple[Document, Path_, dict[str, Any]]], list[Problem]]:
    """Every service in the feed files, with where it is; the problems that make the feed unusable."""
    problems: list[Problem] = []
    out: list[tuple[Document, Path_, dict[str, Any]]] = []
    pages: dict[int, str] = {}
    total: tuple[int, str] | None = None
    for doc in docs:
        shape = schema_problems(doc, "oruk-feed.schema.json")
        if isinstance(doc.data, dict) and "contents" not in doc.data and "id" in doc.data:
            shape = [
                doc.problem(
                    (), "this is one service; save the feed's /services page (an object with a contents list), or a list of services"
                )
            ]
        problems.extend(shape)
        if shape:
            continue
        if isinstance(doc.data, list):
            out.extend((doc, (i,), s) for i, s in enumerate(doc.data))
            continue
        out.extend((doc, ("contents", i), s) for i, s in enumerate(doc.data["contents"]))
        number, count = doc.data.get("page_number") or 1, doc.data.get("total_pages") or 1
        if number in pages:
            problems.append(doc.problem(("page_number",), f"page {number} is given twice (also {pages[number]})"))
        pages.setdefault(number, doc.rel)
        if total is None or count > total[0]:
            total = (count, doc.rel)
    if total and not problems:
        missing = [str(n) for n in range(1, total[0] + 1) if n not in pages]
        if missing:
            problems.append(
                Problem(
                    total[1],
                    message=f"the feed has {total[0]} pages and page {', '.join(missing)} is not given "
                    "(save every page of /services and name every file, or services on the missing pages would be reported as gone)",
                )
            )
    seen: dict[str, str] = {}
    for doc, at, svc in out:
        where = f"{doc.rel}:{doc.where(at + ('id',))[0]}"
        if svc["id"] in seen:
            problems.append(
                doc.problem(
                    at + ("id",), f"the feed lists id '{svc['id']}' twice (first at {seen[svc['id']]}); each service's id must be unique"
                )
            )
        seen.setdefault(svc["id"], where)
    return out, problems


# -- the mapping tables ---------------------------------------------------------------------------------------------
@dataclass
class Terms:
    """What each known term means, and the ages of each phase."""

    meaning: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    """Normalised term -> (need type ids, phase ids)."""
    phase_ages: list[tuple[str, float, float]] = field(default_factory=list)


def _norm(term: str) -> str:
    return " ".join(term.replace("’", "'").split()).casefold()


def load_terms(council: Path, vocab: model.Vocabularies) -> Terms:
    """The council's oruk-terms.yaml (if any) over the project's, checked; raise OapError with every problem."""
    terms = Terms()
    problems: list[Problem] = []
    for path in (council / TERMS_FILE, DEFAULT_TERMS):
        if path != DEFAULT_TERMS and not os.path.lexists(path):
            continue
        doc, errs = load_yaml(path, shown_path(path), within=council if path != DEFAULT_TERMS else None)
        if doc is None:
            problems.extend(errs)
            continue
        shape = schema_problems(doc, "oruk-terms.schema.json")
        problems.extend(shape)
        if shape:
            continue
        for i, entry in enumerate(doc.data.get("terms", [])):
            for key, known in (("need_types", vocab.need_types), ("phases", vocab.phases)):
                for j, ref in enumerate(entry.get(key, [])):
                    if ref not in known:
                        problems.append(
                            doc.problem(("terms", i, key, j), f"unknown {key[:-1].replace('_', ' ')} '{ref}' (known: {', '.join(known)})")
                        )
            for term in entry["match"]:
                terms.meaning.setdefault(_norm(term), (tuple(entry.get("need_types", [])), tuple(entry.get("phases", []))))
        for i, entry in enumerate(doc.data.get("phase_ages", [])):
            if entry["phase"] not in vocab.phases:
                problems.append(
                    doc.problem(("phase_ages", i, "phase"), f"unknown phase '{entry['phase']}' (known: {', '.join(vocab.phases)})")
                )
            elif entry["from"] >= entry["to"]:
                problems.append(doc.problem(("phase_ages", i, "to"), f"must be more than from ({entry['from']})"))
        if not terms.phase_ages and doc.data.get("phase_ages"):  # the council's ages, if it gives them, replace the project's
            terms.phase_ages = [(e["phase"], e["from"], e["to"]) for e in doc.data["phase_ages"]]
    if problems:
        raise OapError(problems)
    return terms


# -- feed text to council text ----------------------------------------------------------------------------------------
_TAG = re.compile(r"</?[A-Za-z][^>]*>|<!--")
_BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "blockquote", "hr", "dd", "dt"}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "iframe", "object"}
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\ufffe\uffff\ud800-\udfff" + "".join(BIDI_CONTROLS) + "]")
"""Characters that are not text (controls, bidirectional controls, halves of characters): left out of feed text."""
_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")


class _Text(HTMLParser):
    """HTML as blocks of plain text: paragraphs and list items; scripts and styles are not text and are left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []
        self._now: list[str] = []
        self._item = False
        self._skip = 0

    def _end(self) -> None:
        words = " ".join("".join(self._now).split())
        if words:
            self.blocks.append((self._item, words))
        self._now, self._item = [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._end()
            self._item = tag == "li"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._end()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._now.append(data)


def plain_blocks(value: str) -> list[tuple[bool, str]]:
    """Feed text as (is a list item, text) blocks: HTML read as HTML, anything else a paragraph per line (entities such as
    &amp; read as the character they stand for: directories often escape their text twice)."""
    value = _INVISIBLE.sub("", _BREAKS.sub("\n", value)).replace("\t", " ")
    if _TAG.search(value):
        parser = _Text()
        parser.feed(value)
        parser.close()
        parser._end()
        return parser.blocks
    return [(False, " ".join(html.unescape(line).split())) for line in value.split("\n") if line.strip()]


def plain_line(value: str) -> str:
    """Feed text as one line of plain text (a name)."""
    return " ".join(text for _, text in plain_blocks(value))


_MD_INLINE = re.compile(r"([\\`*_\[\]])")
_MD_NUMBERED = re.compile(r"^(\d+)\.")


def md_text(text: str) -> str:
    """Plain text as Markdown that shows exactly that text: nothing in it becomes emphasis, a link, a heading or a list."""
    text = _MD_INLINE.sub(r"\\\1", text)
    text = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", text)  # an entity's name stays text
    text = re.sub(r"<(?=[^\s<])", "&lt;", text)  # never an autolink (<https://...>) or a tag
    if text[:1] in ("#", ">", "+", "-"):  # would start a heading, a quote or a list (* is escaped above)
        text = "\\" + text
    return _MD_NUMBERED.sub(r"\1\\.", text)  # '1. ' would start a numbered list


def markdown_description(value: str) -> tuple[str, bool]:
    """A feed's description as council Markdown, and whether it had to be shortened to the schema's limit."""
    parts: list[str] = []
    size = 0
    for item, text in plain_blocks(value):
        piece = ("- " if item else "") + md_text(text)
        if size + len(piece) + 2 > _MAX_DESCRIPTION - 60:
            room = _MAX_DESCRIPTION - 60 - size - 2
            if room > 40:
                cut = piece[:room].rsplit(" ", 1)[0].rstrip("\\")
                parts.append(cut + " …")
            return _join(parts), True
        parts.append(piece)
        size += len(piece) + 2
    return _join(parts), False


def _join(parts: list[str]) -> str:
    """Paragraphs apart by a blank line; list items together, so that they make one list."""
    out = ""
    for i, part in enumerate(parts):
        if i:
            out += "\n" if part.startswith("- ") and parts[i - 1].startswith("- ") else "\n\n"
        out += part
    return out


def _phone(value: str) -> str:
    """A feed's phone number in the council schema's form (digits and spaces), or '' if it has letters or an extension."""
    number = re.sub(r"[()\-./]", " ", value.strip())
    number = " ".join(number.split())
    return number if _PHONE.match(number) else ""


# -- one service ------------------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What the import made of the feed, for the report and the imported file's header."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    unmapped: dict[str, list[str]] = field(default_factory=dict)
    """'term (taxonomy)' -> the names of the services that use it."""
    skipped: list[str] = field(default_factory=list)
    """One line per feed service not imported: its name and why."""
    notes: list[str] = field(default_factory=list)
    """One line per change made to a service's data on the way in (a phone left out, a description shortened)."""
    kept: list[str] = field(default_factory=list)
    """Services in the feed that council.yaml has written by hand (same oruk_id): left alone."""
    gone: list[str] = field(default_factory=list)
    """Services imported before that the feed no longer lists."""


def _ages(svc: dict[str, Any]) -> list[tuple[float, float]]:
    ranges = [svc] + [e for e in (svc.get("eligibilitys") or []) if isinstance(e, dict)]
    out = []
    for r in ranges:
        low, high = r.get("minimum_age"), r.get("maximum_age")
        if low is None and high is None:
            continue
        out.append((float(low or 0), float(high) if high is not None else float("inf")))
    return out


def _phases(svc: dict[str, Any], terms: Terms, from_terms: list[str], vocab: model.Vocabularies) -> list[str]:
    """Phases whose ages overlap the service's (a single age counts as that year of life), plus those its terms name."""
    found = set(from_terms)
    for low, high in _ages(svc):
        high = max(high, low + 1) if high == low else high
        found.update(phase for phase, start, end in terms.phase_ages if low < end and high > start)
    return [p for p in vocab.phases if p in found]


def convert(svc: dict[str, Any], terms: Terms, vocab: model.Vocabularies, out: Outcome) -> dict[str, Any] | None:
    """One feed service as a council service (without its id), or None with the reason added to out.skipped."""
    full = plain_line(svc["name"])
    name = full[:_MAX_NAME].strip() or plain_line(svc["id"])
    label = f"'{name}' (id {plain_line(svc['id'])})"
    if len(full) > _MAX_NAME:
        out.notes.append(f"{label}: name shortened to {_MAX_NAME} characters")
    if text_problem(svc["id"], "line") or len(svc["id"]) > 100:
        out.skipped.append(f"{label}: its id is not one line of at most 100 characters, so it cannot be kept to update it later")
        return None
    status = (svc.get("status") or "active").strip().lower()
    if status != "active":
        out.skipped.append(f"{label}: its status is '{status}', and only active services are listed")
        return None
    need_types: list[str] = []
    phases: list[str] = []
    for attribute in svc.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict):
            continue
        words = [w for w in (term.get("name"), term.get("term"), term.get("code")) if isinstance(w, str) and w.strip()]
        if not words:
            continue
        meaning = next((terms.meaning[_norm(w)] for w in words if _norm(w) in terms.meaning), None)
        if meaning is None:
            taxonomy = term.get("taxonomy") or ""
            shown = " ".join(words[0].split()) + (f" ({' '.join(taxonomy.split())})" if taxonomy.strip() else "")
            out.unmapped.setdefault(shown, []).append(name)
            continue
        need_types += [n for n in meaning[0] if n not in need_types]
        phases += [p for p in meaning[1] if p not in phases]
    need_types = [n for n in vocab.need_types if n in need_types]
    phases = _phases(svc, terms, phases, vocab)
    url = (svc.get("url") or "").strip()
    description, shortened = markdown_description(svc.get("description") or "")
    why = []
    if not need_types:
        why.append("none of its terms names a need type")
    if not phases:
        ages = _ages(svc)
        why.append(
            f"its ages ({', '.join(f'{lo:g} to {hi:g}' for lo, hi in ages)}) are outside every phase"
            if ages
            else "it gives no ages and no phase term"
        )
    if not _URL.match(url) or len(url) > 500 or text_problem(url, "line"):
        why.append("it has no web address (url) starting with https://" if not url else f"its url '{url[:80]}' is not a web address")
    if not description:
        why.append("it has no description")
    if why:
        out.skipped.append(f"{label}: {'; '.join(why)}")
        return None
    if shortened:
        out.notes.append(f"{label}: description shortened to {_MAX_DESCRIPTION:,} characters (the full text is on its web page)")
    result: dict[str, Any] = {
        "oruk_id": svc["id"],
        "name": name,
        "description": description,
        "need_types": need_types,
        "phases": phases,
        "url": url,
    }
    contacts = _contacts(svc, label, out)
    if contacts:
        result["contacts"] = contacts
    return result


def _contacts(svc: dict[str, Any], label: str, out: Outcome) -> list[dict[str, str]]:
    """The feed's contacts (and the service's own email and phones) in the council schema's form."""
    found = [c for c in (svc.get("contacts") or []) if isinstance(c, dict)]
    if svc.get("email") or svc.get("phones"):
        found.append({"name": "General enquiries", "email": svc.get("email"), "phones": svc.get("phones")})
    contacts: list[dict[str, str]] = []
    for c in found:
        name = plain_line(c.get("name") or c.get("title") or "")[:120].strip() or "Contact"
        entry: dict[str, str] = {"name": name}
        email = (c.get("email") or "").strip()
        if email and _EMAIL.match(email):
            entry["email"] = email
        elif email:
            out.notes.append(f"{label}: contact '{name}': email '{plain_line(email)[:80]}' is not one plain address, left out")
        for p in c.get("phones") or []:
            number = (p.get("number") or "") if isinstance(p, dict) else ""
            if number.strip() and "phone" not in entry:
                if _phone(number):
                    entry["phone"] = _phone(number)
                else:
                    out.notes.append(f"{label}: contact '{name}': phone '{plain_line(number)[:40]}' is not 6 to 15 digits, left out")
        if len(entry) > 1 and entry not in contacts:
            contacts.append(entry)
    return contacts


# -- the import -------------------------------------------------------------------------------------------------------
def _existing(folder: Path) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]], str]:
    """council.yaml's text, its hand-written services, the services imported before, and the imported file's name."""
    path = folder / COUNCIL_FILE
    doc, problems = load_yaml(path, shown_path(path), within=folder)
    if doc is None:
        raise OapError(problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    name = str(data[KEY]) if isinstance(data.get(KEY), str) else IMPORTED_FILE
    rule = schema("council.schema.json")["properties"][KEY]
    if not re.fullmatch(rule["pattern"], name) or name in (COUNCIL_FILE, TERMS_FILE):  # checked before any file is named by it
        raise OapError([doc.problem((KEY,), f"'{name}' {rule['x-hint']}, not {COUNCIL_FILE} or {TERMS_FILE}")])
    text = path.read_text(encoding="utf-8")
    before: list[dict[str, Any]] = []
    if os.path.lexists(folder / name):
        old, _ = load_yaml(folder / name, shown_path(folder / name), within=folder)
        if old is not None and isinstance(old.data, dict) and isinstance(old.data.get("services"), list):
            before = [s for s in old.data["services"] if isinstance(s, dict)]
    hand = [s for s in data.get("services") or [] if isinstance(s, dict)]
    return text, hand, before, name


def import_services(feeds: list[Path], folder: Path, root: Path) -> tuple[Outcome, list[str]]:
    """Import the feed into the council folder of the project at root: check everything, then write; return what
    happened and the files written. The feed is read first, so a broken feed is reported at once."""
    docs, problems = [], []
    for path in feeds:
        doc, errs = load_feed(path)
        problems.extend(errs)
        if doc is not None:
            docs.append(doc)
    if problems:
        raise OapError(problems)
    services, problems = feed_services(docs)
    if problems:
        raise OapError(problems)
    corpus = load_corpus(root)
    folder = Path(folder)
    if not (folder / COUNCIL_FILE).is_file():
        load_overlay(folder, corpus)  # says what is missing, as `oap check` would
    terms = load_terms(folder, corpus.vocab)
    council_text, hand, before, name = _existing(folder)

    out = Outcome()
    hand_ids = {s.get("id") for s in hand}
    hand_oruk = {s.get("oruk_id"): s.get("id") for s in hand if s.get("oruk_id")}
    old_ids = {s.get("oruk_id"): s.get("id") for s in before if s.get("oruk_id") and isinstance(s.get("id"), str)}
    taken: set[Any] = set(hand_ids)
    in_feed = set()
    for _doc, _at, svc in services:
        in_feed.add(svc["id"])
        if svc["id"] in hand_oruk:
            out.kept.append(f"'{hand_oruk[svc['id']]}' (oruk_id {svc['id']}): written in {COUNCIL_FILE}, so not imported over")
            continue
        converted = convert(svc, terms, corpus.vocab, out)
        if converted is None:
            continue
        sid = old_ids.get(svc["id"]) or ""
        if not sid or sid in taken:
            base = (slugify(converted["name"]) or "service")[: _MAX_ID - 4].strip("-")
            sid, n = base, 2
            while sid in taken:
                sid, n = f"{base}-{n}", n + 1
        taken.add(sid)
        out.imported.append({"id": sid, **converted})
    out.gone = [f"'{s.get('name')}' (oruk_id {s.get('oruk_id')})" for s in before if s.get("oruk_id") not in in_feed]

    imported_text = _imported_yaml(out, [Path(p).name for p in feeds])
    new_council = council_text if re.search(rf"(?m)^{KEY}\s*:", council_text) else _with_key(council_text, name)
    files = {name: imported_text, COUNCIL_FILE: new_council}
    _verify(folder, files, corpus)
    written = []
    for file_name, text in files.items():
        path = folder / file_name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _write(path, text)
            written.append(shown_path(path))
    return out, written


def _with_key(text: str, name: str) -> str:
    """council.yaml with the imported_services key added at its end; every line before it stays as it was."""
    return (
        text
        + ("" if text.endswith("\n") else "\n")
        + "\n# imported_services: the services `oap import-services` imported from our Open Referral UK feed are kept\n"
        + "#   in this file, which the command rewrites on every import (do not edit it). Services written above are\n"
        + "#   never changed by an import; to take one over by hand, copy it above with its oruk_id.\n"
        + f"{KEY}: {name}\n"
    )


class _Dumper(yaml.SafeDumper):
    """YAML for people: text over several lines as a | block, and lists of ids on one line."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = bool(value) and all(isinstance(v, str) and re.fullmatch(r"[A-Za-z0-9-]+", v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def _comment(lines: list[str]) -> str:
    """Lines as YAML comments; text from the feed is kept to one printable line each."""
    return "".join("#   " + "".join(ch if ch.isprintable() else " " for ch in line) + "\n" for line in lines)


def _imported_yaml(out: Outcome, feeds: list[str]) -> str:
    """The imported file: a header saying what it is and what the import could not map, then the services."""
    header = (
        f"# Services imported by `oap import-services` from {', '.join(feeds)} (Open Referral UK).\n"
        "# DO NOT EDIT: the next import replaces this file. To change a service, change it in the service\n"
        f"# directory and import again, or copy it into {COUNCIL_FILE}'s services with its oruk_id: a service\n"
        f"# written in {COUNCIL_FILE} is never imported over.\n"
    )
    if out.unmapped:
        header += f"#\n# Terms the import could not map (add them to {TERMS_FILE} in this folder):\n"
        header += _comment([f"{term}: used by {', '.join(sorted(set(names)))}" for term, names in sorted(out.unmapped.items())])
    if out.skipped:
        header += "#\n# Services in the feed not imported:\n" + _comment(out.skipped)
    body = yaml.dump({"services": out.imported}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return header + "\n" + body


def _verify(folder: Path, files: dict[str, str], corpus: model.Corpus) -> None:
    """Check the council folder as it would be after the import (a copy with the new files), as `oap check` would."""
    with tempfile.TemporaryDirectory(prefix="oap-import-") as tmp:
        staged = Path(tmp) / folder.resolve().name
        shutil.copytree(folder, staged, symlinks=True)
        for name, text in files.items():
            (staged / name).write_text(text, encoding="utf-8")
        try:
            load_overlay(staged, corpus)
        except OapError as exc:
            real, fake = shown_path(folder), shown_path(staged)
            raise OapError(dataclasses.replace(p, path=p.path.replace(fake, real, 1)) for p in exc.problems) from None


def _write(path: Path, text: str) -> None:
    """Write a file whole or not at all: a temporary file beside it, renamed over it."""
    tmp = path.with_name(f".{path.name}.oap-tmp")
    try:
        with blame(path.parent), open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def report(out: Outcome, written: list[str], folder: Path, feeds: list[Path]) -> str:
    """What the import did, for the council officer: what was imported, and everything it could not map or import."""
    lines = [
        f"oap import-services: {len(out.imported)} services imported from {', '.join(shown_path(f) for f in feeds)} "
        + (f"(wrote {', '.join(written)})." if written else "(nothing changed: the files were already up to date).")
    ]
    if out.unmapped:
        lines.append(f"Terms not mapped to a need type or phase (add them to {shown_path(folder / TERMS_FILE)}):")
        lines += [f"  {term}: used by {', '.join(sorted(set(names)))}" for term, names in sorted(out.unmapped.items())]
    sections = (
        ("Not imported:", out.skipped),
        ("Changed on the way in:", out.notes),
        ("Kept as written by hand:", out.kept),
        ("No longer in the feed (removed from the imported services):", out.gone),
    )
    for title, items in sections:
        if items:
            lines.append(title)
            lines += [f"  {item}" for item in items]
    return "\n".join(lines)

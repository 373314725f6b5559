"""A council's overlay: one folder of local detail layered over the national baseline, which it can never change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import math
import os
import re
import shlex
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markdown
import nh3
from markupsafe import Markup

from . import model
from .errors import OapError, Problem
from .load import Document, load_yaml, read_regular
from .project import VOCABULARIES, load_standards_file
from .render import Edition
from .validate import schema, schema_problems

COUNCIL_FILE = "council.yaml"
"""The one file every council folder holds."""
SCHEMA = "council.schema.json"
ORUK_SCHEMA = "oruk-services.schema.json"
HEADER_TEXT = "#ffffff"
"""The header text colour in every edition (docs/assets/oap.css --oap-primary-text)."""
MIN_CONTRAST = 4.5
"""WCAG 2.2 AA minimum contrast for normal text."""
LOGO_MAX_BYTES = 200_000
BASELINE = "the national baseline cannot be changed by an overlay"
"""The start of every message refusing an attempt to change national content."""

ROLE_NAMES = {
    "send-team": "SEND team",
    "sendiass": "SEND information, advice and support service (SENDIASS)",
    "parent-carer-forum": "Parent carer forum",
    "local-offer": "Local Offer team",
    "early-years-send": "Early years SEND team",
    "educational-psychology": "Educational psychology service",
    "designated-clinical-officer": "Designated clinical officer (health)",
    "social-care": "Disabled children's social care",
    "preparing-for-adulthood": "Preparing for adulthood team",
    "other": "",
}
"""How each contact role is shown to families; the keys are the schema's role enum."""

NATIONAL_KEYS = frozenset({"standards", "overrides", "override", "replace", "national", "baseline", "wording", *VOCABULARIES})
"""Top-level keys that could only mean changing national content; refused with BASELINE, not just 'unknown key'."""

_IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".webp": (b"RIFF",)}
_ORUK_NAMESPACE = uuid.UUID("6f0b7c2e-4a8d-5b1e-9c3f-0a4d2e8b7c61")
"""Fixed namespace for the Open Referral ids, so a service keeps its id from build to build."""

# -- council Markdown: rendered, then sanitised; raw HTML is shown as text ---------------------------
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "code"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str) -> Markup:
    """Council Markdown as safe HTML: raw HTML stays text, then nh3 keeps only basic tags and safe links."""
    md = markdown.Markdown(output_format="html")
    # Councils write Markdown, not HTML: without these two, Python-Markdown would pass raw HTML through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(text)
    clean = nh3.clean(
        html, tags=_ALLOWED_TAGS, attributes={"a": {"href"}}, url_schemes=_URL_SCHEMES, link_rel="noopener", url_relative="deny"
    )
    return Markup(clean.strip())


# -- the model ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contact:
    """A team or service a family can contact."""

    name: str
    role: str = ""
    description: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""
    hours: str = ""

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, "")

    @property
    def role_label(self) -> str:
        """The role's name, unless the contact's own name already says it (e.g. 'Example SEND team')."""
        name, label = self.name.lower(), self.role_name
        short = label.split(" (")[0].lower()
        abbreviation = label[label.find("(") + 1 : -1] if label.endswith(")") else ""
        if not label or short in name or (abbreviation and abbreviation.lower() in name):
            return ""
        return label

    @property
    def mailto(self) -> str:
        return f"mailto:{self.email}" if self.email else ""

    @property
    def tel(self) -> str:
        return f"tel:{self.phone.replace(' ', '')}" if self.phone else ""


@dataclass(frozen=True)
class Service:
    """A local service, listed under the areas of need and phases it serves."""

    id: str
    name: str
    description: str
    html: Markup
    need_types: tuple[str, ...]
    phases: tuple[str, ...]
    url: str
    areas: tuple[str, ...]
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class FundingBand:
    """A local funding band, paid from a national funding stream."""

    name: str
    amount: str
    description: str
    funding_stream: str


@dataclass(frozen=True)
class Note:
    """A council's note under one national standard: added to it, never replacing it."""

    standard_id: str
    text: str
    html: Markup


@dataclass(frozen=True)
class Council:
    """Everything a council adds, loaded and checked."""

    name: str
    slug: str
    primary_colour: str
    source: str
    contacts: tuple[Contact, ...]
    services: tuple[Service, ...] = ()
    notes: tuple[Note, ...] = ()
    funding_bands: tuple[FundingBand, ...] = ()
    local_standards: tuple[model.Standard, ...] = ()
    fictional: bool = False
    website: str = ""
    guide_name: str = ""
    logo_name: str = ""
    """The logo's published path under the site, e.g. assets/council-logo.png; empty without a logo."""
    logo: bytes = field(default=b"", repr=False)

    @property
    def contrast(self) -> float:
        return contrast_ratio(self.primary_colour, HEADER_TEXT)

    @property
    def contrast_text(self) -> str:
        return ratio_text(self.contrast)

    def branding_context(self) -> dict[str, Any]:
        """What the site theme needs: name, colour, stylesheet and logo."""
        return {
            "name": self.name,
            "slug": self.slug,
            "primary_colour": self.primary_colour,
            "css": "assets/council.css",
            "logo": self.logo_name or None,
            "fictional": self.fictional,
            "guide_name": self.guide_name or None,
        }

    def notes_for(self, standard_id: str) -> list[Note]:
        return [n for n in self.notes if n.standard_id == standard_id]

    def services_for(self, area: str, phase: str) -> list[Service]:
        """The services for one area of need and phase, in the council's order."""
        return [s for s in self.services if area in s.areas and phase in s.phases]

    def services_in_phase(self, phase: str) -> list[Service]:
        return [s for s in self.services if phase in s.phases]

    def stylesheet(self) -> bytes:
        """The header colours; loaded after docs/assets/oap.css, so these variables win."""
        dark = _darker(self.primary_colour)
        return (
            f"/* Generated by oap from {self.slug}'s council.yaml: the header colour, {self.contrast_text} contrast with white text. */\n"
            f":root {{\n  --oap-primary: {self.primary_colour};\n  --md-primary-fg-color--dark: {dark};\n}}\n"
        ).encode()

    def site_files(self, vocab: model.Vocabularies) -> dict[str, bytes]:
        """Files the council's edition adds: its stylesheet, logo and open data."""
        files = {
            "assets/council.css": self.stylesheet(),
            "data/oruk/services.json": _json_bytes(oruk_services(self, vocab)),
            f"data/{ORUK_SCHEMA}": _json_bytes(schema(ORUK_SCHEMA)),
        }
        if self.logo_name:
            files[self.logo_name] = self.logo
        return files


@dataclass(frozen=True)
class Overlay:
    """A council's edition: the national corpus unchanged, plus the council's additions."""

    council: Council
    national: model.Corpus
    corpus: model.Corpus

    def edition(self, date: dt.date) -> Edition:
        latest = max([date, *(s.last_reviewed for s in self.council.local_standards)])
        return Edition(date=latest, council=self.council)

    def render_context(self) -> dict[str, Any]:
        """Keyword arguments for builder.render.Renderer: the notes as HTML, and the services lookup."""
        notes: dict[str, list[Markup]] = {}
        for note in self.council.notes:
            notes.setdefault(note.standard_id, []).append(note.html)
        return {"notes": notes, "services_for": self.council.services_for}


# -- colour ------------------------------------------------------------------------------------------
def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours, from 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ratio_text(ratio: float) -> str:
    """4.47 as '4.4:1': rounded down, so a failing colour never looks as if it passes."""
    return f"{math.floor(ratio * 10) / 10:.1f}:1"


def _darker(colour: str) -> str:
    return "#" + "".join(f"{int(int(colour[i : i + 2], 16) * 0.75):02x}" for i in (1, 3, 5))


# -- loading and checking ----------------------------------------------------------------------------
def _display(path: Path) -> str:
    """A path as the author typed it where possible: relative to the current folder."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_overlay(council_dir: Path, corpus: model.Corpus) -> Overlay:
    """Load and check a council folder against the national corpus; raise OapError with every problem."""
    folder = Path(council_dir)
    rel = _display(folder / COUNCIL_FILE)
    if not folder.is_dir():
        raise OapError([Problem(_display(folder), message='no such council folder (create one with: oap new-council DIR --name "...")')])
    if not os.path.lexists(folder / COUNCIL_FILE):  # anything else there (a FIFO, a device) load_yaml refuses by name
        raise OapError(
            [Problem(rel, message='missing: a council folder holds a council.yaml (create one with: oap new-council DIR --name "...")')]
        )
    doc, problems = load_yaml(folder / COUNCIL_FILE, rel, within=folder)
    if doc is None:
        raise OapError(problems)
    problems, doc = _guard_baseline(doc)
    shape = schema_problems(doc, SCHEMA)
    if shape:
        raise OapError(problems + shape)
    council = _build(doc, folder, corpus, problems)
    if problems:
        raise OapError(problems)
    order = {(a, p): i for i, (a, p) in enumerate((a, p) for a in corpus.vocab.areas for p in corpus.vocab.phases)}
    merged = sorted(corpus.standards + council.local_standards, key=lambda s: order.get((s.area, s.phase), len(order)))
    return Overlay(council, corpus, model.Corpus(corpus.vocab, tuple(merged)))


def _guard_baseline(doc: Document) -> tuple[list[Problem], Document]:
    """Refuse every attempt to change national content, and return the document without it for the schema."""
    if not isinstance(doc.data, dict):
        return [], doc
    problems: list[Problem] = []
    kept: dict[str, Any] = {}
    for key, value in doc.data.items():
        if key in NATIONAL_KEYS:
            problems.append(
                doc.problem(
                    (key,),
                    f"{BASELINE} (a council adds contacts, services, notes, funding_bands and local_standards; "
                    f"to say how a national standard works locally, write a note under notes.<id>)",
                    key=True,
                )
            )
        else:
            kept[key] = value
    notes = kept.get("notes")
    if isinstance(notes, dict):
        kept["notes"] = {}
        for sid, text in notes.items():
            if isinstance(text, dict):
                fields = ", ".join(sorted(map(str, text))) or "nothing"
                problems.append(
                    doc.problem(
                        ("notes", sid), f"{BASELINE} (a note is Markdown text shown under the national standard; it cannot set {fields})"
                    )
                )
            else:
                kept["notes"][sid] = text
    return problems, dataclasses.replace(doc, data=kept)


def _build(doc: Document, folder: Path, corpus: model.Corpus, problems: list[Problem]) -> Council:
    """Apply the rules beyond the schema, appending problems, and build the council."""
    data, vocab = doc.data, corpus.vocab
    national = corpus.by_id()
    slug = data["slug"]
    logo_name, logo = _check_branding(doc, folder, problems)
    local = _local_standards(doc, corpus, slug, national, problems)
    notes = _notes(doc, national, {s.id for s in local}, problems)
    services = _services(doc, vocab, problems)
    bands = _funding_bands(doc, vocab, problems)
    return Council(
        name=data["name"],
        slug=slug,
        primary_colour=data["branding"]["primary_colour"].lower(),
        source=doc.rel,
        contacts=tuple(_contact(c) for c in data["contacts"]),
        services=services,
        notes=notes,
        funding_bands=bands,
        local_standards=tuple(local),
        fictional=data.get("fictional", False),
        website=data.get("website", ""),
        guide_name=data.get("guide_name", ""),
        logo_name=logo_name,
        logo=logo,
    )


def _check_branding(doc: Document, folder: Path, problems: list[Problem]) -> tuple[str, bytes]:
    """The colour must pass WCAG AA against the white header text; the logo must be a real image in the folder."""
    branding = doc.data["branding"]
    colour = branding["primary_colour"]
    ratio = contrast_ratio(colour, HEADER_TEXT)
    if ratio < MIN_CONTRAST:
        problems.append(
            doc.problem(
                ("branding", "primary_colour"),
                f"primary_colour '{colour}' has contrast {ratio_text(ratio)} with white header text; "
                f"WCAG AA needs at least {MIN_CONTRAST}:1",
            )
        )
    name = branding.get("logo")
    if not name:
        return "", b""
    at = ("branding", "logo")
    path = folder / name
    if not os.path.lexists(path) or path.resolve().parent != folder.resolve():
        problems.append(doc.problem(at, f"no file '{name}' in the council folder {_display(folder)}"))
        return "", b""
    size = path.stat().st_size if path.is_file() else 0
    raw, refused = read_regular(path, name, limit=LOGO_MAX_BYTES, within=folder)  # the size is checked before reading
    suffix = path.suffix.lower()
    if size > LOGO_MAX_BYTES:
        problems.append(doc.problem(at, f"'{name}' is {size:,} bytes; a logo may be at most {LOGO_MAX_BYTES:,}"))
    elif raw is None:
        problems.append(doc.problem(at, f"'{name}': {refused.message if refused else 'cannot read the file'}"))
    elif not raw.startswith(_IMAGE_MAGIC[suffix]) or (suffix == ".webp" and raw[8:12] != b"WEBP"):
        problems.append(doc.problem(at, f"'{name}' is not a {suffix[1:].upper()} image (its content does not match its name)"))
    else:
        return f"assets/council-logo{suffix}", raw
    return "", b""


def _local_standards(
    doc: Document, corpus: model.Corpus, slug: str, national: dict[str, model.Standard], problems: list[Problem]
) -> list[model.Standard]:
    """Local standards pass the national rules, start with the slug and never reuse a national id."""
    entries = doc.data.get("local_standards", [])
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        sid, at = entry["id"], ("local_standards", i, "id")
        if sid in national:
            problems.append(
                doc.problem(
                    at,
                    f"{BASELINE} ('{sid}' is a national standard, at {national[sid].source}; "
                    f"to add to it, write a note under notes.{sid}; a new local standard needs its own id starting with '{slug}-')",
                )
            )
        elif not sid.startswith(f"{slug}-"):
            problems.append(
                doc.problem(at, f"'{sid}' must start with '{slug}-' (the council's slug, so local ids never clash with national ones)")
            )
        if sid in seen:
            problems.append(doc.problem(at, f"duplicate id '{sid}' (first used at local_standards[{seen[sid]}]; ids must be unique)"))
        seen.setdefault(sid, i)
    if not entries:
        return []
    # id_prefix "" turns off the national area-and-phase prefix rule; the slug rule above replaces it.
    return load_standards_file(
        Path(doc.rel),
        doc.rel,
        corpus.vocab,
        problems,
        folder_area=None,
        file_phase=None,
        id_prefix="",
        local=True,
        key="local_standards",
        doc=doc,
    )


def _notes(doc: Document, national: dict[str, model.Standard], local_ids: set[str], problems: list[Problem]) -> tuple[Note, ...]:
    """Every note names an existing national standard."""
    out = []
    for sid, text in doc.data.get("notes", {}).items():
        if sid in national:
            out.append(Note(sid, text, render_markdown(text)))
            continue
        if sid in local_ids:
            hint = "it is one of this council's local standards: write the detail into the local standard itself"
        else:
            close = difflib.get_close_matches(sid, national, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else "a note must name the id of an existing national standard, shown at the foot of each standard"
            )
        problems.append(doc.problem(("notes", sid), f"no national standard has id '{sid}' ({hint})", key=True))
    return tuple(out)


def _contact(data: dict[str, Any]) -> Contact:
    return model.build(Contact, data)


def _services(doc: Document, vocab: model.Vocabularies, problems: list[Problem]) -> tuple[Service, ...]:
    """Services with unique ids, each placed under the areas of its need types."""
    out: list[Service] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(doc.data.get("services", [])):
        if data["id"] in seen:
            problems.append(
                doc.problem(("services", i, "id"), f"duplicate service id '{data['id']}' (first used at services[{seen[data['id']]}])")
            )
        seen.setdefault(data["id"], i)
        areas = tuple(
            dict.fromkeys(vocab.need_types[n].area for n in data["need_types"] if n in vocab.need_types and vocab.need_types[n].area)
        )
        out.append(
            Service(
                id=data["id"],
                name=data["name"],
                description=data["description"],
                html=render_markdown(data["description"]),
                need_types=tuple(data["need_types"]),
                phases=tuple(data["phases"]),
                url=data["url"],
                areas=areas,
                contacts=tuple(_contact(c) for c in data.get("contacts", [])),
            )
        )
    return tuple(out)


def _funding_bands(doc: Document, vocab: model.Vocabularies, problems: list[Problem]) -> tuple[FundingBand, ...]:
    """Each band is paid from a current national funding stream."""
    streams = vocab.funding_streams
    current = [s for s in streams if streams[s].current]
    out = []
    for i, data in enumerate(doc.data.get("funding_bands", [])):
        ref, at = data["funding_stream"], ("funding_bands", i, "funding_stream")
        if ref not in streams:
            problems.append(doc.problem(at, f"unknown funding stream '{ref}' (known funding streams: {', '.join(current)})"))
        elif not streams[ref].current:
            problems.append(
                doc.problem(
                    at,
                    f"'{ref}' is a {streams[ref].status} funding stream, {'not current law' if streams[ref].status == 'proposed' else 'no longer paid'}, "
                    f"and cannot pay a local band (current streams: {', '.join(current)})",
                )
            )
        out.append(model.build(FundingBand, data))
    return tuple(out)


# -- open data ---------------------------------------------------------------------------------------
def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_ORUK_NAMESPACE, "/".join(parts)))


def _compact(value: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional fields rather than writing null or empty text."""
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def oruk_services(council: Council, vocab: model.Vocabularies) -> dict[str, Any]:
    """The council's services as an Open Referral UK 3.0 shaped page of services."""
    org = _compact(
        {
            "id": _uuid("organization", council.slug),
            "name": council.name,
            "description": f"{council.name}: services in its Local Offer for children and young people with SEND.",
            "website": council.website,
        }
    )
    items = []
    for svc in council.services:
        sid = _uuid("service", council.slug, svc.id)
        attributes = [
            _attribute(
                sid,
                "eligibility",
                "need-type",
                n,
                vocab.need_types[n].name if n in vocab.need_types else n,
                "School census SEN need types (OAP vocabularies/need-types.yaml)",
            )
            for n in svc.need_types
        ]
        attributes += [
            _attribute(
                sid,
                "audience",
                "phase",
                p,
                vocab.phases[p].name if p in vocab.phases else p,
                "Phases of education (OAP vocabularies/phases.yaml)",
            )
            for p in svc.phases
        ]
        contacts = [
            _compact(
                {
                    "id": _uuid("contact", council.slug, svc.id, str(j)),
                    "name": c.name,
                    "email": c.email,
                    "phones": [{"id": _uuid("phone", council.slug, svc.id, str(j)), "number": c.phone}] if c.phone else [],
                }
            )
            for j, c in enumerate(svc.contacts)
        ]
        items.append(
            _compact(
                {
                    "id": sid,
                    "name": svc.name,
                    "description": svc.description,
                    "url": svc.url,
                    "status": "active",
                    "organization": org,
                    "contacts": contacts,
                    "attributes": attributes,
                }
            )
        )
    n = len(items)
    return {
        "total_items": n,
        "total_pages": 1,
        "page_number": 1,
        "size": n,
        "first_page": True,
        "last_page": True,
        "empty": n == 0,
        "contents": items,
    }


def _attribute(service_id: str, link_type: str, taxonomy: str, code: str, name: str, label: str) -> dict[str, Any]:
    term_id = _uuid("taxonomy", taxonomy, code)
    return {
        "id": _uuid("attribute", service_id, taxonomy, code),
        "link_id": service_id,
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "taxonomy_term": {"id": term_id, "code": code, "name": name, "term": name, "taxonomy": label},
    }


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


# -- scaffolding -------------------------------------------------------------------------------------
def slugify(name: str) -> str:
    """'Northbrook and Fenmoor Council' -> 'northbrook-and-fenmoor': ASCII words joined by hyphens, without 'council'."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("&", " and ")).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    if len(words) > 1 and words[-1] == "council":
        words.pop()
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


def scaffold(folder: Path, name: str) -> Path:
    """Write a valid, fully commented council.yaml into folder; never overwrite one."""
    path = folder / COUNCIL_FILE
    slug = slugify(name)
    if not slug:
        raise OapError(
            [
                Problem(
                    "--name",
                    message=f"'{name}' has no letters or digits to make a slug from (give the council's name, e.g. \"Example Borough Council\")",
                )
            ]
        )
    if path.exists():
        raise OapError(
            [
                Problem(
                    _display(path),
                    message="already exists; oap new-council never overwrites a council's file (edit it, or choose a new folder)",
                )
            ]
        )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("builder", "templates"), autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    )
    # YAML values are written as JSON strings, which are valid double-quoted YAML whatever the name holds.
    text = env.get_template("council.yaml.j2").render(
        name_yaml=json.dumps(name, ensure_ascii=False),
        slug=slug,
        send_team_yaml=json.dumps(f"{name} SEND team", ensure_ascii=False),
        folder=shlex.quote(folder.as_posix()),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


__all__ = ["Council", "Overlay", "contrast_ratio", "load_overlay", "oruk_services", "render_markdown", "scaffold"]

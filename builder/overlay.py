"""A council's overlay: its council.yaml loaded and checked against the national baseline, which it can never change.

The result is a builder.council.Council; builder.edition.Edition.of layers it over the national corpus.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path
from typing import Any

from . import model
from .branding import HEADER_TEXT, MIN_CONTRAST, contrast_ratio, ratio_text
from .council import Contact, Council, FundingBand, Note, Service
from .errors import OapError, Problem
from .load import Document, case_slip, load_yaml, read_regular
from .markup import mailto_problems, render_markdown
from .project import VOCABULARIES, load_standards_file
from .validate import schema_problems

COUNCIL_FILE = "council.yaml"
"""The one file every council folder holds."""
SCHEMA = "council.schema.json"
IMPORTED_SCHEMA = "council-imported-services.schema.json"
LOGO_MAX_BYTES = 200_000
BASELINE = "the national baseline cannot be changed by an overlay"
"""The start of every message refusing an attempt to change national content."""

NATIONAL_KEYS = frozenset({"standards", "overrides", "override", "replace", "national", "baseline", "wording", *VOCABULARIES})
"""Top-level keys that could only mean changing national content; refused with BASELINE, not just 'unknown key'."""

_IMAGE_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".webp": (b"RIFF",)}


def shown_path(path: Path) -> str:
    """A path as the author typed it where possible: relative to the current folder."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_overlay(council_dir: Path, corpus: model.Corpus) -> Council:
    """Load and check a council folder against the national corpus; raise OapError with every problem."""
    folder = Path(council_dir)
    rel = shown_path(folder / COUNCIL_FILE)
    if not folder.is_dir():
        raise OapError([Problem(shown_path(folder), message='no such council folder (create one with: oap new-council DIR --name "...")')])
    try:
        names = sorted(os.listdir(folder))
    except OSError:  # an unreadable folder: reading council.yaml below says so, with the reason
        names = []
    slips = [s for name in names if (s := case_slip(shown_path(folder / name), name, [COUNCIL_FILE]))]
    if slips:  # Council.yaml is not the file we read: say so rather than load another or report it missing
        raise OapError(slips)
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
    return council


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
    rates = _local_rates(doc, vocab, problems)
    local = _local_standards(doc, corpus, slug, national, problems, rates)
    notes = _notes(doc, national, {s.id for s in local}, problems)
    services = _services(doc, vocab, problems) + _imported_services(doc, folder, vocab, problems)
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
        local_rates=rates,
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
        problems.append(doc.problem(at, f"no file '{name}' in the council folder {shown_path(folder)}"))
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
    doc: Document,
    corpus: model.Corpus,
    slug: str,
    national: dict[str, model.Standard],
    problems: list[Problem],
    rates: tuple[model.Rate, ...] = (),
) -> list[model.Standard]:
    """Local standards pass the national rules, start with the slug and never reuse a national id. Their payers are
    checked at the council's own rates: the council wrote them, so a cost its payers cannot meet is its to fix."""
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
    vocab = dataclasses.replace(corpus.vocab, rates={**corpus.vocab.rates, **{r.id: r for r in rates}})
    # id_prefix "" turns off the national area-and-phase prefix rule; the slug rule above replaces it.
    return load_standards_file(
        Path(doc.rel),
        doc.rel,
        vocab,
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
        problems.extend(_mailto(doc, ("notes", sid), text))
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


def _mailto(doc: Document, at: tuple[str | int, ...], text: str) -> list[Problem]:
    """A mailto link in Markdown names one address and nothing after it, so it writes only to whom it says."""
    return [
        doc.problem(
            at,
            f"the link '{target}' is not one plain email address (a mailto link names one address and nothing else: "
            "after a ?, cc=, bcc= or body= would add hidden recipients or words to the family's email)",
        )
        for target in mailto_problems(text)
    ]


def _contact(data: dict[str, Any]) -> Contact:
    return model.build(Contact, data)


def _services(doc: Document, vocab: model.Vocabularies, problems: list[Problem]) -> tuple[Service, ...]:
    """Services with unique ids, each placed under the areas of its need types."""
    out: list[Service] = []
    seen: dict[str, int] = {}
    seen_oruk: dict[str, int] = {}
    for i, data in enumerate(doc.data.get("services", [])):
        if data["id"] in seen:
            problems.append(
                doc.problem(("services", i, "id"), f"duplicate service id '{data['id']}' (first used at services[{seen[data['id']]}])")
            )
        seen.setdefault(data["id"], i)
        if "oruk_id" in data:  # the feed's id is the service's id in open data too: one service per id
            if data["oruk_id"] in seen_oruk:
                problems.append(
                    doc.problem(
                        ("services", i, "oruk_id"),
                        f"duplicate oruk_id '{data['oruk_id']}' (first used at services[{seen_oruk[data['oruk_id']]}])",
                    )
                )
            seen_oruk.setdefault(data["oruk_id"], i)
        problems.extend(_mailto(doc, ("services", i, "description"), data["description"]))
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
                oruk_id=data.get("oruk_id", ""),
            )
        )
    return tuple(out)


def _imported_services(doc: Document, folder: Path, vocab: model.Vocabularies, problems: list[Problem]) -> tuple[Service, ...]:
    """The services `oap import-services` wrote to the file imported_services names, checked as council.yaml's are.

    An id or an oruk_id in both files is refused: a hand-written service with the same oruk_id takes a service
    over from the import, which drops its copy at the next import.
    """
    name = doc.data.get("imported_services")
    if not name:
        return ()
    path = folder / name
    if name == COUNCIL_FILE:
        problems.append(doc.problem(("imported_services",), f"names {COUNCIL_FILE} itself; imported services go in a file of their own"))
        return ()
    if not os.path.lexists(path) or path.resolve().parent != folder.resolve():
        problems.append(
            doc.problem(
                ("imported_services",),
                f"no file '{name}' in the council folder {shown_path(folder)} (run: oap import-services FEED.json --council {shown_path(folder)})",
            )
        )
        return ()
    imported, errs = load_yaml(path, shown_path(path), within=folder)
    if imported is None:
        problems.extend(errs)
        return ()
    shape = schema_problems(imported, IMPORTED_SCHEMA)
    if shape:
        problems.extend(shape)
        return ()
    services = _services(imported, vocab, problems)
    hand = {s["id"]: i for i, s in enumerate(doc.data.get("services", []))}
    hand_oruk = {s["oruk_id"]: i for i, s in enumerate(doc.data.get("services", [])) if "oruk_id" in s}
    for i, svc in enumerate(imported.data["services"]):
        if svc["id"] in hand:
            problems.append(
                imported.problem(
                    ("services", i, "id"),
                    f"service id '{svc['id']}' is also used in {doc.rel} at services[{hand[svc['id']]}] (ids must be unique)",
                )
            )
        if svc["oruk_id"] in hand_oruk:
            problems.append(
                imported.problem(
                    ("services", i, "oruk_id"),
                    f"oruk_id '{svc['oruk_id']}' is also in {doc.rel} at services[{hand_oruk[svc['oruk_id']]}], written by hand "
                    "(run oap import-services again: it leaves hand-written services alone and drops its own copy)",
                )
            )
    return services


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


def _local_rates(doc: Document, vocab: model.Vocabularies, problems: list[Problem]) -> tuple[model.Rate, ...]:
    """Each local rate replaces a national rate, once: same roles, the council's amount, year and source."""
    out: list[model.Rate] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(doc.data.get("local_rates", [])):
        ref = data["rate"]
        national = vocab.rates.get(ref)
        if national is None:
            known = ", ".join(vocab.rates) or "none"
            problems.append(doc.problem(("local_rates", i, "rate"), f"unknown rate '{ref}' (known rates: {known})"))
            continue
        if ref in seen:
            problems.append(
                doc.problem(("local_rates", i, "rate"), f"rate '{ref}' is already set at local_rates[{seen[ref]}] (each rate once)")
            )
            continue
        seen[ref] = i
        out.append(
            dataclasses.replace(
                national,
                amount=data["amount"],
                covers=data.get("covers", national.covers),
                applies=data["applies"],
                source=data["source"],
                url=data.get("url", ""),
                local=True,
                where=str(doc.problem(("local_rates", i, "amount"), "")).removesuffix(": "),
            )
        )
    return tuple(out)


__all__ = ["BASELINE", "COUNCIL_FILE", "load_overlay"]

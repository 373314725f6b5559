"""The print edition: the complete HTML of every PDF (teachers' and families' guides per phase, and the handbook),
made from one edition with our own print templates. builder.pdf renders it."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup

from . import __version__
from .edition import Edition
from .model import Standard, Term
from .views import Views, edition_environment


@dataclass(frozen=True)
class PrintDocument:
    """One PDF to make: its file name, its title and its complete print HTML."""

    name: str
    title: str
    html: str
    identifier: bytes


MAX_STANDARDS = 100
"""The most standards one PDF holds: a document with more is made as volumes (see plan_volumes).

Why: WeasyPrint keeps a whole document laid out in memory until it writes the PDF, about 1.2 MB a page (measured:
the 418-page handbook took 500 MB in its worker, a 45-page guide 120 MB). Two workers render at once, so a build
stays within 600 MB only if no one PDF is much over 200 pages: 100 standards made 135 to 156 pages at ten times
the national set."""


@dataclass(frozen=True)
class Volume:
    """One PDF of a document made as volumes: the first holds the introduction, the list of volumes and the
    reference chapters; each of the others one area of need, or a part of one, in full."""

    name: str
    """Its file name: the document's own for the first volume (so every link to the document finds it), else the
    document's with the area of need (and part) added, e.g. handbook-whole-setting-part-2.pdf."""
    number: int
    of: int
    label: str
    """What it holds, e.g. 'Introduction and reference' or 'Whole setting, part 2 of 7'."""
    areas: tuple[str, ...]
    """The areas of need it has chapters for (the first volume: those with no standards in the document)."""
    standards: tuple[Standard, ...]
    """The standards it prints, in the document's order (none in the first volume)."""


def ordered(edition: Edition, standards: list[Standard], *, by_phase: bool) -> list[tuple[str, str, list[Standard]]]:
    """A document's standards area by area of need, in the order its template prints them: by phase within an area
    when by_phase (the handbook), then from universal to specialist."""
    by_tier = Views(edition.vocab).by_tier
    out = []
    for area in edition.vocab.areas.values():
        mine = [s for s in standards if s.area == area.id]
        if by_phase:
            group = [s for phase in edition.vocab.phases.values() for s in by_tier(x for x in mine if x.phase == phase.id)]
        else:
            group = by_tier(mine)
        out.append((area.id, area.name, group))
    return out


def document_standards(edition: Edition) -> dict[str, tuple[list[Standard], bool]]:
    """Every document's file name, with its standards and whether they go by phase within an area (the handbook)."""
    docs: dict[str, tuple[list[Standard], bool]] = {}
    for kind in ("teachers", "families"):
        for phase in edition.vocab.phases.values():
            docs[f"{kind}-{phase.id}.pdf"] = ([s for s in edition.corpus.standards if s.phase == phase.id], False)
    docs["handbook.pdf"] = (list(edition.corpus.standards), True)
    return docs


def volume_plans(edition: Edition) -> dict[str, list[Volume]]:
    """The volumes of every document that is made as volumes, by the document's file name (the downloads page)."""
    plans = {}
    for name, (standards, by_phase) in document_standards(edition).items():
        volumes = plan_volumes(name, ordered(edition, standards, by_phase=by_phase), limit=MAX_STANDARDS)
        if volumes:
            plans[name] = volumes
    return plans


def plan_volumes(name: str, areas: list[tuple[str, str, list[Standard]]], *, limit: int) -> list[Volume]:
    """The volumes of a document whose standards, area by area in its own order, are areas ((area id, area name,
    standards), as ordered() gives them); none when it has at most limit standards and stays one PDF.

    After the first volume (introduction and reference), one volume per area of need, in the document's order; an
    area with more than limit standards is cut into near-equal parts, each a volume."""
    if sum(len(group) for _, _, group in areas) <= limit:
        return []
    stem = name.removesuffix(".pdf")
    pieces: list[tuple[str, str, list[Standard], str]] = []  # (area, label, standards, file name)
    for area, area_name, group in areas:
        n = len(group)
        parts = -(-n // limit)  # none for an area with no standards
        for k in range(parts):
            label, suffix = (area_name, area) if parts == 1 else (f"{area_name}, part {k + 1} of {parts}", f"{area}-part-{k + 1}")
            pieces.append((area, label, group[k * n // parts : (k + 1) * n // parts], f"{stem}-{suffix}.pdf"))
    of = len(pieces) + 1
    empty = tuple(area for area, _, group in areas if not group)
    volumes = [Volume(name, 1, of, "Introduction and reference", empty, ())]
    for number, (area, label, chunk, file) in enumerate(pieces, start=2):
        volumes.append(Volume(file, number, of, label, (area,), tuple(chunk)))
    return volumes


def timestamp(edition: Edition) -> str:
    """The documents' creation date: SOURCE_DATE_EPOCH when set (reproducible builds), else the edition's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit():
            raise ValueError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}")
        when = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    else:
        when = dt.datetime.combine(edition.date, dt.time(), tzinfo=dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Headings(HTMLParser):
    """Collects the headings that belong in the contents: every h2, and h3s marked with class 'toc'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[int, str, str]] = []
        self._open: tuple[int, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("h2", "h3") and a.get("id") and (tag == "h2" or "toc" in classes) and "no-toc" not in classes:
            self._open, self._text = (int(tag[1]), a["id"] or ""), []

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag == f"h{self._open[0]}":
            self.entries.append((self._open[0], self._open[1], " ".join("".join(self._text).split())))
            self._open = None


def contents(body: str) -> list[dict[str, Any]]:
    """The contents tree of a rendered body: h2 entries, each with its h3 children."""
    parser = _Headings()
    parser.feed(body)
    tree: list[dict[str, Any]] = []
    for level, ident, text in parser.entries:
        entry = {"id": ident, "text": text, "children": []}
        if level == 3 and tree:
            tree[-1]["children"].append(entry)
        else:
            tree.append(entry)
    return tree


def plain_text(markup: str) -> str:
    """The words of an HTML fragment, for finding which glossary terms a document uses."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", markup).split()))


def term_forms(term: Term) -> list[str]:
    """The ways a glossary term can appear: 'Autism (ASD or ASC)' -> Autism, ASD, ASC, plus its expansion."""
    forms: list[str] = []
    head, _, bracket = term.term.partition("(")
    for part in (head, bracket.rstrip(")")):
        forms.extend(p.strip() for p in re.split(r"\bor\b", part) if p.strip())
    if term.expansion:
        forms.append(term.expansion)
    return forms


def terms_used(terms: Iterable[Term], text: str) -> list[Term]:
    """The glossary entries a text uses, alphabetically; acronyms match case-sensitively, words do not."""
    found = []
    for t in terms:
        for form in term_forms(t):
            flags = 0 if form.isupper() else re.IGNORECASE
            if re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, flags):
                found.append(t)
                break
    return sorted(found, key=lambda t: t.term.lower())


class PrintBuilder:
    """Makes the print HTML of every document from one corpus and edition."""

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.corpus = edition.corpus
        self.vocab = edition.vocab
        self.env = edition_environment("html", edition)
        generated = timestamp(edition)
        self.env.globals.update(
            generated=generated,
            generated_date=dt.date.fromisoformat(generated[:10]),
            version=__version__,
        )

    def identifier(self, name: str) -> bytes:
        """A stable PDF file identifier: the same document in a later edition keeps it."""
        council = self.edition.council.name if self.edition.council else "national"
        return f"oap:{council}:{name}".encode()

    def document(
        self, name: str, template: str, title: str, *, glossary: bool = False, by_phase: bool = False, **context: Any
    ) -> list[PrintDocument]:
        """Render a document's body, then its frame: cover and a contents read from the body's own headings.

        With glossary, the body is rendered once more with the glossary entries for the terms it uses. A document
        with more than MAX_STANDARDS standards is made as volumes, one PDF each (see plan_volumes); the templates
        read the volume being made from `volume` (None for a document in one PDF) and the list from `volumes`.
        """
        tpl = self.env.get_template(template)
        volumes = plan_volumes(name, ordered(self.edition, context["standards"], by_phase=by_phase), limit=MAX_STANDARDS)
        context.update(title=title, full_title=f"{title} – {self.edition.name}", glossary=[], toc=[], body_html="")
        context.update(volume=None, volumes=volumes)
        if glossary:  # the terms of the whole document, whichever volume prints the glossary
            body = tpl.render(body_only=True, **context)
            context["glossary"] = terms_used(self.vocab.glossary.values(), plain_text(body))
        docs = []
        whole: list[Volume | None] = [None]
        for volume in volumes or whole:
            ctx = dict(context, volume=volume)
            if volume:
                ctx["title"] = f"{title}, volume {volume.number} of {volume.of}"
                ctx["full_title"] = f"{ctx['title']}: {volume.label} – {self.edition.name}"
            body = tpl.render(body_only=True, **ctx)
            ctx.update(toc=contents(body), body_html=Markup(body))
            file = volume.name if volume else name
            docs.append(PrintDocument(file, ctx["full_title"], tpl.render(body_only=False, **ctx), self.identifier(file)))
        return docs

    def documents(self) -> list[PrintDocument]:
        """Every PDF of the edition: a teachers' and a families' guide per phase, and the handbook."""
        docs = []
        for phase in self.vocab.phases.values():
            standards = [s for s in self.corpus.standards if s.phase == phase.id]
            docs.extend(
                self.document(
                    f"teachers-{phase.id}.pdf",
                    "print/teachers.html.j2",
                    f"Teachers' guide: {phase.name.lower()}",
                    phase=phase,
                    standards=standards,
                )
            )
        for phase in self.vocab.phases.values():
            standards = [s for s in self.corpus.standards if s.phase == phase.id]
            docs.extend(
                self.document(
                    f"families-{phase.id}.pdf",
                    "print/families.html.j2",
                    f"What to expect: {phase.name.lower()}",
                    phase=phase,
                    standards=standards,
                    glossary=True,
                )
            )
        docs.extend(
            self.document(
                "handbook.pdf", "print/handbook.html.j2", "The complete handbook", by_phase=True, standards=list(self.corpus.standards)
            )
        )
        return docs


def print_documents(edition: Edition) -> list[PrintDocument]:
    """The print HTML of every PDF, without rendering anything."""
    return PrintBuilder(edition).documents()

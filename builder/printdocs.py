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
from .model import Term
from .views import edition_environment


@dataclass(frozen=True)
class PrintDocument:
    """One PDF to make: its file name, its title and its complete print HTML."""

    name: str
    title: str
    html: str
    identifier: bytes


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

    def document(self, name: str, template: str, title: str, *, glossary: bool = False, **context: Any) -> PrintDocument:
        """Render a document's body, then its frame: cover and a contents read from the body's own headings.

        With glossary, the body is rendered once more with the glossary entries for the terms it uses.
        """
        tpl = self.env.get_template(template)
        full_title = f"{title} – {self.edition.name}"
        context.update(title=title, full_title=full_title, glossary=[], toc=[], body_html="")
        body = tpl.render(body_only=True, **context)
        if glossary:
            context["glossary"] = terms_used(self.vocab.glossary.values(), plain_text(body))
            body = tpl.render(body_only=True, **context)
        context.update(toc=contents(body), body_html=Markup(body))
        return PrintDocument(name, full_title, tpl.render(body_only=False, **context), self.identifier(name))

    def documents(self) -> list[PrintDocument]:
        """Every PDF of the edition: a teachers' and a families' guide per phase, and the handbook."""
        docs = []
        for phase in self.vocab.phases.values():
            standards = [s for s in self.corpus.standards if s.phase == phase.id]
            docs.append(
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
            docs.append(
                self.document(
                    f"families-{phase.id}.pdf",
                    "print/families.html.j2",
                    f"What to expect: {phase.name.lower()}",
                    phase=phase,
                    standards=standards,
                    glossary=True,
                )
            )
        docs.append(self.document("handbook.pdf", "print/handbook.html.j2", "The complete handbook", standards=list(self.corpus.standards)))
        return docs


def print_documents(edition: Edition) -> list[PrintDocument]:
    """The print HTML of every PDF, without rendering anything."""
    return PrintBuilder(edition).documents()

"""Printable, accessible PDFs: print HTML from our own templates, rendered by WeasyPrint in worker processes.

Phases: make every document's HTML in this process (fast, and any template error surfaces here), then render the
PDFs in parallel. WeasyPrint fetches only from a private folder holding our fonts (see LocalOnlyFetcher), so a
value in the data can never make the renderer reach the network or read other files.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import weasyprint
from markupsafe import Markup, escape
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import __version__, prose
from .model import Corpus, Fact, Term
from .render import Edition, long_date

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts DejaVu Sans (scripts/system-packages.sh installs it)."""
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
"""Regular and bold are all the print CSS uses; both ship in fonts-dejavu-core (italics are in -extra: not used)."""
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}
"""PDF/UA-1 turns on tagging, /Lang, DisplayDocTitle and the XMP identification."""
CAPTURED_LOGGERS = ("weasyprint", "fontTools")
"""Loggers whose warnings a render collects and hands back, so they reach the build's own log."""


@dataclass(frozen=True)
class PrintDocument:
    """One PDF to make: its file name, its title and its complete print HTML."""

    name: str
    title: str
    html: str
    identifier: bytes


@dataclass(frozen=True)
class Rendered:
    """One rendered PDF and whatever WeasyPrint warned about while making it."""

    name: str
    pdf: bytes
    warnings: tuple[tuple[str, int, str], ...]
    """(logger name, level, message) of each warning, e.g. ("weasyprint", 30, "Failed to load image ...")."""


# -- safety: what the renderer may read ------------------------------------------------------------------------


class LocalOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves data: URLs and files inside one folder, and refuses everything else."""

    def __init__(self, root: Path) -> None:
        # Only data: reaches the parent's opener; no redirects, and a short timeout should anything slip through.
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.root = Path(root).resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """The resource at url, or ValueError (WeasyPrint then warns and leaves the resource out)."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = local_path(url, self.root)
            if path is not None:
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        raise ValueError(f"refused {url!r}: the PDF renderer reads only data: URLs and files in {self.root}")


def local_path(url: str, root: Path) -> Path | None:
    """The file a file: URL names, if it is an existing file inside root (after resolving links and '..')."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return None
    path = Path(url2pathname(unquote(parts.path))).resolve()
    root = root.resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


def prepare_assets(folder: Path) -> Path:
    """Copy the fonts into the folder the renderer may read; the copies keep it from following links outside."""
    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    missing = [name for name in FONTS if not (FONT_DIR / name).is_file()]
    if missing:
        raise RuntimeError(f"missing fonts {', '.join(missing)} in {FONT_DIR}: install the Debian package fonts-dejavu-core")
    for name in FONTS:
        shutil.copyfile(FONT_DIR / name, fonts / name)
    return folder


# -- determinism -------------------------------------------------------------------------------------------------


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


# -- print HTML --------------------------------------------------------------------------------------------------


def ext_url(value: str) -> str:
    """A web address from the data, only if it is a plain http(s) URL; anything else prints no link."""
    return value if re.match(r"^https?://[^\s\"'<>]+$", value or "") else ""


def lower_first(value: str) -> str:
    """'The school' -> 'the school', but leave 'NHS England' alone: for use inside a sentence."""
    if len(value) > 1 and value[0].isupper() and value[1].islower():
        return value[0].lower() + value[1:]
    return value


def html_fact(fact: Fact) -> str:
    """A fact in print: its value and, in brackets, the period it applies to, as escaped text."""
    return str(escape(prose.fact_text(fact)))


def print_environment(facts: Mapping[str, Fact] | None = None) -> jinja2.Environment:
    """The print templates' environment: HTML out, autoescape on, strict undefined; finalize fills in facts."""
    known = dict(facts or {})

    def finalize(value: Any) -> Any:
        if isinstance(value, str) and not isinstance(value, Markup) and "{fact:" in value:
            return Markup(prose.resolve(value, known, html_fact, lambda text: str(escape(text))))
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("builder", "templates"),
        autoescape=True,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    env.filters["ext_url"] = ext_url
    env.filters["lower_first"] = lower_first
    env.tests["contains"] = lambda seq, item: item in seq
    return env


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

    def __init__(self, corpus: Corpus, edition: Edition) -> None:
        self.corpus = corpus
        self.vocab = corpus.vocab
        self.edition = edition
        self.env = print_environment(self.vocab.facts)
        tier_order = {t: i for i, t in enumerate(self.vocab.tiers)}
        generated = timestamp(edition)
        self.env.globals.update(
            v=self.vocab,
            corpus=corpus,
            edition=edition,
            names=self.names,
            proposal_names=self.proposal_names,
            cite=lambda ident: html_fact(self.vocab.facts[ident]),
            payers=self.payers,
            generated=generated,
            generated_date=dt.date.fromisoformat(generated[:10]),
            version=__version__,
            used=lambda items, field: {i for s in items for i in getattr(s, field)},
            by_tier=lambda items: sorted(items, key=lambda s: tier_order[s.tier]),
        )

    def names(self, kind: str, idents: Iterable[str]) -> list[str]:
        """The display names of vocabulary entries, in the order the standard gives them."""
        table = getattr(self.vocab, kind)
        return [table[i].name for i in idents]

    def proposal_names(self, idents: Iterable[str]) -> list[str]:
        """The names of proposed legal bases or funding streams, in the order given."""
        return [p.name for i in idents if (p := self.vocab.proposal(i))]

    def payers(self, idents: Iterable[str]) -> list[tuple[str, list[str]]]:
        """Funding streams grouped by who holds them, for saying in words who pays: [(holder, [stream names])]."""
        groups: dict[str, list[str]] = {}
        for i in idents:
            stream = self.vocab.funding_streams[i]
            groups.setdefault(stream.budget_holder, []).append(stream.name)
        return list(groups.items())

    def identifier(self, name: str) -> bytes:
        """A stable PDF file identifier: the same document in a later edition keeps it."""
        council = getattr(self.edition.council, "name", None) or "national"
        return f"oap:{council}:{name}".encode()

    def document(self, name: str, template: str, title: str, *, glossary: bool = False, **context: Any) -> PrintDocument:
        """Render a document's body, then its frame: cover and a contents read from the body's own headings.

        With glossary, the body is rendered once more with the glossary entries for the terms it uses.
        """
        tpl = self.env.get_template(template)
        council = getattr(self.edition.council, "name", None)
        full_title = f"{title} – {council or self.edition.title}"
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


def print_documents(corpus: Corpus, edition: Edition) -> list[PrintDocument]:
    """The print HTML of every PDF, without rendering anything."""
    return PrintBuilder(corpus, edition).documents()


# -- rendering ---------------------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Keeps (logger, level, message) of every warning or error, in a form that crosses process boundaries."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


@contextmanager
def collect_warnings() -> Iterator[list[tuple[str, int, str]]]:
    """Catch WeasyPrint's (and fontTools') warnings instead of letting them print, and hand them back."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    try:
        yield handler.records
    finally:
        for lg, (propagate, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.propagate, lg.level = propagate, level


def render_document(doc: PrintDocument, root: Path, *, cache: dict[str, Any] | None = None) -> Rendered:
    """Render one print document with WeasyPrint, reading only from root; return the PDF and any warnings."""
    with collect_warnings() as records:
        source = weasyprint.HTML(string=doc.html, base_url=root.resolve().as_uri() + "/", url_fetcher=LocalOnlyFetcher(root))
        pdf = source.write_pdf(pdf_identifier=doc.identifier, cache={} if cache is None else cache, **PDF_OPTIONS)
    return Rendered(doc.name, pdf, tuple(records))


_worker_cache: dict[str, Any] = {}
"""One WeasyPrint cache per worker process, shared by every document it renders."""


def _render_in_worker(doc: PrintDocument, root: Path) -> Rendered:
    """The pool's task: module-level so it pickles, and using the worker's one cache."""
    return render_document(doc, root, cache=_worker_cache)


def default_workers() -> int:
    """Two processes: measured fastest on two cores (see the report in issue 4); more only adds contention."""
    return min(2, os.cpu_count() or 1)


def render_all(docs: list[PrintDocument], root: Path, *, workers: int) -> dict[str, Rendered]:
    """Render documents in worker processes, longest first so the handbook never starts last and runs alone."""
    queue = sorted(docs, key=lambda d: len(d.html), reverse=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return {r.name: r for r in pool.map(_render_in_worker, queue, [root] * len(queue))}


def render_pdfs(corpus: Corpus, edition: Edition, out_dir: Path, *, workers: int | None = None) -> dict[str, int]:
    """Write every PDF into out_dir and return each file name with its size in bytes."""
    docs = print_documents(corpus, edition)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oap-print-") as tmp:
        results = render_all(docs, prepare_assets(Path(tmp)), workers=workers or default_workers())
    sizes: dict[str, int] = {}
    for doc in docs:
        rendered = results[doc.name]
        # Warnings were caught in the workers; log them here, where the build (and a test) can see them.
        for name, level, message in rendered.warnings:
            logging.getLogger(name).log(level, "%s: %s", doc.name, message)
        (out_dir / doc.name).write_bytes(rendered.pdf)
        sizes[doc.name] = len(rendered.pdf)
    return sizes

"""The one pipeline: gather an edition once, then render it once for the web, for print and as open data.

    gather  load and check the national standards (builder.project) -> overlay a council (builder.overlay)
            -> the edition model (builder.edition)
    render  print (builder.printdocs, then builder.pdf) -> web (builder.web) -> data (builder.opendata)
    publish MkDocs turns the pages into the site (builder.mkdocs_plugin adapts), then the new site is swapped in
            (builder.publish)

Each stage's time is kept in a Timings, so a caller can say where a build spent its time and a test can count
how often each stage ran. A Timings may also have a listener, told as each stage starts, moves on and ends: that
is how `oap` shows its progress (builder.progress).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .edition import Edition, build_date
from .model import Corpus

if TYPE_CHECKING:
    from .printdocs import PrintDocument
    from .web import PageMemo

STAGES = ("load", "overlay", "model", "print", "pdf", "web", "data", "publish")
"""The named stages, in the order they run."""
PDF_CACHE = Path(".oap-cache") / "pdf"
"""Where a build keeps rendered PDFs for the next one (builder.pdfcache.PdfCache), under the project's root: beside its
sources, so one checkout's cache never serves another's and a test's temporary project has its own; outside the
output folder; ignored by git and removed by `make clean`."""
LOAD_CACHE = Path(".oap-cache") / "load"
"""Where `oap build` keeps each unchanged standards file's checked standards for the next one (builder.loadcache)."""
PAGE_CACHE = Path(".oap-cache") / "pages"
"""Where `oap build` keeps the last build's generated pages for the next one (builder.pagecache), beside the PDFs."""


class Listener(Protocol):
    """Told by a Timings as each stage starts, moves on and ends (builder.progress shows it to the user)."""

    def started(self, name: str) -> None: ...

    def advanced(self, name: str, done: int, total: int, note: str) -> None:
        """done of total items of the running stage are finished; note says so in words, e.g. '3 of 9 documents'."""

    def finished(self, name: str, seconds: float) -> None:
        """The stage ended without an error (a stage that raises is never reported finished)."""


@dataclass
class Timings:
    """Seconds spent in each stage, and how many times each ran; the listener, if any, is told as they happen."""

    seconds: dict[str, float] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    listener: Listener | None = None
    began: float = field(default_factory=time.perf_counter)
    counts: dict[str, int] = field(default_factory=dict)
    """What a stage did, counted: "pdfs rendered" and "pdfs reused" (from the cache)."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        assert name in STAGES, name
        if self.listener:
            self.listener.started(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + spent
            self.runs[name] = self.runs.get(name, 0) + 1
        if self.listener:
            self.listener.finished(name, spent)

    def advance(self, name: str, done: int, total: int, note: str) -> None:
        """Report progress inside a running stage, for the stages that can count their work (the PDFs)."""
        if self.listener:
            self.listener.advanced(name, done, total, note)

    def total(self) -> float:
        """Seconds since this Timings was made: the whole command's time, for its final line."""
        return time.perf_counter() - self.began

    def summary(self) -> str:
        """'load 1.20 s, web 0.80 s, ...' in pipeline order; a stage that ran more than once says so."""
        parts = []
        for name in STAGES:
            if name in self.runs:
                again = f" ({self.runs[name]} runs)" if self.runs[name] != 1 else ""
                parts.append(f"{name} {self.seconds[name]:.2f} s{again}")
        parts += [f"{what} {n}" for what, n in self.counts.items()]
        return ", ".join(parts)


@dataclass
class Output:
    """Everything an edition adds to the site: Markdown pages, other files, the navigation and the PDFs."""

    edition: Edition
    pages: dict[str, str]
    files: dict[str, bytes]
    nav: list[Any]
    warnings: list[str]
    pdfs: dict[str, int] = field(default_factory=dict)
    """Each PDF's file name and size in bytes; the files themselves are in pdf_dir."""
    pdf_dir: Path | None = None


def gather(
    root: Path, council: Path | None = None, *, previous: Path | None = None, timings: Timings | None = None, cache: Path | None = None
) -> Edition:
    """Load and check everything, once: the national corpus, then the council's overlay; raise OapError with every problem.

    previous: the previous edition's data/standards.json, to say what changed since (builder.changes). cache: the
    folder of a LoadCache, for the standards of files unchanged since the last build (builder.loadcache)."""
    t = timings or Timings()
    with t.stage("load"):
        from .project import load_corpus  # in the stage: importing the checker (jsonschema) is part of its time

        national: Corpus = load_corpus(root, cache=cache)
    loaded = None
    if council is not None:
        from .overlay import load_overlay  # council loading needs Markdown and nh3; the national check does not

        with t.stage("overlay"):
            loaded = load_overlay(council, national)
    with t.stage("model"):
        edition = Edition.of(national, loaded)
        if previous is not None:
            from .changes import compared

            edition = compared(edition, previous)
        from .school import example_school  # the "For schools" page's worked example, checked like any other input

        return dataclasses.replace(edition, example_school=example_school(root, Edition.of(national)))


def render(
    edition: Edition,
    *,
    pdf_dir: Path | None = None,
    pdf_cache: Path | None = None,
    today: dt.date | None = None,
    timings: Timings | None = None,
    memo: PageMemo | None = None,
) -> Output:
    """Render the edition once: its PDFs into pdf_dir (none without one), then its pages, then its open data.

    pdf_cache, when given, is the folder of a PdfCache: only the PDFs whose inputs changed are rendered again.
    memo, when given, holds the last render's pages: only the pages whose data changed are rendered again."""
    from .opendata import data_files
    from .web import Renderer

    t = timings or Timings()
    sizes: dict[str, int] = {}
    if pdf_dir is not None:
        from . import incremental
        from .pdfcache import PdfCache

        with t.stage("print"):
            # With nothing changed since a build whose PDFs are all cached, they are found without any print HTML.
            cache = PdfCache(pdf_cache) if pdf_cache else None
            key = incremental.build_key(edition, cache.fingerprint()) if cache else None
            found = incremental.reuse(cache, key) if cache else None
            docs: list[PrintDocument] = []
            if found is None:
                from .printdocs import print_documents

                docs = print_documents(edition)
        with t.stage("pdf"):
            if cache and found is not None:
                sizes = incremental.write(found, pdf_dir)
                cache.rendered, cache.reused = [], list(found)
            else:
                from .pdf import render_pdfs  # imports WeasyPrint (about a second): only when a PDF may need rendering

                sizes = render_pdfs(
                    docs, pdf_dir, cache=cache, done=lambda n, pages: t.advance("pdf", n, len(docs), _pdf_note(n, len(docs), pages))
                )
                if cache:
                    incremental.record(cache, key, [doc.name for doc in docs])
        if cache:
            t.counts["pdfs rendered"] = t.counts.get("pdfs rendered", 0) + len(cache.rendered)
            t.counts["pdfs reused"] = t.counts.get("pdfs reused", 0) + len(cache.reused)
    with t.stage("web"):
        site = Renderer(edition, downloads=sizes, today=today or build_date(), memo=memo).render()
    with t.stage("data"):
        files = {**site.files, **data_files(edition, entries=memo.entries if memo else None)}
    return Output(edition, site.pages, files, site.nav, site.warnings, sizes, pdf_dir)


def _pdf_note(done: int, total: int, pages: int) -> str:
    """'3 of 9 documents, 120 pages': what the PDF stage has finished so far."""
    return f"{done} of {total} document{'s' if total != 1 else ''}, {pages} page{'s' if pages != 1 else ''}"

"""Printable, accessible PDFs: the print HTML (builder.printdocs) rendered by WeasyPrint in worker processes.

Phases: make every document's HTML in this process (fast, and any template error surfaces here), then render the
PDFs in parallel. WeasyPrint fetches only from a private folder holding our fonts (see LocalOnlyFetcher), so a
value in the data can never make the renderer reach the network or read other files.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import pickle
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import Fault, blame
from .pdfcache import FONT_DIR, FONTS, PDF_OPTIONS, PdfCache
from .printdocs import PrintDocument

CAPTURED_LOGGERS = ("weasyprint", "fontTools")
"""Loggers whose warnings a render collects and hands back, so they reach the build's own log."""


@dataclass(frozen=True)
class Rendered:
    """One rendered PDF and whatever WeasyPrint warned about while making it."""

    name: str
    pdf: bytes
    warnings: tuple[tuple[str, int, str], ...]
    """(logger name, level, message) of each warning, e.g. ("weasyprint", 30, "Failed to load image ...")."""
    pages: int = 0
    """How many pages the PDF has (for the build's progress display)."""


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


# -- accessibility: what WeasyPrint's PDF/UA-1 tagging leaves to us --------------------------------------------


PRINT_FLAG = 4
"""Annotation flag bit 3 (ISO 32000-1, 12.5.3): print the annotation; PDF/UA readers expect it on links."""


def finish_tagging(document: Any, pdf: pydyf.PDF) -> None:
    """WeasyPrint finisher (called with the laid-out document and the PDF about to be written): running headers and
    footers become artifacts, and links get the print flag."""
    flag_links_for_print(pdf)
    mark_furniture_as_artifacts(pdf)


def _resolver(pdf: pydyf.PDF) -> Any:
    def resolve(value: Any) -> Any:
        """The object an indirect reference (b'12 0 R') names; any other value as it is."""
        if isinstance(value, bytes) and value.endswith(b" R"):
            return pdf.objects[int(value.split()[0])]
        return value

    return resolve


def flag_links_for_print(pdf: pydyf.PDF) -> None:
    """Give every link annotation the print flag: WeasyPrint sets no flags, and PDF/UA readers expect it."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Annot" and obj.get("Subtype") == "/Link":
            obj["F"] = PRINT_FLAG


def mark_furniture_as_artifacts(pdf: pydyf.PDF) -> None:
    """Re-mark as /Artifact /Pagination the content whose structure element is not in the structure tree.

    Why: WeasyPrint 69 and 70 mark the text of @page margin boxes (our running headers and footers, "Page 3 of 84")
    as tagged content but leave its structure elements out of the tree, so a screen reader reads them on every page
    though they belong nowhere. Such content is exactly that page furniture; its parent-tree entries are cleared.
    """
    if "StructTreeRoot" not in pdf.catalog:
        return
    resolve = _resolver(pdf)
    root = resolve(pdf.catalog["StructTreeRoot"])
    in_tree: set[int] = set()
    stack = list(root["K"])
    while stack:
        element = resolve(stack.pop())
        if isinstance(element, pydyf.Dictionary) and element.number not in in_tree:
            in_tree.add(element.number)
            kids = element.get("K", ())
            stack.extend(kids if isinstance(kids, list) else [kids])
    pages = [resolve(ref) for ref in pdf.page_references]
    nums = resolve(root["ParentTree"])["Nums"]
    for key, elements in zip(nums[::2], nums[1::2], strict=True):
        if key >= len(pages) or not isinstance(elements, list):
            continue  # an annotation's entry, not a page's marked content
        furniture = {mcid for mcid, ref in enumerate(elements) if resolve(ref).number not in in_tree}
        if not furniture:
            continue
        for mcid in furniture:
            elements[mcid] = "null"
        stream = resolve(pages[key]["Contents"]).stream
        for i, item in enumerate(stream):  # [..., "/Span", <</MCID 7>>, b"BDC", ...]
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in furniture and stream[i + 1] == b"BDC":
                stream[i - 1], stream[i] = "/Artifact", pydyf.Dictionary({"Type": "/Pagination"})


def render_document(doc: PrintDocument, root: Path, *, cache: dict[str, Any] | None = None) -> Rendered:
    """Render one print document with WeasyPrint, reading only from root; return the PDF and any warnings."""
    pages: list[int] = []

    def finish(document: Any, pdf: pydyf.PDF) -> None:
        """WeasyPrint's finisher, called with the laid-out document just before the PDF is written."""
        pages.append(len(document.pages))
        finish_tagging(document, pdf)

    fonts = FontConfiguration()
    try:
        with collect_warnings() as records:
            source = weasyprint.HTML(string=doc.html, base_url=root.resolve().as_uri() + "/", url_fetcher=LocalOnlyFetcher(root))
            pdf = source.write_pdf(
                pdf_identifier=doc.identifier,
                cache={} if cache is None else cache,
                font_config=fonts,
                finisher=finish,
                **PDF_OPTIONS,
            )
    finally:
        # WeasyPrint copies web fonts into a weasyprint-* temporary folder and removes it only in __del__, which may
        # run late or (in a worker, at exit) never: remove it now. _use_scratch is the second line of defence.
        folder = getattr(fonts, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    return Rendered(doc.name, pdf, tuple(records), sum(pages))


_worker_cache: dict[str, Any] = {}
"""One WeasyPrint cache per worker process, shared by every document it renders."""


def _render_in_worker(doc: PrintDocument, root: Path) -> Rendered:
    """The pool's task: module-level so it pickles, and using the worker's one cache.

    While it works, a file in the worker's scratch folder names the document, so that if the worker dies the build
    can say which document it was making (see crashed()).
    """
    marker = _marker()
    if marker:
        marker.write_text(doc.name, encoding="utf-8")
    try:
        return render_document(doc, root, cache=_worker_cache)
    finally:  # an exception is not a crash: it reaches the build with its own message
        if marker:
            marker.unlink()


def _render_job(path: str, root: Path) -> Rendered:
    """The pool's task: the document pickled at path (written by render_all, our own data), rendered."""
    return _render_in_worker(pickle.loads(Path(path).read_bytes()), root)  # noqa: S301 - our own file, just written


WORKING = "rendering-"
"""The prefix of a worker's note in its scratch folder of the document it is making: rendering-<process id>."""


def _marker() -> Path | None:
    """This worker's note (only workers given a scratch folder keep one)."""
    folder = os.environ.get("OAP_PDF_SCRATCH")
    return Path(folder, f"{WORKING}{os.getpid()}") if folder else None


def _stopped(signum: int, frame: object) -> None:
    """The pool stops the other workers (SIGTERM) when one dies: drop this one's note, so only the dead one's is left."""
    marker = _marker()
    if marker:
        marker.unlink(missing_ok=True)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def crashed(scratch: Path) -> str:
    """What a worker that died was making, from the notes left in scratch: one line for the user."""
    names = sorted(p.read_text(encoding="utf-8") for p in scratch.glob(f"{WORKING}*"))
    making = f" while making {' and '.join(names)}" if names else ""
    return (
        f"a PDF worker process stopped unexpectedly{making} (it may have run out of memory, or been killed); "
        "its temporary files were removed. Try again, or build with --no-pdf."
    )


def default_workers() -> int:
    """Two processes: measured fastest on two cores (see the report in issue 4); more only adds contention."""
    return min(2, os.cpu_count() or 1)


def _use_scratch(folder: str) -> None:
    """Pool initializer: the worker's temporary files go into folder, which the build removes.

    Why: WeasyPrint copies web fonts into a mkdtemp('weasyprint-') folder per font configuration and removes it only
    in __del__, which does not run when a worker process exits; every build left two ~1.5 MB folders behind.
    """
    # A forked worker inherits the parent's sys.stderr, which the live progress display may have replaced: write to
    # the real streams, so nothing a worker prints redraws the display.
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    if folder:
        os.environ["TMPDIR"] = os.environ["OAP_PDF_SCRATCH"] = folder
        tempfile.tempdir = folder
        signal.signal(signal.SIGTERM, _stopped)


def render_all(
    docs: list[PrintDocument], root: Path, *, workers: int, scratch: Path | None = None, done: Callable[[Rendered], None] | None = None
) -> dict[str, Rendered]:
    """Render documents in worker processes, longest first so the handbook never starts last and runs alone.

    scratch, when given, is the workers' temporary folder (the caller removes it); without one, a folder of our own
    is made and removed, since a worker cannot clean up after WeasyPrint (see _use_scratch). done, when given, is
    called with each document as it finishes, in the order they finish.
    """
    if scratch is None:
        with tempfile.TemporaryDirectory(prefix=f"oap-print-{os.getpid()}-") as tmp:
            return render_all(docs, root, workers=workers, scratch=Path(tmp), done=done)
    queue = sorted(docs, key=lambda d: len(d.html), reverse=True)
    jobs = scratch / "jobs"
    jobs.mkdir(exist_ok=True)
    paths = []
    for i, doc in enumerate(queue):
        # Each document's print HTML goes to a file and the pool's queue carries only its path: a queue item larger
        # than the pipe's buffer kept the pool's feeder thread writing while a worker read it, and a worker killed
        # mid-read then hung the whole build on Python 3.11.2 (cpython#94777, fixed in later Pythons).
        path = jobs / f"{i}.pickle"
        path.write_bytes(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
        paths.append(str(path))
    results: dict[str, Rendered] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=_use_scratch, initargs=(str(scratch),)) as pool:
        try:
            for future in as_completed([pool.submit(_render_job, path, root) for path in paths]):
                rendered = future.result()
                results[rendered.name] = rendered
                if done:
                    done(rendered)
        except BrokenProcessPool:
            # A worker died: leaving the with block waits until the pool has stopped the others, so the notes left
            # behind are the dead one's only (see crashed).
            raise
        except BaseException:
            # Ctrl-C or a failed document: start no more documents, and wait for the ones running (on Ctrl-C they stop
            # at once) before the caller removes the folders they work in.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def render_pdfs(
    docs: list[PrintDocument],
    out_dir: Path,
    *,
    workers: int | None = None,
    cache: PdfCache | None = None,
    done: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write every document's PDF into out_dir and return each file name with its size in bytes.

    With a cache, a document whose inputs are unchanged is copied from it rather than rendered, and each one rendered
    is stored in it (unless WeasyPrint warned: then the next build renders it again and shows the warning again).
    done, when given, is told the documents finished so far and the pages rendered so far (a document taken from the
    cache counts as finished, with no pages rendered), each time a document finishes.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = {doc.name: cache.key(doc) for doc in docs} if cache else {}
    if cache:
        cache.files = {}
    kept = {doc.name: pdf for doc in docs if cache and (pdf := cache.get(doc, keys[doc.name])) is not None}
    todo = [doc for doc in docs if doc.name not in kept]
    finished = {"documents": len(kept), "pages": 0}

    def tell(rendered: Rendered) -> None:
        finished["documents"] += 1
        finished["pages"] += rendered.pages
        if done:
            done(finished["documents"], finished["pages"])

    if kept and done:
        done(len(kept), 0)
    results: dict[str, Rendered] = {}
    if todo:
        # The process id in the name lets a later build remove the folder of one that was killed (publish.clean_stale_temp).
        with tempfile.TemporaryDirectory(prefix=f"oap-print-{os.getpid()}-") as tmp:
            scratch = Path(tmp) / "scratch"  # beside the fonts, not under them: the renderer may read only the assets
            scratch.mkdir()
            try:
                with blame(scratch):  # a worker's write that found the disk full names no file: it was the temporary folder's
                    assets = prepare_assets(Path(tmp) / "assets")
                    results = render_all(todo, assets, workers=workers or default_workers(), scratch=scratch, done=tell)
            except BrokenProcessPool:
                raise Fault(crashed(scratch)) from None
    sizes: dict[str, int] = {}
    for doc in docs:
        if doc.name in kept:
            pdf = kept[doc.name]
        else:
            rendered = results[doc.name]
            # Warnings were caught in the workers; log them here, where the build (and a test) can see them.
            for name, level, message in rendered.warnings:
                logging.getLogger(name).log(level, "%s: %s", doc.name, message)
            pdf = rendered.pdf
            if cache and not rendered.warnings:
                cache.put(doc, keys[doc.name], pdf)
        if cache and cache.path(doc, keys[doc.name]).is_file():
            cache.files[doc.name] = cache.path(doc, keys[doc.name]).name
        with blame(out_dir):
            (out_dir / doc.name).write_bytes(pdf)
        sizes[doc.name] = len(pdf)
    if cache:
        cache.rendered, cache.reused = [doc.name for doc in todo], list(kept)
        cache.prune()
    return sizes

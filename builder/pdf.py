"""Printable, accessible PDFs: the print HTML (builder.printdocs) rendered by WeasyPrint in worker processes.

Phases: make every document's HTML in this process (fast, and any template error surfaces here), then render the
PDFs in parallel. WeasyPrint fetches only from a private folder holding our fonts (see LocalOnlyFetcher), so a
value in the data can never make the renderer reach the network or read other files.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .printdocs import PrintDocument

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts DejaVu Sans (scripts/system-packages.sh installs it)."""
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
"""Regular and bold are all the print CSS uses; both ship in fonts-dejavu-core (italics are in -extra: not used)."""
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}
"""PDF/UA-1 turns on tagging, /Lang, DisplayDocTitle and the XMP identification."""
CAPTURED_LOGGERS = ("weasyprint", "fontTools")
"""Loggers whose warnings a render collects and hands back, so they reach the build's own log."""


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
    with collect_warnings() as records:
        source = weasyprint.HTML(string=doc.html, base_url=root.resolve().as_uri() + "/", url_fetcher=LocalOnlyFetcher(root))
        pdf = source.write_pdf(pdf_identifier=doc.identifier, cache={} if cache is None else cache, finisher=finish_tagging, **PDF_OPTIONS)
    return Rendered(doc.name, pdf, tuple(records))


_worker_cache: dict[str, Any] = {}
"""One WeasyPrint cache per worker process, shared by every document it renders."""


def _render_in_worker(doc: PrintDocument, root: Path) -> Rendered:
    """The pool's task: module-level so it pickles, and using the worker's one cache."""
    return render_document(doc, root, cache=_worker_cache)


def default_workers() -> int:
    """Two processes: measured fastest on two cores (see the report in issue 4); more only adds contention."""
    return min(2, os.cpu_count() or 1)


def _use_scratch(folder: str) -> None:
    """Pool initializer: the worker's temporary files go into folder, which the build removes.

    Why: WeasyPrint copies web fonts into a mkdtemp('weasyprint-') folder per font configuration and removes it only
    in __del__, which does not run when a worker process exits; every build left two ~1.5 MB folders behind.
    """
    if folder:
        os.environ["TMPDIR"] = folder
        tempfile.tempdir = folder


def render_all(docs: list[PrintDocument], root: Path, *, workers: int, scratch: Path | None = None) -> dict[str, Rendered]:
    """Render documents in worker processes, longest first so the handbook never starts last and runs alone.

    scratch, when given, is the workers' temporary folder (the caller removes it).
    """
    queue = sorted(docs, key=lambda d: len(d.html), reverse=True)
    with ProcessPoolExecutor(max_workers=workers, initializer=_use_scratch, initargs=(str(scratch) if scratch else "",)) as pool:
        return {r.name: r for r in pool.map(_render_in_worker, queue, [root] * len(queue))}


def render_pdfs(docs: list[PrintDocument], out_dir: Path, *, workers: int | None = None) -> dict[str, int]:
    """Write every document's PDF into out_dir and return each file name with its size in bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oap-print-") as tmp:
        scratch = Path(tmp) / "scratch"  # beside the fonts, not under them: the renderer may read only the assets
        scratch.mkdir()
        results = render_all(docs, prepare_assets(Path(tmp) / "assets"), workers=workers or default_workers(), scratch=scratch)
    sizes: dict[str, int] = {}
    for doc in docs:
        rendered = results[doc.name]
        # Warnings were caught in the workers; log them here, where the build (and a test) can see them.
        for name, level, message in rendered.warnings:
            logging.getLogger(name).log(level, "%s: %s", doc.name, message)
        (out_dir / doc.name).write_bytes(rendered.pdf)
        sizes[doc.name] = len(rendered.pdf)
    return sizes

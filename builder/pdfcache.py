"""Rendered PDFs kept between builds (issue 16): each PDF is keyed by a hash of everything it depends on.

Apart from builder.pdf so that a build whose PDFs are all in the cache never imports WeasyPrint (about a second of a
build that has nothing to do): the renderer's fingerprint reads the versions of WeasyPrint and its libraries from the
installed packages' metadata and the system libraries' versions through ctypes, and nothing here imports them.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.metadata
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .printdocs import PrintDocument

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
"""Where Debian's fonts-dejavu-core puts DejaVu Sans (scripts/system-packages.sh installs it)."""
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
"""Regular and bold are all the print CSS uses; both ship in fonts-dejavu-core (italics are in -extra: not used)."""
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}
"""PDF/UA-1 turns on tagging, /Lang, DisplayDocTitle and the XMP identification."""
RENDERER_MODULES = (Path(__file__).resolve().parent / "pdf.py", Path(__file__).resolve())
"""The renderer (builder.pdf) and this module: a change to either can change a PDF, or how one is found."""

RENDERER_PACKAGES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "fonttools", "pillow")
"""Python packages whose version can change a rendered PDF."""
KEEP_PER_DOCUMENT = 4
"""Cached versions kept of each document name: the edition and council builds share names, and an author going back
and forth between two versions finds both."""


def renderer_fingerprint() -> str:
    """A hash of everything every PDF depends on besides its own HTML: the fonts, the renderer and its libraries'
    versions, our PDF options, and the code that renders (builder.pdf: the finisher and the fetcher) and keys PDFs.

    Worked out without importing WeasyPrint (a second or so), so a build whose PDFs are all cached never loads it."""
    h = hashlib.sha256()
    for name in FONTS:
        h.update(name.encode() + b"\0" + (FONT_DIR / name).read_bytes())
    for package in RENDERER_PACKAGES:
        try:
            h.update(f"{package}={importlib.metadata.version(package)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{package}=none\0".encode())
    h.update(f"pango={_pango_version()}\0harfbuzz={_harfbuzz_version()}\0".encode())
    h.update(repr(sorted(PDF_OPTIONS.items())).encode())
    for module in RENDERER_MODULES:  # read, not imported: importing builder.pdf imports WeasyPrint
        h.update(module.read_bytes())
    h.update(_system_fonts().encode())
    return h.hexdigest()


FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts")
"""Where fontconfig finds the fonts Pango falls back on for a character DejaVu lacks (Chinese, emoji): installing or
updating one can change a PDF, so their names, sizes and times are part of every PDF's key."""


def _system_fonts() -> str:
    found = []
    for folder in FONT_FOLDERS:
        for dirpath, _dirs, files in os.walk(os.path.expanduser(folder)):
            for name in files:
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                found.append(f"{dirpath}/{name} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(sorted(found))


def _pango_version() -> str:
    """The text layout library's version, as WeasyPrint's pango_version() gives it (it loads the same library), or
    'unknown'."""
    try:
        lib = ctypes.CDLL("libpango-1.0.so.0")
    except OSError:
        return "unknown"
    lib.pango_version.restype = ctypes.c_int
    return str(lib.pango_version())


def _harfbuzz_version() -> str:
    """The shaping library's version (a system library: an upgrade may move glyphs), or 'unknown'."""
    try:
        lib = ctypes.CDLL("libharfbuzz.so.0")
    except OSError:
        return "unknown"
    lib.hb_version_string.restype = ctypes.c_char_p
    return str(lib.hb_version_string().decode())


@dataclass
class PdfCache:
    """Rendered PDFs kept by a hash of everything they depend on, so an unchanged document is reused byte for byte.

    Safe when builds run at once or are killed: a PDF is written to a temporary file in the same folder and renamed
    into place (an atomic step), so a reader sees a whole file or none; a reader that loses a race to pruning simply
    renders again. Temporary files a killed build left behind are removed once they are an hour old.
    """

    folder: Path
    rendered: list[str] = field(default_factory=list)
    """Names of the documents rendered afresh by the last render_pdfs that used this cache."""
    reused: list[str] = field(default_factory=list)
    """Names of the documents taken from the cache."""
    files: dict[str, str] = field(default_factory=dict)
    """Each document's file in the cache after the last render_pdfs, when it is there (builder.incremental)."""
    _fingerprint: str = ""

    def fingerprint(self) -> str:
        """renderer_fingerprint(), worked out once per cache object."""
        if not self._fingerprint:
            self._fingerprint = renderer_fingerprint()
        return self._fingerprint

    def key(self, doc: PrintDocument) -> str:
        """The hash of one document's inputs: its name, identifier and print HTML, and the renderer's fingerprint.

        The HTML holds the print CSS, and any image as a data: URL: the renderer reads nothing else but the fonts."""
        h = hashlib.sha256(self.fingerprint().encode())
        for part in (doc.name.encode(), doc.identifier, doc.html.encode()):
            h.update(len(part).to_bytes(8, "big") + part)
        return h.hexdigest()

    def path(self, doc: PrintDocument, key: str) -> Path:
        return self.folder / f"{Path(doc.name).stem}.{key}.pdf"

    def get(self, doc: PrintDocument, key: str) -> bytes | None:
        """The cached PDF, or None; a hit is touched, so pruning keeps what is in use."""
        path = self.path(doc, key)
        try:
            data = path.read_bytes()
            os.utime(path)
        except OSError:  # not there, or a cache we may not read or touch: render the PDF
            return None
        # A whole PDF starts with its header and ends with %%EOF: anything else is an entry cut short (a power cut
        # before the disk caught up) and is rendered again.
        return data if data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") else None

    def put(self, doc: PrintDocument, key: str, pdf: bytes) -> None:
        """Store one PDF: written beside its final name, then renamed into place.

        Best effort: a cache that cannot be written (a read-only project, a full disk) only means the next build
        renders the PDF again; the build itself goes on."""
        tmp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                f.write(pdf)
                f.flush()
                os.fsync(f.fileno())  # on disk before it has its name: a power cut leaves no cut-short entry
            os.replace(tmp, self.path(doc, key))
        except BaseException as exc:
            if tmp:
                Path(tmp).unlink(missing_ok=True)
            if not isinstance(exc, OSError):
                raise

    def prune(self, *, now: float | None = None) -> None:
        """Keep the KEEP_PER_DOCUMENT most recently used versions of each document; remove stale temporary files."""
        now = time.time() if now is None else now
        versions: dict[str, list[tuple[float, Path]]] = {}
        try:
            found_paths = list(self.folder.glob("*.pdf"))
        except OSError:
            return  # a cache we may not read: nothing to prune
        for path in found_paths:
            try:
                used = path.stat().st_mtime
            except OSError:
                continue  # another build pruned it meanwhile
            if path.name.startswith(".tmp-"):
                if now - used > 3600:
                    with contextlib.suppress(OSError):
                        path.unlink(missing_ok=True)
                continue
            versions.setdefault(path.name.split(".", 1)[0], []).append((used, path))
        for found in versions.values():
            for _, path in sorted(found, reverse=True)[KEEP_PER_DOCUMENT:]:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)

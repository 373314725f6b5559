"""Publish an edition: build it into a temporary folder, then swap it in, so a failed build loses nothing."""

from __future__ import annotations

import ctypes
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from . import pipeline
from .edition import Edition
from .errors import OapError, Problem, blame
from .mkdocs_plugin import MARKER, OapPlugin
from .pagecache import DiskMemo, edition_key
from .pipeline import Timings

SOURCE_MARKERS = ("mkdocs.yml", "pyproject.toml", "standards/vocabularies", ".git", "council.yaml", "school.yaml")


class BuildFailed(Exception):
    """The build stopped; the message says why, and the previous output is untouched."""


def check_output_folder(out: Path, root: Path) -> None:
    """Refuse to replace a folder that holds sources or that oap did not make."""
    out, root = out.resolve(), root.resolve()
    if out == root or out in root.parents:
        raise BuildFailed(f"{out}: refusing to build into a folder that contains the project")
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildFailed(f"{out}: exists and is not a folder")
    held = [name for name in SOURCE_MARKERS if (out / name).exists()]
    if held:
        raise BuildFailed(f"{out}: refusing to replace a folder that holds sources ({', '.join(held)})")
    if any(out.iterdir()) and not (out / MARKER).exists():
        raise BuildFailed(
            f"{out}: refusing to replace a folder that oap build did not make (no {MARKER} file); empty it or choose another --out"
        )


def build(
    root: Path,
    out: Path,
    *,
    council: Path | None = None,
    pdf: bool = True,
    config_file: Path | None = None,
    edition: Edition | None = None,
    timings: Timings | None = None,
) -> Path:
    """Gather the edition (unless given one already gathered), render it once, run MkDocs into a temporary sibling of
    out, then swap it into place. Nothing is written before the edition has passed every check."""
    # MkDocs reads a relative site_dir against mkdocs.yml's folder, not ours: hand it absolute paths only.
    root, out = root.absolute(), out.absolute()
    t = timings or Timings()
    if edition is None:
        edition = pipeline.gather(root, council, timings=t, cache=root / pipeline.LOAD_CACHE)  # raises OapError before anything is written
    check_output_folder(out, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(out)
    clean_stale_temp()
    tmp = out.parent / f".{out.name}.oap-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    with open(config_file or root / "mkdocs.yml", "rb") as config:  # a missing one is an OSError that names it
        cfg = load_config(config, site_dir=str(tmp), strict=True)
    plugin = cfg.plugins["oap"]
    assert isinstance(plugin, OapPlugin), "mkdocs.yml must load the oap plugin"
    try:
        with tempfile.TemporaryDirectory(prefix=f"oap-pdf-{os.getpid()}-") as pdf_tmp:
            # The plugin publishes exactly the edition gathered and checked here, whatever the environment says.
            pdf_dir = Path(pdf_tmp) if pdf and plugin.config.pdf else None
            # The pages of the last build are reused where nothing they show changed (builder.pagecache).
            memo = DiskMemo(root / pipeline.PAGE_CACHE, edition_key(edition.council))
            plugin.prepared = pipeline.render(edition, pdf_dir=pdf_dir, pdf_cache=root / pipeline.PDF_CACHE, timings=t, memo=memo)
            memo.save()
            # A write that finds the disk full names no file: it was the output's. MkDocs logs a page's OS error
            # before raising it; oap reports it once, as one line.
            with t.stage("publish"), blame(out), _quiet(logging.getLogger("mkdocs.commands.build"), _os_error_logged):
                mkdocs_build(cfg)
    except MkDocsException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildFailed(str(exc).strip()) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with blame(out):
        swap_in(tmp, out)
    return out


def _os_error_logged(record: logging.LogRecord) -> bool:
    """Keep every record but MkDocs' "Error building page '...': [Errno 28] No space left on device"."""
    return not (record.levelno >= logging.ERROR and "[Errno " in record.getMessage())


@contextmanager
def _quiet(logger: logging.Logger, keep: Callable[[logging.LogRecord], bool]) -> Iterator[None]:
    """Drop the logger's records that keep refuses, for the duration."""
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def swap_in(new: Path, out: Path) -> None:
    """Put the finished build at out; where the system can, in one atomic step, so there is never a moment without a site."""
    if out.exists() and _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # it now holds the previous site
        return
    old = out.parent / f".{out.name}.oap-old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux's renameat2(RENAME_EXCHANGE); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def clean_stale(out: Path) -> list[Path]:
    """Remove the temporary folders of builds whose process has died (killed, or the machine lost power); return them.

    A build killed between its two renames leaves no out but an .oap-old-<pid> folder: that is the previous site,
    so it is put back rather than deleted. Folders of builds still running are left alone.
    """
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.oap-(tmp|old)-(\d+)$")
    removed = []
    for sibling in sorted(out.parent.iterdir()) if out.parent.is_dir() else []:
        match = pattern.match(sibling.name)
        if not match or not sibling.is_dir() or _alive(int(match[2])):
            continue
        if match[1] == "old" and not out.exists():
            sibling.rename(out)
            continue
        shutil.rmtree(sibling, ignore_errors=True)
        removed.append(sibling)
    return removed


STALE_TEMP = re.compile(r"^oap-(?:pdf|print)-(\d+)-")
"""Our folders in the temporary folder carry the process id of the build that made them (oap-pdf-<pid>-...)."""


def clean_stale_temp() -> list[Path]:
    """Remove from the temporary folder what builds that have died (killed, or the machine lost power) left there."""
    removed: list[Path] = []
    try:
        entries = sorted(Path(tempfile.gettempdir()).iterdir())
    except OSError:  # cleaning up is a courtesy: a folder we cannot list is a problem for whatever uses it next
        return removed
    for entry in entries:
        match = STALE_TEMP.match(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not _alive(int(match[1])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (a process we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["BuildFailed", "OapError", "Problem", "build", "check_output_folder", "clean_stale", "clean_stale_temp", "swap_in"]

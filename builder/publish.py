"""Build a whole edition into a temporary folder, then swap it in, so a failed build loses nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from .edition import load as load_edition
from .errors import OapError, Problem
from .mkdocs_plugin import MARKER

SOURCE_MARKERS = ("mkdocs.yml", "pyproject.toml", "standards/vocabularies", ".git", "council.yaml")


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


def build(root: Path, out: Path, *, council: Path | None = None, pdf: bool = True, config_file: Path | None = None) -> Path:
    """Check everything, build into a temporary sibling of out, then swap it into place."""
    load_edition(root, council)  # raises OapError before anything is written
    check_output_folder(out, root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.oap-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    cfg = load_config(str(config_file or root / "mkdocs.yml"), site_dir=str(tmp), strict=True)
    plugin = cfg.plugins["oap"]
    plugin.config.pdf = pdf and plugin.config.pdf
    if council is not None:
        plugin.config.council = str(council.resolve())
    try:
        mkdocs_build(cfg)
    except MkDocsException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildFailed(str(exc).strip()) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.oap-old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out


__all__ = ["BuildFailed", "OapError", "Problem", "build", "check_output_folder"]

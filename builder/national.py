"""Where the national edition is: a checkout of this repository, or the copy installed with the package.

The wheel carries the national edition as package data in builder/national_edition/ (mkdocs.yml, docs/, overrides/
and standards/, copied from the repository's top folder when the wheel is built; see pyproject.toml). A council
needs only its own folder and `pip install oap-standards==X.Y.Z`: the package version is the edition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import __version__

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "national_edition"
"""The national edition installed with the package (absent in a checkout, where it is the repository itself)."""
PROJECT_MARKERS = ("standards", "mkdocs.yml")
"""A folder holding either is a project: its own standards and site configuration are used, never the installed ones."""


def edition_root() -> Path:
    """The national edition this `oap` came with: the installed package data, else the checkout holding the package."""
    return INSTALLED if (INSTALLED / "standards").is_dir() else PACKAGE.parent


@dataclass(frozen=True)
class Project:
    """What a command reads and where it writes."""

    source: Path
    """The folder holding mkdocs.yml, docs/, overrides/ and standards/."""
    work: Path
    """Where the output (site/) and the caches (.oap-cache/) go by default: never inside the installed package."""
    installed: bool
    """True when the national edition is the installed one (no project folder was given or found)."""


def find(root: Path | None, council: Path | None) -> Project:
    """--root when given; else the current folder when it is a project; else the installed national edition, with the
    council's folder (or, without a council, the current folder) for the output and caches."""
    if root is not None:
        return Project(root, root, installed=False)
    here = Path(".")
    if any((here / marker).exists() for marker in PROJECT_MARKERS):
        return Project(here, here, installed=False)
    return Project(edition_root(), council if council is not None else here, installed=True)


def version_line() -> str:
    """'oap 0.1.0 (national edition 0.1.0, installed at /.../builder/national_edition)' for --version."""
    where = f"installed at {INSTALLED}" if edition_root() == INSTALLED else f"from the checkout at {PACKAGE.parent}"
    return f"oap {__version__} (national edition {__version__}, {where})"

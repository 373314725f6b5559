"""Which edition is being built: the national baseline, or a council's edition layered over it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .model import Corpus
from .project import load_corpus
from .render import Edition

COUNCIL_ENV = "OAP_COUNCIL"
"""The environment variable naming a council overlay folder, for when no --council is given."""


class SettingsConflict(Exception):
    """A command-line flag and an environment variable name different things; the message says which."""


def choose_council(flag: Path | None, env: Mapping[str, str] | None = None) -> tuple[Path | None, str | None]:
    """The council folder to check and publish, and the OAP_COUNCIL value when that is where it came from.

    One rule for settings: the flag wins; without it the environment is used (and the caller says so); a flag and an
    environment variable naming different folders is an error rather than a silent choice.
    """
    value = (os.environ if env is None else env).get(COUNCIL_ENV, "")
    if not value:
        return flag, None
    if flag is None:
        return Path(value), value
    if Path(value).resolve() != flag.resolve():
        raise SettingsConflict(
            f"--council {flag} and {COUNCIL_ENV}={value} name different council folders (give one of them, or the same folder in both)"
        )
    return flag, None


def load(root: Path, council_dir: Path | None) -> tuple[Edition, Corpus, dict[str, Any]]:
    """The edition, its corpus (national plus any local standards) and extra context for the renderer."""
    corpus = load_corpus(root)
    date = max((s.last_reviewed for s in corpus.standards), default=Edition.date)
    if council_dir is None:
        return Edition(date=date), corpus, {}
    from .overlay import load_overlay

    overlay = load_overlay(council_dir, corpus)
    return overlay.edition(date), overlay.corpus, overlay.render_context()


def apply_branding(config: Any, edition: Edition) -> None:
    """Council name in the header and the page titles; colours come from the overrides' CSS variables."""
    config.site_name = f"{edition.council.name}: ordinarily available provision"
    branding = edition.council.branding_context()
    config.extra["council"] = branding
    # The council's colour is a generated stylesheet (builder.overlay.Council.stylesheet) loaded after
    # the site's own, so it overrides --oap-primary without any template of the council's.
    if branding["css"] not in config.extra_css:
        config.extra_css.append(branding["css"])
    if branding["logo"]:
        config.theme["logo"] = branding["logo"]
    if branding["fictional"]:  # the footer is on every page, so no one mistakes the example for a real council
        config.copyright = (
            f"{edition.council.name} is a fictional council, made up to show how a council's edition works. {config.copyright or ''}"
        )

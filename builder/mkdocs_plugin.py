"""The MkDocs adapter: a thin plugin that hands MkDocs the pages the core renders."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from . import edition as editions
from .errors import OapError
from .render import Renderer, Site, cache_compiled

log = logging.getLogger("mkdocs.plugins.oap")
MARKER = ".oap-build"
"""Written into every output folder we make, so `oap build` knows it may replace it."""


class OapConfig(base.Config):
    root = c.Type(str, default=".")
    """The project folder holding standards/, relative to mkdocs.yml."""
    council = c.Optional(c.Type(str))
    """A council overlay folder; the OAP_COUNCIL environment variable overrides it under plain `mkdocs`."""
    pdf = c.Type(bool, default=True)
    """Render the PDFs into downloads/ (never during `mkdocs serve`; OAP_NO_PDF=1 turns them off)."""


class OapPlugin(BasePlugin[OapConfig]):
    """Loads and checks the standards, then adds the generated pages, data and PDFs to the build."""

    def __init__(self) -> None:
        self.serving = False
        self.site = Site()
        self._tmp: str | None = None
        self._pdfs: dict[str, int] = {}
        self.settled = False
        """True when `oap build` has chosen the council (flag over environment): then config.council is final."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def _council(self) -> str | None:
        """The council folder: as oap build settled it, else (plain `mkdocs`) OAP_COUNCIL over mkdocs.yml's option."""
        if self.settled:
            return self.config.council
        return os.environ.get(editions.COUNCIL_ENV) or self.config.council

    def _root(self, config: Any) -> Path:
        return (Path(config.config_file_path).parent / self.config.root).resolve()

    def on_config(self, config: Any) -> Any:
        root = self._root(config)
        council = self._council()
        try:
            ed, corpus, extra = editions.load(root, Path(council) if council else None)
        except OapError as exc:
            raise PluginError("the standards have problems:\n" + exc.report()) from None
        self._pdfs = {}
        if self.config.pdf and not self.serving and os.environ.get("OAP_NO_PDF") != "1":
            from .pdf import render_pdfs

            self._tmp = tempfile.mkdtemp(prefix="oap-pdf-")
            self._pdfs = render_pdfs(corpus, ed, Path(self._tmp))
        self.site = Renderer(corpus, ed, downloads=self._pdfs, **extra).render()
        for warning in self.site.warnings:
            log.info("review overdue: %s", warning)
        config.nav = self.site.nav
        if ed.council is not None:
            editions.apply_branding(config, ed)
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        for path, content in self.site.pages.items():
            files.append(File.generated(config, path, content=content))
        for path, data in self.site.files.items():
            files.append(File.generated(config, path, content=data))
        for name in self._pdfs:
            files.append(File.generated(config, f"downloads/{name}", abs_src_path=str(Path(self._tmp or "") / name)))
        return files

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        # The theme's templates are compiled afresh on every build, and `mkdocs serve` builds after every save;
        # keeping them compiled (as our own templates are) saves a tenth of a second each time.
        return cache_compiled(env)

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        server.watch(str(self._root(config) / "standards"))
        server.watch(str(Path(__file__).parent / "templates"))
        council = self._council()
        if council:
            server.watch(str(Path(council).resolve()))
        return server

    def on_post_build(self, config: Any) -> None:
        Path(config.site_dir, MARKER).write_text("Made by oap build; safe to replace.\n", encoding="utf-8")
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

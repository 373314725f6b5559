"""The MkDocs adapter: hands MkDocs the pages, files and PDFs of an edition rendered by builder.pipeline.

`oap build` gathers and renders the edition before MkDocs starts and gives the plugin the result (prepared), so
the plugin only adapts it. Under plain `mkdocs build` or `mkdocs serve` the plugin runs the same pipeline itself:
gather when the configuration is read (the navigation needs the edition), render when MkDocs asks for files.
"""

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

from . import branding, pipeline
from .edition import COUNCIL_ENV, Edition
from .errors import OapError
from .markup import cache_compiled
from .web import nav

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
    """Adds an edition's generated pages, data and PDFs to the MkDocs build."""

    def __init__(self) -> None:
        self.serving = False
        self.prepared: pipeline.Output | None = None
        """The rendered edition, when `oap build` has gathered and rendered it before MkDocs started."""
        self.edition: Edition | None = None
        self._tmp: str | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def _council(self) -> str | None:
        """Under plain `mkdocs`: OAP_COUNCIL over mkdocs.yml's option."""
        return os.environ.get(COUNCIL_ENV) or self.config.council

    def _root(self, config: Any) -> Path:
        return (Path(config.config_file_path).parent / self.config.root).resolve()

    def on_config(self, config: Any) -> Any:
        if self.prepared is not None:
            self.edition = self.prepared.edition
        else:
            council = self._council()
            try:
                self.edition = pipeline.gather(self._root(config), Path(council) if council else None)
            except OapError as exc:
                raise PluginError("the standards have problems:\n" + exc.report()) from None
        config.nav = nav(self.edition)
        branding.apply(config, self.edition)
        return config

    def _render(self) -> pipeline.Output:
        """The prepared output, or (plain `mkdocs`) the edition rendered now, with PDFs unless serving or turned off."""
        if self.prepared is not None:
            return self.prepared
        assert self.edition is not None, "on_config gathers the edition first"
        pdf_dir = None
        if self.config.pdf and not self.serving and os.environ.get("OAP_NO_PDF") != "1":
            self._tmp = tempfile.mkdtemp(prefix=f"oap-pdf-{os.getpid()}-")  # the pid: see publish.clean_stale_temp
            pdf_dir = Path(self._tmp)
        return pipeline.render(self.edition, pdf_dir=pdf_dir)

    def on_files(self, files: Files, config: Any) -> Files:
        out = self._render()
        for warning in out.warnings:
            log.info("review overdue: %s", warning)
        for path, content in out.pages.items():
            files.append(File.generated(config, path, content=content))
        for path, data in out.files.items():
            files.append(File.generated(config, path, content=data))
        for name in out.pdfs:
            files.append(File.generated(config, f"downloads/{name}", abs_src_path=str(Path(out.pdf_dir or "") / name)))
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
        self._clean()

    def on_build_error(self, *, error: Exception) -> None:
        self._clean()  # a failed build leaves nothing in the temporary folder either

    def _clean(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

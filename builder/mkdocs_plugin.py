"""The MkDocs adapter: hands MkDocs the pages, files and PDFs of an edition rendered by builder.pipeline.

`oap build` gathers and renders the edition before MkDocs starts and gives the plugin the result (prepared), so
the plugin only adapts it. Under plain `mkdocs build` or `mkdocs serve` the plugin runs the same pipeline itself:
gather when the configuration is read (the navigation needs the edition), render when MkDocs asks for files.

While `mkdocs serve` runs, input that breaks does not stop the preview: the last good edition stays on show, with
every problem on every page (overrides/partials/oap-problems.html), until the files are fixed. Pages that did not
change are not converted to HTML again (builder.preview).
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
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files

from . import branding, pipeline, preview
from .changes import PREVIOUS_ENV
from .edition import COUNCIL_ENV, Edition
from .errors import OapError
from .markup import cache_compiled
from .web import PageMemo, lift_fragments, lift_html, nav, restore_fragments, restore_html, strip_fragments

log = logging.getLogger("mkdocs.plugins.oap")
WATCH_INTERVAL = 0.1
"""Seconds between looks for a saved file while serving (MkDocs looks every 0.5 s: on average a quarter of a second
of every preview). The standards are a few dozen files, so looking five times as often costs next to nothing."""
BUILD_DELAY = 0.02
"""Seconds MkDocs waits after a change for more changes before it rebuilds (its own is 0.1 s). Its watcher reports a
save at one look: the events of one save arrive together, within milliseconds, and a change seen at a later look
starts another rebuild anyway. So the wait only delays every preview; a fiftieth of a second is enough."""
MARKER = ".oap-build"
"""Written into every output folder we make, so `oap build` knows it may replace it."""


class OapConfig(base.Config):
    root = c.Type(str, default=".")
    """The project folder holding standards/, relative to mkdocs.yml."""
    council = c.Optional(c.Type(str))
    """A council overlay folder; the OAP_COUNCIL environment variable overrides it under plain `mkdocs`."""
    previous = c.Optional(c.Type(str))
    """The previous edition's data/standards.json, for a "What changed in this edition" page; OAP_PREVIOUS overrides it."""
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
        self.problems: list[str] = []
        """While serving: what is wrong with the input now, each as 'file:line:column: field: message' (the pages
        shown are the last good edition's)."""
        self._output: pipeline.Output | None = None
        self._pages = PageMemo()
        self._markdown = preview.MarkdownCache()
        self._search = preview.SearchCache()
        self._html = preview.PageHtmlCache()
        self._lifted: dict[str, list[str]] = {}
        self._parts: dict[str, list[str]] = {}
        """While serving: each page's parts (builder.web.FRAGMENT_START), from its Markdown until its HTML is made."""
        """Each page's passed-through HTML (builder.web.passthrough), from its Markdown until its HTML is made."""

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def _council(self) -> str | None:
        """Under plain `mkdocs`: OAP_COUNCIL over mkdocs.yml's option."""
        return os.environ.get(COUNCIL_ENV) or self.config.council

    def _root(self, config: Any) -> Path:
        return (Path(config.config_file_path).parent / self.config.root).resolve()

    def _gather(self, config: Any) -> Any:
        if self.prepared is not None:
            self.edition = self.prepared.edition
        else:
            council = self._council()
            try:
                previous = os.environ.get(PREVIOUS_ENV) or self.config.previous
                self.edition = pipeline.gather(
                    self._root(config), Path(council) if council else None, previous=Path(previous) if previous else None
                )
                self.problems = []
            except OapError as exc:
                if not (self.serving and self.edition is not None):
                    raise PluginError("the standards have problems:\n" + exc.report()) from None
                # The author is looking at the browser: keep the last good edition and show the problems there.
                # Raising would leave `mkdocs serve` waiting for a good build, with every request hanging till then.
                self.problems = [str(p) for p in exc.problems]
                log.info(  # not a warning: under `strict: true` a warning fails the build, and so the preview
                    "the files have problems; the preview shows the last good pages until they are fixed:\n%s",
                    "\n".join(self.problems),
                )
        config.nav = nav(self.edition)
        branding.apply(config, self.edition)
        return config

    @event_priority(100)  # before the search plugin's, which fills two of the theme's templates on every build
    def _keep_theme(self, config: Any) -> Any:
        if self.serving:
            preview.keep_theme_listing(config.theme)
        return config

    on_config = CombinedEvent(_keep_theme, _gather)  # type: ignore[assignment]

    def _render(self) -> pipeline.Output:
        """The prepared output, or (plain `mkdocs`) the edition rendered now, with PDFs unless serving or turned off."""
        if self.prepared is not None:
            return self.prepared
        assert self.edition is not None, "on_config gathers the edition first"
        if self._output is not None and self._output.edition is self.edition:  # serving, input broken: the last good
            return self._output
        pdf_dir = None
        if self.config.pdf and not self.serving and os.environ.get("OAP_NO_PDF") != "1":
            self._tmp = tempfile.mkdtemp(prefix=f"oap-pdf-{os.getpid()}-")  # the pid: see publish.clean_stale_temp
            pdf_dir = Path(self._tmp)
        out = pipeline.render(self.edition, pdf_dir=pdf_dir, memo=self._pages if self.serving else None)
        if self.serving:
            self._output = out
        return out

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

    def on_nav(self, nav: Any, config: Any, files: Files) -> Any:
        self._lifted, self._parts = {}, {}
        if self.serving:
            self._markdown.start(config, files)
            self._search.start(config.plugins)
        return nav

    @event_priority(-100)  # after every other plugin has changed the Markdown: the key is what MkDocs converts
    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Files) -> str:
        markdown, self._lifted[page.file.src_uri] = lift_html(markdown)  # HTML that needs no converting (the finder's)
        if self.serving:  # each standard's part of a page converted on its own and kept (builder.web.FRAGMENT_START)
            markdown, self._parts[page.file.src_uri] = lift_fragments(markdown)
            self._markdown.attach(page, markdown, files)
        else:
            markdown = strip_fragments(markdown)
        return markdown

    @event_priority(100)  # before any other plugin reads the HTML
    def on_page_content(self, html: str, page: Any, config: Any, files: Files) -> str:
        try:
            parts = [self._markdown.fragment(page, part, config, files) for part in self._parts.pop(page.file.src_uri, [])]
            for part in parts:  # what MkDocs checks links against: the anchors of the page, and its links to others
                if page.present_anchor_ids is not None and part.anchors:
                    page.present_anchor_ids |= part.anchors
                if page.links_to_anchors is not None and part.links:
                    for uri, links in part.links.items():
                        target = files.get_file_from_path(uri)
                        if target is not None:
                            page.links_to_anchors.setdefault(target, {}).update(links)
            html = restore_fragments(html, [part.content for part in parts])
            return restore_html(html, self._lifted.pop(page.file.src_uri, []))
        except ValueError as exc:
            raise PluginError(f"{page.file.src_uri}: {exc}") from None

    def on_page_context(self, context: Any, page: Any, config: Any, nav: Any) -> Any:
        context["oap_problems"] = self.problems
        return context

    def on_template_context(self, context: Any, template_name: str, config: Any) -> Any:
        context["oap_problems"] = self.problems  # the 404 page too
        return context

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        # The theme's templates are compiled afresh on every build, and `mkdocs serve` builds after every save;
        # keeping them compiled (as our own templates are) saves a tenth of a second each time.
        env = cache_compiled(env)
        if self.serving:
            self._html.start(config, files)
            env = self._html.wrap(env)
        return env

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        # MkDocs offers no setting for how often it looks; its watchdog observer makes each watch with the interval
        # it holds (watchdog's BaseObserver._timeout), so the watches made from here on look every WATCH_INTERVAL.
        # Should either library change, this does nothing and the preview looks every half second as before.
        interval = getattr(getattr(server, "observer", None), "_timeout", None)
        if isinstance(interval, (int, float)) and interval > WATCH_INTERVAL:
            server.observer._timeout = WATCH_INTERVAL
        delay = getattr(server, "build_delay", None)  # the same: kept as it is when MkDocs no longer has it
        if isinstance(delay, (int, float)) and delay > BUILD_DELAY:
            server.build_delay = BUILD_DELAY
        server.watch(str(self._root(config) / "standards"))
        server.watch(str(Path(__file__).parent / "templates"))
        council = self._council()
        if council:
            server.watch(str(Path(council).resolve()))
        return server

    def on_post_build(self, config: Any) -> None:
        if self.serving:
            self._markdown.finish()
            self._search.finish()
            self._html.finish()
            converted = self._markdown.converted
            log.debug("pages rendered: %d (%s)", len(self._pages.rendered), ", ".join(self._pages.rendered))
            log.debug("pages filled in: %d reused", self._html.reused)
            log.debug("parts of pages converted: %d", self._markdown.parts)
            log.debug("pages converted: %d, reused: %d (converted: %s)", len(converted), self._markdown.reused, ", ".join(converted))
        Path(config.site_dir, MARKER).write_text("Made by oap build; safe to replace.\n", encoding="utf-8")
        self._clean()

    def on_build_error(self, *, error: Exception) -> None:
        self._markdown.forget()  # MkDocs may have warned about a page it kept: the next build converts every page
        self._search.forget()
        self._html.forget()
        self._clean()  # a failed build leaves nothing in the temporary folder either

    def _clean(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

"""What `mkdocs serve` keeps from one rebuild to the next, so that a saved file shows in the browser quickly.

Part of the MkDocs adapter (builder.mkdocs_plugin), used only while serving. MkDocs rebuilds every page after
every save, and turning each page's Markdown into HTML was half of that time (`python -m tests.bench --profile`
shows the split). Saving one standards file changes the few pages that show its standards (its area-and-phase
page, its phase's families page, the finder), so the other pages' HTML is taken from the last build.

A page converts to the same HTML when its Markdown, its address, the Markdown settings and the site's files (which
its links resolve against) are the same: that is the key, so a reused page is exactly what converting it would give.
After a build that failed, every page is converted again, so a page MkDocs warned about is warned about again.
The changed pages are big (a families page holds every standard of its phase): each standard's part of them
(builder.web.FRAGMENT_START) is converted on its own, with the same key, so a save converts the edited standards'
parts and the page around the parts.

The same holds one step before and one step after: builder.web.PageMemo renders again only the generated pages whose
data changed, and PageHtmlCache reuses a page's finished HTML (the theme around it) while the page and the site
around it are the same. tests/test_preview.py checks that after a run of edits the preview serves byte for byte
what a fresh build makes.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents

from .markup import cache_compiled
from .web import FRAGMENT_AFTER


@dataclass(frozen=True)
class Converted:
    """What MkDocs' Page.render sets on a page: its HTML, contents, title and anchors."""

    content: str
    toc: TableOfContents
    title: str | None
    anchors: frozenset[str] | None
    links: dict[str, dict[str, str]] | None
    """Links to anchors in other pages, by the linked page's source path (File objects are new in every build)."""

    @classmethod
    def of(cls, page: Page) -> Converted:
        assert page.content is not None, "read after Page.render"
        links = None if page.links_to_anchors is None else {f.src_uri: dict(v) for f, v in page.links_to_anchors.items()}
        anchors = None if page.present_anchor_ids is None else frozenset(page.present_anchor_ids)
        return cls(page.content, page.toc, page._title_from_render, anchors, links)

    def apply(self, page: Page, files: Files) -> None:
        """Set on the page what Page.render would have set."""
        page.content = self.content
        page.toc = self.toc
        page._title_from_render = self.title
        page.present_anchor_ids = None if self.anchors is None else set(self.anchors)
        if self.links is not None:
            page.links_to_anchors = {}
            for uri, links in self.links.items():
                target = files.get_file_from_path(uri)
                if target is not None:
                    page.links_to_anchors[target] = dict(links)


class MarkdownCache:
    """Each page's HTML from the last finished build, reused while nothing it is made from has changed."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], Converted] = {}
        self._building: dict[tuple[str, ...], Converted] = {}
        self._setting = ""
        self.reused = 0
        self.converted: list[str] = []
        """This build's pages converted afresh, by source path."""
        self.parts = 0
        """This build's parts of pages converted afresh (fragment)."""

    def start(self, config: Any, files: Files) -> None:
        """A build begins: note what every page's conversion depends on besides its own Markdown."""
        what = (
            repr(config["markdown_extensions"]),
            repr(sorted(config["mdx_configs"].items())),
            repr(config["use_directory_urls"]),
            repr(config["validation"]),
            repr(sorted((f.src_uri, f.url) for f in files)),
        )
        self._setting = hashlib.sha1("\0".join(what).encode()).hexdigest()
        self._building = {}
        self.reused, self.converted, self.parts = 0, [], 0

    def attach(self, page: Page, markdown: str, files: Files) -> None:
        """Make this build's Page.render of the page reuse the last build's HTML, or keep what it converts."""
        key = (page.file.src_uri, page.url, self._setting, markdown)
        kept = self._kept.get(key)
        if kept is not None:
            self._building[key] = kept
            self.reused += 1

            def reuse(config: Any, files: Files) -> None:
                kept.apply(page, files)

            page.render = reuse  # type: ignore[method-assign]
            return
        convert = page.render
        self.converted.append(page.file.src_uri)

        def render(config: Any, files: Files) -> None:
            convert(config, files)
            self._building[key] = Converted.of(page)

        page.render = render  # type: ignore[method-assign]

    def fragment(self, page: Page, markdown: str, config: Any, files: Files) -> Converted:
        """One part of the page (builder.web.FRAGMENT_START) converted as MkDocs converts a page, at the page's
        address: from the last build while its Markdown and the setting are the same (a save changes the parts of
        the edited standards), else afresh."""
        key = (page.file.src_uri, page.url, self._setting, "part", markdown)
        kept = self._kept.get(key) or self._building.get(key)
        if kept is None:
            part = copy.copy(page)  # the page's file and address; MkDocs' own conversion, not the one attach set
            part.markdown = f"{markdown.rstrip()}\n\n{FRAGMENT_AFTER}\n"  # what follows the part: see FRAGMENT_AFTER
            Page.render(part, config, files)
            if part.toc.items:
                raise ValueError("a part of the page holds a heading: its contents list would miss it")
            if not (part.content or "").endswith(FRAGMENT_AFTER):
                raise ValueError("a part of the page did not convert as a whole block")
            part.content = (part.content or "")[: -len(FRAGMENT_AFTER)]
            kept = Converted.of(part)
            self.parts += 1
        self._building[key] = kept
        return kept

    def finish(self) -> None:
        """The build finished: keep its pages for the next one (and only those, so nothing stale accumulates)."""
        self._kept, self._building = self._building, {}

    def forget(self) -> None:
        """The build failed: keep nothing."""
        self._kept, self._building = {}, {}


class SearchCache:
    """Each page's entries in Material's search index from the last finished build, while the page is the same.

    The search plugin reads every page's HTML again after every save, a third of what is left of a rebuild once
    pages are not converted again. Its index object is asked for a page's entries through one method; that method
    is wrapped, for this build only, so a page whose HTML, contents, title and front matter are unchanged gets its
    last entries back. Where MkDocs holds the plugin's page event as it does now, the event itself is wrapped, so
    that the page's HTML without its data-search attributes is reused too. When the plugin is not there, or no
    longer looks like this, nothing is wrapped.
    """

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._building: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._kept_pages: dict[tuple[str, ...], tuple[list[dict[str, Any]], str | None]] = {}
        self._building_pages: dict[tuple[str, ...], tuple[list[dict[str, Any]], str | None]] = {}

    def start(self, plugins: Any) -> None:
        """A build begins: wrap the search plugin's index (made afresh by the plugin for every build)."""
        self._building, self._building_pages = {}, {}
        search = plugins.get("material/search") or plugins.get("search")
        index: Any = getattr(search, "search_index", None)
        if not (isinstance(getattr(index, "entries", None), list) and callable(getattr(index, "add_entry_from_context", None))):
            return
        if self._wrap_event(plugins, search, index):
            return
        add = index.add_entry_from_context

        def add_entry_from_context(page: Page) -> None:
            key = (page.url, page.content or "", str(page.title), repr(page.meta), _toc_key(page.toc))
            kept = self._kept.get(key)
            if kept is None:
                first = len(index.entries)
                add(page)
                kept = [dict(entry) for entry in index.entries[first:]]
            else:
                index.entries.extend(dict(entry) for entry in kept)
            self._building[key] = kept

        index.add_entry_from_context = add_entry_from_context

    def _wrap_event(self, plugins: Any, search: Any, index: Any) -> bool:
        """Wrap the search plugin's page event itself, for this build: besides indexing the page it takes its
        data-search attributes out of the page's HTML with a pattern run over every page, and the same page gives
        the same HTML back. False when the plugin's event is not found as MkDocs registers it."""
        events = getattr(plugins, "events", None)
        handlers = events.get("page_context") if isinstance(events, dict) else None
        if not isinstance(handlers, list):
            return False
        found = [i for i, h in enumerate(handlers) if getattr(h, "__self__", None) is search]
        if len(found) != 1 or getattr(handlers[found[0]], "__name__", None) != "on_page_context":
            return False
        handler = handlers[found[0]]

        def on_page_context(context: Any, *, page: Page, config: Any, nav: Any) -> Any:
            key = (page.url, page.content or "", str(page.title), repr(page.meta), _toc_key(page.toc))
            kept = self._kept_pages.get(key)
            if kept is None:
                first = len(index.entries)
                result = handler(context, page=page, config=config, nav=nav)
                if result is not None:  # a context of its own: not what this plugin does, so nothing is kept
                    return result
                kept = ([dict(entry) for entry in index.entries[first:]], page.content)
            else:
                index.entries.extend(dict(entry) for entry in kept[0])
                page.content = kept[1]
            self._building_pages[key] = kept
            return None

        handlers[found[0]] = on_page_context
        origins = getattr(plugins, "_event_origins", None)
        if isinstance(origins, dict) and handler in origins:
            origins[on_page_context] = origins[handler]
        return True

    def finish(self) -> None:
        self._kept, self._building = self._building, {}
        self._kept_pages, self._building_pages = self._building_pages, {}

    def forget(self) -> None:
        self._kept, self._building = {}, {}
        self._kept_pages, self._building_pages = {}, {}


def _toc_key(toc: TableOfContents) -> str:
    """The table of contents as text: every heading's id, level and title, in order."""
    out: list[str] = []

    def walk(items: Any) -> None:
        for item in items:
            out.append(f"{item.level} {item.id} {item.title}")
            walk(item.children)

    walk(toc)
    return "\n".join(out)


class PageHtmlCache:
    """Each page's finished HTML (the theme's template around its content) from the last build, reused while the
    page and the site around it are the same.

    Filling the theme's template for every page was a third of what was left of a rebuild. The key is what that
    template reads: the page (its address, title, HTML, contents, front matter), the whole navigation (every title
    and address, so links, tabs and previous/next are the same), the site's page list, the settings (mkdocs.yml and
    each plugin's options), the theme's own files in custom_dir, and every other value in the template's context
    written out. A context value that cannot be written out as plain data means no reuse for that page. (A setting
    may be an object, such as the tags plugin's sorting functions: its text names the object, which is the same
    object from build to build, and mkdocs.yml's bytes are in the key too.) Every plugin event still runs: only the
    filling of the template is skipped.
    """

    def __init__(self) -> None:
        self._kept: dict[str, str] = {}
        self._building: dict[str, str] = {}
        self._site = ""
        self._nav: str | None = None
        self._dated = True
        """Whether a theme template shows the time of the build (then that time is in the key: no page is reused)."""
        self.reused = 0

    def start(self, config: Any, files: Files) -> None:
        """A build begins (on_env): note what every page's HTML depends on besides the page and the navigation."""
        what = [
            _read(config.config_file_path),
            repr(sorted((k, repr(v)) for k, v in config.items() if k not in ("plugins", "nav", "theme"))),
            repr(config.nav),
            repr(sorted(config.theme.items())) + repr(config.theme.dirs),
            repr([(name, repr(sorted(getattr(p, "config", {}).items()))) for name, p in config.plugins.items()]),
            repr(sorted((f.src_uri, f.url) for f in files)),
        ]
        for folder in config.theme.dirs:
            if not _installed(folder):  # an installed theme's files do not change while serving
                for path in sorted(Path(folder).rglob("*")):
                    if path.is_file():
                        what.append(f"{path}\0{_read(str(path))}")
        self._site = "\0".join(what)
        self._dated = any(_mentions(folder, "build_date_utc") for folder in config.theme.dirs)
        self._building, self._nav, self.reused = {}, None, 0

    def wrap(self, env: Any) -> Any:
        """Make env's templates reuse the last build's HTML for a page whose key is unchanged."""
        get_template = env.get_template

        def get(name: Any, *args: Any, **kwargs: Any) -> Any:
            return _Reusing(get_template(name, *args, **kwargs), self)

        env.get_template = get
        return env

    def render(self, template: Any, context: Any) -> str:
        page = context.get("page") if self._site else None
        key = self._key(template, context, page) if page is not None else None
        if key is None:
            return str(template.render(context))
        kept = self._kept.get(key)
        if kept is not None:
            self.reused += 1
        else:
            kept = str(template.render(context))
        self._building[key] = kept
        return kept

    def _key(self, template: Any, context: Any, page: Any) -> str | None:
        if self._nav is None:  # every page is read before the first is built: the titles are final by now
            self._nav = _nav_key(context.get("nav"))
        rest = []
        for name in sorted(context.keys()):
            if name in ("page", "nav", "pages", "config") or (name == "build_date_utc" and not self._dated):
                continue
            rest.append(f"{name}={context[name]!r}")
        extra = "\0".join(rest)
        if " at 0x" in extra:
            return None
        what = (
            str(template.name),
            page.file.src_uri,
            page.url,
            str(page.canonical_url),
            str(page.edit_url),
            str(page.title),
            page.content or "",
            _toc_key(page.toc),
            repr(page.meta),
            self._nav,
            extra,
            self._site,
        )
        return hashlib.sha1("\0".join(what).encode("utf-8", "surrogatepass")).hexdigest()

    def finish(self) -> None:
        self._kept, self._building = self._building, {}

    def forget(self) -> None:
        self._kept, self._building = {}, {}


class _Reusing:
    """A theme template whose render goes through a PageHtmlCache; everything else is the template's own."""

    def __init__(self, template: Any, cache: PageHtmlCache) -> None:
        self._template, self._cache = template, cache

    def render(self, *args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs and hasattr(args[0], "get"):
            return self._cache.render(self._template, args[0])
        return str(self._template.render(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)


def _nav_key(nav: Any) -> str:
    """The navigation as text: every section, page and link, with its title, address and place, in order."""
    out: list[str] = []

    def walk(items: Any, depth: int) -> None:
        for item in items or ():
            out.append(f"{depth} {type(item).__name__} {item.title!r} {getattr(item, 'url', '')!r}")
            walk(getattr(item, "children", None), depth + 1)

    walk(getattr(nav, "items", None), 0)
    out.append(repr([(p.file.src_uri, p.url, str(p.title)) for p in getattr(nav, "pages", ())]))
    return "\n".join(out)


def _read(path: str | None) -> str:
    if not path:
        return ""
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


@functools.cache
def _installed_mentions(folder: str, word: str) -> bool:
    return _search(folder, word)


def _mentions(folder: str, word: str) -> bool:
    """Whether any file under the theme folder holds the word (an installed theme's folder is searched once)."""
    return _installed_mentions(folder, word) if _installed(folder) else _search(folder, word)


def _search(folder: str, word: str) -> bool:
    needle = word.encode()
    for path in Path(folder).rglob("*.html"):
        try:
            if needle in path.read_bytes():
                return True
        except OSError:
            return True
    return False


def keep_theme_listing(theme: Any) -> None:
    """Make the theme's template loader list an installed theme's folder once, not on every build, and keep the
    theme's compiled templates (builder.markup.cache_compiled) in every environment made from it.

    MkDocs lists every file of the theme on every build, to copy its assets (Material's folder holds thousands of
    icons): a tenth of a rebuild. A folder of installed packages (site-packages) does not change while serving; a theme folder of the
    project (custom_dir) is listed afresh every time. The listing is the loader's own, folder by folder, sorted as
    Jinja sorts them, but for an installed folder without hidden names (a part starting with a dot: Material's 14,000
    icons are in .icons/): the only reader of the listing is MkDocs, looking for files to copy, and it drops every
    hidden name (its patterns '.*' and '*/.*'), after matching each against twenty patterns, on every build. The
    search plugin makes an environment of its own on every build, to translate two words: compiling its templates
    again was a twentieth of a rebuild.
    """
    get_env = theme.get_env

    def env() -> Any:
        made = cache_compiled(get_env())
        loader = made.loader
        if type(loader) is jinja2.FileSystemLoader:
            folders = list(loader.searchpath)
            loader.list_templates = lambda: sorted({name for f in folders for name in _listing(f)})  # type: ignore[method-assign]
        return made

    theme.get_env = env


def _listing(folder: str) -> list[str]:
    return _installed_listing(folder) if _installed(folder) else jinja2.FileSystemLoader(folder).list_templates()


@functools.cache
def _installed_listing(folder: str) -> list[str]:
    return [name for name in jinja2.FileSystemLoader(folder).list_templates() if not _hidden(name)]


def _hidden(name: str) -> bool:
    return any(part.startswith(".") for part in name.split("/"))


def _installed(folder: str) -> bool:
    """Whether the folder is inside Python's folders of installed packages (site-packages)."""
    paths = sysconfig.get_paths()
    return any(Path(folder).resolve().is_relative_to(Path(paths[k]).resolve()) for k in ("purelib", "platlib"))

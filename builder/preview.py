"""What `mkdocs serve` keeps from one rebuild to the next, so that a saved file shows in the browser quickly.

Part of the MkDocs adapter (builder.mkdocs_plugin), used only while serving. MkDocs rebuilds every page after
every save, and turning each page's Markdown into HTML was half of that time (`python -m tests.bench --profile`
shows the split). Saving one standards file changes the few pages that show its standards (its area-and-phase
page, its phase's families page, the finder), so the other pages' HTML is taken from the last build.

A page converts to the same HTML when its Markdown, its address, the Markdown settings and the site's files (which
its links resolve against) are the same: that is the key, so a reused page is exactly what converting it would give.
After a build that failed, every page is converted again, so a page MkDocs warned about is warned about again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents


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
        self.reused, self.converted = 0, []

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
    last entries back. When the plugin is not there, or no longer looks like this, nothing is wrapped.
    """

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self._building: dict[tuple[str, ...], list[dict[str, Any]]] = {}

    def start(self, plugins: Any) -> None:
        """A build begins: wrap the search plugin's index (made afresh by the plugin for every build)."""
        self._building = {}
        search = plugins.get("material/search") or plugins.get("search")
        index: Any = getattr(search, "search_index", None)
        if not (isinstance(getattr(index, "entries", None), list) and callable(getattr(index, "add_entry_from_context", None))):
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

    def finish(self) -> None:
        self._kept, self._building = self._building, {}

    def forget(self) -> None:
        self._kept, self._building = {}, {}


def _toc_key(toc: TableOfContents) -> str:
    """The table of contents as text: every heading's id, level and title, in order."""
    out: list[str] = []

    def walk(items: Any) -> None:
        for item in items:
            out.append(f"{item.level} {item.id} {item.title}")
            walk(item.children)

    walk(toc)
    return "\n".join(out)

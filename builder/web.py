"""The web edition: every page of the site as Markdown for MkDocs, and its navigation, from one edition."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markupsafe import Markup

from . import acronyms, branding, familypath, printdocs, prose, search_words, supportplan
from . import changes as compared_editions
from .changes import Entry, FieldChange
from .edition import Edition, build_date
from .markup import html_text, md_escape, raw_id
from .model import Standard
from .validate import schema
from .views import edition_environment


@dataclass
class Site:
    """Everything the site adds to the docs folder: pages, data files and the navigation."""

    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Renderer:
    """Renders every page of the site from one corpus."""

    def __init__(
        self,
        edition: Edition,
        *,
        downloads: Mapping[str, int] | None = None,
        today: dt.date | None = None,
        memo: PageMemo | None = None,
    ) -> None:
        """downloads: the PDFs of this build and their sizes in bytes (none when the build makes no PDFs); memo: the
        last render's pages, reused where what they show is unchanged (the preview, builder.mkdocs_plugin)."""
        self.edition = edition
        self.memo = memo
        self.corpus = edition.corpus
        self.vocab = edition.vocab
        self.downloads = dict(downloads or {})
        self.today = today or build_date()
        self.env = edition_environment("markdown", edition)
        self._markdown: markdown.Markdown | None = None
        self.env.globals.update(
            ref=self.ref,
            refs=self.refs,
            cell_url=self.cell_url,
            standard_url=self.standard_url,
            download=self.download,
            downloads=self.downloads,
            # The documents made as volumes (printdocs.plan_volumes), for the downloads page to list each volume.
            volumes=printdocs.volume_plans(edition) if self.downloads else {},
            today=self.today,
            format_version=compared_editions.FORMAT_VERSION,  # data/standards.json's, as builder.changes reads it
            FRAGMENT_START=Markup(FRAGMENT_START),
            FRAGMENT_END=Markup(FRAGMENT_END),
        )
        # Findability: tags and the everyday words people search for (builder/search_words.py).
        self.env.globals.update(
            structured_tags=lambda standards: search_words.structured_tags(self.vocab, standards),
            everyday_words=lambda standards: search_words.everyday_words(self.vocab, standards),
            glossary_tags=lambda: search_words.glossary_tags(self.vocab),
        )

    # -- links -------------------------------------------------------------------------------------
    _TARGETS = {
        "providers": ("who-provides.md", "name"),
        "funding_streams": ("who-pays.md", "name"),
        "legal_bases": ("law.md", "name"),
        "evidence": ("evidence.md", "name"),
        "need_types": ("need-types.md", "name"),
        "tiers": ("tiers.md", "name"),
        "settings": ("tiers.md", "name"),
        "glossary": ("glossary.md", "term"),
    }

    def ref(self, kind: str, ident: str, *, text: str | None = None) -> Markup:
        """A Markdown link to a vocabulary entry's explainer."""
        page, attr = self._TARGETS[kind]
        entry = getattr(self.vocab, kind)[ident]
        label = md_escape(text if text is not None else getattr(entry, attr))
        anchor = ident if kind != "settings" else f"setting-{ident}"
        return Markup(f"[{label}](/{page}#{raw_id(anchor).lower() if kind == 'need_types' else raw_id(anchor)})")

    def refs(self, kind: str, idents: Iterable[str]) -> Markup:
        return Markup(", ").join(self.ref(kind, i) for i in idents)

    def cell_url(self, area: str, phase: str) -> Markup:
        return Markup(f"/standards/{raw_id(area)}/{raw_id(phase)}.md")

    def standard_url(self, s: Standard) -> Markup:
        return Markup(f"{self.cell_url(s.area, s.phase)}#{raw_id(s.id)}")

    def download(self, name: str, text: str | None = None) -> Markup:
        """A link to a PDF with its size, or nothing when PDFs are not part of this build."""
        size = self.downloads.get(name)
        if size is None:
            return Markup("")
        label = md_escape(text or name)
        return Markup(f"[{label}](/downloads/{raw_id(name[:-4])}.pdf) (PDF, {max(1, round(size / 1024))} KB)")

    # -- pages -------------------------------------------------------------------------------------
    def page(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def finder_item(self, s: Standard) -> Markup:
        """A standard's item in the finder: its heading in Markdown, its body (finder-item-body.md.j2) already HTML,
        for the finder's Markdown to pass through as it is.

        The finder holds every standard, 400 KB of Markdown: converted whole, it was most of a preview's rebuild
        after one save. Converted item by item, the preview keeps each standard's part (PageMemo). The body is
        escaped text with at most web links from facts, in a paragraph, a list and a paragraph: converted alone it
        is the HTML it was inside the page (tests/test_rendering.py's goldens hold the finder's HTML too).

        The body is marked as HTML to pass through (passthrough): MkDocs converts the page without it, and the
        plugin puts it back in the HTML, so the finder's conversion reads 100 KB, not 400 KB."""
        return Markup(self.page("finder-item.md.j2", s=s, body=passthrough(self.finder_item_body(s))).rstrip("\n"))

    def finder_item_body(self, s: Standard) -> Markup:
        if self._markdown is None:
            # mkdocs.yml's extensions but toc (the body has no headings): tables makes \| an escape, as on the page.
            self._markdown = markdown.Markdown(extensions=["attr_list", "md_in_html", "admonition", "tables"])
        return Markup(self._markdown.reset().convert(self.page("finder-item-body.md.j2", s=s)))

    def render(self) -> Site:
        site = Site()
        v, pages = self.vocab, site.pages
        memo = self.memo.start(self) if self.memo is not None else _NoMemo(self)
        self.env.globals["finder_item"] = lambda s: Markup(
            memo.page(f"teachers/finder.md {s.id}", memo.scope([s]), lambda: self.finder_item(s))
        )
        everything = memo.scope(self.corpus.standards)  # a page renders again when any standard changes, unless scoped

        def page(path: str, template: str, scope: str = everything, **context: Any) -> None:
            given = {k: c for k, c in context.items() if k != "standards"}  # the standards are in the scope
            pages[path] = memo.page(path, f"{template} {scope} {memo.scope(given)}", lambda: self.page(template, **context))

        page("index.md", "home.md.j2")
        page("teachers/index.md", "teachers.md.j2")
        page("teachers/finder.md", "finder.md.j2")
        page("teachers/support-plan.md", "support-plan.md.j2")
        site.files[supportplan.DATA_SCRIPT] = supportplan.plan_data_script(self.edition)
        page("families/index.md", "families.md.j2")
        page("families/who-to-talk-to.md", "families-talk.md.j2")
        page("families/if-support-is-not-happening.md", "families-escalate.md.j2")
        page("councils/index.md", "councils.md.j2", council_fields=_council_fields())
        page("schools/index.md", "schools.md.j2", example=_worked_example(self.edition))
        # Who pays and who provides count the standards naming each payer or provider, and show nothing else of them.
        page("who-pays.md", "who-pays.md.j2", memo.scope(s.who_pays for s in self.corpus.standards))
        page("who-provides.md", "who-provides.md.j2", memo.scope(s.who_provides for s in self.corpus.standards))
        for name in ("need-types", "tiers", "law", "facts", "evidence", "glossary", "data", "downloads"):
            page(f"{name}.md", f"{name}.md.j2")
        page("authors/index.md", "authors.md.j2", fields=_schema_fields(), proposal_phrases=prose.PROPOSAL_PHRASES)
        for area in v.areas.values():
            page(f"standards/{area.id}/index.md", "area.md.j2", area=area)
            for phase in v.phases.values():
                cell = self.corpus.cell(area.id, phase.id)
                # An area-and-phase page shows only its own standards (and the vocabularies, the council and the
                # edition, which every page's key holds): tests/test_preview.py checks this over random edits.
                page(f"standards/{area.id}/{phase.id}.md", "cell.md.j2", memo.scope(cell), area=area, phase=phase, standards=cell)
        for phase in v.phases.values():
            in_phase = [s for s in self.corpus.standards if s.phase == phase.id]
            page(f"families/{phase.id}.md", "families-phase.md.j2", memo.scope(in_phase), phase=phase, standards=in_phase)
        self._family_path(page, memo, pages)
        for path in [p for p in pages if p.startswith("families/")]:  # every acronym explained (builder/acronyms.py)
            pages[path] = memo.derived(path, "acronyms", pages[path], lambda text: acronyms.link_acronyms(text, v))
        if self.edition.changes is not None:  # for families too: every acronym explained, as on their pages
            page("changes.md", "changes.md.j2", **changes_page(self.edition))
            pages["changes.md"] = memo.derived("changes.md", "acronyms", pages["changes.md"], lambda text: acronyms.link_acronyms(text, v))
        if self.edition.council is not None:
            page("councils/differences.md", "council-differences.md.j2")
            site.files.update(branding.site_files(self.edition.council))
        site.nav = nav(self.edition)
        site.warnings = (
            [
                f"{s.source}: review_due: {s.id} was due for review on {s.review_due.isoformat()}"
                for s in self.corpus.standards
                if s.review_due < self.today
            ]
            + prose.overdue_facts(v.facts, self.today)
            + prose.overdue_wording(v.wording, self.today)
        )
        memo.finish()
        return site

    def _family_path(self, page: Callable[..., None], memo: PageMemo, pages: dict[str, str]) -> None:
        """The families' guided path (builder/familypath.py): its first question, a second for each stage, and an
        answer for each stage and choice.

        An answer is worked out only when its page is rendered (a kept page needs none of it): its key is what it
        is made from, the stage's standards, the stage and the choice (the vocabularies and the council are in every
        page's key)."""
        v, council = self.vocab, self.edition.council
        stages, choices = familypath.stages(v), familypath.choices(v)
        page(f"{familypath.PATH}/index.md", "family-path-start.md.j2", memo.scope(()), stages=stages)
        for stage in stages:
            in_stage = [s for s in self.corpus.standards if familypath.applies(s, stage)]
            page(f"{familypath.PATH}/{stage.id}/index.md", "family-path-stage.md.j2", memo.scope(()), stage=stage, choices=choices)
            for choice in choices:

                def answer(in_stage: list[Standard] = in_stage, stage: familypath.Stage = stage, choice: familypath.Choice = choice) -> str:
                    a = familypath.answer(v, in_stage, stage, choice)
                    local = council.services_for_needs(stage.phase, choice.need_types, a.areas) if council else []
                    letter = familypath.pre_text(familypath.letter(v, a), v)
                    return self.page("family-path-answer.md.j2", a=a, choices=choices, letter=letter, local_services=local)

                path = f"{familypath.PATH}/{stage.id}/{choice.id}.md"
                made_of = memo.scope({"stage": stage, "choice": choice, "choices": choices})
                pages[path] = memo.page(path, f"family-path-answer.md.j2 {memo.scope(in_stage)} {made_of}", answer)


PASS_START, PASS_END = "<!--oap:html-->", "<!--/oap:html-->"
"""Around HTML in a page's Markdown that the page's conversion leaves as it is (passthrough)."""
_PASSED = re.compile(re.escape(PASS_START) + "(.*?)" + re.escape(PASS_END), re.S)
_PLACE = re.compile(r"<!--oap:html (\d+)-->")


def passthrough(html: str) -> Markup:
    """HTML for a page's Markdown, marked so that the page's conversion skips it (lift_html) and gets it back after
    (restore_html): Markdown would pass it through as it is, only slower (parsing every tag of it). For HTML that
    converts to itself in its place, and holds no id a link points to (MkDocs looks for those in what it converts):
    the finder items' bodies. tests/test_preview.py checks that the page comes out the same either way."""
    return Markup(f"{PASS_START}{html}{PASS_END}")


def lift_html(text: str) -> tuple[str, list[str]]:
    """A page's Markdown with each passed-through HTML replaced by a numbered placeholder (an HTML comment, which
    Markdown keeps where it is), and those HTMLs in order."""
    if PASS_START not in text:
        return text, []
    lifted: list[str] = []

    def place(match: re.Match[str]) -> str:
        lifted.append(match.group(1))
        return f"<!--oap:html {len(lifted) - 1}-->"

    return _PASSED.sub(place, text), lifted


def restore_html(html: str, lifted: list[str]) -> str:
    """The converted page with each placeholder replaced by its HTML again; every placeholder must be there once."""
    if not lifted:
        return html
    found: list[int] = []

    def put(match: re.Match[str]) -> str:
        found.append(int(match.group(1)))
        return lifted[found[-1]]

    out = _PLACE.sub(put, html)
    if sorted(found) != list(range(len(lifted))):
        raise ValueError(f"passed-through HTML placed {len(found)} times, not {len(lifted)}: a marker was not kept as written")
    return out


FRAGMENT_START, FRAGMENT_END = "<!--oap:md-->", "<!--/oap:md-->"
"""On lines of their own around one standard's part of a page (all of it but its heading): Markdown that converts
the same on its own as in its page (a standard's "What may change" box is left out: its title is a heading). The preview converts each such part on its own and keeps it, so a save
converts only the edited standards' parts of the big pages (builder.preview.MarkdownCache.fragment); a build
removes the lines (strip_fragments) and converts the page whole, as it always did. Each part begins after a blank
line and ends with one, holds no heading (the page's contents list is made from the page's own), and no reference
link defined elsewhere."""
_FRAGMENT = re.compile(re.escape(FRAGMENT_START) + "\n(.*?)" + re.escape(FRAGMENT_END) + "\n", re.S)
_FRAGMENT_PLACE = re.compile(r"<!--oap:md (\d+)-->(\n\n?)?")
"""A part's placeholder as Markdown writes it: a block of raw HTML, followed by a blank line."""
FRAGMENT_AFTER = "<!--oap:after-->"
"""Converted after each part (builder.preview.MarkdownCache.fragment), on its own line between blank lines, so that
the part's HTML ends with what the page has after it: one new line after most blocks, two after raw HTML."""


def strip_fragments(text: str) -> str:
    """The page's Markdown without the lines that mark its parts: the page as it would be without them."""
    if FRAGMENT_START not in text:
        return text
    return text.replace(FRAGMENT_START + "\n", "").replace(FRAGMENT_END + "\n", "")


def lift_fragments(text: str) -> tuple[str, list[str]]:
    """The page's Markdown with each marked part replaced by a numbered placeholder (an HTML comment, on a line of
    its own between blank lines, which Markdown keeps as it is), and those parts' Markdown in order."""
    if FRAGMENT_START not in text:
        return text, []
    lifted: list[str] = []

    def place(match: re.Match[str]) -> str:
        if not match.group(1).strip():
            return match.group(1)  # nothing to convert: the page as it would be without the marks
        lifted.append(match.group(1))
        return f"<!--oap:md {len(lifted) - 1}-->\n\n"

    return _FRAGMENT.sub(place, text), lifted


def restore_fragments(html: str, converted: list[str]) -> str:
    """The converted page with each part's placeholder replaced by that part's HTML, which ends with the new lines the
    page has after it (each placeholder must be there once). A part is at the top of its page, not inside an element
    with Markdown in it."""
    if not converted:
        return html
    found: list[int] = []

    def put(match: re.Match[str]) -> str:
        found.append(int(match.group(1)))
        part = converted[found[-1]]  # ends with the new lines the page has after it
        return part if match.group(2) else part.rstrip("\n")  # at the very end, nothing (Markdown's output is stripped)

    out = _FRAGMENT_PLACE.sub(put, html)
    if sorted(found) != list(range(len(converted))):
        raise ValueError(f"a page's parts placed {len(found)} times, not {len(converted)}: a placeholder was not kept as written")
    return out


_NAMED = {"area": "areas", "phase": "phases", "tier": "tiers", "settings": "settings", "need_types": "need_types"}
"""Fields standards.json gives as ids, and the vocabulary that names them for the changes page."""


def changes_page(edition: Edition) -> dict[str, Any]:
    """What the "What changed in this edition" page shows: each area's new, changed and removed standards, in words.

    Every text from the two files arrives escaped for Markdown here (the previous edition's file is not checked
    as our sources are: its titles may hold anything)."""
    changes, v, by_id = edition.changes, edition.vocab, edition.corpus.by_id()
    assert changes is not None

    def name(kind: str, ident: str) -> str:
        entry = getattr(v, kind).get(ident)
        return getattr(entry, "name", ident) if entry is not None else ident

    def named(change: FieldChange) -> FieldChange:
        kind = _NAMED.get(change.field)
        if kind is None:
            return change
        one = lambda x: name(kind, x) if isinstance(x, str) else x  # noqa: E731
        return dataclasses.replace(
            change, was=one(change.was), now=one(change.now), added=tuple(map(one, change.added)), removed=tuple(map(one, change.removed))
        )

    def item(kind: str, entry: Entry, fields: tuple[FieldChange, ...] = ()) -> dict[str, Any]:
        current = by_id.get(entry.id) if kind != "removed" else None
        where = [name("phases", entry.phase)] if entry.phase else []
        where += [f"{name('tiers', entry.tier).lower()} tier"] if entry.tier else []
        return {
            "kind": kind,
            "title": md_escape(entry.title),
            "anchor": f"change-{entry.id}" if current is not None else None,
            "where": md_escape(", ".join(where)),
            "url": edition_url(current) if current is not None else None,
            "lines": [md_escape(named(f).sentence(brief=True)) for f in fields if not f.record_keeping],
        }

    groups: dict[str, list[dict[str, Any]]] = {}
    for e in changes.added:
        groups.setdefault(e.area, []).append(item("new", e))
    for c in changes.revised:
        groups.setdefault(c.entry.area, []).append(item("changed", c.entry, c.fields))
    for e in changes.removed:
        groups.setdefault(e.area, []).append(item("removed", e))
    order = [a for a in v.areas if a in groups] + sorted(a for a in groups if a not in v.areas)
    return {
        "changes": changes,
        "groups": [{"name": md_escape(name("areas", a) if a else "Other"), "items": groups[a]} for a in order],
        "facts": [md_escape(f'"{c.entry.title or c.entry.id}": {_lower(f.sentence())}') for c in changes.facts_changed for f in c.fields],
        "reviewed": [
            {"title": md_escape(c.entry.title), "url": edition_url(by_id[c.entry.id])} for c in changes.reviewed_only if c.entry.id in by_id
        ],
    }


def edition_url(s: Standard) -> Markup:
    return Markup(f"/standards/{raw_id(s.area)}/{raw_id(s.phase)}.md#{raw_id(s.id)}")


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


class PageMemo:
    """Each generated page's Markdown from the last render, reused while everything it is made from is the same.

    Kept by the preview (builder.mkdocs_plugin) from one rebuild to the next: saving one standards file changes the
    pages that show its standards, and rendering every page again was most of a rebuild. A page's key is what the
    whole site is made from except the standards (the vocabularies, the council, the edition's date and names, the
    downloads, the day, the templates' text) and the standards the page shows: its own area and phase, its phase, or
    (for every other page) all of them. Only the last render's pages are kept.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str, str]] = {}
        self._building: dict[str, tuple[str, str]] = {}
        self._common = ""
        self.rendered: list[str] = []
        """The last render's pages made afresh, by path."""
        self.entries: dict[str, Any] = {}
        """Each standard's entry in the open data from the last render (builder.opendata.standards_json)."""

    def start(self, renderer: Renderer) -> PageMemo:
        """A render begins: note what every page is made from besides its standards."""
        e = renderer.edition
        what = (
            repr(e.vocab),
            repr(e.council),
            repr(e.changes),  # the "New/Changed in this edition" labels and the changes page (oap build --previous)
            repr((e.date, e.title, e.publisher, e.version)),
            repr(sorted(renderer.downloads.items())),
            repr(renderer.today),
            _templates_digest(),
        )
        self._common = _digest("\0".join(what))
        self._building = {}
        self.rendered = []
        return self

    def scope(self, data: Iterable[Any] | Mapping[str, Any]) -> str:
        """The key part for a page that shows this data: standards (their repr holds every field, and the source
        line), the fields of them it shows, or what the page is given besides them."""
        return _digest(repr(sorted(data.items()) if isinstance(data, Mapping) else tuple(data)))

    def page(self, path: str, scope: str, render: Callable[[], str]) -> str:
        key = f"{self._common} {scope}"
        kept = self._kept.get(path)
        text = kept[1] if kept is not None and kept[0] == key else None
        if text is None:
            text = render()
            self.rendered.append(path)
        self._building[path] = (key, text)
        return text

    def derived(self, path: str, step: str, text: str, make: Callable[[str], str]) -> str:
        """make(text), the page's text after a further step, reused while the text (and the key) is the same."""
        return self.page(f"{path} {step}", _digest(text), lambda: make(text))

    def finish(self) -> None:
        self._kept, self._building = self._building, {}


class _NoMemo(PageMemo):
    """Every page rendered: a build that is not a preview."""

    def __init__(self, renderer: Renderer) -> None:
        super().__init__()

    def scope(self, data: Iterable[Any] | Mapping[str, Any]) -> str:
        return ""

    def page(self, path: str, scope: str, render: Callable[[], str]) -> str:
        return render()

    def derived(self, path: str, step: str, text: str, make: Callable[[str], str]) -> str:
        return make(text)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


_TEMPLATES = Path(__file__).parent / "templates"


def _templates_digest() -> str:
    """Every template's name and text: the preview watches the templates, and a saved template changes pages."""
    h = hashlib.sha1()
    for path in sorted(_TEMPLATES.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(_TEMPLATES)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _worked_example(edition: Edition) -> dict[str, Any] | None:
    """The fictional example school's strategy, as builder/school.py computes it; None where the project has none."""
    from .school import worked_example

    return worked_example(edition.example_school) if edition.example_school is not None else None


def _council_fields() -> list[dict[str, Any]]:
    """The keys of a council's council.yaml, described from its schema, for the councils' page."""
    spec = schema("council.schema.json")
    required = set(spec["required"])
    return [
        {"name": name, "required": name in required, "description": prop.get("description", "")}
        for name, prop in spec["properties"].items()
    ]


def _schema_fields() -> list[dict[str, Any]]:
    """The standard's fields, described from the schema itself, for the authors' reference page."""
    spec = schema("standards-file.schema.json")["$defs"]["standard"]
    required = set(spec["required"])
    rows = []
    for name, prop in spec["properties"].items():
        rows.append({"name": name, "required": name in required, "description": prop.get("description", "")})
    return rows


def nav(edition: Edition) -> list[Any]:
    """The site's navigation: every page the edition has, in the order readers look for them."""
    v = edition.vocab
    # Material prints nav titles as HTML, unescaped: names from the data must arrive escaped (builder.markup.html_text).
    areas = [
        {
            html_text(area.name): [f"standards/{area.id}/index.md"]
            + [{html_text(p.name): f"standards/{area.id}/{p.id}.md"} for p in v.phases.values()]
        }
        for area in v.areas.values()
    ]
    return [
        {"Home": "index.md"},
        {
            "Teachers": [
                {"For teachers": "teachers/index.md"},
                {"Find adjustments": "teachers/finder.md"},
                {"Pupil support plan": "teachers/support-plan.md"},
                *areas,
            ]
        },
        {
            "Families": [
                {"For families": "families/index.md"},
                {"What support should my child get?": f"{familypath.PATH}/index.md"},
                *[{f"What to expect: {html_text(p.name.lower())}": f"families/{p.id}.md"} for p in v.phases.values()],
                {"Who to talk to": "families/who-to-talk-to.md"},
                {"If support is not happening": "families/if-support-is-not-happening.md"},
            ]
        },
        {"Schools": [{"For schools": "schools/index.md"}]},
        {
            "Councils": [
                {"For councils": "councils/index.md"},
                *([{"How this edition differs from the national standards": "councils/differences.md"}] if edition.council else []),
            ]
        },
        {
            "Reference": [
                {"Who pays for what": "who-pays.md"},
                {"Who provides support": "who-provides.md"},
                {"Need types": "need-types.md"},
                {"Tiers and settings": "tiers.md"},
                {"The law and guidance": "law.md"},
                {"Facts and figures": "facts.md"},
                {"Evidence": "evidence.md"},
                {"Glossary": "glossary.md"},
                {"Downloads (PDF)": "downloads.md"},
            ]
        },
        {
            "About": [
                *([{"What changed in this edition": "changes.md"}] if edition.changes is not None else []),
                {"About this project": "about.md"},
                {"Open data": "data.md"},
                {"For authors": "authors/index.md"},
                {"Accessibility": "accessibility.md"},
            ]
        },
    ]

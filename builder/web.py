"""The web edition: every page of the site as Markdown for MkDocs, and its navigation, from one edition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from . import acronyms, branding, printdocs, prose, search_words
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

    def __init__(self, edition: Edition, *, downloads: Mapping[str, int] | None = None, today: dt.date | None = None) -> None:
        """downloads: the PDFs of this build and their sizes in bytes (none when the build makes no PDFs)."""
        self.edition = edition
        self.corpus = edition.corpus
        self.vocab = edition.vocab
        self.downloads = dict(downloads or {})
        self.today = today or build_date()
        self.env = edition_environment("markdown", edition)
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

    def render(self) -> Site:
        site = Site()
        v, pages = self.vocab, site.pages
        pages["index.md"] = self.page("home.md.j2")
        pages["teachers/index.md"] = self.page("teachers.md.j2")
        pages["teachers/finder.md"] = self.page("finder.md.j2")
        pages["families/index.md"] = self.page("families.md.j2")
        pages["families/who-to-talk-to.md"] = self.page("families-talk.md.j2")
        pages["families/if-support-is-not-happening.md"] = self.page("families-escalate.md.j2")
        pages["councils/index.md"] = self.page("councils.md.j2", council_fields=_council_fields())
        for name in ("who-pays", "who-provides", "need-types", "tiers", "law", "facts", "evidence", "glossary", "data", "downloads"):
            pages[f"{name}.md"] = self.page(f"{name}.md.j2")
        pages["authors/index.md"] = self.page("authors.md.j2", fields=_schema_fields(), proposal_phrases=prose.PROPOSAL_PHRASES)
        for area in v.areas.values():
            pages[f"standards/{area.id}/index.md"] = self.page("area.md.j2", area=area)
            for phase in v.phases.values():
                pages[f"standards/{area.id}/{phase.id}.md"] = self.page(
                    "cell.md.j2", area=area, phase=phase, standards=self.corpus.cell(area.id, phase.id)
                )
        for phase in v.phases.values():
            pages[f"families/{phase.id}.md"] = self.page(
                "families-phase.md.j2", phase=phase, standards=[s for s in self.corpus.standards if s.phase == phase.id]
            )
        for path in [p for p in pages if p.startswith("families/")]:  # every acronym explained (builder/acronyms.py)
            pages[path] = acronyms.link_acronyms(pages[path], v)
        if self.edition.council is not None:
            pages["councils/differences.md"] = self.page("council-differences.md.j2")
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
        return site


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
        {"Teachers": [{"For teachers": "teachers/index.md"}, {"Find adjustments": "teachers/finder.md"}, *areas]},
        {
            "Families": [
                {"For families": "families/index.md"},
                *[{f"What to expect: {html_text(p.name.lower())}": f"families/{p.id}.md"} for p in v.phases.values()],
                {"Who to talk to": "families/who-to-talk-to.md"},
                {"If support is not happening": "families/if-support-is-not-happening.md"},
            ]
        },
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
                {"About this project": "about.md"},
                {"Open data": "data.md"},
                {"For authors": "authors/index.md"},
                {"Accessibility": "accessibility.md"},
            ]
        },
    ]

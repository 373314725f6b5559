"""Turn a checked corpus into site pages (Markdown), open data and a navigation tree, without MkDocs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup, escape

from . import __version__, acronyms, prose, search_words
from .model import Corpus, Fact, Standard
from .validate import schema

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in "() <>"}
_ID = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")


def md_escape(value: Any) -> Markup:
    """Escape text for a Markdown page: HTML's &, < and > first, then every character Markdown or attr_list would act on.

    Quotes stay as they are: outside tags they are plain text, and escaping them would be escaped again in the
    table of contents ("children&#39;s").
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    html = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(_MD_SPECIAL.sub(r"\\\1", html))


def md_fact(fact: Fact) -> str:
    """A fact on a web page: its value, linked to its source when it has a web address, then its period in brackets.

    Only the value is the link: the period often names a law ('SEND Regulations 2014'), and families' pages link
    acronyms to the glossary everywhere but inside links.
    """
    value, period = md_escape(fact.value), md_escape(f" ({fact.applies})")
    if fact.url and str(safe_url(fact.url)) != "#":
        return f"[{value}]({safe_url(fact.url)}){period}"
    return f"{value}{period}"


def md_prose(value: Any, facts: Mapping[str, Fact]) -> Markup:
    """md_escape, with each {fact:ID} filled in (builder.prose.resolve): the web pages' finalize."""
    if isinstance(value, str) and not isinstance(value, Markup) and "{fact:" in value:
        return Markup(prose.resolve(value, facts, md_fact, lambda text: str(md_escape(text))))
    return md_escape(value)


def build_date() -> dt.date:
    """The date a build is as of: SOURCE_DATE_EPOCH's when set (so a build can be repeated byte for byte), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def html_text(value: Any) -> str:
    """Text for the places MkDocs and Material print as HTML without escaping (nav titles, tags, the site name)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def raw_id(value: str) -> Markup:
    """An identifier used in a link or anchor; ids are checked against the schema, refuse anything else."""
    if not _ID.match(value):
        raise ValueError(f"not an id: {value!r}")
    return Markup(value)


def safe_url(value: str) -> Markup:
    """A link target from data: only web, mail and phone links, with Markdown-breaking characters encoded."""
    if not re.match(r"^(https?://|mailto:|tel:)[^\s]+$", value or ""):
        return Markup("#")
    return Markup(str(escape(value)).translate(_URL_UNSAFE))


def code(value: str) -> Markup:
    """An identifier of our own (a field name) shown as code; Markdown leaves code spans alone."""
    if not re.match(r"^[a-z0-9_-]+$", value):
        return md_escape(value)
    return Markup(f"`{value}`")


def placeholder(ident: str) -> Markup:
    """How prose cites a fact, shown as code for authors: `{fact:ID}` (never filled in: Markup passes finalize as is)."""
    return Markup(f"`{{fact:{raw_id(ident)}}}`")


def long_date(value: dt.date) -> str:
    """1 November 2026 (GOV.UK date style)."""
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class Edition:
    """What is being published: the national baseline or a council's edition of it."""

    title: str = "Ordinarily available provision"
    publisher: str = "the national baseline"
    version: str = __version__
    date: dt.date = dt.date(2026, 1, 1)
    council: Any = None
    """The council's additions (builder.overlay.Council) in a council's edition; None for the national baseline."""

    @property
    def label(self) -> str:
        return f"Edition {self.version}, content as of {long_date(self.date)}"


@dataclass
class Site:
    """Everything the site adds to the docs folder: pages, data files and the navigation."""

    pages: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    nav: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def environment(facts: Mapping[str, Fact] | None = None) -> jinja2.Environment:
    """The one Jinja environment: autoescape on, a finalize that Markdown-escapes and fills in facts, strict undefined."""
    known = dict(facts or {})

    def finalize(value: Any) -> Markup:
        return md_prose(value, known)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("builder", "templates"),
        autoescape=True,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["id"] = raw_id
    env.filters["long_date"] = long_date
    env.filters["url"] = safe_url
    env.filters["code"] = code
    env.filters["placeholder"] = placeholder
    env.filters["html_text"] = html_text
    env.tests["contains"] = lambda seq, item: item in seq
    return cache_compiled(env)


_COMPILE_SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                     "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                     "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized")  # fmt: skip
"""Environment settings that change the code a template compiles to (with autoescape, finalize and extensions)."""


def cache_compiled(env: jinja2.Environment) -> jinja2.Environment:
    """Keep env's compiled templates between runs: compiling them was a tenth of a national build's own work.

    They go in Jinja's private per-user folder under the temp directory. Jinja reuses an entry only while the
    template's source is unchanged, and the file names carry a digest of the settings that shape compiled code.
    """
    settings = [getattr(env, name) for name in _COMPILE_SETTINGS]
    settings += [getattr(env.autoescape, "__qualname__", env.autoescape), getattr(env.finalize, "__qualname__", None)]
    settings += [sorted(env.extensions), jinja2.__version__]
    digest = hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
    try:
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(pattern=f"oap-{digest}-%s.cache")
    except (OSError, RuntimeError):  # no private temp folder to be had: compile every time, as before
        pass
    return env


class Renderer:
    """Renders every page of the site from one corpus."""

    def __init__(
        self,
        corpus: Corpus,
        edition: Edition,
        *,
        downloads: dict[str, int] | None = None,
        today: dt.date | None = None,
        notes: Mapping[str, list[Markup]] | None = None,
        services_for: Callable[[str, str], list[Any]] | None = None,
    ) -> None:
        """notes and services_for come from a council's overlay (builder.overlay.Overlay.render_context)."""
        self.corpus = corpus
        self.vocab = corpus.vocab
        self.edition = edition
        self.downloads = downloads or {}
        self.today = today or build_date()
        self.env = environment(self.vocab.facts)
        self.env.globals.update(
            v=self.vocab,
            corpus=corpus,
            edition=edition,
            ref=self.ref,
            refs=self.refs,
            proposal_names=self.proposal_names,
            cite=lambda ident: md_prose(f"{{fact:{ident}}}", self.vocab.facts),
            law_names=self.law_names,
            cell_url=self.cell_url,
            standard_url=self.standard_url,
            download=self.download,
            downloads=self.downloads,
            today=self.today,
            notes=dict(notes or {}),
            services_for=services_for or (lambda area, phase: []),
            council=edition.council,
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

    def proposal_names(self, idents: Iterable[str]) -> list[str]:
        """The names of proposed legal bases or funding streams, in the order given."""
        return [p.name for i in idents if (p := self.vocab.proposal(i))]

    def law_names(self, idents: Iterable[str]) -> str:
        """Legal bases by their plain names, e.g. 'Asking for an EHC needs assessment; Best endeavours'."""
        return "; ".join(self.vocab.legal_bases[i].name for i in idents)

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
            site.files.update(self.edition.council.site_files(v))
        site.files["data/standards.json"] = standards_json(self.corpus, self.edition)
        for name in ("standards-file.schema.json", "vocabulary-file.schema.json", "council.schema.json"):
            site.files[f"data/{name}"] = (json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n").encode()
        site.nav = self.nav()
        site.warnings = [
            f"{s.source}: review_due: {s.id} was due for review on {s.review_due.isoformat()}"
            for s in self.corpus.standards
            if s.review_due < self.today
        ] + prose.overdue_facts(v.facts, self.today)
        return site

    def nav(self) -> list[Any]:
        v = self.vocab
        # Material prints nav titles as HTML, unescaped: names from the data must arrive escaped (builder.render.html_text).
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
                    *(
                        [{"How this edition differs from the national standards": "councils/differences.md"}]
                        if self.edition.council
                        else []
                    ),
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


def standard_facts(s: Standard) -> set[str]:
    """The ids of the facts a standard cites anywhere in its text."""
    return {i for _, text in prose.strings(dataclasses.asdict(s)) for i in prose.fact_ids(text)}


def standards_json(corpus: Corpus, edition: Edition) -> bytes:
    """The open-data export: every standard with the YAML field names; references as objects with id and name."""
    v = corpus.vocab

    def named(table: dict[str, Any], ids: tuple[str, ...], *extra: str) -> list[dict[str, Any]]:
        return [{"id": i, "name": table[i].name, **{k: getattr(table[i], k) for k in extra}} for i in ids]

    def text(value: str) -> str:
        return prose.plain_text(value, v.facts)

    items = []
    for s in corpus.standards:
        change = s.what_may_change
        items.append(
            {
                "id": s.id,
                "title": s.title,
                "area": s.area,
                "phase": s.phase,
                "tier": s.tier,
                "settings": list(s.settings),
                "need_types": list(s.need_types),
                "summary": text(s.summary),
                "for_families": text(s.for_families),
                "signs": [text(t) for t in s.signs],
                "adjustments": [text(t) for t in s.adjustments],
                "who_provides": named(v.providers, s.who_provides, "group"),
                "who_pays": named(v.funding_streams, s.who_pays, "budget_holder"),
                "funding_note": text(s.funding_note) or None,
                "access_route": text(s.access_route) or None,
                "what_may_change": {
                    "text": text(change.text),
                    "proposals": [{"id": i, "name": p.name, "status": p.status} for i in change.proposals if (p := v.proposal(i))],
                }
                if change
                else None,
                "facts": sorted(standard_facts(s)),
                "legal_basis": named(v.legal_bases, s.legal_basis, "citation", "statutory", "status"),
                "evidence": named(v.evidence, s.evidence, "publisher", "year"),
                "search_words": list(s.search_words),
                "last_reviewed": s.last_reviewed.isoformat(),
                "review_due": s.review_due.isoformat(),
                "local": s.local,
                "url": f"standards/{s.area}/{s.phase}/#{s.id}",
            }
        )
        if edition.council is not None:  # a council's notes are added under the national standard, marked local
            items[-1]["local_notes"] = [
                {"council": edition.council.name, "local": True, "markdown": n.text, "html": str(n.html)}
                for n in edition.council.notes_for(s.id)
            ]
    doc = {
        "edition": {
            "title": edition.title,
            "version": edition.version,
            "date": edition.date.isoformat(),
            "publisher": edition.publisher,
            **({"council": {"name": edition.council.name, "slug": edition.council.slug}} if edition.council else {}),
        },
        "schema": "standards-file.schema.json",
        "count": len(items),
        "standards": items,
        "facts": [
            {
                "id": f.id,
                "value": f.value,
                "applies": f.applies,
                "description": f.description,
                "source": f.source,
                "url": f.url or None,
                "review_by": f.review_by.isoformat(),
            }
            for f in v.facts.values()
        ],
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()

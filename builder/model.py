"""The in-memory model: frozen dataclasses built only from validated data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    code: str
    description: str
    source: str = ""


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    code: str
    ages: str
    description: str


@dataclass(frozen=True)
class Tier:
    id: str
    name: str
    description: str
    ordinarily_available: bool
    source: str = ""


@dataclass(frozen=True)
class NeedType:
    id: str
    name: str
    description: str
    search_words: tuple[str, ...]
    area: str = ""
    source: str = ""


@dataclass(frozen=True)
class Setting:
    id: str
    name: str
    phase: str
    description: str


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    group: str
    description: str
    search_words: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    """The only kinds of setting this role works in (e.g. a childminder); none means any."""

    def works_in(self, setting: str) -> bool:
        return not self.settings or setting in self.settings


@dataclass(frozen=True)
class Amount:
    amount: str
    applies: str
    source: str


@dataclass(frozen=True)
class FundingStream:
    id: str
    name: str
    status: str
    description: str
    budget_holder: str
    holder_type: str
    phases: tuple[str, ...]
    tiers: tuple[str, ...]
    source: str
    settings: tuple[str, ...] = ()
    paid_to_setting: bool = False
    amounts: tuple[Amount, ...] = ()
    notes: str = ""
    facts: tuple[str, ...] = ()
    """Ids of the facts that are this stream's amounts."""

    @property
    def current(self) -> bool:
        return self.status == "current"

    def funds_setting(self, setting: str) -> bool:
        """Whether the stream may pay for a kind of setting: a stream naming no settings funds every setting of its
        phases (oap check holds standards to this, and the families' guided path shows only such payers)."""
        return not self.settings or setting in self.settings


@dataclass(frozen=True)
class LegalBasis:
    id: str
    name: str
    citation: str
    kind: str
    statutory: bool
    description: str
    url: str = ""
    status: str = "in-force"
    """in-force, proposed or withdrawn; only in-force entries may be a standard's legal basis."""

    @property
    def in_force(self) -> bool:
        return self.status == "in-force"


@dataclass(frozen=True)
class Evidence:
    id: str
    name: str
    publisher: str
    year: int
    description: str
    url: str = ""


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    meaning: str
    expansion: str = ""
    status: str = "current"
    """proposed for a term that exists only as a proposal, not the law today."""


@dataclass(frozen=True)
class Fact:
    """An amount, rate, date or timescale, kept once; prose cites it as {fact:ID}."""

    id: str
    value: str
    description: str
    applies: str
    review_by: dt.date
    source: str
    url: str = ""
    where: str = field(default="", compare=False)
    """File and line the fact was read from, e.g. standards/vocabularies/facts.yaml:12."""


@dataclass(frozen=True)
class LawPoint:
    text: str
    legal_basis: tuple[str, ...]


@dataclass(frozen=True)
class LawToday:
    """The law today for one phase, in a few points, for the families' pages."""

    phase: str
    points: tuple[LawPoint, ...]


@dataclass(frozen=True)
class Wording:
    """Prose the site and the PDFs share, written once (vocabularies/wording.yaml): a title, paragraphs, list items.

    The text is plain; each output escapes it and fills in its {fact:ID} placeholders. Which entry goes where is
    the templates' business: they read v.wording[id].
    """

    id: str
    source: str
    last_reviewed: dt.date
    review_due: dt.date
    title: str = ""
    """A short heading or bold lead, without a full stop; empty for none."""
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    where: str = field(default="", compare=False)
    """File and line the entry was read from, e.g. standards/vocabularies/wording.yaml:12."""
    """List items, each one or two sentences."""


@dataclass(frozen=True)
class WhatMayChange:
    """A proposal that may change a standard: shown apart, marked as not the law today."""

    text: str
    proposals: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    """A staff time rate (vocabularies/rates.yaml): what an hour of one kind of staff time typically costs, with its
    source and the year it applies to. A council's overlay may set its own amount for the same id (local_rates)."""

    id: str
    name: str
    providers: tuple[str, ...]
    """The provider roles this rate prices (ids from providers.yaml)."""
    amount: float
    """Pounds an hour, as published."""
    covers: str
    """What the published figure includes (pay only, or pay and on-costs; direct time only, or with travel and write-up)."""
    applies: str
    source: str
    review_by: dt.date
    url: str = ""
    local: bool = False
    """True when a council's overlay set this amount."""
    where: str = field(default="", compare=False)
    """Where a council set the amount, 'FILE:LINE:COL: local_rates[I].amount'; empty for a national rate."""


@dataclass(frozen=True)
class ScheduleItem:
    """One thing a school's SEN information report must cover (vocabularies/sen-information-report.yaml): an item of
    Schedule 1 to the SEND Regulations 2014, or of section 69(3)(b) of the Children and Families Act 2014."""

    id: str
    law: str
    """The legal basis it comes from: 'send-regs-2014-sch1' or 'cfa-2014-s69'."""
    paragraph: str
    """Where in that law: '7', or '3(a)' for a sub-paragraph of Schedule 1; '69(3)(b)(i)' for the Act."""
    title: str
    must_say: str
    source: str
    url: str

    @property
    def reference(self) -> str:
        """'Schedule 1, paragraph 3(a)' or 'Children and Families Act 2014, section 69(3)(b)(i)'."""
        if self.law == "cfa-2014-s69":
            return f"Children and Families Act 2014, section {self.paragraph}"
        return f"Schedule 1, paragraph {self.paragraph}"


@dataclass(frozen=True)
class StrategySection:
    """One heading of a school's inclusion strategy (vocabularies/inclusion-strategy.yaml)."""

    id: str
    heading: str
    what_goes_here: str
    from_template: bool
    """True only when the heading was read from the DfE template itself."""
    source: str
    url: str


@dataclass(frozen=True)
class Vocabularies:
    """Every controlled vocabulary, each an id-to-entry mapping in authored order."""

    areas: dict[str, Area]
    phases: dict[str, Phase]
    tiers: dict[str, Tier]
    need_types: dict[str, NeedType]
    settings: dict[str, Setting]
    providers: dict[str, Provider]
    funding_streams: dict[str, FundingStream]
    legal_bases: dict[str, LegalBasis]
    evidence: dict[str, Evidence]
    glossary: dict[str, Term]
    facts: dict[str, Fact] = field(default_factory=dict)
    law_today: dict[str, LawToday] = field(default_factory=dict)
    """By phase id."""
    wording: dict[str, Wording] = field(default_factory=dict)
    """Shared prose by id; empty when the project has no wording.yaml (the pages then leave that prose out)."""
    rates: dict[str, Rate] = field(default_factory=dict)
    """Staff time rates by id; empty when the project has no rates.yaml (no standard's cost is then worked out)."""
    sen_information_report: dict[str, ScheduleItem] = field(default_factory=dict)
    """Schedule 1 items by id; empty when the project has none (a school's edition then cannot be checked)."""
    inclusion_strategy: dict[str, StrategySection] = field(default_factory=dict)
    """A school's inclusion strategy headings by id; empty when the project has none."""

    def proposal(self, ident: str) -> LegalBasis | FundingStream | None:
        """The proposed legal basis or funding stream with this id, if there is one."""
        entry = self.legal_bases.get(ident) or self.funding_streams.get(ident)
        return entry if entry is not None and entry.status == "proposed" else None


@dataclass(frozen=True)
class Provision:
    """One piece of quantified provision in a standard: who delivers it, to how many pupils at once, how often and for
    how long. Each quantity is a (low, high) pair; a single typical value has low == high."""

    provider: str
    group: str
    """one-to-one, small-group or whole-class."""
    sessions_per_week: tuple[float, float]
    minutes_per_session: tuple[float, float]
    weeks_per_year: tuple[float, float]
    basis: str
    """How the typical quantities were chosen."""
    group_size: tuple[float, float] = (1, 1)
    """Pupils sharing each session: 1 for one-to-one; the small group's size; unused for a whole class."""
    rate: str = ""
    """The rate id that prices it; empty to use the rate for the provider."""
    training: str = ""
    """Staff training the provision needs, if any (not costed per pupil)."""


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    area: str
    phase: str
    tier: str
    summary: str
    for_families: str
    signs: tuple[str, ...]
    adjustments: tuple[str, ...]
    who_provides: tuple[str, ...]
    who_pays: tuple[str, ...]
    legal_basis: tuple[str, ...]
    last_reviewed: dt.date
    review_due: dt.date
    settings: tuple[str, ...] = ()
    need_types: tuple[str, ...] = ()
    funding_note: str = ""
    access_route: str = ""
    evidence: tuple[str, ...] = ()
    search_words: tuple[str, ...] = ()
    what_may_change: WhatMayChange | None = None
    provision: tuple[Provision, ...] = ()
    """Quantified provision, where a typical amount is meaningful (targeted tiers and above)."""
    not_quantified: str = ""
    """Why a targeted-or-higher standard has no provision records: kept in the data for its keepers, never shown to families."""
    source: str = field(default="", compare=False)
    """File and line the standard was read from, e.g. standards/x/primary.yaml:12."""
    local: bool = False
    """True for a council's local standard, which is not part of the national baseline."""


@dataclass(frozen=True)
class Corpus:
    """Everything the site and the PDFs are made from, loaded and checked."""

    vocab: Vocabularies
    standards: tuple[Standard, ...]

    @classmethod
    def ordered(cls, vocab: Vocabularies, standards: Iterable[Standard]) -> Corpus:
        """A corpus of these standards in area-and-phase order (the vocabularies' order), authored order within a cell."""
        order = {(a, p): i for i, (a, p) in enumerate((a, p) for a in vocab.areas for p in vocab.phases)}
        return cls(vocab, tuple(sorted(standards, key=lambda s: order.get((s.area, s.phase), len(order)))))

    def cell(self, area: str, phase: str) -> list[Standard]:
        """The standards of one area of need and phase, in authored order."""
        return [s for s in self.standards if s.area == area and s.phase == phase]

    def by_id(self) -> dict[str, Standard]:
        return {s.id: s for s in self.standards}


_NESTED: dict[str, type] = {"amounts": Amount, "points": LawPoint, "provision": Provision}
"""List fields whose items are mappings, and the dataclass each item becomes."""
_QUANTITIES = frozenset({"sessions_per_week", "minutes_per_session", "weeks_per_year", "group_size"})
"""Provision quantities: a number, or a [low, high] range; both become a (low, high) pair."""


def build(cls: type[T], data: dict[str, Any], **extra: Any) -> T:
    """Make a frozen dataclass from validated YAML data: lists become tuples, dates become dates."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif f.name in data:
            value = data[f.name]
            if isinstance(value, list) and f.name not in _QUANTITIES:
                value = tuple(build(_NESTED[f.name], v) if f.name in _NESTED else v for v in value)
            elif f.name == "what_may_change":
                value = build(WhatMayChange, value)
            elif f.name in _QUANTITIES:
                value = (value, value) if isinstance(value, (int, float)) else tuple(value)
            elif f.name in ("last_reviewed", "review_due", "review_by"):
                value = dt.date.fromisoformat(value)
            values[f.name] = value
    return cls(**values)

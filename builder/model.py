"""The in-memory model: frozen dataclasses built only from validated data."""

from __future__ import annotations

import dataclasses
import datetime as dt
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

    @property
    def current(self) -> bool:
        return self.status == "current"


@dataclass(frozen=True)
class LegalBasis:
    id: str
    name: str
    citation: str
    kind: str
    statutory: bool
    description: str
    url: str = ""


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
    source: str = field(default="", compare=False)
    """File and line the standard was read from, e.g. standards/x/primary.yaml:12."""
    local: bool = False
    """True for a council's local standard, which is not part of the national baseline."""


@dataclass(frozen=True)
class Corpus:
    """Everything the site and the PDFs are made from, loaded and checked."""

    vocab: Vocabularies
    standards: tuple[Standard, ...]

    def cell(self, area: str, phase: str) -> list[Standard]:
        """The standards of one area of need and phase, in authored order."""
        return [s for s in self.standards if s.area == area and s.phase == phase]

    def by_id(self) -> dict[str, Standard]:
        return {s.id: s for s in self.standards}


def build(cls: type[T], data: dict[str, Any], **extra: Any) -> T:
    """Make a frozen dataclass from validated YAML data: lists become tuples, dates become dates."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in extra:
            values[f.name] = extra[f.name]
        elif f.name in data:
            value = data[f.name]
            if isinstance(value, list):
                value = tuple(build(Amount, v) if f.name == "amounts" else v for v in value)
            elif f.name in ("last_reviewed", "review_due"):
                value = dt.date.fromisoformat(value)
            values[f.name] = value
    return cls(**values)

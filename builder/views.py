"""Phrases computed from the data, shared by the web pages and the print documents, so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from .cost import PER_PUPIL_GROUPS, Cost, record_cost, whole_pounds
from .markup import Target, environment
from .markup import lower_first as _lower_first
from .model import FundingStream, LegalBasis, Provision, Rate, Standard, Vocabularies

if TYPE_CHECKING:
    from .edition import Edition


class Views:
    """Names, groupings and orderings of vocabulary entries, for templates of every kind."""

    def __init__(self, vocab: Vocabularies) -> None:
        self.vocab = vocab
        self._tier_order = {t: i for i, t in enumerate(vocab.tiers)}

    def names(self, kind: str, idents: Iterable[str]) -> list[str]:
        """The display names of vocabulary entries, in the order the standard gives them."""
        table = getattr(self.vocab, kind)
        return [table[i].name for i in idents]

    def proposals(self, idents: Iterable[str]) -> list[LegalBasis | FundingStream]:
        """The proposed legal bases or funding streams among idents, in the order given."""
        return [p for i in idents if (p := self.vocab.proposal(i))]

    def proposal_names(self, idents: Iterable[str]) -> list[str]:
        """The names of proposed legal bases or funding streams, in the order given."""
        return [p.name for p in self.proposals(idents)]

    def law_names(self, idents: Iterable[str]) -> str:
        """Legal bases by their plain names, e.g. 'Asking for an EHC needs assessment; Best endeavours'."""
        return "; ".join(self.names("legal_bases", idents))

    def payers(self, idents: Iterable[str]) -> list[tuple[str, list[str]]]:
        """Funding streams grouped by who holds them, for saying in words who pays: [(holder, [stream names])]."""
        groups: dict[str, list[str]] = {}
        for i in idents:
            stream = self.vocab.funding_streams[i]
            groups.setdefault(stream.budget_holder, []).append(stream.name)
        return list(groups.items())

    def who_helps(self, idents: Iterable[str]) -> str:
        """Who provides, in words for families: 'Class teacher, Teaching assistant'."""
        return ", ".join(self.names("providers", idents))

    def who_pays(self, idents: Iterable[str]) -> str:
        """Who pays, in words for families, grouped by who holds the money: 'The school, from its core budget; the
        council, from the high needs block'. The one wording of who pays on the families' pages and guides."""
        parts = [
            f"{holder if i == 0 else _lower_first(holder)}, from {' and '.join(streams)}"
            for i, (holder, streams) in enumerate(self.payers(idents))
        ]
        return "; ".join(parts)

    def by_tier(self, items: Iterable[Standard]) -> list[Standard]:
        """Standards from universal to specialist, keeping their authored order within a tier."""
        return sorted(items, key=lambda s: self._tier_order[s.tier])

    @staticmethod
    def used(items: Iterable[Any], field: str) -> set[str]:
        """Every id the items name in one field, e.g. every provider of a list of standards."""
        return {i for s in items for i in getattr(s, field)}

    def globals(self) -> dict[str, Any]:
        """The template globals every environment gets."""
        return {
            "names": self.names,
            "proposal_names": self.proposal_names,
            "law_names": self.law_names,
            "payers": self.payers,
            "who_helps": self.who_helps,
            "who_pays": self.who_pays,
            "by_tier": self.by_tier,
            "used": self.used,
        }


@dataclass(frozen=True)
class ProvisionRow:
    """One quantified provision record in words, as the standard pages, families' pages and guides show it."""

    who: str
    group: str
    often: str
    length: str
    """The length of one session alone ('20 minutes'), for the families' one-line summary."""
    each: str
    """The length as a table cell says it, never misread as a yearly total: '20 minutes each session' or '180 to 240
    minutes each visit'."""
    weeks: str
    cost: str
    """The record's typical annual cost per pupil, 'no per-pupil cost' for a whole class, or why it is not worked out."""
    basis: str
    training: str
    rate: Rate | None
    visits: str = ""
    """For a specialist from outside the setting seen a session a week or less: the time in words a family reads,
    'about 6 to 16 hours of their time a year in all, ... usually over 2 to 4 visits' (visits_text); empty for the setting's own staff and for weekly work."""


NO_COST = "not costed: no hourly rate with a published source has been found yet for {roles}"
"""Said where a standard's typical cost cannot be worked out, on the web and in print alike, naming the roles."""
NO_RECORD_COST = "Not costed (no sourced rate for this role yet)"
"""Said in a provision table's cost column for a per-pupil record with no sourced rate: never £0."""
NO_PER_PUPIL_COST = "none: whole-class provision is part of ordinary teaching"
"""Said where all of a standard's provision is whole-class, so there is no per-pupil cost to work out."""


def no_cost(edition: Edition, standard: Standard) -> str:
    """Why a standard shows no typical cost: all its provision is whole-class, or a rate is missing (naming the roles)."""
    missing = [
        edition.vocab.providers[r.provider].name for r in standard.provision if r.group in PER_PUPIL_GROUPS and edition.rate_for(r) is None
    ]
    if not missing:
        return NO_PER_PUPIL_COST
    names = list(dict.fromkeys(_lower_first(n) for n in missing))
    return NO_COST.format(roles=names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


def quantity(pair: tuple[float, float]) -> str:
    """'5', '0.5' or '3 to 5'."""
    low, high = (f"{x:g}" for x in pair)
    return low if low == high else f"{low} to {high}"


def _plural(pair: tuple[float, float], one: str, many: str) -> str:
    return f"{quantity(pair)} {one if pair == (1, 1) else many}"


def visits_text(rec: Provision, group: str) -> str:
    """A visiting specialist's time in a family's words: 'about 6 to 16 hours of their time a year in all, which can
    include preparation and writing up, usually over 2 to 4 visits'; '' when the provider is the setting's own staff
    (group 'setting') or comes more than once a week. The record's time is the specialist's whole time for the child
    (an educational psychologist's or therapist's record counts assessment, preparation and the written report, as
    the traded rate does), so it is never said as the length of each visit."""
    if group == "setting" or rec.sessions_per_week[1] > 1:
        return ""
    return f"about {year_hours(rec)} of their time a year in all, which can include preparation and writing up, usually over {visit_count(rec).removesuffix(' a year')}"


def year_hours(rec: Provision) -> str:
    """'6 to 16 hours': a visiting specialist's whole time in a year (sessions a week x weeks x minutes), in whole
    hours, at least one."""
    (s_lo, s_hi), (m_lo, m_hi), (w_lo, w_hi) = rec.sessions_per_week, rec.minutes_per_session, rec.weeks_per_year
    low, high = max(1, round(s_lo * w_lo * m_lo / 60)), max(1, round(s_hi * w_hi * m_hi / 60))
    return _plural((low, high), "hour", "hours")


def visit_count(rec: Provision) -> str:
    """'3 visits a year' or '2 to 4 visits a year': sessions a week times weeks a year, at least one."""
    (s_lo, s_hi), (w_lo, w_hi) = rec.sessions_per_week, rec.weeks_per_year
    low, high = max(1, round(s_lo * w_lo)), max(1, round(s_hi * w_hi))
    return f"{_plural((low, high), 'visit', 'visits')} a year"


def how_often_text(rec: Provision, group: str) -> str:
    """How often and how long in one phrase that cannot be misread: '2 to 4 visits a year, 6 to 16 hours of their
    time in all, preparation and writing up included' for a specialist visiting a session a week or less (never a
    length of each visit: see visits_text), else '5 sessions a week, 20 minutes each session, 38 weeks a year'."""
    if visits_text(rec, group):
        return f"{visit_count(rec)}, {year_hours(rec)} {VISIT_TIME}"
    sessions = _plural(rec.sessions_per_week, "session a week", "sessions a week")
    length = _plural(rec.minutes_per_session, "minute", "minutes")
    return f"{sessions}, {length} each session, {_plural(rec.weeks_per_year, 'week a year', 'weeks a year')}"


VISIT_TIME = "of their time in all, preparation and writing up included"
"""A visiting specialist's time is a year's total, never a visit's length (see visits_text)."""
VISIT_LENGTH = "Varies by visit"


def provision_rows(edition: Edition, standard: Standard) -> list[ProvisionRow]:
    """Every provision record of a standard, in words, priced at the edition's rates."""
    rows = []
    for rec in standard.provision:
        rate = edition.rate_for(rec)
        visits = visits_text(rec, edition.vocab.providers[rec.provider].group)
        visiting = bool(visits)
        if rec.group == "whole-class":
            group, cost_text = "Whole class", "No per-pupil cost"
        else:
            group = "One-to-one" if rec.group == "one-to-one" else f"Small group of {quantity(rec.group_size)}"
            exact = record_cost(rec, rate.amount) if rate else None
            if exact is None:
                cost_text = NO_RECORD_COST
            else:
                cost_text = Cost(whole_pounds(exact[0]), whole_pounds(exact[1])).text()
        rows.append(
            ProvisionRow(
                who=edition.vocab.providers[rec.provider].name,
                group=group,
                often=visit_count(rec) if visiting else _plural(rec.sessions_per_week, "session a week", "sessions a week"),
                length=_plural(rec.minutes_per_session, "minute", "minutes"),
                each=VISIT_LENGTH if visiting else _plural(rec.minutes_per_session, "minute", "minutes") + " each session",
                weeks=f"{year_hours(rec)} {VISIT_TIME}" if visiting else _plural(rec.weeks_per_year, "week a year", "weeks a year"),
                cost=cost_text,
                basis=rec.basis,
                training=rec.training,
                rate=rate,
                visits=visits,
            )
        )
    return rows


def provision_summary(edition: Edition, standard: Standard) -> str:
    """The provision in one plain sentence for families, e.g. 'Teaching assistant, one-to-one, 5 sessions a week of
    20 minutes, 38 weeks a year.'"""
    parts = [
        f"{r.who}, {r.visits}" if r.visits else f"{r.who}, {r.group[0].lower() + r.group[1:]}, {r.often} of {r.length}, {r.weeks}"
        for r in provision_rows(edition, standard)
    ]
    return "; ".join(parts) + "." if parts else ""


def provision_rates(edition: Edition, standard: Standard) -> list[Rate]:
    """The rates that price a standard's provision, each once, in the order first used."""
    found: dict[str, Rate] = {}
    for rec in standard.provision:
        if rec.group != "whole-class" and (rate := edition.rate_for(rec)) is not None:
            found.setdefault(rate.id, rate)
    return list(found.values())


def rate_text(rate: Rate, *, named: bool = False, year: bool = True) -> str:
    """'£13.98 an hour (year)', with pence only when the rate has them; named, 'teaching assistant time at ...'."""
    amount = f"£{rate.amount:,.2f}" if rate.amount != int(rate.amount) else f"£{int(rate.amount):,}"
    text = f"{amount} an hour ({rate.applies})" if year else f"{amount} an hour"
    return f"{_lower_first(rate.name.split(',')[0])} time at {text}" if named else text


def edition_environment(target: Target, edition: Edition) -> jinja2.Environment:
    """builder.markup.environment for one edition: the data every template of that target may read, and the views.

    cite(id) gives a fact as the target writes it: the same placeholder the finalize fills in everywhere else.
    """
    env = environment(target, edition.vocab.facts)
    env.globals.update(Views(edition.vocab).globals())
    env.globals.update(
        v=edition.vocab,
        corpus=edition.corpus,
        edition=edition,
        council=edition.council,
        cite=lambda ident: env.finalize(f"{{fact:{ident}}}"),  # type: ignore[misc]
        # Since the previous edition (builder.changes): 'new', 'changed' or None, for a standard's label.
        change_mark=lambda ident: edition.changes.mark(ident) if edition.changes else None,
        provision_rows=lambda s: provision_rows(edition, s),
        provision_summary=lambda s: provision_summary(edition, s),
        provision_rates=lambda s: provision_rates(edition, s),
        provision_cost=edition.cost,
        rate_text=rate_text,
        no_cost=lambda s: no_cost(edition, s),
    )
    return env

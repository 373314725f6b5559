"""The typical annual cost per pupil of a standard's quantified provision: one function, worked in exact decimals.

For one provision record priced at an hourly rate:

    cost per pupil = rate x (minutes per session / 60) x sessions a week x weeks a year / pupils sharing the session

Each quantity may be a range, so the cost is a range: the low end uses every low quantity and the largest group,
the high end every high quantity and the smallest group. Whole-class provision is part of ordinary teaching and
has no per-pupil cost. A standard's cost is the sum of its records' costs, worked exactly and rounded once, at the
end, to the nearest whole pound (halves round up). When a record has no rate with a source, the standard's cost is
not worked out at all: a partial sum would understate it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .model import Fact, FundingStream, Provider, Provision, Rate, Standard

PER_PUPIL_GROUPS = ("one-to-one", "small-group")
"""The groups whose provision is costed per pupil; whole-class provision is part of ordinary teaching."""
THRESHOLD_FACT = "sen-support-threshold"
"""The fact holding the cost a mainstream school meets from its own budget before top-up funding."""
TOP_UP_STREAM = "high-needs-top-up"
EHC_PLAN_WORDS = ("education, health and care plan", "ehc plan", "ehcp")
"""Words in an access route that name the EHC plan route."""
_CLAUSE = re.compile(r"(?<=[.;:!?])\s+")
"""Where an access route's clauses end: a plan named in one clause says nothing about the next."""
_NOT_THE_ROUTE = re.compile(r"\b(no|not|without|never|before|nor)\b|n't|may be necessary")
"""A clause that names a plan but is not the route to this support: a plan not needed ('no EHC plan is needed',
'without an EHC plan'), or the legal test for an assessment that most access routes state ('it may be necessary
for provision to be made through an EHC plan', CFA 2014 s.36(8))."""


@dataclass(frozen=True)
class Cost:
    """A typical annual cost per pupil, in whole pounds: low and high (equal when there is no range)."""

    low: int
    high: int
    exact: bool = False
    """True when the amounts are whole pounds as given (a school's budget or allocation, or a sum of them), not rounded
    from a worked-out cost: then £0 means nothing and reads '£0'."""

    def text(self) -> str:
        """'£1,234', or '£1,234 to £2,345' for a range. A priced amount that rounds to nothing reads 'less than £1',
        never '£0': £0 would read as free, or as a cost nobody worked out. An exact amount of nothing reads '£0'."""
        low, high = (pounds(x) if x > 0 or self.exact else "less than £1" for x in (self.low, self.high))
        return low if self.low == self.high else f"{low} to {high}"


def pounds(amount: int | Decimal) -> str:
    return f"£{amount:,}"


def whole_pounds(amount: Decimal) -> int:
    """Round to the nearest whole pound, halves up: the project's one rounding rule for costs."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def record_cost(record: Provision, hourly: float | Decimal) -> tuple[Decimal, Decimal] | None:
    """The exact (unrounded) annual cost per pupil of one record at an hourly rate; None for whole-class provision."""
    if record.group not in PER_PUPIL_GROUPS:
        return None
    rate = Decimal(str(hourly))
    (s_lo, s_hi), (m_lo, m_hi), (w_lo, w_hi) = record.sessions_per_week, record.minutes_per_session, record.weeks_per_year
    g_lo, g_hi = record.group_size if record.group == "small-group" else (1, 1)

    def one(sessions: float, minutes: float, weeks: float, group: float) -> Decimal:
        return rate * Decimal(str(minutes)) / 60 * Decimal(str(sessions)) * Decimal(str(weeks)) / Decimal(str(group))

    return one(s_lo, m_lo, w_lo, g_hi), one(s_hi, m_hi, w_hi, g_lo)


def rate_for(record: Provision, rates: Mapping[str, Rate]) -> Rate | None:
    """The rate that prices a record: the one it names, else the one rate for its provider, else None."""
    if record.rate:
        return rates.get(record.rate)
    found = [r for r in rates.values() if record.provider in r.providers]
    return found[0] if len(found) == 1 else None


SCHOOL_GROUP = "setting"
"""The provider group of the setting's own staff (vocabularies/providers.yaml): their time is always the school's."""


def pays_directly(stream: FundingStream) -> bool:
    """True for a budget that pays a provider's time itself, not through the school: the NHS (an integrated care
    board), a council's centrally funded services, a government grant. Not the school's own budgets, not money paid
    to the setting (SENIF, the Disability Access Fund), and not element 3, which is paid to the school for the pupil."""
    return stream.holder_type != SCHOOL_GROUP and not stream.paid_to_setting and stream.id != TOP_UP_STREAM


def school_paid_roles(standard: Standard, providers: Mapping[str, Provider], streams: Mapping[str, FundingStream]) -> frozenset[str]:
    """The roles whose time in this standard the school pays for, so the time that counts toward the threshold it
    meets from its own budget. That is decided by who pays, not by who provides: a council's educational
    psychologist is usually a traded service the school buys from its notional SEN budget, and counts, unless the
    standard names a centrally funded council stream among its payers; an NHS therapist's time is left out when the
    standard names an NHS stream. A role outside the NHS and the council (a job coach, a charity) is left out when
    any budget outside the school pays directly."""
    direct = {streams[i].holder_type for i in standard.who_pays if i in streams and pays_directly(streams[i])}
    roles = set()
    for p in providers.values():
        if p.group == SCHOOL_GROUP or not direct:
            roles.add(p.id)
        elif p.group in ("nhs", "council") and p.group not in direct:
            roles.add(p.id)
    return frozenset(roles)


def standard_cost(
    standard: Standard, rates: Mapping[str, Rate], *, priced_part: bool = False, only: Collection[str] | None = None
) -> Cost | None:
    """The typical annual cost per pupil of a standard's provision, rounded once; None when it cannot be worked out
    (no per-pupil provision, or a record with no sourced rate). With priced_part, the records with no rate are left
    out instead: a floor under the cost, never shown as the cost, which the payer check still uses. With only, just
    the records delivered by those roles count (the school-funded part, for the payer check)."""
    exact = standard_exact(standard, rates, priced_part=priced_part, only=only)
    return None if exact is None else Cost(whole_pounds(exact[0]), whole_pounds(exact[1]))


def standard_exact(
    standard: Standard, rates: Mapping[str, Rate], *, priced_part: bool = False, only: Collection[str] | None = None
) -> tuple[Decimal, Decimal] | None:
    """standard_cost before its one rounding: the exact low and high, for a caller that multiplies first (a school's
    cost per pupil times its pupils) and rounds once after."""
    low = high = Decimal(0)
    costed = False
    for record in standard.provision:
        if record.group not in PER_PUPIL_GROUPS or (only is not None and record.provider not in only):
            continue
        rate = rate_for(record, rates)
        if rate is None:
            if priced_part:
                continue
            return None
        exact = record_cost(record, rate.amount)
        if exact is None:  # not per-pupil: skipped above, so never a silent £0 here
            continue
        low, high, costed = low + exact[0], high + exact[1], True
    return (low, high) if costed else None


_POUNDS = re.compile(r"£\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
"""The first amount in pounds in a fact's value: '£6,000' in '£6,000 a year'."""


def threshold(facts: Mapping[str, Fact]) -> int | None:
    """The threshold in whole pounds, read from the first amount in its fact's value ('£6,000 a year' gives 6000);
    None when the project has no such fact, or its value names no amount (`oap check` reports that)."""
    fact = facts.get(THRESHOLD_FACT)
    found = _POUNDS.search(fact.value) if fact is not None else None
    return int(found.group(1).replace(",", "")) if found else None


def names_ehc_plan_route(access_route: str) -> bool:
    """True when a clause of the access route names an EHC plan as the way to this support. A clause that only
    mentions a plan in passing (not needed, not yet, or the section 36(8) test for an assessment) does not count.
    Words are a weak signal: a standard whose cost is above the threshold is safest with high-needs-top-up in who_pays."""
    text = " ".join(access_route.lower().replace("’", "'").split())
    return any(any(words in clause for words in EHC_PLAN_WORDS) and not _NOT_THE_ROUTE.search(clause) for clause in _CLAUSE.split(text))


def payer_problem(
    standard: Standard, cost: Cost, facts: Mapping[str, Fact], *, part: bool = False, school_part: bool = False
) -> str | None:
    """Why the payers named cannot cover this cost, or None: a typical cost per pupil above the threshold needs
    element 3 (high-needs-top-up) among the payers, or the EHC plan route in the access route. part: the cost is
    only the priced part of the provision (standard_cost with priced_part), so at least that much. school_part: the
    cost leaves out time the standard's payers say the NHS or a centrally funded council service pays for."""
    limit = threshold(facts)
    if limit is None or cost.high <= limit:
        return None
    if TOP_UP_STREAM in standard.who_pays or names_ehc_plan_route(standard.access_route):
        return None
    fact = facts[THRESHOLD_FACT]
    return (
        f"the typical annual cost per pupil{' of the part the school pays (time paid by the NHS or a centrally funded council service left out)' if school_part else ''}, {'at least ' + pounds(cost.high) + ' (some of the provision has no rate yet)' if part else cost.text()}, is above the {fact.value} threshold ({fact.applies}, "
        f"fact {THRESHOLD_FACT}) that a school meets from its own budget, so name {TOP_UP_STREAM} in who_pays "
        "or the education, health and care (EHC) plan route in access_route"
    )


def payers_problem(
    standard: Standard,
    rates: Mapping[str, Rate],
    facts: Mapping[str, Fact],
    providers: Mapping[str, Provider] | None = None,
    streams: Mapping[str, FundingStream] | None = None,
) -> str | None:
    """payer_problem for a standard priced at these rates: on its cost, or, when a record has no rate, on the priced
    part, a floor that is already a problem when it is above the threshold. Given the providers and funding streams,
    only the time the school pays for counts (school_paid_roles): the threshold is what the school meets from its own
    budget, and time the NHS or a centrally funded council service pays for is not paid from it."""
    only = school_paid_roles(standard, providers, streams) if providers is not None and streams is not None else None
    mixed = only is not None and any(r.provider not in only for r in standard.provision if r.group in PER_PUPIL_GROUPS)
    total = standard_cost(standard, rates, only=only)
    if total is not None:
        return payer_problem(standard, total, facts, school_part=mixed)
    part = standard_cost(standard, rates, priced_part=True, only=only)
    return payer_problem(standard, part, facts, part=True, school_part=mixed) if part is not None else None

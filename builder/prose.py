"""Prose in the standards and vocabularies: fact placeholders, and what may not be typed into it.

Facts (amounts, rates, dates, timescales) live once, in vocabularies/facts.yaml; prose cites them as
`{fact:ID}`. `resolve` is the one function that fills the placeholders in, for every output (web pages, print
HTML, open data); each output says only how a fact and the text around it are written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .model import Fact, Wording

PLACEHOLDER = re.compile(r"\{fact:([a-z0-9]+(?:-[a-z0-9]+)*)\}")
"""A fact placeholder: {fact:sen-support-threshold}."""
LOOSE_PLACEHOLDER = re.compile(r"\{\s*facts?\s*:[^{}]*\}?", re.IGNORECASE)
"""Anything an author may have meant as a placeholder; those that are not exactly PLACEHOLDER are reported."""
EXAMPLE_FACT = "sen-support-threshold"
EXAMPLE_DATE_FACT = "phase-transfer-deadline-school"
"""The facts messages suggest when no fact has the figure or date an author typed."""

MONEY = re.compile(r"£\s*\d[\d,.]*(?:\s?(?:bn|billion|million|m|k)\b)?")
"""A money figure: a pound sign followed by a digit (£6,000, £910, £1.6bn, £1.6 billion)."""
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DAY_MONTH = re.compile(
    rf"\b(?:(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTHS})(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})\s+(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)\b"
)
"""A day and month (31 December, 15 February 2027, March 31st). Case-sensitive, so that '4 may' is not a date."""

PROPOSAL_PHRASES: tuple[str, ...] = (
    "most complex needs",
    "Individual Support Plan",
    "Experts at Hand",
    "Specialist Provision Package",
    "National Inclusion Standards",
)
"""Phrases that name a proposal (the 2026 Schools White Paper), not the law today: allowed only in a standard's
what_may_change and in vocabulary entries whose status is proposed. Matched ignoring case and line breaks."""
_PROPOSAL = re.compile("|".join(r"\s+".join(map(re.escape, p.split())) for p in PROPOSAL_PHRASES), re.IGNORECASE)


def strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every text value inside value, with its path: mappings and lists are walked, other values skipped."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from strings(item, (*path, i))


def fact_ids(text: str) -> list[str]:
    """The ids of the facts a text cites, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def malformed_placeholders(text: str) -> list[str]:
    """Placeholder-like text that is not a well-formed {fact:ID}."""
    return [m.group(0) for m in LOOSE_PLACEHOLDER.finditer(text) if not PLACEHOLDER.fullmatch(m.group(0))]


def money(text: str) -> list[str]:
    """Money figures typed into a text."""
    return [m.group(0).rstrip(".,") for m in MONEY.finditer(text)]


def dates(text: str) -> list[str]:
    """Day-and-month dates typed into a text."""
    return [m.group(0) for m in DAY_MONTH.finditer(text)]


def proposal_phrases(text: str) -> list[str]:
    """Proposal phrases in a text, as written there."""
    return [" ".join(m.group(0).split()) for m in _PROPOSAL.finditer(text)]


def facts_with(figure: str, facts: Mapping[str, Fact]) -> list[str]:
    """The ids of the facts whose value contains this figure, e.g. '£6,000' -> [sen-support-threshold, ...]."""
    compact = "".join(figure.split())
    return [f.id for f in facts.values() if compact in "".join(f.value.split())]


def resolve(text: str, facts: Mapping[str, Fact], fact: Callable[[Fact], str], plain: Callable[[str], str]) -> str:
    """The text with each {fact:ID} written by fact(entry) and every stretch between by plain(stretch).

    An id that is not a fact (only possible in text the checker has not seen) stays as it was typed.
    """
    out, last = [], 0
    for match in PLACEHOLDER.finditer(text):
        entry = facts.get(match.group(1))
        if entry is None:
            continue
        out += [plain(text[last : match.start()]), fact(entry)]
        last = match.end()
    out.append(plain(text[last:]))
    return "".join(out)


def fact_text(fact: Fact) -> str:
    """A fact as plain words: the value and, in brackets, the period it applies to ('£6,000 (2026-27)')."""
    return f"{fact.value} ({fact.applies})"


def plain_text(text: str, facts: Mapping[str, Fact]) -> str:
    """Prose with its facts filled in as plain words, for open data and anywhere without markup."""
    if "{fact:" not in text:
        return text
    return resolve(text, facts, fact_text, str)


def overdue_facts(facts: Mapping[str, Fact], today: dt.date) -> list[str]:
    """A warning for each fact whose review_by date has passed, located at its entry in facts.yaml."""
    return [
        f"{f.where}: review_by: fact '{f.id}' ({fact_text(f)}) was due to be checked again by {f.review_by.isoformat()} "
        "(check its value and source, then move review_by on)"
        for f in facts.values()
        if f.review_by < today
    ]


def overdue_wording(wording: Mapping[str, Wording], today: dt.date) -> list[str]:
    """A warning for each shared wording entry whose review_due date has passed, located at its entry."""
    return [
        f"{w.where}: review_due: wording '{w.id}' was due for review on {w.review_due.isoformat()} "
        "(check it against its source, then move review_due on)"
        for w in wording.values()
        if w.review_due < today
    ]

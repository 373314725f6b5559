"""The real national standards: completeness and funding rules, checked independently of the validator."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from builder.model import Corpus
from builder.project import load_corpus

from .conftest import ROOT

PLAIN_ACRONYMS = {"NHS", "GP"}
"""Abbreviations families know without expansion (GOV.UK style)."""


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(ROOT)


def test_every_standard_names_who_provides_and_who_pays(corpus: Corpus) -> None:
    for s in corpus.standards:
        assert s.who_provides, s.id
        assert s.who_pays, s.id
        assert all(p in corpus.vocab.providers for p in s.who_provides), s.id
        assert all(f in corpus.vocab.funding_streams for f in s.who_pays), s.id


def test_every_payer_is_current_and_allowed_for_phase_and_tier(corpus: Corpus) -> None:
    for s in corpus.standards:
        for fid in s.who_pays:
            stream = corpus.vocab.funding_streams[fid]
            assert stream.status == "current", (s.id, fid)
            assert s.phase in stream.phases, (s.id, fid, s.phase)
            assert s.tier in stream.tiers, (s.id, fid, s.tier)


def test_funding_rules_from_the_field(corpus: Corpus) -> None:
    """The rules in funding-and-providers.md, written out literally."""
    for s in corpus.standards:
        if s.tier == "universal" and s.phase != "post-16":
            assert not {"high-needs-top-up", "high-needs-place-funding"} & set(s.who_pays), s.id
        if {"senif", "disability-access-fund", "early-years-entitlement"} & set(s.who_pays):
            assert s.phase == "early-years", s.id
        if {"sixteen-to-nineteen-funding", "post-16-high-needs-element-2", "access-to-work"} & set(s.who_pays):
            assert s.phase == "post-16", s.id
        if "disability-access-fund" in s.who_pays:
            assert set(s.settings) - {"reception"}, s.id
        groups = {corpus.vocab.providers[p].group for p in s.who_provides}
        if groups == {"nhs"}:
            assert any(corpus.vocab.funding_streams[f].holder_type in ("nhs", "council") for f in s.who_pays), s.id


def test_early_years_standards_name_their_settings(corpus: Corpus) -> None:
    for s in corpus.standards:
        if s.phase == "early-years":
            assert s.settings, s.id


def test_coverage_every_cell(corpus: Corpus) -> None:
    v = corpus.vocab
    for area in v.areas:
        for phase in v.phases:
            cell = corpus.cell(area, phase)
            assert len(cell) >= 8, (area, phase, len(cell))
            tiers = {s.tier for s in cell}
            assert {"universal", "targeted"} <= tiers, (area, phase, tiers)
    assert len(corpus.standards) >= 200


def test_every_need_type_in_every_phase(corpus: Corpus) -> None:
    v = corpus.vocab
    for need in v.need_types.values():
        if not need.area:
            continue
        for phase in v.phases:
            assert any(need.id in s.need_types for s in corpus.cell(need.area, phase)), (need.id, phase)


def test_beyond_ordinarily_available_says_how_to_get_there(corpus: Corpus) -> None:
    for s in corpus.standards:
        if not corpus.vocab.tiers[s.tier].ordinarily_available:
            assert len(s.access_route.split()) >= 12, s.id


def test_adjustments_are_substantial(corpus: Corpus) -> None:
    for s in corpus.standards:
        assert len(s.adjustments) >= 4, s.id
        assert len(set(s.adjustments)) == len(s.adjustments), s.id
        assert all(len(a.split()) >= 4 for a in s.adjustments), s.id


def _sentences(text: str) -> list[str]:
    return [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]


def test_family_text_is_plain(corpus: Corpus) -> None:
    long = []
    for s in corpus.standards:
        sentences = _sentences(s.for_families)
        average = sum(len(x.split()) for x in sentences) / len(sentences)
        if average > 15:
            long.append((s.id, round(average, 1)))
    assert long == []


def first_unexplained_acronym(text: str) -> str | None:
    """The first acronym whose first use is not inside brackets after its full words, e.g. 'plan (EHC plan)'."""
    seen: set[str] = set()
    for match in re.finditer(r"\b[A-Z]{2,}s?\b", text):
        word = match.group().rstrip("s") if match.group().endswith("s") and match.group()[:-1].isupper() else match.group()
        if word in seen or word in PLAIN_ACRONYMS:
            continue
        seen.add(word)
        opening = text.rfind("(", 0, match.start())
        closing = text.rfind(")", 0, match.start())
        if opening == -1 or closing > opening:
            return word
    return None


def test_acronym_rule_catches_what_it_should() -> None:
    assert first_unexplained_acronym("Ask the SENCO.") == "SENCO"
    assert first_unexplained_acronym("Ask the special educational needs coordinator (SENCO). The SENCO helps.") is None
    assert first_unexplained_acronym("A plan (EHC plan) helps. Your GP and the NHS can too.") is None


def test_no_unexplained_acronyms_for_families(corpus: Corpus) -> None:
    bad = [(s.id, word) for s in corpus.standards if (word := first_unexplained_acronym(s.for_families))]
    assert bad == []


def test_ids_follow_the_convention_and_are_unique(corpus: Corpus) -> None:
    counts = Counter(s.id for s in corpus.standards)
    assert [i for i, n in counts.items() if n > 1] == []
    for s in corpus.standards:
        assert s.id.startswith(f"{corpus.vocab.areas[s.area].code}-{corpus.vocab.phases[s.phase].code}-"), s.id


def test_search_words_cover_the_everyday_terms(corpus: Corpus) -> None:
    words = {w.lower() for n in corpus.vocab.need_types.values() for w in n.search_words}
    words |= {w.lower() for s in corpus.standards for w in s.search_words}
    for term in (
        "dyslexia",
        "dyscalculia",
        "dyspraxia",
        "dcd",
        "autism",
        "adhd",
        "dld",
        "stammering",
        "anxiety",
        "attachment",
        "deaf",
        "glasses",
        "blind",
        "wheelchair",
        "cerebral palsy",
        "epilepsy",
        "diabetes",
    ):
        assert term in words, term

"""The real national standards: completeness and funding rules, checked independently of the validator."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from builder import prose
from builder.errors import field_path
from builder.model import Corpus, Standard
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


# -- issue 12: the law today, not proposals; facts, not typed figures ---------------------------------------------
def standard_texts(s: Standard, *, with_what_may_change: bool = True) -> list[tuple[str, str]]:
    """Every text of a standard, with its field name: the prose, the title and the search words."""
    fields = dataclasses.asdict(s)
    if not with_what_may_change:
        fields.pop("what_may_change")
    return [(field_path(path), text) for path, text in prose.strings(fields) if path[0] not in ("source", "id")]


def vocabulary_texts(corpus: Corpus, *, facts: bool = False) -> list[tuple[str, str]]:
    """Every text of every vocabulary entry (facts.yaml, the one place figures are typed, only when asked)."""
    out = []
    for kind in dataclasses.fields(corpus.vocab):
        if kind.name == "facts" and not facts:
            continue
        for ident, entry in getattr(corpus.vocab, kind.name).items():
            out += [(f"{kind.name}.{ident}.{field_path(path)}", text) for path, text in prose.strings(dataclasses.asdict(entry))]
    return out


def test_the_assessment_test_is_never_most_complex_needs_outside_what_may_change(corpus: Corpus) -> None:
    """EHC needs assessment: the council must assess where a child has or may have SEN (CFA 2014 s.36(8)) today."""
    found = [
        (s.id, name)
        for s in corpus.standards
        for name, text in standard_texts(s, with_what_may_change=False)
        if re.search(r"most\s+complex\s+needs", text, re.I)
    ]
    assert found == []
    proposed = {i for i in (*corpus.vocab.legal_bases, *corpus.vocab.funding_streams) if corpus.vocab.proposal(i)}
    in_vocab = [
        name
        for name, text in vocabulary_texts(corpus, facts=True)
        if re.search(r"most\s+complex\s+needs", text, re.I) and name.split(".")[1] not in proposed
    ]
    assert in_vocab == []
    for s in corpus.standards:  # and never "may assess" or "cannot reasonably be met through SEN support"
        for name, text in standard_texts(s, with_what_may_change=False):
            assert not re.search(r"\bcouncil may (decide to )?assess\b|cannot reasonably be met through SEN support", text, re.I), (
                s.id,
                name,
            )


def test_sixteen_to_nineteen_funding_may_pay_at_every_post_16_tier(corpus: Corpus) -> None:
    stream = corpus.vocab.funding_streams["sixteen-to-nineteen-funding"]
    assert stream.status == "current" and "post-16" in stream.phases
    assert set(stream.tiers) == set(corpus.vocab.tiers)


def test_every_post_16_standard_delivered_by_college_staff_names_sixteen_to_nineteen_funding(corpus: Corpus) -> None:
    """It is element 1 for every student: wherever the college or sixth form delivers any part, at any tier."""
    missing = [
        s.id
        for s in corpus.standards
        if s.phase == "post-16"
        and any(corpus.vocab.providers[p].group == "setting" for p in s.who_provides)
        and "sixteen-to-nineteen-funding" not in s.who_pays
    ]
    assert missing == []


PARENT_ASKS = re.compile(r"\b(parents?|carers?|famil(y|ies))\b")
ASKS_FOR_ASSESSMENT = re.compile(
    r"\b(ask|asks|asking|request|requests|requesting)\b.*\bassessment|\bassessment\b.*\b(request|requested)\b", re.I
)


def lets_a_parent_request_an_assessment(text: str) -> bool:
    """A sentence in which a parent, carer or family asks for an assessment."""
    return any(PARENT_ASKS.search(s) and ASKS_FOR_ASSESSMENT.search(s) for s in re.split(r"(?<=[.;:!?])\s+", text))


def test_the_parent_request_rule_catches_what_it_should() -> None:
    assert lets_a_parent_request_an_assessment("A young person, or a parent, can ask the council for an EHC needs assessment.")
    assert lets_a_parent_request_an_assessment("Your family can request an assessment.")
    assert not lets_a_parent_request_an_assessment("The young person asks for an assessment. Parents are kept informed.")


def test_post_16_texts_that_let_a_parent_request_an_assessment_say_when(corpus: Corpus) -> None:
    """A young person over compulsory school age decides; a parent acts only if they lack mental capacity (MCA 2005)."""
    texts = [(s.id, name, text) for s in corpus.standards if s.phase == "post-16" for name, text in standard_texts(s)]
    law = corpus.vocab.law_today.get("post-16")
    texts += [("law_today.post-16", f"points[{i}]", p.text) for i, p in enumerate(law.points if law else ())]
    silent = [
        (sid, name) for sid, name, text in texts if lets_a_parent_request_an_assessment(text) and not re.search(r"\bcapacity\b", text)
    ]
    assert silent == []


def test_no_money_figure_or_date_is_typed_into_prose(corpus: Corpus) -> None:
    """Amounts and dates are facts ({fact:ID}), kept once in facts.yaml, never typed into the text."""
    typed = [(s.id, name, prose.money(text) + prose.dates(text)) for s in corpus.standards for name, text in standard_texts(s)]
    typed += [(name, "", prose.money(text)) for name, text in vocabulary_texts(corpus)]
    assert [t for t in typed if t[2]] == []
    assert "£" not in "".join(text for s in corpus.standards for _, text in standard_texts(s))


def test_every_fact_cited_exists_and_every_phase_has_the_law_today(corpus: Corpus) -> None:
    cited = {i for s in corpus.standards for _, text in standard_texts(s) for i in prose.fact_ids(text)}
    assert cited <= set(corpus.vocab.facts)
    assert set(corpus.vocab.law_today) == set(corpus.vocab.phases)
    for law in corpus.vocab.law_today.values():
        assert 3 <= len(law.points) <= 5, law.phase
        assert all(corpus.vocab.legal_bases[b].in_force for p in law.points for b in p.legal_basis), law.phase


def test_no_proposed_or_withdrawn_entry_is_a_legal_basis_or_payer(corpus: Corpus) -> None:
    for s in corpus.standards:
        assert all(corpus.vocab.legal_bases[b].status == "in-force" for b in s.legal_basis), s.id
        assert all(corpus.vocab.funding_streams[f].status == "current" for f in s.who_pays), s.id
        if s.what_may_change:
            assert all(corpus.vocab.proposal(p) for p in s.what_may_change.proposals), s.id

"""Words that help people find pages: tags for standards pages and the everyday words families and teachers type."""

from __future__ import annotations

from collections.abc import Iterable

from .acronyms import acronyms
from .model import Standard, Vocabularies


def _unique(words: Iterable[str]) -> list[str]:
    """Keep the first spelling of each word, ignoring case, in order."""
    seen: set[str] = set()
    out = []
    for word in words:
        key = word.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(word.strip())
    return out


def structured_tags(vocab: Vocabularies, standards: Iterable[Standard]) -> list[str]:
    """Need types, phases and tiers of the standards on a page, by name, in vocabulary order."""
    standards = list(standards)
    need_ids = {n for s in standards for n in s.need_types}
    phase_ids = {s.phase for s in standards}
    tier_ids = {s.tier for s in standards}
    return _unique(
        [n.name for n in vocab.need_types.values() if n.id in need_ids]
        + [p.name for p in vocab.phases.values() if p.id in phase_ids]
        + [t.name for t in vocab.tiers.values() if t.id in tier_ids]
    )


def everyday_words(vocab: Vocabularies, standards: Iterable[Standard]) -> list[str]:
    """The words people use for what is on a page: its need types' search words, then each standard's own."""
    standards = list(standards)
    need_ids = {n for s in standards for n in s.need_types}
    words: list[str] = []
    for need in vocab.need_types.values():
        if need.id in need_ids:
            words += [need.id, *need.search_words]
    for s in standards:
        words += s.search_words
    return _unique(words)


def page_tags(vocab: Vocabularies, standards: Iterable[Standard]) -> list[str]:
    """Front matter tags for a page of standards: what it covers by name, then the everyday words."""
    standards = list(standards)
    return _unique(structured_tags(vocab, standards) + everyday_words(vocab, standards))


def glossary_tags(vocab: Vocabularies) -> list[str]:
    """The glossary's acronyms, except names of needs: "ADHD" should find standards first, "EHCP" the glossary."""
    need_words = {w.casefold() for n in vocab.need_types.values() for w in (n.id, *n.search_words)}
    return [word for word in acronyms(vocab) if word.casefold() not in need_words]

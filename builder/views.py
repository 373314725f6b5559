"""Phrases computed from the data, shared by the web pages and the print documents, so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import jinja2

from .markup import Target, environment
from .markup import lower_first as _lower_first
from .model import FundingStream, LegalBasis, Standard, Vocabularies

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
    )
    return env

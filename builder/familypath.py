"""The families' guided path, "What support should my child get?": one question a page, every answer a page.

Two questions, each choice a link, so the path works without JavaScript and asks for nothing but the page opened
(no form; the pages opened stay in the browser's history and the server's log, as the first page says): where the
child learns (a stage: a phase and the kinds of setting in it) and what they find hard (a choice in everyday words,
which the need types' search words turn into need types). Every stage and choice has its answer page, generated at
build time (builder.web.Renderer). What the choices are called is prose, in the templates
(_family-path-words.md.j2); what they mean is here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2
from markupsafe import Markup, escape

from .acronyms import abbr_acronyms
from .markup import environment
from .model import Standard, Vocabularies

PATH = "families/support"
"""Where the path's pages live in the site."""

ANSWER_TIERS = ("universal", "targeted")
"""The tiers an answer says to expect; the tiers after them are what may come next."""


@dataclass(frozen=True)
class Stage:
    """Where a child learns: one phase, and the kinds of setting in it (vocabularies/settings.yaml)."""

    id: str
    phase: str
    settings: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    """Something a child finds hard, in everyday words, and the need types those words are search words of."""

    id: str
    words: tuple[str, ...]
    need_types: tuple[str, ...] = ()


STAGES = (
    Stage("early-years", "early-years", ("nursery", "school-nursery", "childminder")),
    Stage("reception", "early-years", ("reception",)),
    Stage("primary", "primary", ("mainstream-school",)),
    Stage("secondary", "secondary", ("mainstream-secondary",)),
    Stage("post-16", "post-16", ("sixth-form", "fe-college")),
)
"""Reception is its own stage: it is a school class, paid from the school's budget, and some early years standards
are for nurseries and childminders only (the Disability Access Fund) or for reception only (phonics)."""

CHOICES = (
    Choice("talking", ("talking", "speech", "understanding", "late talker", "stammer")),
    Choice("reading-writing-numbers", ("reading", "spelling", "handwriting", "maths", "dyslexia")),
    Choice("learning", ("catching up", "memory", "learning disability", "complex needs")),
    Choice("autism", ("autism", "autistic", "social communication", "routines")),
    Choice("feelings-behaviour", ("anxiety", "low mood", "behaviour", "attention")),
    Choice("hearing", ("hearing", "deaf", "deafblind")),
    Choice("seeing", ("sight", "blind", "partially sighted", "deafblind")),
    Choice("moving", ("mobility", "wheelchair", "fine motor", "medical needs", "toileting")),
)
"""The choices of the second question, in the order shown. Each word must be a search word (or the id) of at least
one need type; a choice whose words name none in a project's vocabularies is left out of that project's path."""


def need_types_for(vocab: Vocabularies, words: Iterable[str]) -> tuple[str, ...]:
    """The need types, in vocabulary order, that list any of the words among their search words (or as their id)."""
    wanted = {w.casefold() for w in words}
    return tuple(n.id for n in vocab.need_types.values() if wanted & {w.casefold() for w in (n.id, *n.search_words)})


def stages(vocab: Vocabularies) -> list[Stage]:
    """The stages whose phase this project has."""
    return [s for s in STAGES if s.phase in vocab.phases]


def choices(vocab: Vocabularies) -> list[Choice]:
    """The choices, each with the need types its everyday words find, leaving out any that find none."""
    found = [Choice(c.id, c.words, need_types_for(vocab, c.words)) for c in CHOICES]
    return [c for c in found if c.need_types]


def applies(s: Standard, stage: Stage) -> bool:
    """A standard of the stage's phase, for at least one of its settings (a standard naming no setting is for all)."""
    return s.phase == stage.phase and (not s.settings or bool(set(s.settings) & set(stage.settings)))


@dataclass(frozen=True)
class Answer:
    """What an answer page shows for one stage and one choice."""

    stage: Stage
    choice: Choice
    expect: dict[str, list[Standard]]
    """Universal and targeted standards for the choice's need types, by tier."""
    everyone: list[Standard]
    """Universal and targeted standards with no need types: what every child with SEND can expect there."""
    next: list[Standard]
    """Targeted plus and specialist standards for the choice's need types."""
    areas: tuple[str, ...]
    """The areas of need of the choice's need types, for the council's services."""
    pays: dict[str, tuple[str, ...]]
    """Who pays for each standard shown, by its id: only the funding streams that may fund the stage's settings."""
    helps: dict[str, tuple[str, ...]]
    """Who helps for each standard shown, by its id: only the roles that work in the stage's settings."""


def payers(vocab: Vocabularies, s: Standard, stage: Stage) -> tuple[str, ...]:
    """The standard's funding streams that may pay in the stage's phase and for at least one of its settings (the
    rule oap check holds standards to): a standard for nurseries and reception names both kinds of budget, and a
    reception family sees only the school's."""
    streams = vocab.funding_streams
    return tuple(p for p in s.who_pays if stage.phase in streams[p].phases and any(streams[p].funds_setting(x) for x in stage.settings))


def helpers(vocab: Vocabularies, s: Standard, stage: Stage) -> tuple[str, ...]:
    """The standard's providers that work in at least one of the stage's settings: no childminder on a reception page."""
    return tuple(p for p in s.who_provides if any(vocab.providers[p].works_in(x) for x in stage.settings))


def answer(vocab: Vocabularies, standards: Iterable[Standard], stage: Stage, choice: Choice) -> Answer:
    here = [s for s in standards if applies(s, stage)]
    needs = set(choice.need_types)
    for_needs = [s for s in here if needs & set(s.need_types)]
    order = {t: i for i, t in enumerate(vocab.tiers)}
    return Answer(
        stage=stage,
        choice=choice,
        expect={t: [s for s in for_needs if s.tier == t] for t in ANSWER_TIERS if t in vocab.tiers},
        everyone=[s for s in here if not s.need_types and s.tier in ANSWER_TIERS],
        next=sorted((s for s in for_needs if s.tier not in ANSWER_TIERS), key=lambda s: order[s.tier]),
        areas=tuple(dict.fromkeys(a for n in choice.need_types if (a := vocab.need_types[n].area))),
        pays={s.id: payers(vocab, s, stage) for s in here},
        helps={s.id: helpers(vocab, s, stage) for s in here},
    )


def in_answer(a: Answer) -> list[Standard]:
    """The standards an answer says to expect, in the order shown: the ones the letter and the questions name."""
    return [s for tier in a.expect.values() for s in tier]


def letter(vocab: Vocabularies, a: Answer) -> str:
    """The plain-text letter a family can copy, asking how the setting provides the standards the answer names."""
    return _text_environment(_letter_templates()).get_template(LETTER).render(v=vocab, a=a, standards=in_answer(a))


LETTER = "family-path-letter.txt.j2"
LETTER_TEMPLATES = (LETTER, "_family-path-words.md.j2")
"""The letter's template and the one it imports: their text is the cached environment's key."""


def _letter_templates() -> str:
    """The letter templates' text (two small files, read for each letter: far cheaper than compiling them)."""
    from importlib.resources import files

    folder = files("builder") / "templates"
    return "\0".join((folder / name).read_text(encoding="utf-8") for name in LETTER_TEMPLATES)


@functools.lru_cache(maxsize=1)
def _text_environment(templates: str) -> jinja2.Environment:
    """One environment while the letter templates' text stays the same: made afresh for each of the 40 answers, the
    template was compiled 40 times, over a second of every build and of every preview after a save. Keyed on the
    text, not on Jinja's check of the file's modification time, which misses a save that keeps the time (cp -p, or
    two saves within the file system's clock step)."""
    return environment("text")


def pre_text(text: str, vocab: Vocabularies) -> Markup:
    """Plain text for a <pre> written on one line of the page's Markdown: HTML-escaped, each glossary acronym in an
    <abbr> with its expansion (as on every families' page; copying still gives the plain text), each new line a
    character reference. On one line starting with a tag, neither Markdown nor the acronym links touch it."""
    return Markup(abbr_acronyms(str(escape(text.rstrip("\n"))), vocab).replace("\n", "&#10;"))

"""Acronyms from the glossary, and linking them in families' pages so that no abbreviation goes unexplained."""

from __future__ import annotations

import re

from markupsafe import escape

from .model import Term, Vocabularies

_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b")
"""Two or more capitals in one word, allowing lower case inside: SENCO, EHCP, QToD, PfA, SENCo."""
_PROSE_SKIP = re.compile(r"^\s*(---|\{:|!!!|<|\||\[|- \[)")
"""Lines that are not running prose: rules, attribute lists, admonitions, raw HTML, tables, link lists."""
_HEADING = re.compile(r"^(#{1,6} )(.*?)(\s*\{:[^}]*\})?$")
_LINK_OR_CODE = re.compile(r"\[[^\]]*\]\([^)]*\)|`[^`]*`|<[^>]+>|&[A-Za-z]+;")
"""Stretches of a line to leave alone: Markdown links, code, inline HTML tags and entities."""


def acronyms(vocab: Vocabularies) -> dict[str, Term]:
    """Every acronym a glossary term spells out, mapped to the first entry that names it."""
    found: dict[str, Term] = {}
    for term in vocab.glossary.values():
        for word in _ACRONYM.findall(term.term):
            if 2 <= len(word) <= 10 and sum(c.isupper() for c in word) >= 2:
                found.setdefault(word, term)
    return found


def _expansion(term: Term) -> str:
    """What the letters stand for, or the term itself when the glossary gives no expansion."""
    return term.expansion or term.term


def link_acronyms(markdown: str, vocab: Vocabularies, *, glossary: str = "/glossary.md") -> str:
    """Link the first use of each glossary acronym on a page to its entry; later uses get <abbr> with the expansion.

    Works on rendered Markdown whose data values are already escaped, so it only ever wraps a known word from the
    glossary in markup we write: a data value cannot become markup here.
    """
    known = acronyms(vocab)
    seen: set[str] = set()
    in_front_matter = markdown.startswith("---\n")
    out = []
    for number, line in enumerate(markdown.split("\n")):
        if in_front_matter:
            in_front_matter = not (number > 0 and line == "---")
            out.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:  # headings get <abbr> only: a link there would land in the table of contents
            out.append(heading.group(1) + _link_text(heading.group(2), known, set(known), glossary) + (heading.group(3) or ""))
        elif _PROSE_SKIP.match(line):
            out.append(line)
        else:
            out.append(_link_line(line, known, seen, glossary))
    return "\n".join(out)


def _link_line(line: str, known: dict[str, Term], seen: set[str], glossary: str) -> str:
    """Link or mark up the acronyms in one line of prose, leaving links, code and HTML as they are."""
    pieces, last = [], 0
    for match in _LINK_OR_CODE.finditer(line):
        pieces.append(_link_text(line[last : match.start()], known, seen, glossary))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_link_text(line[last:], known, seen, glossary))
    return "".join(pieces)


def _link_text(text: str, known: dict[str, Term], seen: set[str], glossary: str) -> str:
    """Replace each known acronym in plain text: a glossary link the first time, <abbr> after that."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        key = word if word in known or not word.endswith("s") else word[:-1]  # plurals: SENCOs, GCSEs
        term = known.get(key)
        if term is None:
            return word
        title = escape(_expansion(term))
        if key in seen:
            return f'<abbr title="{title}">{word}</abbr>'
        seen.add(key)
        return f'[<abbr title="{title}">{word}</abbr>]({glossary}#{term.id})'

    return _ACRONYM.sub(replace, text)


def abbr_acronyms(text: str, vocab: Vocabularies) -> str:
    """Every glossary acronym in escaped text wrapped in <abbr> with its expansion, never a link: for text shown as
    it is (a letter in a <pre>), where a link would not work and copying must give the plain words."""
    known = acronyms(vocab)
    return _link_text(text, known, set(known), "")

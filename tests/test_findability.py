"""Finding things without a browser: acronyms linked to the glossary, search tags and words, and what the built
pages carry for search and review (tags, "Words people use", page-level review dates)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from builder.acronyms import acronyms, link_acronyms
from builder.model import Corpus
from builder.project import load_corpus
from builder.search_words import everyday_words, glossary_tags, page_tags, structured_tags

from .conftest import ROOT


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(ROOT)


# -- acronyms --------------------------------------------------------------------------------------------------------
def test_acronyms_come_from_glossary_terms(corpus: Corpus) -> None:
    found = acronyms(corpus.vocab)
    assert found["SENCO"].id == "senco"
    assert found["EHCP"].id == "ehc-plan"
    assert found["QToD"].id == found["ToD"].id
    assert "Experts" not in found and "B" not in found


def test_first_use_links_to_the_glossary_then_abbr(corpus: Corpus) -> None:
    text = "Talk to the SENCO. The SENCO will listen. Two SENCOs agree."
    out = link_acronyms(text, corpus.vocab)
    title = 'title="Special educational needs coordinator"'
    assert out == (
        f"Talk to the [<abbr {title}>SENCO</abbr>](/glossary.md#senco). The <abbr {title}>SENCO</abbr> will listen. "
        f"Two <abbr {title}>SENCOs</abbr> agree."
    )


def test_links_code_html_front_matter_and_unknown_words_are_left_alone(corpus: Corpus) -> None:
    page = (
        "---\ntags:\n  - SENCO\n---\n"
        "# Ask the SENCO {: #ask }\n\n"
        '[the SENCO](/who.md) and `SENCO` and <span title="SENCO">x</span> and WHO and OK.\n'
        "Then the SENCO.\n"
    )
    out = link_acronyms(page, corpus.vocab)
    lines = out.split("\n")
    assert lines[:4] == ["---", "tags:", "  - SENCO", "---"]
    assert lines[4] == '# Ask the <abbr title="Special educational needs coordinator">SENCO</abbr> {: #ask }'
    assert lines[6] == '[the SENCO](/who.md) and `SENCO` and <span title="SENCO">x</span> and WHO and OK.'
    assert lines[7] == 'Then the [<abbr title="Special educational needs coordinator">SENCO</abbr>](/glossary.md#senco).'


def test_expansions_are_escaped(corpus: Corpus) -> None:
    """The expansion comes from data and goes into an attribute: it is HTML-escaped."""
    from dataclasses import replace

    glossary = dict(corpus.vocab.glossary)
    glossary["senco"] = replace(glossary["senco"], expansion='A "quoted" <b>bold</b> & more')
    vocab = replace(corpus.vocab, glossary=glossary)
    assert (
        link_acronyms("SENCO", vocab)
        == '[<abbr title="A &#34;quoted&#34; &lt;b&gt;bold&lt;/b&gt; &amp; more">SENCO</abbr>](/glossary.md#senco)'
    )


def test_every_acronym_on_the_families_pages_is_explained(national_site: Path, corpus: Corpus) -> None:
    """Outside links, code and <abbr>, no word of two or more capitals is left unexplained on a families page."""
    for page in sorted((national_site / "families").rglob("index.html")):
        html = page.read_text(encoding="utf-8")
        body = html[html.index("<article") : html.index("</article>")]
        body = re.sub(r"<abbr [^>]*>.*?</abbr>|<[^>]+>", " ", body)
        bare = sorted(set(re.findall(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b", body)))
        assert bare == [], f"{page.relative_to(national_site)}: acronyms not linked to the glossary: {bare}"


# -- search words ----------------------------------------------------------------------------------------------------
def test_page_tags_name_need_types_phases_and_tiers_then_everyday_words(corpus: Corpus) -> None:
    cell = corpus.cell("sensory-and-physical", "primary")
    assert cell, "the test needs sensory-and-physical primary standards"
    tags = page_tags(corpus.vocab, cell)
    shown = structured_tags(corpus.vocab, cell)
    assert tags[: len(shown)] == shown
    assert {"Primary", "Hearing impairment", "Universal"} <= set(shown)
    words = everyday_words(corpus.vocab, cell)
    assert {"deaf", "glasses", "wheelchair"} <= set(words)
    assert len({w.casefold() for w in tags}) == len(tags), "no word twice"


def test_glossary_tags_leave_needs_to_the_standards(corpus: Corpus) -> None:
    tags = glossary_tags(corpus.vocab)
    assert {"EHCP", "SENCO", "SENDIASS"} <= set(tags)
    assert not {"ADHD", "DLD", "BSL"} & set(tags), "names of needs should find the standards first"


# -- the built pages -------------------------------------------------------------------------------------------------
def test_standards_pages_are_tagged_in_the_search_index(national_site: Path) -> None:
    index = json.loads((national_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    tops = {d["location"]: d for d in index["docs"] if "#" not in d["location"]}
    page = tops["standards/sensory-and-physical/primary/"]
    assert {"Primary", "Hearing impairment", "deaf", "wheelchair"} <= set(page["tags"])
    assert {"EHCP", "SENCO"} <= set(tops["glossary/"]["tags"])
    assert not any(d["location"].startswith("teachers/finder/") for d in index["docs"]), "the finder repeats every standard"


def test_cell_and_families_pages_show_page_review_dates(national_site: Path, corpus: Corpus) -> None:
    """The latest "last reviewed" and the earliest "next review due" of the standards on the page."""

    def line(standards: list) -> str:
        last = max(s.last_reviewed for s in standards)
        due = min(s.review_due for s in standards)
        text = f"Last reviewed {last.day} {last:%B %Y} · Next review due {due.day} {due:%B %Y}"
        return text + (" · <strong>Review overdue</strong>" if due < dt.date.today() else "")

    for phase in corpus.vocab.phases:
        in_phase = [s for s in corpus.standards if s.phase == phase]
        if in_phase:
            html = (national_site / "families" / phase / "index.html").read_text(encoding="utf-8")
            assert f'<p class="oap-review oap-page-review">{line(in_phase)}</p>' in html, phase
        for area in corpus.vocab.areas:
            cell = corpus.cell(area, phase)
            html = (national_site / "standards" / area / phase / "index.html").read_text(encoding="utf-8")
            if cell:
                assert f'<p class="oap-review oap-page-review">{line(cell)}</p>' in html, (area, phase)
            else:
                assert "oap-page-review" not in html


def test_words_people_use_are_visible_on_standards_pages(national_site: Path) -> None:
    html = (national_site / "standards" / "sensory-and-physical" / "primary" / "index.html").read_text(encoding="utf-8")
    words = html[html.index('<details class="oap-words">') : html.index("</details>")]
    assert "<summary>Words people use for this page</summary>" in words
    assert "wheelchair" in words and "glasses" in words

"""The national site's "For schools" page (issue 14 item 3): in the navigation and linked from the home page, every
Schedule 1 item from the vocabulary, dates and rates from the data, and a worked example whose figures are what
builder/school.py computes for the fictional example school.

Reads the one shared national build (the national_site fixture); its accessibility is checked by the every-page axe
walk in tests/test_browser.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from builder import school as school_edition
from builder.cost import pounds
from builder.edition import Edition
from builder.project import load_corpus
from builder.views import rate_text
from builder.web import nav

from .conftest import ROOT

EXAMPLE = ROOT / school_edition.EXAMPLE


def text_of(fragment: str) -> str:
    """The words of some HTML, tags dropped, entities read, white space squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def article(page: Path) -> str:
    found = re.search(r"<article\b.*?</article>", page.read_text(encoding="utf-8"), re.S)
    assert found is not None, page
    return found.group(0)


def table_rows(fragment: str) -> list[list[str]]:
    """Each table row of the fragment as the text of its cells."""
    return [
        [text_of(c) for c in re.findall(r"<t[dh]\b[^>]*>(.*?)</t[dh]>", row, re.S)] for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S)
    ]


@pytest.fixture(scope="module")
def page(national_site: Path) -> str:
    return article(national_site / "schools" / "index.html")


def test_for_schools_is_in_the_navigation_and_linked_from_the_home_page(national_site: Path) -> None:
    home = (national_site / "index.html").read_text(encoding="utf-8")
    assert 'href="schools/"' in article(national_site / "index.html"), "the home page's cards do not link to For schools"
    # The section's only page is its index (navigation.indexes): the navigation links the section title to it.
    assert re.search(r'<a href="schools/" class="md-nav__link ?">\s*<span class="md-ellipsis">\s*Schools\s*<', home), (
        "not in the navigation"
    )
    assert re.search(r'<a href="schools/" class="md-tabs__link">\s*Schools\s*<', home), "not in the tabs"
    assert {"Schools": [{"For schools": "schools/index.md"}]} in nav(Edition.of(load_corpus(ROOT)))


def test_the_worked_example_is_what_builder_school_computes_for_the_example_school(page: str) -> None:
    """Every line (standard, pupils, cost, funding source) and every total against its allocation, as builder/school.py
    works them out for examples/hollins-vale-primary at the national rates."""
    computed = school_edition.load_school(EXAMPLE, Edition.of(load_corpus(ROOT)))
    assert computed.fictional and len(computed.lines) >= 3
    rows = table_rows(page)
    lines = [
        [
            ln.standard.title,
            computed.edition.vocab.tiers[ln.standard.tier].name,
            str(ln.pupils) if ln.pupils else "Whole school",
            ln.cost.text(),
            ln.funding_name,
        ]
        for ln in computed.lines
    ]
    totals = [
        [
            t.name,
            t.planned.text(),
            pounds(t.allocation) if t.allocation is not None else "None given",
            pounds(t.left) if t.left is not None else "Not checked",
        ]
        for t in computed.totals()
    ]
    start = rows.index(["Standard", "Tier", "Pupils", "Typical annual cost", "Paid from"])
    assert rows[start + 1 : start + 1 + len(lines)] == lines
    start = rows.index(["Budget", "Planned", "Allocation", "Left at the high end"])
    assert rows[start + 1 : start + 1 + len(totals)] == totals
    words = text_of(page)
    assert f"{computed.name} is not a real school" in words  # labelled fictional
    for ln in computed.lines:
        assert ln.basis in words, ln.standard.id


def test_every_schedule_1_item_from_the_vocabulary_is_on_the_page(page: str) -> None:
    items = load_corpus(ROOT).vocab.sen_information_report
    assert len(items) >= 13
    rows = table_rows(page)
    for item in items.values():
        assert [item.reference, item.title, item.must_say] in rows, item.id
    assert sum(1 for item in items.values() if item.reference.startswith("Children and Families Act 2014, section 69(3)(b)")) == 4
    assert "What it must cover is set out in section 69(3) of the Children and Families Act 2014" in text_of(page)


def test_dates_and_rates_come_from_the_data_and_the_page_says_what_it_is_not(page: str) -> None:
    v = load_corpus(ROOT).vocab
    words = text_of(page)
    deadline = v.facts["inclusion-strategy-deadline"]
    assert f"by {deadline.value} ({deadline.applies})" in words
    assert f"the first {v.facts['sen-support-threshold'].value} ({v.facts['sen-support-threshold'].applies}) a year" in words
    rows = table_rows(page)
    for rate in v.rates.values():
        row = next((r for r in rows if r[:3] == [rate.name, rate_text(rate, year=False), rate.applies]), None)
        assert row is not None, rate.id
        assert row[3].startswith(" ".join(rate.source.split())), rate.id  # with its source
    assert "These headings are this project's, not the Department for Education's template." in words
    assert "It is not official government guidance" in words
    assert "They are never a cap and never an entitlement" in words


def test_without_the_example_school_the_page_says_so_plainly(tmp_path: Path) -> None:
    """A project of its own (or a national edition without examples/) has no worked example: a plain note instead.
    The wheel carries the example's school.yaml (pyproject.toml; tests/test_wheel.py checks the wheel's files)."""
    from builder.web import Renderer

    national = Edition.of(load_corpus(ROOT))
    assert school_edition.example_school(tmp_path, national) is None
    text = Renderer(national).page("schools.md.j2", example=None)
    assert "This edition does not include the fictional example school, so there is no worked example here." in text
    assert "| Standard | Tier |" not in text

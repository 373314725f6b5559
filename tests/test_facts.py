"""Facts cited from prose, and the law today kept apart from proposals (issue 12), on a small frozen fixture.

The project here uses tests/fixtures/vocabularies, so the output stays the same as the real vocabularies grow:
a fact placeholder renders with its value and period on the web (linked to its source) and in print; a standard's
"What may change" box and a phase's "The law today" box appear on the families page and in the families PDF; the
open data carries the facts and the filled-in text; a fact past its review date is a warning, never an error.
The rules' broken inputs, with their exact messages, are in tests/bad_inputs/ (fact-*, money-*, what-may-change-*, ...).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from builder import pdf, prose
from builder.edition import Edition
from builder.markup import html_fact, md_prose
from builder.model import Fact
from builder.pipeline import gather
from builder.printdocs import PrintBuilder, print_documents
from builder.web import Renderer

from .conftest import FIXTURE_STANDARD, FIXTURE_VOCABULARIES, make_project, run_oap
from .outputs import golden
from .test_pdf import flat

F = "standards/cognition-and-learning/primary.yaml"
STANDARD = FIXTURE_STANDARD.replace(
    "summary: A summary.", "summary: The school meets the first {fact:sen-support-threshold} of extra support."
).replace(
    "    review_due: 2027-11-01\n",
    "    review_due: 2027-11-01\n"
    "    what_may_change:\n"
    "      text: EHC plans may be kept for the most complex needs. This is a proposal; the law has not changed.\n"
    "      proposals: [white-paper-2026]\n",
)
"""The fixture standard citing a fact in its summary, with a "What may change" note."""
URL = "https://www.gov.uk/government/publications/high-needs-funding-2026-to-2027-operational-guide"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("facts") / "project", {F: STANDARD}, site=True, vocabularies=FIXTURE_VOCABULARIES)


@pytest.fixture(scope="module")
def loaded(root: Path) -> tuple[Edition, Any]:
    edition = gather(root)
    return edition, edition.corpus


# -- the rules, as functions ------------------------------------------------------------------------------------------
def test_what_counts_as_money_a_date_a_proposal_and_a_placeholder() -> None:
    assert prose.money("from £6,000, or £1.6bn, £ 910. Not 6,000 or GBP 5.") == ["£6,000", "£1.6bn", "£ 910"]
    assert prose.dates("by 31 December, 15 February 2027, March 31st; not in May 2026, aged 4 may, Year 2 or s.19") == [
        "31 December",
        "15 February 2027",
        "March 31st",
    ]
    assert prose.proposal_phrases("for the MOST complex\n  needs; individual support plans; experts-at-hand") == [
        "MOST complex needs",
        "individual support plan",
    ]
    assert prose.fact_ids("{fact:a-b} and {fact:c} and {fact:a-b}") == ["a-b", "c"]
    assert prose.malformed_placeholders("{fact:a} {fact: a} {Fact:a} {fact:A} {facts:a} {fact:a") == [
        "{fact: a}",
        "{Fact:a}",
        "{fact:A}",
        "{facts:a}",
        "{fact:a",
    ]


def test_every_proposal_phrase_is_refused_in_a_standard(tmp_path: Path) -> None:
    """The phrase list is data (builder/prose.py): each phrase is caught, however it is capitalised."""
    from builder.errors import OapError
    from builder.project import load_corpus

    for i, phrase in enumerate(prose.PROPOSAL_PHRASES):
        text = FIXTURE_STANDARD.replace("You can expect help.", f"You can expect help ({phrase.upper()}).")
        with pytest.raises(OapError) as info:
            load_corpus(make_project(tmp_path / str(i), {F: text}, vocabularies=FIXTURE_VOCABULARIES))
        assert [str(p) for p in info.value.problems] == [
            f"{F}:10:19: standards[0].for_families: '{phrase.upper()}' is a proposal, not the law today "
            "(mention a proposal only in what_may_change, linked to a proposed legal basis or funding stream)"
        ]


# -- a fact past its review date: a warning, as of an injectable today -------------------------------------------------
def test_overdue_facts_are_judged_as_of_the_given_day(loaded: tuple[Edition, Any]) -> None:
    facts = loaded[1].vocab.facts
    assert prose.overdue_facts(facts, dt.date(2027, 1, 31)) == []  # due that day: not yet overdue
    assert prose.overdue_facts(facts, dt.date(2027, 2, 1)) == [
        "standards/vocabularies/facts.yaml:9: review_by: fact 'inclusion-strategy-deadline' (31 December 2026 (2026-27)) "
        "was due to be checked again by 2027-01-31 (check its value and source, then move review_by on)"
    ]
    assert len(prose.overdue_facts(facts, dt.date(2027, 9, 1))) == 2


@pytest.mark.parametrize(("day", "warned"), [("2026-11-29", False), ("2027-02-01", True)])
def test_oap_check_warns_about_an_overdue_fact_and_passes(root: Path, day: str, warned: bool) -> None:
    epoch = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())
    result = run_oap("check", "--root", str(root), env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert result.returncode == 0, result.stderr
    expected = [
        "warning: standards/vocabularies/facts.yaml:9: review_by: fact 'inclusion-strategy-deadline' (31 December 2026 (2026-27)) "
        "was due to be checked again by 2027-01-31 (check its value and source, then move review_by on)"
    ]
    assert result.stderr.splitlines() == (expected if warned else [])


# -- one function fills placeholders in for every output; values are data, never markup ------------------------------
HOSTILE = Fact("x", "<b>£1</b> [a](javascript:alert(1)) *y*", "d", "2026-27 <i>", dt.date(2027, 1, 1), "s", url="javascript:alert(1)")


def test_a_fact_is_text_on_the_web_and_in_print() -> None:
    facts = {"x": HOSTILE, "y": Fact("y", "£6,000", "d", "2026-27", dt.date(2027, 1, 1), "s", url=URL)}
    web = str(md_prose("Pay <u>{fact:x}</u> and {fact:y}; {fact:unknown} stays.", facts))
    assert web == (
        r"Pay &lt;u&gt;&lt;b&gt;£1&lt;/b&gt; \[a\]\(javascript:alert\(1\)\) \*y\* \(2026\-27 &lt;i&gt;\)&lt;/u&gt; and "
        rf"[£6,000]({URL}) \(2026\-27\); \{{fact:unknown\}} stays\."
    )
    assert html_fact(HOSTILE) == "&lt;b&gt;£1&lt;/b&gt; [a](javascript:alert(1)) *y* (2026-27 &lt;i&gt;)"
    assert prose.plain_text("{fact:y} a year", facts) == "£6,000 (2026-27) a year"
    odd = Fact("z", "£1", "d", "2026", dt.date(2027, 1, 1), "s", url="https://example.invalid/a_(b)")
    assert str(md_prose("{fact:z}", {"z": odd})) == r"[£1](https://example.invalid/a_%28b%29) \(2026\)"


# -- golden: one standard on the web and in print ---------------------------------------------------------------------
def test_golden_standard_with_a_fact_and_a_proposal(loaded: tuple[Edition, Any]) -> None:
    edition, corpus = loaded
    s = corpus.standards[0]
    renderer = Renderer(edition, today=dt.date(2026, 11, 29))
    markdown = renderer.env.get_template("_standard.md.j2").render(s=s)
    golden("standard-with-fact-and-proposal.md", markdown)
    assert rf"first [£6,000]({URL}) \(2026\-27\) of extra support" in markdown
    print_html = PrintBuilder(edition).env.get_template("print/_standard.html.j2").render(s=s, hl=3)
    golden("standard-with-fact-and-proposal.html", print_html)
    assert "first £6,000 (2026-27) of extra support" in print_html


def test_families_page_shows_what_may_change_and_the_law_today(loaded: tuple[Edition, Any]) -> None:
    edition, corpus = loaded
    page = Renderer(edition).render().pages["families/primary.md"]
    law = page.index(
        '<div class="admonition info oap-law-today" markdown>\n<h2 class="admonition-title" id="the-law-today">The law today</h2>'
    )
    assert page.index("- You can ask the council for an education, health and care needs assessment\\. (") > law
    # the law's name, its acronym marked up (its first use on the page, in "Things to know", links to the glossary)
    assert "assessment\\. (Asking for an <abbr" in page
    assert page.index("education, health and care \\([<abbr") < law
    assert rf"The school pays the first [£6,000]({URL}) \(2026\-27\) of extra support\." in page
    change = page.index(
        '<div class="admonition note oap-what-may-change" markdown>\n'
        '<h4 class="admonition-title" id="cl-pri-fixture-one-what-may-change">What may change</h4>'
    )
    assert page.index("**This is a proposal, not the law today\\.** ", change) > change
    assert "plans may be kept for the most complex needs\\. This is a proposal; the law has not changed\\." in page
    assert "**The proposal:** Schools White Paper \\(proposal, not law\\)\n([the law and guidance](/law.md)" in page
    assert page.index("What may change") > law
    other = Renderer(edition).render().pages["families/secondary.md"]
    assert "The law today" not in other  # the fixture gives the law today for primary only


@pytest.mark.slow  # renders a families guide
def test_families_pdf_shows_what_may_change_and_the_law_today(loaded: tuple[Edition, Any], tmp_path: Path) -> None:
    edition, corpus = loaded
    docs = {d.name: d for d in print_documents(edition)}
    assert "A school meets the first £6,000 (2026-27) a year of extra support" in docs["handbook.pdf"].html
    assert "<strong>Amount:</strong> £6,000 (2026-27): The cost of extra support" in docs["handbook.pdf"].html
    doc = docs["families-primary.pdf"]
    rendered = pdf.render_document(doc, pdf.prepare_assets(tmp_path / "assets"))
    (tmp_path / "families.pdf").write_bytes(rendered.pdf)
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "families.pdf"), "-"], capture_output=True, text=True, check=True)
    text = flat(run.stdout)
    assert "The law today What the law says now, whatever changes are being proposed:" in text
    assert "You can ask the council for an education, health and care needs assessment. (Asking for an EHC needs assessment)" in text
    assert "The school pays the first £6,000 (2026-27) of extra support." in text
    assert "What may change This is a proposal, not the law today. EHC plans may be kept for the most complex needs." in text
    assert "The proposal: Schools White Paper (proposal, not law)." in text
    assert rendered.warnings == ()


# -- the whole site and the open data ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("facts-site") / "site"
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_the_built_pages_link_the_fact_and_show_the_boxes(site: Path) -> None:
    cell = (site / "standards" / "cognition-and-learning" / "primary" / "index.html").read_text(encoding="utf-8")
    assert f'The school meets the first <a href="{URL}">£6,000</a> (2026-27) of extra support.' in cell
    assert (
        '<div class="admonition note oap-what-may-change">\n<h4 class="admonition-title" id="cl-pri-fixture-one-what-may-change">'
        'What may change<a class="headerlink" href="#cl-pri-fixture-one-what-may-change"'
    ) in cell
    families = (site / "families" / "primary" / "index.html").read_text(encoding="utf-8")
    assert '<div class="admonition info oap-law-today">\n<h2 class="admonition-title" id="the-law-today">The law today<a' in families
    assert f'<a href="{URL}">£6,000</a> (2026-27)' in families
    pays = (site / "who-pays" / "index.html").read_text(encoding="utf-8")
    assert "<strong>Amount:</strong> £6,000 (2026-27): The cost of extra support" in pays
    assert f'A school meets the first <a href="{URL}">£6,000</a> (2026-27) a year of extra support' in pays
    facts = (site / "facts" / "index.html").read_text(encoding="utf-8")
    assert '<span id="sen-support-threshold"></span>£6,000' in facts and "31 August 2027" in facts


def test_open_data_has_the_facts_and_the_filled_in_text(site: Path) -> None:
    data = json.loads((site / "data" / "standards.json").read_text(encoding="utf-8"))
    s = data["standards"][0]
    assert s["summary"] == "The school meets the first £6,000 (2026-27) of extra support."
    assert s["facts"] == ["sen-support-threshold"]
    assert s["what_may_change"] == {
        "text": "EHC plans may be kept for the most complex needs. This is a proposal; the law has not changed.",
        "proposals": [{"id": "white-paper-2026", "name": "Schools White Paper (proposal, not law)", "status": "proposed"}],
    }
    assert s["legal_basis"][0]["status"] == "in-force"
    assert [f["id"] for f in data["facts"]] == ["sen-support-threshold", "inclusion-strategy-deadline"]
    assert data["facts"][0] == {
        "id": "sen-support-threshold",
        "value": "£6,000",
        "applies": "2026-27",
        "description": "The cost of extra support a mainstream school meets for a pupil each year before top-up.",
        "source": 'DfE, "High needs funding: 2026 to 2027 operational guide"',
        "url": URL,
        "review_by": "2027-08-31",
    }
    assert "{fact:" not in json.dumps(data["standards"])

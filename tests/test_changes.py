"""What changed between two editions (issue 17, item 4): `oap diff OLD NEW` and `oap build --previous FILE`.

Two real builds of the fixture project (tests/fixtures/project/), before and after an edit that changes fields of
two standards, adds one, removes one and moves one standard's review date only; then the real `oap diff` on the two
published standards.json files, and the pages a reader sees in the second build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import run_oap
from .test_bad_inputs import tree_digest
from .test_rendering import VisibleText, fixture_project

EPOCH = "1793491200"  # 2026-11-01: the fixture's standards are not yet due for review
READING = "standards/cognition-and-learning/primary.yaml"
NEW_STANDARD = """\
  - id: cl-pri-fixture-word-wall
    title: A word wall <em>in every</em> classroom
    area: cognition-and-learning
    phase: primary
    tier: universal
    need_types: [SPLD]
    summary: Every classroom keeps the week's new words on a wall at the children's eye level.
    for_families: You can expect the new words of the week to be on the classroom wall.
    signs: [Forgets new words from one day to the next]
    adjustments: [Put the word wall at eye level, Add a picture to each word, Read the wall together each morning, Send the words home]
    who_provides: [class-teacher]
    who_pays: [school-core-budget]
    legal_basis: [cop-6-44]
    last_reviewed: 2026-11-01
    review_due: 2027-11-01
"""


def edit(root: Path) -> None:
    """The second edition: edit two standards' fields, add one standard, remove one, and re-date one review."""
    path = root / READING
    text = path.read_text(encoding="utf-8")
    for old, new in [
        ("who_pays: [school-core-budget, notional-sen-budget]", "who_pays: [school-core-budget]"),
        (
            "      - Print worksheets on cream paper in a larger font\n",
            "      - Print worksheets on cream paper in a larger font\n      - Read instructions aloud as well as writing them\n",
        ),
        ("title: Visits from a literacy outreach teacher", "title: Visits from a <script>alert(1)</script> *outreach* teacher"),
        (
            "who_provides: [literacy-outreach-teacher, class-teacher]",
            "who_provides: [literacy-outreach-teacher, class-teacher, teaching-assistant]",
        ),
        ("standards:\n", "standards:\n" + NEW_STANDARD),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    (root / "standards/whole-setting/secondary.yaml").unlink()  # its one standard, ws-sec-fixture-quiet-base, goes
    calm = root / "standards/whole-setting/primary.yaml"
    calm.write_text(calm.read_text(encoding="utf-8").replace("review_due: 2027-10-01", "review_due: 2027-12-01"), encoding="utf-8")


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """'before': the fixture project's site; 'after': the edited project built with --previous before's data."""
    tmp = tmp_path_factory.mktemp("changes")
    root = fixture_project(tmp / "project")
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    first = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(tmp / "before"), env=env)
    assert first.returncode == 0, first.stderr
    shutil.copyfile(tmp / "before/data/standards.json", tmp / "old.json")  # kept apart, as a published file would be
    edit(root)
    # The previous edition from the environment (a flag is read too: test_build_with_a_bad_previous_file_changes_nothing).
    second = run_oap(
        "build", "--no-pdf", "--root", str(root), "--out", str(tmp / "after"), env={**env, "OAP_PREVIOUS": str(tmp / "old.json")}
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == (
        f"oap build: compared with the previous edition (Edition 0.1.0, content as of 1 November 2026) (from OAP_PREVIOUS={tmp / 'old.json'}): "
        "Added: 1 standard. Removed: 1 standard. Changed: 3 standards."
    )
    return {"root": root, "before": tmp / "before", "after": tmp / "after", "old": tmp / "old.json", "tmp": tmp}


class Page(VisibleText):
    """A built page's visible text by section, without the heading permalinks' pilcrows."""

    def section(self, key: str) -> str:
        return " ".join(super().section(key).replace("\u00b6", " ").split())


def page(site: Path, path: str) -> Page:
    return Page((site / path / "index.html").read_text(encoding="utf-8"))


# -- oap diff ----------------------------------------------------------------------------------------------------------
EXPECTED_DIFF = """\
Comparing OLD (Edition 0.1.0, content as of 1 November 2026) with NEW (Edition 0.1.0, content as of 1 November 2026).

Added: 1 standard. Removed: 1 standard. Changed: 3 standards.

Added cl-pri-fixture-word-wall "A word wall <em>in every</em> classroom" (cognition-and-learning, primary).

Removed ws-sec-fixture-quiet-base "A quiet base at break and lunch" (whole-setting, secondary).

Changed ws-pri-fixture-calm-classroom "A calm, predictable classroom" (whole-setting, primary):
  - Next review due: was "2027-10-01", now "2027-12-01".

Changed cl-pri-fixture-reading-boost "Daily reading boost" (cognition-and-learning, primary):
  - Adjustments: added "Read instructions aloud as well as writing them".
  - Who pays: removed "Notional SEN budget".

Changed cl-pri-fixture-literacy-outreach "Visits from a <script>alert(1)</script> *outreach* teacher" (cognition-and-learning, primary):
  - Title: was "Visits from a literacy outreach teacher", now "Visits from a <script>alert(1)</script> *outreach* teacher".
  - Who provides: added "Teaching assistant".
"""


def test_diff_lists_each_changed_field(editions: dict[str, Path]) -> None:
    """`oap diff` on the two real standards.json files: every added, removed and changed standard, each changed field
    by its readers' name, lists by what was added and removed; exit 0."""
    old, new = editions["old"], editions["after"] / "data/standards.json"
    result = run_oap("diff", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == EXPECTED_DIFF.replace("OLD", str(old)).replace("NEW", str(new))


def test_diff_as_json(editions: dict[str, Path]) -> None:
    """--format json: the same comparison for machines, the same as the build's data/changes.json."""
    result = run_oap("diff", "--format", "json", str(editions["old"]), str(editions["after"] / "data/standards.json"))
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc == json.loads((editions["after"] / "data/changes.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in doc["added"]] == ["cl-pri-fixture-word-wall"]
    assert [s["id"] for s in doc["removed"]] == ["ws-sec-fixture-quiet-base"]
    changed = {s["id"]: {c["field"]: c for c in s["changes"]} for s in doc["changed"]}
    assert changed["cl-pri-fixture-reading-boost"]["who_pays"]["removed"] == ["Notional SEN budget"]
    assert changed["cl-pri-fixture-reading-boost"]["adjustments"]["added"] == ["Read instructions aloud as well as writing them"]
    assert changed["cl-pri-fixture-literacy-outreach"]["title"]["was"] == "Visits from a literacy outreach teacher"
    assert set(changed["ws-pri-fixture-calm-classroom"]) == {"review_due"}


def test_diff_of_an_edition_with_itself(editions: dict[str, Path]) -> None:
    result = run_oap("diff", str(editions["old"]), str(editions["before"] / "data/standards.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "No differences."


def test_nested_and_record_keeping_fields_are_compared_in_words() -> None:
    """A proposal added to what_may_change, a note, a funding stream's holder renamed, a fact's value: said in words."""
    from builder.changes import compare

    def doc(**fields: object) -> dict[str, object]:
        base = {
            "id": "s-1",
            "title": "T",
            "area": "a",
            "phase": "p",
            "what_may_change": None,
            "who_pays": [{"id": "f", "name": "F", "budget_holder": "The school"}],
        }
        return {
            "schema": "standards-file.schema.json",
            "standards": [{**base, **fields}],
            "facts": [{"id": "x", "value": "£1", "description": "A figure"}],
        }

    old = doc()
    new = doc(
        what_may_change={"text": "Might.", "proposals": [{"id": "p1", "name": "A proposal"}]},
        who_pays=[{"id": "f", "name": "F", "budget_holder": "The council"}],
    )
    new["facts"] = [{"id": "x", "value": "£2", "description": "A figure"}]
    changes = compare(old, new)
    (c,) = changes.changed
    assert [f.sentence() for f in c.fields] == [
        'Who pays: "F": budget holder was "The school", now "The council".',
        'What may change: added text "Might."; proposals "A proposal".',
    ]
    assert [f.sentence() for c in changes.facts_changed for f in c.fields] == ['Value: was "£1", now "£2".']
    later = doc(what_may_change={"text": "Might not.", "proposals": []})
    (c,) = compare(new, later).changed
    assert c.fields[-1].sentence() == 'What may change: text was "Might.", now "Might not."; proposals: removed "A proposal".'
    assert c.fields[-1].sentence(brief=True) == 'What may change: text reworded; proposals: removed "A proposal".'  # the web page


def test_the_changes_page_says_which_words_of_a_paragraph_changed() -> None:
    """A new figure in a paragraph (a fact's value it quotes), or a word or two, is quoted on the changes page; a
    paragraph rewritten more widely is said to be reworded, not quoted twice. `oap diff` quotes both versions."""
    from builder.changes import compare

    def doc(note: str) -> dict[str, object]:
        return {"schema": "standards-file.schema.json", "standards": [{"id": "s-1", "title": "T", "funding_note": note}]}

    was = "The school pays the first £6,000 (2026-27) a year of extra support from its own budget."
    (c,) = compare(doc(was), doc(was.replace("£6,000", "£6,500"))).changed
    assert c.fields[0].sentence(brief=True) == 'About the funding: "£6,000" is now "£6,500".'
    assert c.fields[0].sentence() == f'About the funding: was "{was}", now "{was.replace("£6,000", "£6,500")}".'
    (c,) = compare(doc(was), doc(was.replace("extra ", ""))).changed
    assert c.fields[0].sentence(brief=True) == 'About the funding: "of extra support" is now "of support".'
    (c,) = compare(doc(was), doc("The council pays for all of it, whatever it costs, from the high needs budget.")).changed
    assert c.fields[0].sentence(brief=True) == "About the funding: reworded."
    # A huge paragraph in a previous edition's file (not checked as our sources are) is not searched word by word:
    # difflib's time grows with the square of its words, and 20,000 of one word would take minutes.
    huge = " ".join(["word"] * 20_000)
    (c,) = compare(doc(huge), doc(huge + " more")).changed
    started = time.monotonic()
    assert c.fields[0].sentence(brief=True) == "About the funding: reworded."
    assert time.monotonic() - started < 5


def test_an_item_listed_twice_is_a_change_said_in_words() -> None:
    """Lists are compared counting their items: one sign listed twice in the new edition (or once where it was twice)
    is said, never an empty 'What you might notice: .'."""
    from builder.changes import compare

    def doc(signs: list[str]) -> dict[str, object]:
        return {"schema": "standards-file.schema.json", "standards": [{"id": "s-1", "title": "T", "signs": signs}]}

    (c,) = compare(doc(["A", "B"]), doc(["A", "B", "A"])).changed
    assert [f.sentence() for f in c.fields] == ['What you might notice: added "A".']
    (c,) = compare(doc(["A", "A", "B"]), doc(["B", "A"])).changed
    assert [f.sentence() for f in c.fields] == ['What you might notice: removed "A".']
    (c,) = compare(doc(["A", "B"]), doc(["B", "A"])).changed
    assert [f.sentence() for f in c.fields] == ["What you might notice: the same items in a new order."]


# -- bad input: a message, exit 1, no traceback --------------------------------------------------------------------------
# The other bad files, each with its exact message, are cases in tests/bad_inputs/ (diff-*).
BAD_FILES: dict[str, tuple[bytes | None, str]] = {
    "nested-too-deeply": (b"[" * 100_000, "FILE: not a standards.json: nested too deeply"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_diff_refuses_a_file_that_is_not_a_standards_json(case: str, editions: dict[str, Path], tmp_path: Path) -> None:
    content, message = BAD_FILES[case]
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content)
    result = run_oap("diff", str(bad), str(editions["old"]))
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [message.replace("FILE", str(bad)), "1 problem found; no comparison was made."]


def test_build_with_a_bad_previous_file_changes_nothing(editions: dict[str, Path], tmp_path: Path) -> None:
    """The previous edition's file is checked before anything is written: exit 1, the last good site byte for byte."""
    site = tmp_path / "site"
    shutil.copytree(editions["after"], site)
    before = tree_digest(site)
    missing = tmp_path / "nope.json"
    result = run_oap("build", "--no-pdf", "--root", str(editions["root"]), "--out", str(site), "--previous", str(missing))
    assert (result.returncode, "Traceback" in result.stderr) == (1, False), result.stderr
    assert result.stderr.splitlines() == [
        f"{missing}: cannot read: the file does not exist; check the path",
        "1 problem found; nothing was written.",
    ]
    assert tree_digest(site) == before


def test_flag_and_environment_naming_different_files_is_an_error(editions: dict[str, Path], tmp_path: Path) -> None:
    result = run_oap(
        "build",
        "--no-pdf",
        "--root",
        str(editions["root"]),
        "--out",
        str(tmp_path / "site"),
        "--previous",
        "a.json",
        env={"OAP_PREVIOUS": "b.json"},
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "oap build: --previous a.json and OAP_PREVIOUS=b.json name different files (give one of them, or the same file in both); nothing was changed."
    ]
    assert not (tmp_path / "site").exists()


# -- the site: the changes page and the labels ---------------------------------------------------------------------------
def test_changes_page_says_what_changed_by_area(editions: dict[str, Path]) -> None:
    """What a reader sees: counts, each area's new, changed and removed standards, and each change in words."""
    changes = page(editions["after"], "changes")
    intro = changes.section("what-changed-in-this-edition")
    assert "New standards: 1 Changed standards: 2 Removed standards: 1" in intro
    assert changes.section("whole-setting-expectations") == "Whole-setting expectations"  # its standards follow as h3
    assert changes.section("a-quiet-base-at-break-and-lunch") == (
        "A quiet base at break and lunch Removed from this edition. Secondary, targeted tier. It is no longer part of these standards."
    )
    assert changes.section("change-cl-pri-fixture-word-wall") == (
        "A word wall <em>in every</em> classroom New in this edition. Primary, universal tier. "
        "Read the standard: A word wall <em>in every</em> classroom"
    )
    assert changes.section("change-cl-pri-fixture-reading-boost") == (
        "Daily reading boost Changed in this edition. Primary, targeted tier. Read the standard: Daily reading boost What changed: "
        'Adjustments: added "Read instructions aloud as well as writing them". Who pays: removed "Notional SEN budget".'
    )
    assert changes.section("change-cl-pri-fixture-literacy-outreach") == (
        "Visits from a <script>alert(1)</script> *outreach* teacher Changed in this edition. Primary, targeted plus tier. "
        "Read the standard: Visits from a <script>alert(1)</script> *outreach* teacher What changed: "
        'Title: was "Visits from a literacy outreach teacher", now '
        '"Visits from a <script>alert(1)</script> *outreach* teacher". Who provides: added "Teaching assistant".'
    )
    # Only review dates changed: listed apart, not as a change to what the standard says.
    assert "A calm, predictable classroom" in changes.section("reviewed-with-no-change-to-what-they-say")
    html = (editions["after"] / "changes/index.html").read_text(encoding="utf-8")
    order = [html.index(f'id="{i}"') for i in ("whole-setting-expectations", "cognition-and-learning")]
    assert order == sorted(order), "areas in the vocabulary's order"
    assert 'href="../standards/cognition-and-learning/primary/#cl-pri-fixture-reading-boost"' in html
    assert "What changed in this edition" in (editions["after"] / "index.html").read_text(encoding="utf-8")  # in the nav


def test_a_title_with_markup_is_text_on_the_changes_page(editions: dict[str, Path]) -> None:
    html = (editions["after"] / "changes/index.html").read_text(encoding="utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    assert "<script>alert" not in article and "<em>in every" not in article
    assert "&lt;script&gt;alert(1)&lt;/script&gt; *outreach*" in article
    assert "&lt;em&gt;in every&lt;/em&gt;" in article


def test_the_changes_page_explains_its_acronyms(tmp_path: Path) -> None:
    """The page is for families as well as teachers: as on the families' pages, an acronym quoted from the data links
    to its glossary entry (its first use) and carries its expansion."""
    from builder import pipeline
    from builder.opendata import standards_doc

    root = fixture_project(tmp_path / "project")
    edition = pipeline.gather(root)
    old = json.loads(json.dumps(standards_doc(edition)))
    old["standards"][0]["title"] = "An EHC plan in every classroom"
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    page = pipeline.render(pipeline.gather(root, previous=tmp_path / "old.json")).pages["changes.md"]
    assert 'Title: was "An [<abbr title="Education, health and care plan">EHC</abbr>](/glossary.md#ehcp) plan' in page


def test_the_format_version_is_one_number_the_files_and_the_page_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """standards.json writes, and the Open data page states, the format_version `oap diff` reads (builder.changes):
    raising it there raises it everywhere, so a build's own file never becomes one its oap refuses."""
    from builder import changes, pipeline

    monkeypatch.setattr(changes, "FORMAT_VERSION", 7)
    out = pipeline.render(pipeline.gather(fixture_project(tmp_path / "project")))
    assert json.loads(out.files["data/standards.json"])["format_version"] == 7
    assert "`format_version`\n  (7) goes up only" in out.pages["data.md"]


def test_new_and_changed_standards_are_labelled_where_they_appear(editions: dict[str, Path]) -> None:
    """A label in words, linking to what changed; none on a standard whose review date alone moved, or unchanged."""
    cell = page(editions["after"], "standards/cognition-and-learning/primary")
    assert "New in this edition" in cell.section("cl-pri-fixture-word-wall")
    for ident in ("cl-pri-fixture-reading-boost", "cl-pri-fixture-literacy-outreach"):
        assert "Changed in this edition" in cell.section(ident)
    calm = page(editions["after"], "standards/whole-setting/primary").section("ws-pri-fixture-calm-classroom")
    assert "in this edition" not in calm
    families = page(editions["after"], "families/primary")
    assert "Changed in this edition" in families.section("cl-pri-fixture-reading-boost")
    assert "New in this edition" in families.section("cl-pri-fixture-word-wall")
    assert "in this edition" not in families.section("ws-pri-fixture-calm-classroom")
    html = (editions["after"] / "standards/cognition-and-learning/primary/index.html").read_text(encoding="utf-8")
    assert 'class="oap-change-badge" href="../../../changes/#change-cl-pri-fixture-reading-boost">Changed in this edition</a>' in html


def test_the_print_documents_label_new_and_changed_standards(editions: dict[str, Path]) -> None:
    """The teachers' and families' guides (print HTML, as the PDFs are made from it) carry the same labels."""
    from builder.pipeline import gather
    from builder.printdocs import print_documents

    docs = {d.name: d.html for d in print_documents(gather(editions["root"], previous=editions["old"]))}
    for name in ("teachers-primary.pdf", "families-primary.pdf", "handbook.pdf"):
        html = docs[name]
        for ident, label in [("cl-pri-fixture-word-wall", "New"), ("cl-pri-fixture-reading-boost", "Changed")]:
            start = html.index(f'id="std-{ident}"')
            assert f"<strong>{label} in this edition</strong>" in html[start : html.index("</section>", start)], (name, ident)
        start = html.index('id="std-ws-pri-fixture-calm-classroom"')
        assert "in this edition" not in html[start : html.index("</section>", start)], name
    assert "in this edition</strong>" not in "".join(d.html for d in print_documents(gather(editions["root"])))


def test_a_council_edition_compared_with_the_national_one(editions: dict[str, Path]) -> None:
    """A council's local standard is new, and its note under a national standard is a change to that standard."""
    from builder.pipeline import gather

    from .test_rendering import COUNCIL

    changes = gather(editions["root"], COUNCIL, previous=editions["old"]).changes
    assert changes is not None
    assert [e.id for e in changes.added] == ["cl-pri-fixture-word-wall", "brackenford-pri-fixture-paired-reading"]
    notes = {c.entry.id: [f for f in c.fields if f.field == "local_notes"] for c in changes.changed}
    (note,) = notes["cl-pri-fixture-reading-boost"]
    assert note.sentence().startswith('Local notes: added "') and changes.mark("cl-pri-fixture-reading-boost") == "changed"


def test_without_previous_no_changes_page_or_labels(editions: dict[str, Path]) -> None:
    before = editions["before"]
    assert not (before / "changes").exists() and not (before / "data/changes.json").exists()
    assert "What changed" not in (before / "index.html").read_text(encoding="utf-8")
    assert "in this edition" not in page(before, "standards/cognition-and-learning/primary").text


def test_every_standard_still_names_who_provides_and_who_pays(editions: dict[str, Path]) -> None:
    data = json.loads((editions["after"] / "data/standards.json").read_text(encoding="utf-8"))
    assert data["format_version"] == 1
    assert all(s["who_provides"] and s["who_pays"] for s in data["standards"])
    cell = page(editions["after"], "standards/cognition-and-learning/primary").section("cl-pri-fixture-word-wall")
    assert "Who provides Who pays Class teacher School core budget" in cell


def test_plain_mkdocs_takes_the_previous_edition_from_oap_previous(editions: dict[str, Path], tmp_path: Path) -> None:
    """`mkdocs build` (the plugin's own route) with OAP_PREVIOUS publishes the same page."""
    env = {**os.environ, "OAP_PREVIOUS": str(editions["old"]), "OAP_NO_PDF": "1", "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=editions["root"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "changes/index.html").read_bytes() == (editions["after"] / "changes/index.html").read_bytes()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "name", "markdown", "text", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
STANDARD = st.fixed_dictionaries(
    {"id": st.sampled_from(["s-1", "s-2"]), "title": st.text(min_size=1, max_size=8)},
    optional={k: JSON for k in ("area", "who_pays", "adjustments", "what_may_change", "local_notes", "novel_field")},
)


@settings(max_examples=200, deadline=None)
@given(old=st.lists(STANDARD, max_size=2, unique_by=lambda s: s["id"]), new=st.lists(STANDARD, max_size=2, unique_by=lambda s: s["id"]))
def test_any_two_files_of_the_known_shape_compare_without_error(old: list[dict[str, object]], new: list[dict[str, object]]) -> None:
    """Whatever values the fields hold (the previous file is not checked as sources are), the comparison, its text and
    its JSON are made without an error, and a file compared with itself has no differences."""
    from builder.changes import check_shape, compare

    a, problems_a = check_shape({"schema": "standards-file.schema.json", "standards": old}, "old")
    b, problems_b = check_shape({"schema": "standards-file.schema.json", "standards": new}, "new")
    assert a is not None and b is not None, problems_a + problems_b
    changes = compare(a, b)
    changes.text()
    json.dumps(changes.as_json())
    assert {e.id for e in changes.added} == {s["id"] for s in new} - {s["id"] for s in old}
    assert not compare(a, a).any


def test_the_changes_page_and_labels_pass_axe(editions: dict[str, Path], browser: Any) -> None:
    """axe-core (WCAG 2.2 AA) finds nothing on the changes page, a page with labels, and a families page with labels."""
    from .test_browser import AXE, axe_violations

    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    tab = browser.new_page()
    try:
        for path in ("changes", "standards/cognition-and-learning/primary", "families/primary"):
            tab.goto((editions["after"] / path / "index.html").as_uri())
            assert axe_violations(tab) == [], path
    finally:
        tab.close()

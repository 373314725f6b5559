"""Quantified provision: the typical annual cost per pupil (builder/cost.py), checked against the payers by the real
`oap check`, priced at a council's local rate in its edition, and shown on the pages and in open data."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import markdown
import pytest

from builder import cost, overlay, supportplan
from builder.edition import Edition
from builder.model import Fact, Provision, Rate
from builder.opendata import standards_json
from builder.pipeline import gather
from builder.project import load_corpus
from builder.web import Renderer

from .conftest import FIXTURE_STANDARD, ROOT, make_project, run_oap

RATE = Rate(
    id="teaching-assistant-hour",
    name="Teaching assistant, an hour",
    providers=("teaching-assistant",),
    amount=13.98,
    covers="An hour.",
    applies="2026-27",
    source="A test.",
    review_by=dt.date(2027, 1, 1),
)


def record(**kw: Any) -> Provision:
    base: dict[str, Any] = {
        "provider": "teaching-assistant",
        "group": "one-to-one",
        "sessions_per_week": (5, 5),
        "minutes_per_session": (20, 20),
        "weeks_per_year": (38, 38),
        "basis": "A test.",
    }
    return Provision(**{**base, **kw})


# -- the one function, against figures worked out by hand -----------------------------------------------------------------
def test_one_to_one_twenty_minutes_a_day_for_a_school_year_matches_the_hand_figure() -> None:
    """20 minutes a day, 5 days a week, 38 weeks: 3,800 minutes, which is 63 hours 20 minutes. At £13.98 an hour that is
    63 x £13.98 = £880.74, plus 20 minutes = £4.66, so £885.40: £885 to the nearest pound."""
    low, high = cost.record_cost(record(), 13.98) or (None, None)
    assert low == high == Decimal("885.40")
    assert cost.whole_pounds(low) == 885
    # At a round rate the hand figure is exact: 3,800 minutes at £12.00 an hour is £760.
    assert cost.record_cost(record(), 12) == (Decimal(760), Decimal(760))


def test_a_small_group_shares_the_session_and_a_range_gives_a_range() -> None:
    """3 to 5 sessions of 15 to 20 minutes for 12 to 38 weeks, shared by 2 to 4 pupils, at £12 an hour:
    low 12 x 15/60 x 3 x 12 / 4 = £27; high 12 x 20/60 x 5 x 38 / 2 = £380."""
    small = record(group="small-group", group_size=(2, 4), sessions_per_week=(3, 5), minutes_per_session=(15, 20), weeks_per_year=(12, 38))
    assert cost.record_cost(small, 12) == (Decimal(27), Decimal(380))


def test_whole_class_provision_has_no_per_pupil_cost() -> None:
    assert cost.record_cost(record(group="whole-class"), 13.98) is None


def test_rounding_is_once_on_the_total_halves_up() -> None:
    """Two records of £0.25 each (1 minute a week for 1 week at £15 an hour): rounded each, £0 + £0; the total £0.50
    rounds up to £1. A standard is rounded once, at the end."""
    tiny = record(sessions_per_week=(1, 1), minutes_per_session=(1, 1), weeks_per_year=(1, 1))
    rates = {"r": Rate(**{**RATE.__dict__, "amount": 15})}
    corpus = load_corpus(make_project_with_provision(Path(_tmp()), [_yaml(tiny), _yaml(tiny)]))
    standard = corpus.standards[0]
    assert cost.standard_cost(standard, rates) == cost.Cost(1, 1)
    assert cost.whole_pounds(Decimal("0.49")) == 0 and cost.whole_pounds(Decimal("2.5")) == 3


def test_a_record_with_no_sourced_rate_leaves_the_cost_not_worked_out() -> None:
    corpus = load_corpus(make_project_with_provision(Path(_tmp()), [_yaml(record()), _yaml(record(provider="class-teacher"))]))
    assert cost.standard_cost(corpus.standards[0], {"r": RATE}) is None  # a part-sum would understate it
    assert cost.standard_cost(corpus.standards[0], {}) is None


# -- the payer check, by the real `oap check` -------------------------------------------------------------------------------
_tmp_counter = iter(range(10_000))
_tmp_root: list[Path] = []


@pytest.fixture(autouse=True)
def _tmp_folder(tmp_path: Path) -> None:
    _tmp_root[:] = [tmp_path]


def _tmp() -> Path:
    return _tmp_root[0] / f"p{next(_tmp_counter)}"


def _yaml(rec: Provision) -> str:
    lines = [f"      - provider: {rec.provider}", f"        group: {rec.group}"]
    if rec.group == "small-group":
        lines.append(f"        group_size: [{rec.group_size[0]:g}, {rec.group_size[1]:g}]")
    for name in ("sessions_per_week", "minutes_per_session", "weeks_per_year"):
        low, high = getattr(rec, name)
        lines.append(f"        {name}: [{low:g}, {high:g}]")
    lines.append(f"        basis: {rec.basis}")
    return "\n".join(lines)


def make_project_with_provision(
    tmp: Path, records: list[str], *, tier: str = "targeted", who_pays: str = "school-core-budget", extra: str = ""
) -> Path:
    """The fixture standard with a teaching assistant and the given provision records (the list starts on line 16)."""
    text = FIXTURE_STANDARD.replace("who_provides: [class-teacher]", "who_provides: [class-teacher, teaching-assistant]")
    text = text.replace("tier: targeted", f"tier: {tier}").replace(
        "who_pays: [school-core-budget]", f"who_pays: [{who_pays}]{extra}\n    provision:\n" + "\n".join(records)
    )
    return make_project(tmp, {"standards/cognition-and-learning/primary.yaml": text})


FULL_TIME = record(sessions_per_week=(5, 5), minutes_per_session=(330, 330), weeks_per_year=(38, 38))
"""A teaching assistant one-to-one all day (5 hours 30 minutes), 5 days a week, 38 weeks: £13.98 x 5.5 x 5 x 38 = £14,609."""


def test_a_cost_above_the_threshold_without_element_3_is_a_located_problem(tmp_path: Path) -> None:
    root = make_project_with_provision(tmp_path / "over", [_yaml(FULL_TIME)])
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "standards/cognition-and-learning/primary.yaml:16:7: standards[0].provision: the typical annual cost per pupil, £14,609, "
        "is above the £6,000 threshold (2026-27, fact sen-support-threshold) that a school meets from its own budget, "
        "so name high-needs-top-up in who_pays or the education, health and care (EHC) plan route in access_route"
    ) in result.stderr


def test_element_3_or_the_ehc_plan_route_lets_the_cost_pass(tmp_path: Path) -> None:
    route = "\n    access_route: The council agrees an education, health and care plan after a needs assessment."
    for name, kw in {
        "top-up": {"tier": "specialist", "who_pays": "school-core-budget, high-needs-top-up", "extra": route},
        "ehc-route": {"tier": "targeted-plus", "extra": route},
    }.items():
        root = make_project_with_provision(tmp_path / name, [_yaml(FULL_TIME)], **kw)
        result = run_oap("check", "--root", str(root))
        assert result.returncode == 0, (name, result.stderr)


def test_universal_provision_carries_no_per_pupil_cost(tmp_path: Path) -> None:
    root = make_project_with_provision(tmp_path / "u", [_yaml(record())], tier="universal")
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1
    assert (
        "primary.yaml:17:16: standards[0].provision[0].group: universal provision carries no per-pupil cost or top-up: "
        "one-to-one support belongs in a targeted or higher standard"
    ) in result.stderr


# -- a council's local rate, in its edition --------------------------------------------------------------------------------
COUNCIL = """\
name: Testshire Council
slug: testshire
fictional: true
branding:
  primary_colour: "#1d4f91"
contacts:
  - name: Testshire SEND team
    role: send-team
    email: send@example.invalid
local_rates:
  - rate: teaching-assistant-hour
    amount: 20
    applies: 2026-27
    source: Testshire Council schools' costing guidance (fictional)
"""


def test_a_councils_local_rate_overrides_the_national_one(tmp_path: Path) -> None:
    """The same provision (3,800 minutes a year): £885 at the national £13.98, £1,267 at Testshire's £20
    (63 1/3 hours x £20 = £1,266.67)."""
    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    corpus = load_corpus(root)
    standard = corpus.standards[0]
    national = Edition.of(corpus)
    assert national.cost(standard) == cost.Cost(885, 885)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL, encoding="utf-8")
    local = Edition.of(corpus, overlay.load_overlay(tmp_path / "c", corpus))
    assert local.cost(standard) == cost.Cost(1267, 1267)
    assert local.rates["teaching-assistant-hour"].local and not national.rates["teaching-assistant-hour"].local
    assert national.cost(standard) == cost.Cost(885, 885)  # the national edition keeps the national rate
    data = json.loads(standards_json(local))
    assert data["standards"][0]["typical_annual_cost_per_pupil"]["low"] == 1267
    assert [r["amount"] for r in data["rates"] if r["id"] == "teaching-assistant-hour"] == [20]
    page = Renderer(local).render().pages["standards/cognition-and-learning/primary.md"]
    assert "£1,267" in page and "local to Testshire Council" in page and "£885" not in page


def test_a_local_rate_must_name_a_national_rate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = load_corpus(make_project(tmp_path / "n"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL.replace("rate: teaching-assistant-hour", "rate: ta-hour"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(overlay.OapError) as caught:
        overlay.load_overlay(Path("c"), corpus)
    known = ", ".join(corpus.vocab.rates)
    assert [str(p) for p in caught.value.problems] == [
        f"c/council.yaml:11:11: local_rates[0].rate: unknown rate 'ta-hour' (known rates: {known})"
    ]


def test_a_local_rate_that_pushes_a_national_standard_over_the_threshold_is_a_located_warning(tmp_path: Path) -> None:
    """The same 3,800 minutes a year: £885 at the national £13.98, under the threshold, so `oap check` passes nationally.
    At a council's £100 an hour it is £6,333 (63 1/3 hours x £100), above the £6,000 threshold, and the standard
    names neither element 3 nor the EHC plan route: the council's edition still checks (a council cannot change
    national payers), with a warning located at the council's rate that names the standard, both costs and the
    threshold."""
    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL.replace("amount: 20", "amount: 100"), encoding="utf-8")
    national = run_oap("check", "--root", str(root), cwd=tmp_path)
    assert national.returncode == 0 and "warning" not in national.stderr, national.stderr
    local = run_oap("check", "--root", str(root), "--council", "c", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    assert "Traceback" not in local.stderr
    assert local.stderr.splitlines() == [
        "warning: c/council.yaml:12:13: local_rates[0].amount: at £100 an hour, the typical annual cost per pupil of "
        "national standard 'cl-pri-fixture-one' (standards/cognition-and-learning/primary.yaml:3) is £6,333 in this "
        "edition, above the £6,000 threshold a school meets from its own budget (nationally £885); its payers name "
        "neither high-needs-top-up nor the EHC plan route, and a council cannot change them: say how top-up funding "
        "works locally for it in a note under notes.cl-pri-fixture-one, or check the rate"
    ]
    make_project(root, {}, site=True)  # the site's files, so the council's edition builds: `oap build` warns the same
    built = run_oap("build", "--no-pdf", "--quiet", "--root", str(root), "--council", "c", "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert [line for line in built.stderr.splitlines() if line.startswith("warning:")] == local.stderr.splitlines()
    # At £20 an hour (£1,267) there is nothing to say.
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL, encoding="utf-8")
    quiet = run_oap("check", "--root", str(root), "--council", "c", cwd=tmp_path)
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr


def test_a_local_standard_is_checked_against_its_payers_at_the_councils_rates(tmp_path: Path) -> None:
    """A council's own standard is the council's to fix: at its £100 an hour the same provision costs £6,333, above
    the threshold its payers can meet, and that is an error located at the local standard (£885 nationally passes)."""
    root = make_project(tmp_path / "n")
    standard = (
        make_project_with_provision(tmp_path / "s", [_yaml(record())])
        .joinpath("standards/cognition-and-learning/primary.yaml")
        .read_text(encoding="utf-8")
    )
    body = standard.split("standards:\n", 1)[1].replace("id: cl-pri-fixture-one", "id: testshire-fixture-one")
    (tmp_path / "c").mkdir()
    for amount, code in (("20", 0), ("100", 1)):
        text = COUNCIL.replace("amount: 20", f"amount: {amount}") + "local_standards:\n" + body
        (tmp_path / "c" / "council.yaml").write_text(text, encoding="utf-8")
        result = run_oap("check", "--root", str(root), "--council", "c", cwd=tmp_path)
        assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert "local_standards[0].provision: the typical annual cost per pupil, £6,333, is above the £6,000 threshold" in result.stderr


# -- shown on the pages and in open data --------------------------------------------------------------------------------
def test_the_national_edition_shows_provision_and_its_cost() -> None:
    edition = gather(ROOT)
    quantified = [s for s in edition.corpus.standards if s.provision]
    assert quantified, "no national standard is quantified"
    s = next(s for s in quantified if s.id == "cl-pri-phonics-and-fluency-boost")
    total = edition.cost(s)
    assert total is not None
    pages = Renderer(edition).render().pages
    page = pages[f"standards/{s.area}/{s.phase}.md"]
    assert f"**Typical annual cost per pupil:** {total.text()}" in page
    assert "never a cap and never an entitlement" in page
    families = pages[f"families/{s.phase}.md"]
    assert "**Typical support:** Teaching assistant" in families
    data = json.loads(standards_json(edition))
    item = next(i for i in data["standards"] if i["id"] == s.id)
    assert item["typical_annual_cost_per_pupil"]["low"] == total.low
    assert item["provision"][0]["rate"] == "teaching-assistant-hour"


# -- review fixes: the payer check is not fooled --------------------------------------------------------------------------
SECTION_36_8 = (
    "A parent can ask the council for an education, health and care (EHC) needs assessment at any time under section 36 "
    "of the Children and Families Act 2014. The council must carry out the assessment if the pupil has or may have "
    "special educational needs and it may be necessary for provision to be made through an EHC plan (section 36(8)); "
    "no diagnosis is needed."
)
"""The right to ask for an assessment, as most targeted-plus access routes state it: it is not the route to this support."""


@pytest.mark.parametrize(
    "route",
    [
        SECTION_36_8,
        "The school arranges it from its own budget; no EHC plan is needed.",
        "This support is given without an education, health and care plan.",
        "The pupil does not need an EHCP for this.",
        "Schools never wait for an EHC plan before starting it.",
    ],
)
def test_an_access_route_that_only_mentions_a_plan_is_not_the_ehc_plan_route(route: str) -> None:
    """Seen in the data: 'no EHC plan is needed' and the section 36(8) test passed the payer check as if the support
    came through a plan."""
    assert not cost.names_ehc_plan_route(route)


@pytest.mark.parametrize(
    "route",
    [
        "The council agrees an education, health and care plan after a needs assessment.",
        "Most young people here already have an EHC plan, and transition is planned at annual reviews.",
        "It is set out in section F of the pupil's EHCP. " + SECTION_36_8,
    ],
)
def test_an_access_route_through_a_plan_is_the_ehc_plan_route(route: str) -> None:
    assert cost.names_ehc_plan_route(route)


def test_the_section_36_8_sentence_does_not_let_a_cost_above_the_threshold_pass(tmp_path: Path) -> None:
    route = "\n    access_route: " + SECTION_36_8
    root = make_project_with_provision(tmp_path / "s36", [_yaml(FULL_TIME)], tier="targeted-plus", extra=route)
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1, result.stderr
    assert "is above the £6,000 threshold" in result.stderr and "Traceback" not in result.stderr


def test_a_part_priced_cost_already_above_the_threshold_is_still_checked(tmp_path: Path) -> None:
    """A record with no rate leaves the cost not worked out, but the priced part is a floor: £14,609 of teaching
    assistant time is above the threshold whatever the class teacher's time costs. Before the fix the check was skipped."""
    unpriced = record(provider="class-teacher", sessions_per_week=(1, 1), minutes_per_session=(10, 10))
    root = make_project_with_provision(tmp_path / "part", [_yaml(FULL_TIME), _yaml(unpriced)])
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1, result.stderr
    assert (
        "standards[0].provision: the typical annual cost per pupil, at least £14,609 (some of the provision has no "
        "rate yet), is above the £6,000 threshold"
    ) in result.stderr
    # Under the threshold, the unpriced record still leaves the check to when its rate is added.
    small = make_project_with_provision(tmp_path / "small", [_yaml(record()), _yaml(unpriced)])
    assert run_oap("check", "--root", str(small)).returncode == 0


@pytest.mark.parametrize(("value", "pounds"), [("£6,000", 6000), ("£6,000 a year", 6000), ("£6000", 6000), ("£6,500.50", 6500)])
def test_the_threshold_is_read_from_the_facts_value_as_readers_see_it(value: str, pounds: int) -> None:
    """A value such as '£6,000 a year' once turned the payer check off without a word."""
    fact = Fact(id=cost.THRESHOLD_FACT, value=value, description="d", applies="2026-27", review_by=dt.date(2027, 1, 1), source="s")
    assert cost.threshold({cost.THRESHOLD_FACT: fact}) == pounds


def test_a_threshold_fact_with_no_amount_is_a_located_problem(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    facts = root / "standards" / "vocabularies" / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    start = text.index("- id: sen-support-threshold")
    line = text.index("value:", start)
    end = text.index("\n", line)
    facts.write_text(text[:line] + 'value: "six thousand pounds"' + text[end:], encoding="utf-8")
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "value: the payer check reads the threshold from this value, so it must be an amount in pounds" in result.stderr


def test_each_records_basis_is_its_own_bullet_and_the_legal_basis_is_not_in_the_list(tmp_path: Path) -> None:
    """Before the fix, trim_blocks ate the new line after each bullet's '{% endif %}': the bullets ran into one line and
    the last one swallowed **Legal basis** and **Evidence** on every quantified standard's page."""
    import markdown

    second = record(group="small-group", group_size=(2, 4), basis="A second basis.")
    corpus = load_corpus(make_project_with_provision(tmp_path / "b", [_yaml(record()), _yaml(second)]))
    page = Renderer(Edition.of(corpus)).render().pages["standards/cognition-and-learning/primary.md"]
    html = markdown.markdown(page, extensions=["tables", "attr_list", "md_in_html"])
    items = [li for li in html.split("<li>")[1:] if "A test." in li or "A second basis." in li]
    assert len(items) == 2, html
    assert all("Legal basis" not in li.split("</li>")[0] for li in items), html


def test_whole_class_only_provision_says_there_is_no_per_pupil_cost_not_that_a_rate_is_missing(tmp_path: Path) -> None:
    """A universal standard may only quantify whole-class provision. Before the fix its page said the cost was 'not
    worked out: a rate with a source is missing', which is untrue: whole-class provision has no per-pupil cost."""
    from builder.printdocs import PrintBuilder

    whole = record(group="whole-class")
    corpus = load_corpus(make_project_with_provision(tmp_path / "w", [_yaml(whole)], tier="universal"))
    edition = Edition.of(corpus)
    s = corpus.standards[0]
    page = Renderer(edition).env.get_template("_standard.md.j2").render(s=s)
    printed = PrintBuilder(edition).env.get_template("print/_standard.html.j2").render(s=s, hl=3)
    for text in (page, printed):
        assert "not costed" not in text.lower()
        assert "none: whole-class provision is part of ordinary teaching" in text.replace("\\", "")


def test_each_provision_basis_is_its_own_list_item_and_the_legal_basis_follows_the_list() -> None:
    """Two records, the first with no training: each basis is its own bullet, and the legal basis is a paragraph of
    its own after the list (a lost line break ran the bullets together and pulled the legal basis into the last)."""
    edition = gather(ROOT)
    s = next(s for s in edition.corpus.standards if s.id == "ci-ey-therapist-led-programme")
    assert len(s.provision) == 2 and not s.provision[0].training
    html = markdown.markdown(Renderer(edition).render().pages[f"standards/{s.area}/{s.phase}.md"])
    lists = [ul for ul in re.findall(r"<ul>.*?</ul>", html, re.S) if "Therapist time to assess" in ul]
    assert len(lists) == 1
    assert lists[0].count("<li>") == 2
    assert "Legal basis" not in lists[0]


# -- coverage: every targeted-or-higher national standard is quantified or says why not --------------------------------
def test_every_targeted_or_higher_national_standard_has_provision_or_a_reason() -> None:
    corpus = load_corpus(ROOT)
    above = [s for s in corpus.standards if s.tier != "universal" and not s.local]
    assert len(above) >= 170
    neither = [s.id for s in above if not s.provision and not s.not_quantified]
    assert not neither, f"quantify these or say why not (not_quantified): {neither}"
    both = [s.id for s in above if s.provision and s.not_quantified]
    assert not both, both


def test_a_reason_beside_provision_records_is_a_located_problem(tmp_path: Path) -> None:
    root = make_project_with_provision(tmp_path / "both", [_yaml(record())], extra="\n    not_quantified: An arrangement, not sessions.")
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "standards[0].not_quantified: this standard has provision records, so it needs no reason for having none" in result.stderr


def test_a_reason_on_a_universal_standard_is_a_located_problem(tmp_path: Path) -> None:
    text = FIXTURE_STANDARD.replace("tier: targeted", "tier: universal").replace(
        "who_pays: [school-core-budget]", "who_pays: [school-core-budget]\n    not_quantified: Part of ordinary teaching."
    )
    result = run_oap("check", "--root", str(make_project(tmp_path / "u", {"standards/cognition-and-learning/primary.yaml": text})))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "standards[0].not_quantified: universal standards are not quantified, so they need no reason" in result.stderr


def _readable(text: str) -> str:
    """A built file's text as a reader would see it: tags dropped, entities, JSON escapes and curly quotes undone,
    whitespace collapsed."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text).replace('\\"', '"')
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def test_the_reason_for_no_quantities_is_never_shown_to_families(national_site: Path) -> None:
    """not_quantified is a reviewer's note on the data, for `oap check` and the session notes: no reason appears on
    any page of the built site (families' pages and their support answers, teachers' pages) or in the support-plan
    data script."""
    edition = gather(ROOT)
    reasons = {" ".join(s.not_quantified.replace("\u2019", "'").split()) for s in edition.corpus.standards if s.not_quantified}
    assert len(reasons) > 10
    files = sorted(national_site.rglob("*.html")) + [national_site / supportplan.DATA_SCRIPT]
    assert len([f for f in files if f.relative_to(national_site).parts[:2] == ("families", "support")]) > 1  # the answer pages
    shown = {}
    for path in files:
        text = _readable(path.read_text(encoding="utf-8"))
        for reason in reasons:
            if reason in text:
                shown.setdefault(reason, str(path.relative_to(national_site)))
    assert shown == {}, shown


# -- review fixes (2026-11-29 evening) ------------------------------------------------------------------------------------
THERAPY = record(provider="speech-and-language-therapist", sessions_per_week=(5, 5), minutes_per_session=(60, 60), weeks_per_year=(38, 38))
"""An NHS therapist one-to-one an hour a day, 38 weeks: £80 x 190 hours = £15,200, none of it from the school's budget."""


def _with_therapist(tmp: Path, records: list[Provision], who_pays: str, *, tier: str = "targeted", extra: str = "") -> Path:
    root = make_project_with_provision(tmp, [_yaml(r) for r in records], who_pays=who_pays, tier=tier, extra=extra)
    path = root / "standards/cognition-and-learning/primary.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "who_provides: [class-teacher, teaching-assistant]",
        "who_provides: [class-teacher, teaching-assistant, speech-and-language-therapist, educational-psychologist]",
    )
    path.write_text(text, encoding="utf-8")
    return root


def test_nhs_therapist_time_does_not_count_toward_the_schools_threshold(tmp_path: Path) -> None:
    """(a) The threshold is what the school meets from its own budget: an NHS therapist's time is not paid from it."""
    root = _with_therapist(tmp_path / "nhs", [record(), THERAPY], "school-core-budget, icb-health")
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 0, result.stderr


def test_the_schools_own_staff_above_the_threshold_is_still_refused_beside_nhs_time(tmp_path: Path) -> None:
    root = _with_therapist(tmp_path / "both", [FULL_TIME, THERAPY], "school-core-budget, icb-health")
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        "standards[0].provision: the typical annual cost per pupil of the part the school pays (time paid by the NHS or a "
        "centrally funded council service left out), £14,609, is above the £6,000 threshold"
    ) in result.stderr


TRADED_EP = record(provider="educational-psychologist", sessions_per_week=(2, 2), minutes_per_session=(60, 60), weeks_per_year=(38, 38))
"""A school-bought educational psychologist 2 hours a week for 38 weeks: £80 x 76 hours = £6,080; with record()'s
teaching assistant (£885) the school's part is £6,965, over the threshold; the teaching assistant alone is not."""


def test_a_school_bought_psychologist_counts_toward_the_schools_threshold(tmp_path: Path) -> None:
    """Council time the school buys (a traded educational psychologist) is paid from the school's budget, so it counts:
    over the threshold it is refused unless element 3 or the EHC plan route is named. Naming an NHS payer does not
    take a council psychologist out; naming a centrally funded council service does. NHS therapy still never counts."""
    route = "\n    access_route: The council agrees an education, health and care plan after a needs assessment."
    school = "school-core-budget, notional-sen-budget"
    refused = {
        "school-budgets": _with_therapist(tmp_path / "school", [record(), TRADED_EP], school),
        "nhs-named": _with_therapist(tmp_path / "nhs", [record(), TRADED_EP, THERAPY], school + ", icb-health"),
    }
    for name, root in refused.items():
        result = run_oap("check", "--root", str(root))
        assert result.returncode == 1 and "Traceback" not in result.stderr, (name, result.stderr)
        assert "the typical annual cost per pupil" in result.stderr and "£6,965, is above the £6,000 threshold" in result.stderr, (
            name,
            result.stderr,
        )
    passes = {
        "top-up": _with_therapist(
            tmp_path / "top-up", [record(), TRADED_EP], school + ", high-needs-top-up", tier="specialist", extra=route
        ),
        "ehc-route": _with_therapist(tmp_path / "ehc", [record(), TRADED_EP], school, tier="targeted-plus", extra=route),
        "central": _with_therapist(
            tmp_path / "central", [record(), TRADED_EP, THERAPY], school + ", high-needs-central-services, icb-health"
        ),
    }
    for name, root in passes.items():
        result = run_oap("check", "--root", str(root))
        assert result.returncode == 0, (name, result.stderr)


def test_families_read_a_visiting_specialists_time_as_visits_a_year_not_weekly_sessions() -> None:
    """(b) An educational psychologist's time is a few visits a year: the families' page says so in those words."""
    edition = gather(ROOT)
    s = edition.corpus.by_id()["cl-pri-psychology-and-specialist-advice"]
    families = " ".join(Renderer(edition).render().pages[f"families/{s.phase}.md"].split())
    line = families[families.index(s.title) :]
    line = line[line.index("**Typical support:**") :][:400]
    # The record is 6 to 16 hours a year including preparation and write-up (QUANTITIES.md): never "each 3 to 4 hours".
    assert (
        "EP</abbr>\\), about 6 to 16 hours of their time a year in all, which can include preparation and writing up, "
        "usually over 2 to 4 visits"
    ) in line, line
    assert "each" not in line.split("visits", 1)[0], line
    assert "session a week" not in line and "sessions a week" not in line, line
    # the setting's own staff keep their weekly wording
    assert "3 sessions a week of 20 minutes, 12 to 38 weeks a year" in families


def test_the_teachers_table_says_each_quantity_with_its_unit_a_visit_never_read_as_a_years_total() -> None:
    """A visiting specialist's row read '2 to 4 visits a year | 180 to 240 minutes | Spread through the year': the
    minutes looked like the year's total. Each cell now says what it counts, on the web page and in print."""
    from builder.printdocs import PrintBuilder

    edition = gather(ROOT)
    s = edition.corpus.by_id()["cl-pri-psychology-and-specialist-advice"]
    web = Renderer(edition).env.get_template("_standard.md.j2").render(s=s)
    printed = PrintBuilder(edition).env.get_template("print/_standard.html.j2").render(s=s, hl=3)
    # never the length of each visit: the specialist's time counts preparation and the written report (visits_text)
    visit = ("2 to 4 visits a year", "Varies by visit", "6 to 16 hours of their time in all, preparation and writing up included")
    assert "| " + " | ".join(visit) + " |" in web, web
    assert "<td>" + "</td><td>".join(visit) + "</td>" in printed
    assert "Spread through the year" not in web + printed and "each visit" not in web + printed
    weekly = edition.corpus.by_id()["ci-pri-speech-sounds"]
    row = Renderer(edition).env.get_template("_standard.md.j2").render(s=weekly)
    assert re.search(r"\| [0-9 to]+ sessions? a week \| [0-9 to]+ minutes each session \| [0-9 to]+ weeks a year \|", row), row


def test_the_pdf_shows_each_records_basis_and_its_staff_training_as_the_web_page_does(tmp_path: Path) -> None:
    """(c) The print standard carried the table and the cost but dropped each record's basis and training."""
    from builder.printdocs import PrintBuilder

    trained = record(basis="A basis only the records carry.", training="Training in the programme the school uses.")
    second = record(group="small-group", group_size=(2, 4), basis="A second basis.")
    lines = [_yaml(trained) + "\n        training: Training in the programme the school uses.", _yaml(second)]
    corpus = load_corpus(make_project_with_provision(tmp_path / "p", lines))
    edition = Edition.of(corpus)
    s = corpus.standards[0]
    printed = PrintBuilder(edition).env.get_template("print/_standard.html.j2").render(s=s, hl=3)
    web = Renderer(edition).env.get_template("_standard.md.j2").render(s=s)
    for text in (web.replace("\\", ""), printed):
        assert "A basis only the records carry." in text
        assert "Training: Training in the programme the school uses." in text
        assert "A second basis." in text
    items = re.findall(r"<li>.*?</li>", printed, re.S)
    assert sum("A second basis." in li for li in items) == 1 and sum("A basis only" in li for li in items) == 1


def test_a_cost_that_rounds_to_nothing_never_reads_as_0_pounds() -> None:
    """(d) £0 reads as free, or as a cost nobody worked out."""
    assert cost.Cost(0, 0).text() == "less than £1"
    assert cost.Cost(0, 3).text() == "less than £1 to £3"
    assert "£0" not in cost.Cost(0, 0).text()


def test_a_cost_not_worked_out_says_not_costed_and_why_on_the_web_in_print_and_in_open_data(tmp_path: Path) -> None:
    """(d) A record with no sourced rate: the page, the PDF and the open data say it is not costed, name the role
    that has no rate, and never show £0."""
    from builder.printdocs import PrintBuilder

    unpriced = record(provider="class-teacher", basis="A teacher's time.")
    corpus = load_corpus(make_project_with_provision(tmp_path / "n", [_yaml(record()), _yaml(unpriced)]))
    edition = Edition.of(corpus)
    s = corpus.standards[0]
    assert edition.cost(s) is None
    web = Renderer(edition).env.get_template("_standard.md.j2").render(s=s).replace("\\", "")
    printed = PrintBuilder(edition).env.get_template("print/_standard.html.j2").render(s=s, hl=3)
    for text in (web, printed):
        assert "not costed: no hourly rate with a published source has been found yet for class teacher" in text
        assert "Not costed (no sourced rate for this role yet)" in text
        assert "£0" not in text
    item = json.loads(standards_json(edition))["standards"][0]
    assert "typical_annual_cost_per_pupil" not in item or item["typical_annual_cost_per_pupil"] is None
    assert item["cost_not_worked_out"].startswith("not costed: no hourly rate with a published source")


def test_the_new_cost_note_alone_does_not_mark_a_standard_as_changed() -> None:
    """cost_not_worked_out first appears in open data with this version: that alone is not a change to what a
    standard says, so the site does not mark every unpriced standard 'changed' against the previous edition."""
    from builder.changes import compare

    def doc(**fields: object) -> dict[str, object]:
        item = {"id": "s-1", "title": "T", "area": "a", "phase": "p", **fields}
        return {"schema": "standards-file.schema.json", "standards": [item], "facts": []}

    changes = compare(doc(), doc(cost_not_worked_out="not costed: no hourly rate ... for class teacher"))
    (c,) = changes.changed
    assert not c.says_something_new and changes.mark("s-1") is None


def test_quantities_md_types_none_of_the_projects_own_money_figures() -> None:
    """QUANTITIES.md keeps quantities and bases only: a rate, a cost or the threshold typed there would drift from
    rates.yaml, facts.yaml and builder/cost.py. The only amounts it may hold are other bodies' published prices, quoted
    as evidence in the staff time rates table."""
    text = (ROOT / "QUANTITIES.md").read_text(encoding="utf-8")
    rates_table = text.split("## Staff time rates", 1)[1].split("\n## ", 1)[0]
    assert "£" not in text.replace(rates_table, ""), [line for line in text.replace(rates_table, "").splitlines() if "£" in line]
    edition = gather(ROOT)
    limit = cost.threshold(edition.vocab.facts)
    ours = {Decimal(str(r.amount)) for r in edition.vocab.rates.values()} | {Decimal(limit or 0)}
    # an amount is one with "£" or a source's own field name for it (Bristol's "CostPerHour 13.98" has no "£")
    quoted = {Decimal(a.replace(",", "")) for a in re.findall(r"(?:£|CostPerHour)\s*(\d[\d,]*(?:\.\d+)?)", rates_table)}
    assert quoted, "the published prices quoted as evidence are gone: check this test still guards something"
    assert not quoted & ours, sorted(quoted & ours)

"""A school's edition (builder/school.py): `oap check --school`, `oap build --school` and `oap new-school`, run as the
real command line on the fictional example school and on broken copies of it.

One build of the example school (the `built` fixture) is shared by the tests that read its output.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, run_oap
from .test_cost import COUNCIL, _yaml, make_project_with_provision, record

EXAMPLE = ROOT / "examples" / "hollins-vale-primary"
PAGES = ("index.html", "inclusion-strategy.html", "provision-map.html", "sen-information-report.html")
PDFS = ("inclusion-strategy.pdf", "provision-map.pdf", "sen-information-report.pdf")
NOT_CAPS = "they are not caps, limits or entitlements"
NOT_GOVERNMENT = "they are not the government&#39;s"
FUNDING_NAMES = {"imf": "Inclusive mainstream fund (IMF)", "notional-sen-budget": "Notional SEN budget", "core-budget": "Core budget"}
LOCATED = re.compile(r"^(?P<path>[^:\n]+school\.yaml):(?P<line>\d+):(?P<col>\d+): (?P<field>[^:]+): (?P<message>.+)$", re.M)


def pounds(n: int) -> str:
    return f"£{n:,}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example school, built once with the real `oap build --school`."""
    out = tmp_path_factory.mktemp("school") / "site"
    result = run_oap("build", "--school", str(EXAMPLE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EXAMPLE / "school.yaml").read_text(encoding="utf-8"))
    return data


def copy_example(tmp: Path, edit: Any = None) -> Path:
    """The example school copied to tmp/school, its school.yaml text passed through edit."""
    folder = tmp / "school"
    shutil.copytree(EXAMPLE, folder)
    if edit is not None:
        path = folder / "school.yaml"
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


# -- the example builds end to end --------------------------------------------------------------------------------------
def test_the_example_school_builds_every_document_and_each_page_says_what_the_figures_are(built: Path) -> None:
    names = sorted(p.name for p in built.iterdir())
    data = ["inclusion-strategy.csv", "inclusion-strategy.json", "provision-map.csv", "provision-map.json"]
    assert names == sorted([*PAGES, *data, *PDFS, ".oap-build"])
    for name in PAGES:
        html = (built / name).read_text(encoding="utf-8")
        assert NOT_CAPS in html, name
        assert NOT_GOVERNMENT in html, name
        assert "Hollins Vale Primary School (fictional) is fictional" in html, name
        assert "<script" not in html and "<link" not in html and " src=" not in html, name  # loads nothing, runs nothing


def by_hand(sid: str, pupils: int) -> tuple[int, int]:
    """A line's cost worked out here, not by the builder: straight from the standard's YAML and rates.yaml, rate x hours
    a session x sessions a week x weeks / pupils sharing, low end with the largest group, summed over the records,
    times the pupils, then rounded once (halves up)."""
    standard = next(
        s
        for path in sorted((ROOT / "standards").glob("*/*.yaml"))
        for s in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("standards", [])
        if s["id"] == sid
    )
    rates = yaml.safe_load((ROOT / "standards" / "vocabularies" / "rates.yaml").read_text(encoding="utf-8"))["rates"]
    low = high = Decimal(0)
    for r in standard["provision"]:
        if r["group"] not in ("one-to-one", "small-group"):
            continue
        (rate,) = (
            [x["amount"] for x in rates if x["id"] == r["rate"]]
            if r.get("rate")
            else [x["amount"] for x in rates if r["provider"] in x["providers"]]
        )
        ends = {k: (v, v) if not isinstance(v, list) else v for k, v in r.items()}  # a single figure is its own range
        g_lo, g_hi = ends["group_size"] if r["group"] == "small-group" else (1, 1)
        minutes, sessions, weeks = ends["minutes_per_session"], ends["sessions_per_week"], ends["weeks_per_year"]
        d = lambda x: Decimal(str(x))  # noqa: E731
        low += d(rate) * d(minutes[0]) / 60 * d(sessions[0]) * d(weeks[0]) / d(g_hi)
        high += d(rate) * d(minutes[1]) / 60 * d(sessions[1]) * d(weeks[1]) / d(g_lo)
    return tuple(int((x * pupils).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for x in (low, high))  # type: ignore[return-value]


def test_by_hand_gives_the_phonics_figures_worked_on_paper() -> None:
    """Phonics and fluency boost, a teaching assistant at £13.98 an hour. Low: 15 minutes, 3 a week, 12 weeks, in fours:
    13.98 x 0.25 x 3 x 12 / 4 = £31.455 a pupil; high: 20 minutes, 5 a week, 38 weeks, in twos: 13.98 x 190/6 =
    £442.70 a pupil. For 12 pupils: £377.46 and £5,312.40, so £377 to £5,312 (rounding per pupil first gives £372 to
    £5,316)."""
    assert by_hand("cl-pri-phonics-and-fluency-boost", 12) == (377, 5312)


def test_each_offered_standard_is_in_the_strategy_with_its_cost_and_funding_source(built: Path) -> None:
    data = json.loads((built / "inclusion-strategy.json").read_text(encoding="utf-8"))
    lines = {line["standard"]: line for line in data["lines"]}
    html = (built / "inclusion-strategy.html").read_text(encoding="utf-8")
    offers = example()["offers"]
    assert set(lines) == {o["standard"] for o in offers}
    for offer in offers:
        line = lines[offer["standard"]]
        assert line["funding"] == offer["funding"]
        cost = (
            pounds(line["cost_low"])
            if line["cost_low"] == line["cost_high"]
            else f"{pounds(line['cost_low'])} to {pounds(line['cost_high'])}"
        )
        if "budget" in offer:
            assert line["cost_low"] == line["cost_high"] == offer["budget"]
        else:
            assert (line["cost_low"], line["cost_high"]) == by_hand(offer["standard"], offer["pupils"]), offer["standard"]
        row = re.search(
            rf"<tr><th scope=\"row\">{re.escape(line['title'])}</th><td>[^<]*</td><td class=\"num\">([^<]*)</td><td>([^<]*)</td></tr>",
            html.replace("&#39;", "'"),
        )
        assert row, line["title"]
        assert row.groups() == (cost, FUNDING_NAMES[offer["funding"]])


def test_totals_per_funding_source_equal_the_sum_of_their_lines(built: Path) -> None:
    data = json.loads((built / "inclusion-strategy.json").read_text(encoding="utf-8"))
    low: dict[str, int] = defaultdict(int)
    high: dict[str, int] = defaultdict(int)
    for line in data["lines"]:
        low[line["funding"]] += line["cost_low"]
        high[line["funding"]] += line["cost_high"]
    totals = {t["funding"]: t for t in data["totals"]}
    assert set(totals) == set(low)
    html = (built / "inclusion-strategy.html").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO((built / "inclusion-strategy.csv").read_text(encoding="utf-8-sig"))))
    csv_totals = {r[1]: (int(r[6]), int(r[7])) for r in rows if r[0] == "Total"}
    for source, total in totals.items():
        assert (total["planned_low"], total["planned_high"]) == (low[source], high[source]), source
        assert csv_totals[FUNDING_NAMES[source]] == (low[source], high[source])
        planned = pounds(low[source]) if low[source] == high[source] else f"{pounds(low[source])} to {pounds(high[source])}"
        left = pounds(total["allocation"] - high[source])
        assert (
            f'<th scope="row">{FUNDING_NAMES[source]}</th><td class="num">{planned}</td><td class="num">{pounds(total["allocation"])}</td><td class="num">{left}</td>'
            in html
        )


def test_the_provision_map_lists_every_line_by_tier_and_area_with_provider_group_frequency_cost_and_payer(built: Path) -> None:
    rows = list(csv.DictReader(io.StringIO((built / "provision-map.csv").read_text(encoding="utf-8-sig"))))
    strategy = json.loads((built / "inclusion-strategy.json").read_text(encoding="utf-8"))["lines"]
    assert len(rows) == len(strategy)
    speech = next(r for r in rows if "(ci-pri-speech-sounds)" in r["Standard"])
    assert (speech["Tier"], speech["Area of need"], speech["Group size"]) == ("Targeted", "Communication and interaction", "One to one")
    assert speech["Provider"] == "Teaching assistant (TA)" and "sessions a week" in speech["Frequency"]
    # each quantity with its unit: never "1 sessions a week of 180 minutes, 2 to 4 weeks a year" for a visiting specialist
    assert re.fullmatch(r"[0-9 to]+ sessions? a week, [0-9 to]+ minutes each session, [0-9 to]+ weeks a year", speech["Frequency"])
    visiting = [r for r in rows if "psychologist" in r["Provider"].lower()]
    assert visiting and all(
        re.fullmatch(
            r"[0-9 to]+ visits? a year, [0-9 to]+ hours? of their time in all, preparation and writing up included", r["Frequency"]
        )
        for r in visiting
    ), [r["Frequency"] for r in visiting]
    assert speech["Paid from"] == "Inclusive mainstream fund (IMF)"
    html = (built / "provision-map.html").read_text(encoding="utf-8")
    assert '<caption id="targeted-communication-and-interaction">Targeted: Communication and interaction</caption>' in html


def test_the_strategys_headings_are_the_vocabularys_in_order_and_say_when_they_are_not_the_templates(built: Path) -> None:
    """The strategy's parts come from standards/vocabularies/inclusion-strategy.yaml, in its order, under its headings;
    while none of them was read from the DfE template, the page says so."""
    sections = yaml.safe_load((ROOT / "standards" / "vocabularies" / "inclusion-strategy.yaml").read_text(encoding="utf-8"))
    sections = sections["inclusion_strategy"]
    page = (built / "inclusion-strategy.html").read_text(encoding="utf-8")
    found = re.findall(r'<h2 id="([^"]+)">([^<]*)</h2>', page)
    ids = [s["id"] for s in sections]
    assert found[: len(sections)] == [(s["id"], escape(s["heading"], quote=False)) for s in sections], found
    assert found[len(sections)][0] == "totals" and not set(ids) & {i for i, _ in found[len(sections) :]}
    note = "The headings below are not the Department for Education template's own"
    assert (note in page) == (not any(s["from_template"] for s in sections))


def test_the_sen_information_report_answers_every_schedule_1_item(built: Path) -> None:
    items = yaml.safe_load((ROOT / "standards" / "vocabularies" / "sen-information-report.yaml").read_text(encoding="utf-8"))
    html = (built / "sen-information-report.html").read_text(encoding="utf-8")
    laws = {"send-regs-2014-sch1": "Schedule 1, paragraph", "cfa-2014-s69": "Children and Families Act 2014, section"}
    for item in items["sen_information_report"]:
        assert f'<h2 id="{item["id"]}">' in html, item["id"]
        assert f"{laws[item['law']]} {item['paragraph']}:" in html
    # Section 69(3)(b) of the Act: four items Schedule 1 does not hold, each from the Act, not the Schedule.
    act = {i["paragraph"]: i for i in items["sen_information_report"] if i["law"] == "cfa-2014-s69"}
    assert sorted(act) == ["69(3)(b)(i)", "69(3)(b)(ii)", "69(3)(b)(iii)", "69(3)(b)(iv)"]
    assert all("ukpga/2014/6/section/69" in i["url"] and "Regulations" not in i["source"] for i in act.values())
    assert "paragraph 3 of Schedule 10 to the Equality Act 2010" in act["69(3)(b)(iv)"]["must_say"]
    assert "section 69(3)(b) of the Children and Families Act 2014" in html
    # Schedule 1 paragraph 8 is about young people (over compulsory school age), in the law's term.
    (para_8,) = [i for i in items["sen_information_report"] if i["law"] == "send-regs-2014-sch1" and i["paragraph"] == "8"]
    assert "young people" in para_8["must_say"]


# -- check: located errors, exit 1, no traceback -----------------------------------------------------------------------
def test_an_overspend_is_an_error_naming_the_allocation_its_amount_the_total_and_the_excess(tmp_path: Path, built: Path) -> None:
    totals = {t["funding"]: t for t in json.loads((built / "inclusion-strategy.json").read_text(encoding="utf-8"))["totals"]}
    high = totals["imf"]["planned_high"]
    allocation = high - 500
    folder = copy_example(tmp_path, lambda text: text.replace("  imf: 14000\n", f"  imf: {allocation}\n"))
    result = run_oap("check", "--school", str(folder))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    found = [m.groupdict() for m in LOCATED.finditer(result.stderr)]
    assert [f["field"] for f in found] == ["allocations.imf"], result.stderr
    message = found[0]["message"]
    assert f"Inclusive mainstream fund (IMF) allocation of {pounds(allocation)}" in message
    assert f"the budget check uses the high end of each range, {pounds(high)}), {pounds(500)} more than the allocation" in message
    line = next(i for i, t in enumerate((folder / "school.yaml").read_text().splitlines(), 1) if t.startswith("  imf:"))
    assert found[0]["line"] == str(line)


def test_a_missing_or_empty_schedule_1_item_is_an_error_naming_it(tmp_path: Path) -> None:
    def edit(text: str) -> str:
        text = re.sub(r"  consulting-parents: [^\n]*\n", "", text)
        text = re.sub(r"  access-facilities: [^\n]*\n", "", text)
        return re.sub(r"  complaints: [^\n]*\n", '  complaints: "  "\n', text)

    result = run_oap("check", "--school", str(copy_example(tmp_path, edit)))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "sen_information_report: no answer for Schedule 1, paragraph 7, 'Working with parents' (consulting-parents)" in result.stderr
    assert (
        "sen_information_report.complaints: Schedule 1, paragraph 9, 'Complaints about our provision' (complaints) is empty"
        in result.stderr
    )
    assert (
        "sen_information_report: no answer for Children and Families Act 2014, section 69(3)(b)(iii), "
        "'Facilities that help disabled pupils get into and around the school' (access-facilities)" in result.stderr
    )
    assert len(LOCATED.findall(result.stderr)) == 3


def test_unknown_standard_wrong_phase_and_no_cost_are_located_errors(tmp_path: Path) -> None:
    def edit(text: str) -> str:
        text = text.replace("standard: ci-pri-speech-sounds", "standard: ci-pri-speech-sound")
        text = text.replace("standard: semh-pri-friendships-social-skills", "standard: semh-sec-relational-predictable-school")
        return text.replace(
            "    budget: 1800\n    budget_basis: Two twilight sessions from the council's traded training list for 24 staff, plus cover for the lead.\n",
            "",
        )

    folder = copy_example(tmp_path, edit)
    result = run_oap("check", "--school", str(folder))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    found = {m["field"]: m["message"] for m in LOCATED.finditer(result.stderr)}
    assert "no standard has id 'ci-pri-speech-sound' (did you mean 'ci-pri-speech-sounds'?)" == found["offers[0].standard"]
    assert found["offers[2].standard"].startswith(
        "'semh-sec-relational-predictable-school' is a secondary standard, but this school's phases are primary"
    )
    assert "'semh-pri-relational-calm-classroom' has no typical cost per pupil and no budgeted amount" in found["offers[5]"]


# -- the arithmetic, by hand ------------------------------------------------------------------------------------------
SCHOOL = """\
name: Test School
phases: [primary]
settings: [mainstream-school]
senco: {{name: SENCO, email: senco@school.example}}
year: "2026-27"
allocations: {{imf: 100000, notional-sen-budget: 100000}}
offers:
  - standard: cl-pri-fixture-one
    delivery: One to one with a teaching assistant.
    pupils: 3
    funding: imf
sen_information_report:
{answers}
"""


def school_text() -> str:
    items = yaml.safe_load((ROOT / "standards" / "vocabularies" / "sen-information-report.yaml").read_text(encoding="utf-8"))
    return SCHOOL.format(answers="\n".join(f"  {i['id']}: An answer." for i in items["sen_information_report"]))


def test_a_one_to_one_session_of_20_minutes_a_day_costs_what_the_hand_sum_says_and_a_council_rate_overrides(tmp_path: Path) -> None:
    """20 minutes x 5 days x 38 weeks = 3,800 minutes = 63 1/3 hours a pupil. At Testshire's given £20 an hour:
    £1,266.67, shown as £1,267 a pupil; for 3 pupils 190 hours, £3,800 exactly (never 3 x £1,267 = £3,801: the line
    is worked out exactly and rounded once). Nationally, at the rate in rates.yaml, the same hours."""
    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL, encoding="utf-8")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "school.yaml").write_text(school_text(), encoding="utf-8")
    hours = Decimal(20 * 5 * 38) / 60
    rates = yaml.safe_load((root / "standards" / "vocabularies" / "rates.yaml").read_text(encoding="utf-8"))["rates"]
    national_rate = Decimal(str(next(r["amount"] for r in rates if r["id"] == "teaching-assistant-hour")))
    national = int((hours * national_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    national_3 = int((Decimal(20 * 5 * 38 * 3) / 60 * national_rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert int((hours * 20).quantize(Decimal(1), rounding=ROUND_HALF_UP)) == 1267
    for council, per_pupil, three in ((None, national, national_3), ("c", 1267, 3800)):
        out = tmp_path / f"site-{council}"
        args = ["build", "--no-pdf", "--root", str(root), "--school", "s", "--out", str(out)] + (["--council", council] if council else [])
        result = run_oap(*args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        (line,) = json.loads((out / "inclusion-strategy.json").read_text(encoding="utf-8"))["lines"]
        assert (line["cost_per_pupil_low"], line["cost_per_pupil_high"]) == (per_pupil, per_pupil)
        assert (line["cost_low"], line["cost_high"]) == (three, three)
        html = (out / "inclusion-strategy.html").read_text()
        assert f"Typical annual cost per pupil {pounds(per_pupil)} times 3 pupils (worked out exactly, then rounded once" in html
        assert f'<td class="num">{pounds(three)}</td>' in html
    assert national != 1267


def test_the_budget_check_uses_the_exact_cost_times_pupils_at_the_edge_of_the_allocation(tmp_path: Path) -> None:
    """300 pupils at Testshire's £20 an hour: 300 x 3,800 minutes = 19,000 hours = £380,000 exactly. Rounding per pupil
    first (300 x £1,267 = £380,100) would refuse an allocation of £380,000 as £100 over. £379,999 is £1 short."""
    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "council.yaml").write_text(COUNCIL, encoding="utf-8")
    (tmp_path / "s").mkdir()
    school = tmp_path / "s" / "school.yaml"
    base = school_text().replace("    pupils: 3\n", "    pupils: 300\n")
    school.write_text(base.replace("imf: 100000", "imf: 380000"), encoding="utf-8")
    result = run_oap("check", "--root", str(root), "--school", "s", "--council", "c", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Inclusive mainstream fund (IMF) £380,000 of £380,000" in result.stdout
    school.write_text(base.replace("imf: 100000", "imf: 379999"), encoding="utf-8")
    result = run_oap("check", "--root", str(root), "--school", "s", "--council", "c", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the lines paid from it total £380,000, £1 more than the allocation" in result.stderr


def test_an_allocation_with_nothing_planned_reads_0_pounds_not_less_than_1(tmp_path: Path) -> None:
    """A budget of nothing is £0: 'less than £1' is only for a worked-out cost that rounds to nothing."""
    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    (tmp_path / "s").mkdir()
    text = school_text().replace("notional-sen-budget: 100000}", "notional-sen-budget: 100000, core-budget: 3000}")
    (tmp_path / "s" / "school.yaml").write_text(text, encoding="utf-8")
    result = run_oap("check", "--root", str(root), "--school", "s", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Core budget £0 of £3,000" in result.stdout and "less than £1" not in result.stdout


# -- hostile text -------------------------------------------------------------------------------------------------------
PAYLOADS = ("<script>window.__pwned=1</script>", '<img src=x onerror="window.__pwned=1">', "[link](javascript:window.__pwned=1)")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "img", "iframe", "object") or any(a.startswith("on") for a, _ in attrs):
            self.bad.append(tag)
        if any((v or "").strip().lower().startswith("javascript:") for _, v in attrs):
            self.bad.append(f"{tag} javascript:")


def test_hostile_school_text_is_shown_as_text_and_never_runs(tmp_path: Path) -> None:
    payload = " ".join(PAYLOADS)

    def edit(text: str) -> str:
        data = yaml.safe_load(text)
        data["name"] = "Evil <b>School</b> " + PAYLOADS[0]
        data["senco"]["name"] = PAYLOADS[1]
        for offer in data["offers"]:
            offer["delivery"] = payload
        data["offers"][5]["budget_basis"] = payload
        data["offers"][0]["delivery"] = '=HYPERLINK("http://x.invalid") ' + payload
        data["sen_information_report"] = {k: payload for k in data["sen_information_report"]}
        return yaml.safe_dump(data, allow_unicode=True)

    folder = copy_example(tmp_path, edit)
    out = tmp_path / "site"
    result = run_oap("build", "--no-pdf", "--school", str(folder), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in PAGES:
        html = (out / name).read_text(encoding="utf-8")
        tags = _Tags()
        tags.feed(html)
        assert tags.bad == [], name
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html, name
    report = (out / "sen-information-report.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in report
    rows = list(csv.reader(io.StringIO((out / "inclusion-strategy.csv").read_text(encoding="utf-8-sig"))))
    assert rows[1][4].startswith("'=HYPERLINK")  # a spreadsheet shows it as text, never runs it


# -- publishing and scaffolding -----------------------------------------------------------------------------------------
def test_a_broken_school_yaml_leaves_the_last_good_output_byte_identical(tmp_path: Path) -> None:
    folder = copy_example(tmp_path)
    out = tmp_path / "site"
    assert run_oap("build", "--no-pdf", "--school", str(folder), "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    path = folder / "school.yaml"
    path.write_text(path.read_text().replace("  imf: 14000\n", "  imf: 10\n"), encoding="utf-8")
    result = run_oap("build", "--no-pdf", "--school", str(folder), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "nothing was written" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_build_refuses_an_out_it_did_not_make_and_never_the_school_yaml_and_rebuilds_its_own(tmp_path: Path) -> None:
    """--out on someone's folder, or on the school's own school.yaml, is refused with nothing lost; a folder the
    school build made (it carries the .oap-build marker) is replaced."""
    folder = copy_example(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "minutes.docx").write_bytes(b"governors' minutes")
    school_yaml = (folder / "school.yaml").read_bytes()
    other = tmp_path / "other-school"
    other.mkdir()
    (other / "school.yaml").write_bytes(school_yaml)
    for out, says in (
        (precious, "refusing to replace a folder that oap build did not make (no .oap-build file)"),
        (folder / "school.yaml", "exists and is not a folder"),
        (folder, "refusing to build into a folder that contains the project"),
        (other, "refusing to replace a folder that holds sources (school.yaml)"),
    ):
        result = run_oap("build", "--no-pdf", "--school", str(folder), "--out", str(out))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert says in result.stderr and "nothing was changed in the output folder" in result.stderr
    assert (precious / "minutes.docx").read_bytes() == b"governors' minutes" and [p.name for p in precious.iterdir()] == ["minutes.docx"]
    assert (folder / "school.yaml").read_bytes() == school_yaml == (other / "school.yaml").read_bytes()
    site = tmp_path / "site"
    for _ in range(2):
        result = run_oap("build", "--no-pdf", "--school", str(folder), "--out", str(site))
        assert result.returncode == 0, result.stderr
        assert (site / ".oap-build").is_file() and (site / "inclusion-strategy.html").is_file()


def test_new_school_scaffolds_a_commented_folder_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    result = run_oap("new-school", str(folder), "--name", "Test Primary School")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "README.md", "school.yaml"]
    text = (folder / "school.yaml").read_text(encoding="utf-8")
    assert text.count("\n# ") >= 6 and "# Schedule 1, paragraph 7:" in text
    assert "# Children and Families Act 2014, section 69(3)(b)(iv):" in text
    check = run_oap("check", "--school", str(folder))
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "(consulting-parents) is empty" in check.stderr  # the SENCO is told each item still to write
    (folder / "school.yaml").write_text("name: mine\n", encoding="utf-8")
    again = run_oap("new-school", str(folder), "--name", "Other")
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "already exists; oap new-school never overwrites a file" in again.stderr
    assert (folder / "school.yaml").read_text(encoding="utf-8") == "name: mine\n"
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "README.md").write_text("ours\n", encoding="utf-8")
    refused = run_oap("new-school", str(partial), "--name", "Other")
    assert refused.returncode == 1
    assert sorted(p.name for p in partial.iterdir()) == ["README.md"]  # nothing written at all
    assert (partial / "README.md").read_text(encoding="utf-8") == "ours\n"


def test_the_example_school_checks_clean_with_and_without_a_council() -> None:
    for extra in ([], ["--council", str(ROOT / "examples" / "northbrook-and-fenmoor")]):
        result = run_oap("check", "--school", str(EXAMPLE), *extra)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("oap check: OK: Hollins Vale Primary School (fictional): 6 standards offered")


# -- the PDFs: the checks tests/test_pdf.py applies to the national PDFs ---------------------------------------------------
@pytest.mark.parametrize("name", PDFS)
def test_each_pdf_is_tagged_pdf_ua_and_passes_both_validators(built: Path, name: str) -> None:
    import pikepdf

    from .test_pdf import content_outside_the_tree, fonts, struct_types, validator_findings

    path = built / name
    with pikepdf.open(path) as f:
        assert f.Root.MarkInfo.Marked is True
        assert str(f.Root.Lang) == "en-GB"
        assert f.Root.ViewerPreferences.DisplayDocTitle is True
        assert {"Document", "H1", "H2", "P"} <= struct_types(f)
        if name != "sen-information-report.pdf":
            assert {"Table", "TR", "TH", "TD"} <= struct_types(f)
        assert f.open_metadata()["pdfuaid:part"] == "1"
        assert str(f.docinfo.Title).endswith(": Hollins Vale Primary School (fictional), 2026-27")
        used = [font for font in fonts(f) if "/FontDescriptor" in font]
        assert used
        for font in used:
            assert any(key in font.FontDescriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
        assert {re.sub(r"^/[A-Z]{6}\+", "", str(font.BaseFont)) for font in used} <= {"OAP-Sans", "OAP-Sans-Bold"}
    assert validator_findings(path) == []
    assert content_outside_the_tree(path) == []


# -- a real browser: axe-core, and no request leaving the site -----------------------------------------------------------
def test_every_page_passes_axe_and_requests_nothing_outside_the_site(built: Path, browser: Any) -> None:
    import functools
    import http.server
    import threading

    from .test_browser import DESKTOP, axe_violations

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
            """Keep test output clean."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    outside: list[str] = []
    context = browser.new_context(viewport=DESKTOP, service_workers="block")

    def guard(route: Any) -> None:
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    try:
        page = context.new_page()
        failures = {}
        for name in PAGES:
            page.goto(f"{origin}/{name}")
            assert page.evaluate("document.documentElement.lang") == "en-GB"
            if found := axe_violations(page):
                failures[name] = found
        assert failures == {}
        assert outside == []
    finally:
        context.close()
        server.shutdown()


def test_hostile_text_in_the_school_vocabularies_is_shown_as_text(tmp_path: Path) -> None:
    """Payloads in every text field of every vocabulary (test_hostile's poisoning, the two school vocabularies
    included) reach the school's pages as text, never as markup."""
    from .test_hostile import poison_vocabularies

    root = make_project_with_provision(tmp_path / "n", [_yaml(record())])
    poison_vocabularies(root)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "school.yaml").write_text(school_text(), encoding="utf-8")
    result = run_oap("build", "--no-pdf", "--root", str(root), "--school", "s", "--out", str(tmp_path / "site"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in PAGES:
        html = (tmp_path / "site" / name).read_text(encoding="utf-8")
        tags = _Tags()
        tags.feed(html)
        assert tags.bad == [], name
    report = (tmp_path / "site" / "sen-information-report.html").read_text(encoding="utf-8")
    assert "sen_information_report.must_say: &lt;/title&gt;&lt;img src=x onerror=window.__pwned=1&gt;" in report
    strategy = (tmp_path / "site" / "inclusion-strategy.html").read_text(encoding="utf-8")
    assert "inclusion_strategy.heading: &lt;/title&gt;&lt;img" in strategy


def test_a_standard_for_other_settings_is_an_error_and_a_budget_its_payers_do_not_name_is_a_located_warning(tmp_path: Path) -> None:
    """Settings must overlap: a nursery/childminder standard is not a reception class's, even in the early years
    phase. A budget the standard does not name as a payer is a warning (a school may spend its own money, but the
    standard says another budget normally pays), located at the offer's funding."""
    extra = (
        "  - standard: sp-ey-disability-access-fund\n    delivery: Anything.\n    funding: core-budget\n"
        "    budget: 10\n    budget_basis: A guess.\n"
        "  - standard: ws-pri-learning-environment\n    delivery: Anything.\n    funding: notional-sen-budget\n"
        "    budget: 10\n    budget_basis: A guess.\n"
    )

    def edit(text: str) -> str:
        text = text.replace("phases: [primary]", "phases: [early-years, primary]")
        return text.replace("# The SEN information report:", extra + "# The SEN information report:", 1)

    folder = copy_example(tmp_path, edit)
    result = run_oap("check", "--school", str(folder))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = {m["field"]: m["message"] for m in LOCATED.finditer(result.stderr)}
    assert found["offers[6].standard"] == (
        "'sp-ey-disability-access-fund' is for nursery, school-nursery, childminder settings, but this school's settings are "
        "reception, mainstream-school (offer a standard meant for your kind of setting)"
    )
    # With a setting the standard is for, the plan checks, and the payer warning is printed, located.
    folder2 = copy_example(
        tmp_path / "b",
        lambda t: edit(t).replace("settings: [reception, mainstream-school]", "settings: [reception, mainstream-school, childminder]"),
    )
    ok = run_oap("check", "--school", str(folder2))
    assert ok.returncode == 0, ok.stderr
    warnings = [line for line in ok.stderr.splitlines() if line.startswith("warning: ")]
    assert any("offers[6].funding: 'sp-ey-disability-access-fund' names " in w for w in warnings)  # paid by the DAF, not the school
    warning = next(w for w in warnings if "offers[7]" in w)
    assert warning.endswith(
        "offers[7].funding: 'ws-pri-learning-environment' names school-core-budget as who pays, not notional-sen-budget: the "
        "school may pay from its own budget, but check first whether the NHS, the council or top-up funding should"
    )
    assert LOCATED.match(warning.removeprefix("warning: "))


def test_a_budget_without_its_basis_is_a_located_error(tmp_path: Path) -> None:
    basis = "    budget_basis: Two twilight sessions from the council's traded training list for 24 staff, plus cover for the lead.\n"
    folder = copy_example(tmp_path, lambda text: text.replace(basis, ""))
    result = run_oap("check", "--school", str(folder))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    found = {m["field"]: m["message"] for m in LOCATED.finditer(result.stderr)}
    assert found == {"offers[5].budget": "say how this amount was worked out in budget_basis (governors and auditors read it)"}

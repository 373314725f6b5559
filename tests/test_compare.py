"""`oap compare`: the three fictional example councils side by side, run as the real command; every value read back
from the page and the CSV is checked against the councils' own council.yaml, in the right column and row.
"""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.compare import spreadsheet_safe
from builder.council import ROLE_NAMES

from .conftest import ROOT, run_oap

EXAMPLES = [ROOT / "examples" / name for name in ("northbrook-and-fenmoor", "saltreach", "kestrel-dales")]
"""The three fictional councils, in the order the tests give them (so column i is EXAMPLES[i])."""
PHONE_WIDTH = 360


def vocabulary(name: str, key: str) -> dict[str, str]:
    """A vocabulary's ids and names, in its order, from the YAML itself."""
    with open(ROOT / "standards" / "vocabularies" / f"{name}.yaml", encoding="utf-8") as f:
        return {entry["id"]: entry["name"] for entry in yaml.safe_load(f)[key]}


NEEDS = vocabulary("need-types", "need_types")
PHASES = vocabulary("phases", "phases")
STREAMS = vocabulary("funding-streams", "funding_streams")


# -- reading what the command wrote --------------------------------------------------------------------------------
class Tables(HTMLParser):
    """Every table of a page: its caption, its column headers and its rows (row header, cell texts), with the scope of
    every th, and every element name seen (to find a <script>)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.tags: list[str] = []
        self.lang = ""
        self.scopes: list[str] = []
        self._text: list[str] | None = None
        self._row: list[tuple[str, str]] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "caption"):
            self._text = []
            if tag == "th":
                self.scopes.append(values.get("scope", ""))
        elif tag == "li" and self._text is not None:
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td", "caption") and self._text is not None:
            text = re.sub(r"[ \t]*\n[\s]*", "\n", "".join(self._text)).strip()
            text = re.sub(r"[ \t]+", " ", text)
            if tag == "caption":
                self.tables[-1]["caption"] = text
            elif self._row is not None:
                self._row.append((tag, text))
            self._text = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[-1]
            if all(kind == "th" for kind, _ in self._row):
                table["head"] = [text for _, text in self._row]
            else:
                table["rows"].append((self._row[0][1], [text for _, text in self._row[1:]]))
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def table(self, caption: str) -> dict[str, list[str]]:
        """The table with this caption, as row header -> one cell text per council."""
        (found,) = [t for t in self.tables if t["caption"] == caption]
        return dict(found["rows"])


def read_csv(path: Path) -> tuple[list[str], dict[tuple[str, str, str], list[str]]]:
    """The header, and each row keyed by (Section, Item, Detail) with one cell per council."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    keyed = {(r[0], r[1], r[2]): r[3:] for r in rows}
    assert len(keyed) == len(rows), "two CSV rows have the same Section, Item and Detail"
    return header, keyed


def load(folder: Path) -> dict[str, Any]:
    with open(folder / "council.yaml", encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
        return data


@pytest.fixture(scope="module")
def councils() -> list[dict[str, Any]]:
    return [load(folder) for folder in EXAMPLES]


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real `oap compare` on the three examples."""
    out = tmp_path_factory.mktemp("compare") / "out"
    result = run_oap("compare", *(str(f.relative_to(ROOT)) for f in EXAMPLES), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        "oap compare: compared 3 councils (Northbrook and Fenmoor Council, Saltreach Borough Council and Kestrel Dales "
        f"County Council) into {out}/index.html and {out}/councils.csv.\n"
    )
    return out


@pytest.fixture(scope="module")
def page(compared: Path) -> Tables:
    return Tables((compared / "index.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sheet(compared: Path) -> tuple[list[str], dict[tuple[str, str, str], list[str]]]:
    return read_csv(compared / "councils.csv")


def role_label(contact: dict[str, Any]) -> str:
    return ROLE_NAMES[contact.get("role", "other")] or "Other contact"


# -- the examples differ ------------------------------------------------------------------------------------------
def test_the_examples_are_fictional_and_differ(councils: list[dict[str, Any]]) -> None:
    """Three made-up councils (saying so), each with its own contacts, services, bands and local standards."""
    for council in councils:
        assert council["fictional"] is True
        assert all(".example.invalid" in c.get("email", c.get("url", ".example.invalid")) for c in council["contacts"])
    for key in ("name", "slug", "website"):
        assert len({c[key] for c in councils}) == 3, key
    for key, field in (("contacts", "name"), ("services", "name"), ("funding_bands", "amount"), ("local_standards", "title")):
        sets = [frozenset(entry[field] for entry in c[key]) for c in councils]
        assert len(set(sets)) == 3 and not (sets[0] & sets[1] & sets[2]), key
    shapes = {frozenset((p, n) for s in c["services"] for p in s["phases"] for n in s["need_types"]) for c in councils}
    assert len(shapes) == 3, "each example serves a different set of needs and phases"


def test_the_examples_cite_national_figures_rather_than_type_them(councils: list[dict[str, Any]]) -> None:
    """A national figure in a council's text (the £6,000 a school meets before top-up) is cited as {fact:ID}, so the
    example stays right when the fact's value changes; only a band's own local amount is typed."""
    facts = yaml.safe_load((ROOT / "standards/vocabularies/facts.yaml").read_text(encoding="utf-8"))["facts"]
    values = {f["value"]: f["id"] for f in facts}

    def texts(value: Any, where: str) -> list[tuple[str, str]]:
        if isinstance(value, dict):
            return [t for k, v in value.items() if k != "amount" for t in texts(v, f"{where}.{k}")]
        if isinstance(value, list):
            return [t for i, v in enumerate(value) for t in texts(v, f"{where}[{i}]")]
        return [(where, value)] if isinstance(value, str) else []

    typed = [(c["slug"], where, v) for c in councils for where, text in texts(c, "") for v in values if v in text]
    assert typed == []


@pytest.mark.slow  # a whole site each (6 s on a quiet machine); the first example's build is test_council.py's
@pytest.mark.parametrize("folder", EXAMPLES[1:], ids=lambda p: p.name)
def test_new_examples_check_and_build(folder: Path, tmp_path: Path) -> None:
    """The two newer examples pass `oap check --council` and build (no PDFs: the first example's PDFs are tested)."""
    data = load(folder)
    check = run_oap("check", "--council", str(folder.relative_to(ROOT)))
    assert check.returncode == 0, check.stderr
    assert f"({len(data['local_standards'])} local to the council)" in check.stdout
    out = tmp_path / "site"
    build = run_oap("build", "--council", str(folder.relative_to(ROOT)), "--no-pdf", "--quiet", "--out", str(out))
    assert build.returncode == 0, build.stderr
    home = (out / "index.html").read_text(encoding="utf-8")
    assert data["name"] in home and "fictional" in home.lower()
    differences = (out / "councils" / "differences" / "index.html").read_text(encoding="utf-8")
    for service in data["services"]:
        assert service["name"] in differences


# -- the CSV: each council's values in its own column -------------------------------------------------------------
def test_csv_header_names_each_council_in_order(sheet: Any, councils: list[dict[str, Any]]) -> None:
    header, _ = sheet
    assert header == ["Section", "Item", "Detail", *(c["name"] for c in councils)]


def test_csv_contacts(sheet: Any, councils: list[dict[str, Any]]) -> None:
    _, rows = sheet
    for i, council in enumerate(councils):
        for contact in council["contacts"]:
            label = role_label(contact)
            assert rows["Contacts", label, "Name"][i] == contact["name"]
            for detail, key in (("Email", "email"), ("Phone", "phone"), ("Website", "url"), ("Hours", "hours")):
                assert rows["Contacts", label, detail][i] == spreadsheet_safe(contact.get(key, "")), (council["name"], label, detail)


def test_csv_services_for_each_need_and_phase(sheet: Any, councils: list[dict[str, Any]]) -> None:
    _, rows = sheet
    seen = 0
    for phase, phase_name in PHASES.items():
        for need, need_name in NEEDS.items():
            item = f"{need_name} ({need})"
            for i, council in enumerate(councils):
                names = [s["name"] for s in council["services"] if phase in s["phases"] and need in s["need_types"]]
                assert rows[f"Services: {phase_name}", item, "Number of services"][i] == str(len(names))
                assert rows[f"Services: {phase_name}", item, "Services"][i] == "\n".join(names)
                seen += len(names)
    assert seen == sum(len(s["phases"]) * len(s["need_types"]) for c in councils for s in c["services"])


def test_csv_funding_bands_and_rates(sheet: Any, councils: list[dict[str, Any]]) -> None:
    _, rows = sheet
    for i, council in enumerate(councils):
        for stream in {b["funding_stream"] for b in council["funding_bands"]}:
            bands = [f"{b['name']}: {b['amount']}" for b in council["funding_bands"] if b["funding_stream"] == stream]
            assert rows["Funding bands and rates", STREAMS[stream], "Bands and rates"][i] == "\n".join(bands)
            assert rows["Funding bands and rates", STREAMS[stream], "Number of bands"][i] == str(len(bands))
    # Saltreach has no early years inclusion fund bands and the others have: its cells say none, never a neighbour's.
    senif = [[b for b in c["funding_bands"] if b["funding_stream"] == "senif"] for c in councils]
    assert [len(b) for b in senif].count(0) == 1
    assert rows["Funding bands and rates", STREAMS["senif"], "Number of bands"] == [str(len(b)) for b in senif]
    assert rows["Funding bands and rates", STREAMS["senif"], "Bands and rates"][[len(b) for b in senif].index(0)] == ""


def test_csv_local_standards_and_overview(sheet: Any, councils: list[dict[str, Any]]) -> None:
    _, rows = sheet
    for i, council in enumerate(councils):
        for phase, phase_name in PHASES.items():
            titles = [s["title"] for s in council["local_standards"] if s["phase"] == phase]
            cell = rows["Local standards", phase_name, "Local standards"][i]
            assert [line.split(" (")[0] for line in cell.splitlines()] == titles
            assert rows["Local standards", phase_name, "Number of local standards"][i] == str(len(titles))
        about = "About each council"
        assert rows[about, "Local Offer website", ""][i] == council["website"]
        assert rows[about, "Name of its guide", ""][i] == council["guide_name"]
        assert rows[about, "Fictional (the overlay says so)", ""][i] == "Yes"
        for item, key in (("Contacts", "contacts"), ("Services", "services"), ("Funding bands", "funding_bands")):
            assert rows[about, item, ""][i] == str(len(council[key]))
        assert rows[about, "Notes on national standards", ""][i] == str(len(council["notes"]))


def test_csv_phone_starting_with_plus_is_defused(sheet: Any, councils: list[dict[str, Any]]) -> None:
    """Saltreach's SEND team phone starts with +: a spreadsheet would read it as a formula, so it gets an apostrophe."""
    _, rows = sheet
    phone = next(c["phone"] for c in councils[1]["contacts"] if c["role"] == "send-team")
    assert phone.startswith("+")
    assert rows["Contacts", ROLE_NAMES["send-team"], "Phone"][1] == "'" + phone


# -- the page: the same values, in accessible tables --------------------------------------------------------------
def test_page_is_en_gb_with_captions_and_scoped_headers(page: Tables, councils: list[dict[str, Any]]) -> None:
    assert page.lang == "en-GB"
    assert "script" not in page.tags
    assert page.tables and all(t["caption"] for t in page.tables)
    assert set(page.scopes) == {"col", "row"}
    for table in page.tables:
        assert table["head"][1:] == [c["name"] for c in councils]
        assert all(len(cells) == len(councils) for _, cells in table["rows"])


def test_page_says_the_councils_are_what_their_overlays_say(compared: Path, councils: list[dict[str, Any]]) -> None:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", (compared / "index.html").read_text(encoding="utf-8")))
    assert "These councils are what their overlays say." in text
    names = [c["name"] for c in councils]
    assert f"{names[0]}, {names[1]} and {names[2]} are fictional: their overlays say so." in text


def test_page_services_contacts_bands_in_the_right_cells(page: Tables, councils: list[dict[str, Any]]) -> None:
    for phase, phase_name in PHASES.items():
        table = page.table(f"Local services for each need, {phase_name.lower()} phase")
        for need, need_name in NEEDS.items():
            for i, council in enumerate(councils):
                names = [s["name"] for s in council["services"] if phase in s["phases"] and need in s["need_types"]]
                cell = table[f"{need_name} ({need})"][i]
                expected = "None" if not names else "\n".join([f"{len(names)} service{'s' if len(names) != 1 else ''}", *names])
                assert cell == expected, (phase, need, council["name"])
    contacts = page.table("Contacts for families, by role")
    for i, council in enumerate(councils):
        for contact in council["contacts"]:
            cell = contacts[role_label(contact)][i]
            for key in ("name", "email", "phone", "url", "hours"):
                if key in contact:
                    assert contact[key] in cell, (council["name"], key)
    bands = page.table("Local funding bands and their rates, by the national funding stream that pays them")
    for i, council in enumerate(councils):
        for band in council["funding_bands"]:
            assert f"{band['name']}: {band['amount']}" in bands[STREAMS[band["funding_stream"]]][i].splitlines()
    standards = page.table("Local standards by phase, each with its area of need and tier")
    for i, council in enumerate(councils):
        for standard in council["local_standards"]:
            assert standard["title"] in standards[PHASES[standard["phase"]]][i]
            others = [j for j in range(len(councils)) if j != i]
            assert all(standard["title"] not in standards[PHASES[standard["phase"]]][j] for j in others)


# -- hostile values ---------------------------------------------------------------------------------------------------
SCRIPT = "Svc <script>alert('n1')</script><img src=x onerror=alert('n2')>"
FORMULAS = ['=HYPERLINK("https://x.example.invalid","click")', "@SUM(1+1)", "-2+3", "+1 £", "  =1+1"]


def test_hostile_values_are_escaped_and_defused(tmp_path: Path) -> None:
    """Markup in a council's text is shown as text on the page; a value that could start a formula is text in the CSV."""
    folder = tmp_path / "hostile"
    shutil.copytree(EXAMPLES[0], folder)
    data = load(folder)
    data["services"][0]["name"] = SCRIPT
    data["contacts"][0]["name"] = FORMULAS[0]
    data["contacts"][0]["hours"] = FORMULAS[1]
    data["guide_name"] = FORMULAS[2]
    data["funding_bands"][0]["name"] = FORMULAS[3]
    data["local_standards"][0]["title"] = FORMULAS[4].strip() + " nurture"
    (folder / "council.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = run_oap("compare", str(folder), str(EXAMPLES[1]), "--out", str(out))
    assert result.returncode == 0, result.stderr

    html = (out / "index.html").read_text(encoding="utf-8")
    parsed = Tables(html)
    assert "<script" not in html and "<img" not in html and "script" not in parsed.tags and "img" not in parsed.tags
    assert "&lt;script&gt;alert(&#39;n1&#39;)&lt;/script&gt;" in html
    services = parsed.table("Local services for each need, primary phase")
    hearing = services[f"{NEEDS['HI']} (HI)"]
    assert SCRIPT in hearing[0] and SCRIPT not in hearing[1]

    header, rows = read_csv(out / "councils.csv")
    assert header[3] == data["name"]
    contact = rows["Contacts", ROLE_NAMES["send-team"], "Name"][0]
    assert contact == "'" + FORMULAS[0]
    assert rows["Contacts", ROLE_NAMES["send-team"], "Hours"][0] == "'" + FORMULAS[1]
    assert rows["About each council", "Name of its guide", ""][0] == "'" + FORMULAS[2]
    band = data["funding_bands"][0]
    assert rows["Funding bands and rates", STREAMS[band["funding_stream"]], "Bands and rates"][0].splitlines()[0] == (
        f"'{FORMULAS[3]}: {band['amount']}"
    )
    # Only the cell's start can make a formula, but every line of a list is defused all the same.
    assert rows["Local standards", PHASES["primary"], "Local standards"][0].startswith("'=1+1 nurture")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+44 191 498 0200", "'+44 191 498 0200"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("Top-up band A", "Top-up band A"),
        ("£1,500 a year", "£1,500 a year"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(value: str, shown: str) -> None:
    assert spreadsheet_safe(value) == shown


# -- refusals: located messages, exit 1, nothing written ---------------------------------------------------------
def test_problems_in_every_overlay_reported_together_and_nothing_written(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, source in ((first, EXAMPLES[1]), (second, EXAMPLES[2])):
        shutil.copytree(source, folder)
    text = (first / "council.yaml").read_text(encoding="utf-8")
    (first / "council.yaml").write_text(
        text.replace("name: Saltreach Borough Council", "name: Saltreach <script>x</script>"), encoding="utf-8"
    )
    text = (second / "council.yaml").read_text(encoding="utf-8")
    (second / "council.yaml").write_text(text.replace('primary_colour: "#6a1b4d"', 'primary_colour: "#ffff00"'), encoding="utf-8")
    out = tmp_path / "out"
    result = run_oap("compare", "first", "second", "first", "--root", str(ROOT), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "first: this council folder is given more than once; name each council once",
        "first/council.yaml:10:7: name: 'Saltreach <script>x</script>' cannot be shown safely in the page header (leave out < > \" ` and \\)",
        "second/council.yaml:18:19: branding.primary_colour: primary_colour '#ffff00' has contrast 1.0:1 with white header text; WCAG AA needs at least 4.5:1",
        "3 problems found; nothing was written.",
    ]
    assert not out.exists()


def test_two_councils_with_one_name_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLES[1], copy)
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("last good", encoding="utf-8")
    result = run_oap("compare", str(EXAMPLES[1].relative_to(ROOT)), str(copy), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{copy}/council.yaml: name: 'Saltreach Borough Council' is also the name of the council in examples/saltreach/council.yaml; "
        "two columns with one name could not be told apart",
        "1 problem found; nothing was written.",
    ]
    assert [p.name for p in out.iterdir()] == ["index.html"] and (out / "index.html").read_text(encoding="utf-8") == "last good"


# -- the page in a real browser ----------------------------------------------------------------------------------------
def test_page_passes_axe_and_fits_a_phone(compared: Path, browser: Any) -> None:
    """Zero axe-core violations (WCAG 2.2 A and AA) at desktop and phone widths; at 360 px the page never scrolls
    sideways (wide tables scroll inside their own focusable box); it asks for nothing outside itself."""
    from .test_browser import AXE, WCAG_TAGS

    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    tab = context.new_page()
    try:
        for width in (1280, PHONE_WIDTH):
            tab.set_viewport_size({"width": width, "height": 800})
            tab.goto((compared / "index.html").as_uri())
            assert tab.evaluate("document.documentElement.scrollWidth") <= width
            tab.add_script_tag(path=str(AXE))
            violations = tab.evaluate(
                """async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))
                     .violations.map(v => `${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)""",
                WCAG_TAGS,
            )
            assert violations == [], width
        assert {u for u in requests if not u.startswith("file://")} == set()
    finally:
        context.close()


def test_an_output_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    """A fault of the machine, not the input: one line naming the path and what to do, no traceback."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_oap("compare", str(EXAMPLES[1]), "--root", str(ROOT), "--out", "notes.txt", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"oap compare: {tmp_path}/notes.txt: cannot write the output: already exists; choose another --out. Nothing was written.\n"
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"

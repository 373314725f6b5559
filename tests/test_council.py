"""Council editions: the example council built end to end, every overlay rule with its exact message, and scaffolding."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from builder import branding, overlay, scaffold
from builder.council import ROLE_NAMES
from builder.edition import Edition
from builder.errors import OapError
from builder.markup import render_markdown
from builder.opendata import data_files
from builder.project import load_corpus
from builder.validate import SCHEMA_DIR
from builder.web import Renderer

from .conftest import ROOT, current_streams, make_project, run_oap

EXAMPLE = ROOT / "examples" / "northbrook-and-fenmoor"
COUNCIL = "Northbrook and Fenmoor Council"
HOSTILE = (
    "Hostile <script>alert('x1')</script> <img src=x onerror=\"alert('x2')\"> [click](javascript:alert('x3')) "
    "<a href=\"javascript:alert('x4')\">raw</a> \\[esc\\](javascript:alert('x5')) <b onmouseover=alert('x6')>b</b>"
)
"""Markup and script a council might paste, by mistake or not: it must show as text or vanish, never run."""


# -- reading built HTML ----------------------------------------------------------------------------
class Page(HTMLParser):
    """Every element of a built page, with its attributes, and the text of the main article."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], bool]] = []
        self.article_text: list[str] = []
        self._depth = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "article":
            self._depth += 1
        self.elements.append((tag, values, self._depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.article_text.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.article_text))


def read(site: Path, page: str) -> str:
    return (
        (site / page / "index.html").read_text(encoding="utf-8")
        if not page.endswith(".html")
        else (site / page).read_text(encoding="utf-8")
    )


def between(text: str, start: str, end_marker: str) -> str:
    """The HTML from start up to the next end_marker (or the end)."""
    i = text.index(start)
    j = text.find(end_marker, i + len(start))
    return text[i : j if j != -1 else len(text)]


# -- the example, built once -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def example() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLE / "council.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def national_ids() -> list[str]:
    return [s.id for s in load_corpus(ROOT).standards]


@pytest.fixture(scope="session")
def hostile_note_id(example: dict[str, Any]) -> str:
    """A national standard the example has no note on, chosen from whatever content exists."""
    corpus = load_corpus(ROOT)
    return next(
        s.id
        for s in corpus.standards
        if s.id not in example["notes"] and s.area == "social-emotional-and-mental-health" and s.phase == "primary"
    )


@pytest.fixture(scope="session")
def council_site(tmp_path_factory: pytest.TempPathFactory, example: dict[str, Any], hostile_note_id: str) -> Path:
    """The example council plus one hostile note and one hostile service, built end to end with `oap build --council`."""
    tmp = tmp_path_factory.mktemp("council")
    folder = tmp / "northbrook-and-fenmoor"
    shutil.copytree(EXAMPLE, folder)
    data = dict(example)
    data["notes"] = {**example["notes"], hostile_note_id: HOSTILE}
    data["services"] = [
        *example["services"],
        {
            "id": "hostile",
            "name": "Svc <script>alert('n1')</script><img src=x onerror=alert('n2')>",
            "description": HOSTILE,
            "need_types": ["SEMH"],
            "phases": ["primary"],
            "url": "https://x.example.invalid/a)b(c",
            "contacts": [{"name": "<i onclick=alert(1)>c</i>", "email": "a@b.example.invalid"}],
        },
    ]
    (folder / "council.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp / "site"
    result = run_oap("build", "--council", str(folder), "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "oap build: built" in result.stdout
    return out


def test_example_passes_check(example: dict[str, Any]) -> None:
    result = run_oap("check", "--council", "examples/northbrook-and-fenmoor")
    assert result.returncode == 0, result.stderr
    assert f"({len(example['local_standards'])} local to the council)" in result.stdout
    assert example["fictional"] is True and ".example.invalid" in example["contacts"][0]["email"]


FAMILY_PAGES = [
    "families",
    "families/early-years",
    "families/primary",
    "families/secondary",
    "families/post-16",
    "families/who-to-talk-to",
    "families/if-support-is-not-happening",
]


@pytest.mark.parametrize("page", FAMILY_PAGES)
def test_contacts_on_every_families_page(council_site: Path, example: dict[str, Any], page: str) -> None:
    text = Page(read(council_site, page)).text
    assert f"Contacts in {COUNCIL}" in text
    for contact in example["contacts"]:
        assert contact["name"] in text
        for key in ("email", "phone"):
            if key in contact:
                assert contact[key] in text
    raw = read(council_site, page)
    send = example["contacts"][0]
    assert f'href="mailto:{send["email"]}"' in raw
    assert f'href="tel:{send["phone"].replace(" ", "")}"' in raw


def test_header_has_council_name_colour_and_logo(council_site: Path, example: dict[str, Any]) -> None:
    raw = read(council_site, "families/primary")
    assert f"{COUNCIL}: ordinarily available provision" in raw
    assert re.search(r'<link[^>]+href="[./]*assets/council\.css"', raw)
    css = (council_site / "assets" / "council.css").read_text(encoding="utf-8")
    assert f"--oap-primary: {example['branding']['primary_colour']};" in css
    assert re.search(r'<img src="[./]*assets/council-logo\.png"', raw)
    assert (council_site / "assets" / "council-logo.png").read_bytes() == (EXAMPLE / "logo.png").read_bytes()
    assert "is a fictional council" in raw  # the footer, on every page


def test_local_note_under_its_national_standard(council_site: Path, example: dict[str, Any]) -> None:
    corpus = load_corpus(ROOT)
    for sid, note in example["notes"].items():
        s = corpus.by_id()[sid]
        raw = read(council_site, f"standards/{s.area}/{s.phase}")
        block = between(raw, f'id="{sid}"', 'class="oap-standard-title"')  # the standard, up to the next one
        assert f"Local note from {COUNCIL}" in block
        assert html.unescape(re.sub(r"<[^>]+>", "", block)).count(" ".join(note.split()[:6])) == 1
        families = read(council_site, f"families/{s.phase}")
        heading = families.index(f'id="{sid}"')
        next_heading = families.find("<h3", heading + 1)
        assert f"Local note from {COUNCIL}" in families[heading:next_heading]


def test_local_service_under_the_right_need_and_phase(council_site: Path, example: dict[str, Any]) -> None:
    corpus = load_corpus(ROOT)
    for svc in example["services"]:
        areas = {corpus.vocab.need_types[n].area for n in svc["need_types"]}
        for area in corpus.vocab.areas:
            for phase in corpus.vocab.phases:
                raw = read(council_site, f"standards/{area}/{phase}")
                expected = area in areas and phase in svc["phases"]
                assert (f'id="service-{svc["id"]}"' in raw) is expected, (svc["id"], area, phase)
        phase = svc["phases"][0]
        assert f'id="service-{svc["id"]}"' in read(council_site, f"families/{phase}")
    sensory = read(council_site, "standards/sensory-and-physical/primary")
    block = between(sensory, 'id="service-sensory-support"', "<h3")
    assert f"Local service from {COUNCIL}" in block
    assert 'href="https://www.northbrook-and-fenmoor.example.invalid/sensory-support"' in block


def test_local_standards_marked_local(council_site: Path, example: dict[str, Any]) -> None:
    for std in example["local_standards"]:
        raw = read(council_site, f"standards/{std['area']}/{std['phase']}")
        block = between(raw, f'id="{std["id"]}"', 'class="oap-review"')
        assert f"Local to {COUNCIL}" in block
        families = read(council_site, f"families/{std['phase']}")
        assert f"Local to {COUNCIL}" in between(families, f'id="{std["id"]}"', "<h3")


def test_funding_bands_on_who_pays(council_site: Path, example: dict[str, Any]) -> None:
    text = Page(read(council_site, "who-pays")).text
    assert f"Local funding bands in {COUNCIL}" in text
    for band in example["funding_bands"]:
        assert f"{band['name']} {band['amount']}" in text


def test_differences_page(council_site: Path, example: dict[str, Any]) -> None:
    raw = read(council_site, "councils/differences")
    text = Page(raw).text
    assert "How this edition differs from the national standards" in text
    corpus = load_corpus(ROOT)
    assert f"All {len(corpus.standards)} national standards are published here word for word" in text
    for sid in example["notes"]:
        assert corpus.by_id()[sid].title in text
    for item in example["services"] + example["funding_bands"]:
        assert item["name"] in text
    for std in example["local_standards"]:
        assert std["title"] in text
    assert "Teaching assistant, an hour: £15.20 an hour (2026-27), instead of £13.98 an hour" in text  # local_rates
    assert "contrast ratio of 7.8:1" in text
    assert f"colour, {example['branding']['primary_colour']}, which" in text  # shown as written: no stray escape such as \\#
    assert "\\" not in text and str(council_site.parent) not in raw  # no backslash, no build path on the page
    nav = re.search(r'<a href="councils/differences/" class="md-nav__link">(.*?)</a>', read(council_site, ""), flags=re.S)
    assert nav and "How this edition differs from the national standards" in nav.group(1)  # in the site navigation


def test_hostile_markup_never_runs(council_site: Path, hostile_note_id: str) -> None:
    corpus = load_corpus(ROOT)
    s = corpus.by_id()[hostile_note_id]
    for page in (f"standards/{s.area}/{s.phase}", f"families/{s.phase}"):
        raw = read(council_site, page)
        parsed = Page(raw)
        assert not [e for e in parsed.elements if e[0] == "script" and e[2]], f"{page}: a <script> element in the content"
        assert not [(t, a) for t, a, _ in parsed.elements for name in a if name.startswith("on")], f"{page}: an event handler attribute"
        assert not [a for _, a, _ in parsed.elements if a.get("href", "").strip().lower().startswith("javascript:")], page
        assert "alert(" not in "".join(re.findall(r"<script[^>]*>(.*?)</script>", raw, flags=re.S))
        # Shown as text: what the council wrote is readable, not silently lost.
        assert "Hostile <script>alert('x1')</script> <img src=x onerror=\"alert('x2')\">" in parsed.text
        assert "Svc <script>alert('n1')</script><img src=x onerror=alert('n2')>" in parsed.text


def test_hostile_markup_in_a_real_browser(council_site: Path, hostile_note_id: str, browser: Any) -> None:
    """Chromium opens the pages: no dialog opens and the content holds no script."""
    corpus = load_corpus(ROOT)
    s = corpus.by_id()[hostile_note_id]
    dialogs: list[str] = []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for path in (f"standards/{s.area}/{s.phase}/index.html", f"families/{s.phase}/index.html"):
            page.goto((council_site / path).as_uri())
            page.locator(".oap-local-note").first.hover()
            for link in page.locator(".oap-local-note a").all():
                href = link.get_attribute("href")
                assert href is None or href.startswith(("https:", "http:", "mailto:", "tel:"))
            script_count = page.evaluate(
                "document.querySelectorAll('article script, article [onerror], article [onclick], article [onmouseover]').length"
            )
            assert script_count == 0
            assert page.locator(".oap-local-note").filter(has_text="<script>alert('x1')</script>").count() == 1
    finally:
        page.close()
    assert dialogs == []


def test_standards_json_has_local_notes_and_standards(council_site: Path, example: dict[str, Any], hostile_note_id: str) -> None:
    data = json.loads((council_site / "data" / "standards.json").read_text(encoding="utf-8"))
    assert data["edition"]["council"] == {"name": COUNCIL, "slug": example["slug"]}
    by_id = {s["id"]: s for s in data["standards"]}
    assert {s["id"] for s in data["standards"] if s["local"]} == {s["id"] for s in example["local_standards"]}
    for sid, note in example["notes"].items():
        assert by_id[sid]["local"] is False
        assert by_id[sid]["local_notes"] == [{"council": COUNCIL, "local": True, "markdown": note, "html": str(render_markdown(note))}]
    assert "<script" not in by_id[hostile_note_id]["local_notes"][0]["html"]


def test_oruk_services_validate_against_their_schema(council_site: Path, example: dict[str, Any]) -> None:
    data = json.loads((council_site / "data" / "oruk" / "services.json").read_text(encoding="utf-8"))
    spec = json.loads((SCHEMA_DIR / "oruk-services.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(spec)
    jsonschema.Draft202012Validator(spec, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(data)
    services = example["services"] + [{"id": "hostile"}]
    assert data["total_items"] == len(services) == len(data["contents"])
    first, svc = data["contents"][0], example["services"][0]
    assert (first["name"], first["status"], first["url"], first["organization"]["name"]) == (svc["name"], "active", svc["url"], COUNCIL)
    terms = {(a["link_type"], a["taxonomy_term"]["code"]) for a in first["attributes"]}
    assert terms == {("eligibility", n) for n in svc["need_types"]} | {("audience", p) for p in svc["phases"]}
    assert len({s["id"] for s in data["contents"]}) == len(services)

    def no_nulls(value: Any) -> None:
        assert value is not None
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            no_nulls(child)

    no_nulls(data)
    assert "contacts" not in data["contents"][1]  # left out, not empty, when a service names nobody


def test_national_edition_has_no_council_pages() -> None:
    corpus = load_corpus(ROOT)
    site = Renderer(Edition(corpus)).render()
    data = data_files(Edition(corpus))
    assert "councils/differences.md" not in site.pages and "data/oruk/services.json" not in data
    assert "local_notes" not in json.loads(data["data/standards.json"])["standards"][0]
    assert "Contacts in" not in site.pages["families/primary.md"]


# -- every overlay rule, with its exact message ------------------------------------------------------
VALID = """\
name: Testshire Council
slug: testshire
branding:
  primary_colour: "#1d4f91"
contacts:
  - name: Testshire SEND team
    role: send-team
    email: send@example.invalid
services:
  - id: sensory
    name: Sensory service
    description: Visits schools.
    need_types: [HI]
    phases: [primary]
    url: https://example.invalid/sensory
notes:
  cl-pri-fixture-one: A local note.
funding_bands:
  - name: Band A
    amount: £1,000 a year
    description: For pupils who need a little more.
    funding_stream: high-needs-top-up
local_standards:
  - id: testshire-pri-fixture-local
    title: A local standard
    area: cognition-and-learning
    phase: primary
    tier: targeted
    need_types: [SPLD]
    summary: A summary.
    for_families: You can expect help.
    signs: [Reads slowly]
    adjustments: [One, Two, Three, Four]
    who_provides: [class-teacher]
    who_pays: [school-core-budget]
    legal_basis: [cop-6-44]
    last_reviewed: 2026-11-01
    review_due: 2027-11-01
"""
"""A valid overlay over the one-standard fixture project; the cases below rely on its line numbers."""
C = "c/council.yaml"
B = overlay.BASELINE
STREAMS = current_streams()
ROLES = "send-team, sendiass, parent-carer-forum, local-offer, early-years-send, educational-psychology, designated-clinical-officer, social-care, preparing-for-adulthood, other"


def edited(*pairs: tuple[str, str]) -> str:
    text = VALID
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


CASES: dict[str, tuple[str, list[str]]] = {
    "overriding national standards": (
        VALID + "standards:\n  - id: cl-pri-fixture-one\n    title: Different wording\n",
        [
            f"{C}:39:1: standards: {B} (a council adds contacts, services, notes, funding_bands and local_standards; "
            "to say how a national standard works locally, write a note under notes.<id>)"
        ],
    ),
    "an overrides key": (
        VALID + "overrides:\n  cl-pri-fixture-one:\n    summary: Less support.\n",
        [
            f"{C}:39:1: overrides: {B} (a council adds contacts, services, notes, funding_bands and local_standards; "
            "to say how a national standard works locally, write a note under notes.<id>)"
        ],
    ),
    "a note that rewrites the standard": (
        edited(("  cl-pri-fixture-one: A local note.", "  cl-pri-fixture-one:\n    title: Different wording\n    summary: Less.")),
        [
            f"{C}:18:5: notes.cl-pri-fixture-one: {B} (a note is Markdown text shown under the national standard; it cannot set summary, title)"
        ],
    ),
    "a local standard reusing a national id": (
        edited(("id: testshire-pri-fixture-local", "id: cl-pri-fixture-one")),
        [
            f"{C}:24:9: local_standards[0].id: {B} ('cl-pri-fixture-one' is a national standard, at standards/cognition-and-learning/primary.yaml:3; "
            "to add to it, write a note under notes.cl-pri-fixture-one; a new local standard needs its own id starting with 'testshire-')"
        ],
    ),
    "a note on no standard": (
        edited(("cl-pri-fixture-one: A local note.", "zz-nothing: A local note.")),
        [
            f"{C}:17:3: notes.zz-nothing: no national standard has id 'zz-nothing' (a note must name the id of an existing national standard, shown at the foot of each standard)"
        ],
    ),
    "a note with a misspelt id": (
        edited(("cl-pri-fixture-one: A local note.", "cl-pri-fixture-on: A local note.")),
        [f"{C}:17:3: notes.cl-pri-fixture-on: no national standard has id 'cl-pri-fixture-on' (did you mean 'cl-pri-fixture-one'?)"],
    ),
    "a note on a local standard": (
        edited(("cl-pri-fixture-one: A local note.", "testshire-pri-fixture-local: A local note.")),
        [
            f"{C}:17:3: notes.testshire-pri-fixture-local: no national standard has id 'testshire-pri-fixture-local' "
            "(it is one of this council's local standards: write the detail into the local standard itself)"
        ],
    ),
    "low contrast colour": (
        edited(('"#1d4f91"', '"#ffcc00"')),
        [
            f"{C}:4:19: branding.primary_colour: primary_colour '#ffcc00' has contrast 1.5:1 with white header text; WCAG AA needs at least 4.5:1"
        ],
    ),
    "contrast just under AA is rounded down": (
        edited(('"#1d4f91"', '"#777777"')),
        [
            f"{C}:4:19: branding.primary_colour: primary_colour '#777777' has contrast 4.4:1 with white header text; WCAG AA needs at least 4.5:1"
        ],
    ),
    "not a colour": (
        edited(('"#1d4f91"', "blue")),
        [f"{C}:4:19: branding.primary_colour: 'blue' is not a colour (write six hex digits after a #, e.g. #1d4f91)"],
    ),
    "an svg logo": (
        edited(('  primary_colour: "#1d4f91"', '  primary_colour: "#1d4f91"\n  logo: logo.svg')),
        [
            f"{C}:5:9: branding.logo: 'logo.svg' is not a logo file name (a PNG, JPEG or WebP file in the council folder, e.g. logo.png; SVG is not accepted because it can carry scripts)"
        ],
    ),
    "a missing logo": (
        edited(('  primary_colour: "#1d4f91"', '  primary_colour: "#1d4f91"\n  logo: logo.png')),
        [f"{C}:5:9: branding.logo: no file 'logo.png' in the council folder c"],
    ),
    "a contact nobody can reach": (
        edited(("    email: send@example.invalid\n", "")),
        [f"{C}:6:5: contacts[0]: give at least one of: email, phone, url"],
    ),
    "an unknown contact role": (
        edited(("role: send-team", "role: social-worker")),
        [f"{C}:7:11: contacts[0].role: unknown role 'social-worker' (allowed: {ROLES})"],
    ),
    "not an email address": (
        edited(("email: send@example.invalid", "email: send at example")),
        [
            f"{C}:8:12: contacts[0].email: 'send at example' is not one email address (expected just the address, name@domain, e.g. send@example.gov.uk: letters, digits and . _ + - only, no spaces, no mailto:, nothing after a ?)"
        ],
    ),
    "a council name with markup": (
        edited(("name: Testshire Council", "name: Testshire <script>")),
        [f"{C}:1:7: name: 'Testshire <script>' cannot be shown safely in the page header (leave out < > \" ` and \\)"],
    ),
    "a service without need types": (
        edited(("    need_types: [HI]\n", "")),
        [f"{C}:10:5: services[0].need_types: missing ('need_types' is required here)"],
    ),
    "two services with one id": (
        edited(
            (
                "notes:\n",
                "  - id: sensory\n    name: Again\n    description: Twice.\n    need_types: [VI]\n    phases: [primary]\n    url: https://example.invalid/x\nnotes:\n",
            )
        ),
        [f"{C}:16:9: services[1].id: duplicate service id 'sensory' (first used at services[0])"],
    ),
    "an unknown funding stream": (
        edited(("funding_stream: high-needs-top-up", "funding_stream: element-9")),
        [f"{C}:22:21: funding_bands[0].funding_stream: unknown funding stream 'element-9' (known funding streams: {STREAMS})"],
    ),
    "a proposed funding stream": (
        edited(("funding_stream: high-needs-top-up", "funding_stream: experts-at-hand")),
        [
            f"{C}:22:21: funding_bands[0].funding_stream: 'experts-at-hand' is a proposed funding stream, not current law, and cannot pay a local band (current streams: {STREAMS})"
        ],
    ),
    "a local id without the slug": (
        edited(("id: testshire-pri-fixture-local", "id: cl-pri-local-thing")),
        [
            f"{C}:24:9: local_standards[0].id: 'cl-pri-local-thing' must start with 'testshire-' (the council's slug, so local ids never clash with national ones)"
        ],
    ),
    "a local standard nobody pays for": (
        edited(("    who_pays: [school-core-budget]\n", "")),
        [f"{C}:24:5: local_standards[0].who_pays: missing (every standard must name who pays: at least one funding stream id)"],
    ),
    "a local standard with the wrong payer": (
        edited(("who_pays: [school-core-budget]", "who_pays: [icb-health]")),
        [
            f"{C}:35:15: local_standards[0].who_pays: every provider is the setting's own staff, so a setting budget must pay "
            "(e.g. school-core-budget, notional-sen-budget, early-years-entitlement, senif, sixteen-to-nineteen-funding)"
        ],
    ),
    "an unknown key": (
        edited(("slug: testshire", "slug: testshire\ncolour: red")),
        [
            f"{C}:3:1: colour: unknown key 'colour' (allowed: branding, contacts, fictional, funding_bands, guide_name, imported_services, local_rates, local_standards, name, notes, services, slug, website)"
        ],
    ),
    "a YAML syntax error": (
        edited(("  - name: Testshire SEND team", "  - name: Testshire: SEND team")),
        [
            f"{C}:6:20: YAML syntax error: mapping values are not allowed in this context (check the indentation, and quote text that contains ': ')"
        ],
    ),
}


@pytest.fixture(scope="module")
def fixture_corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real vocabularies and one national standard, cl-pri-fixture-one (standards/cognition-and-learning/primary.yaml:3)."""
    return load_corpus(make_project(tmp_path_factory.mktemp("national")))


def overlay_problems(tmp: Path, text: str, corpus: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    (tmp / "c").mkdir(exist_ok=True)
    (tmp / "c" / "council.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp)  # messages name the file as the author typed it: relative to the current folder
    try:
        overlay.load_overlay(Path("c"), corpus)
    except OapError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_valid_overlay_loads(tmp_path: Path, fixture_corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert overlay_problems(tmp_path, VALID, fixture_corpus, monkeypatch) == []
    council = overlay.load_overlay(tmp_path / "c", fixture_corpus)
    loaded = Edition.of(fixture_corpus, council)
    assert [s.id for s in loaded.corpus.standards] == ["cl-pri-fixture-one", "testshire-pri-fixture-local"]
    assert loaded.corpus.standards[0] is fixture_corpus.standards[0]  # the national standard itself, unchanged
    assert [s.local for s in loaded.corpus.standards] == [False, True]
    assert [n.html for n in loaded.notes_for("cl-pri-fixture-one")] == [render_markdown("A local note.")]
    assert loaded.services_for("sensory-and-physical", "primary")[0].id == "sensory"
    assert loaded.services_for("sensory-and-physical", "secondary") == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_overlay_rule(name: str, tmp_path: Path, fixture_corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = CASES[name]
    assert overlay_problems(tmp_path, text, fixture_corpus, monkeypatch) == expected


def test_logo_content_must_match_its_name(tmp_path: Path, fixture_corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "logo.png").write_bytes(b"<svg onload='alert(1)'/>")
    text = edited(('  primary_colour: "#1d4f91"', '  primary_colour: "#1d4f91"\n  logo: logo.png'))
    assert overlay_problems(tmp_path, text, fixture_corpus, monkeypatch) == [
        f"{C}:5:9: branding.logo: 'logo.png' is not a PNG image (its content does not match its name)"
    ]


def test_every_problem_reported_together(tmp_path: Path, fixture_corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        edited(
            ('"#1d4f91"', '"#ffff00"'),
            ("cl-pri-fixture-one: A local note.", "zz-nothing: A note."),
            ("funding_stream: high-needs-top-up", "funding_stream: element-9"),
        )
        + "standards: []\n"
    )
    found = overlay_problems(tmp_path, text, fixture_corpus, monkeypatch)
    assert [p.split(": ")[1] for p in found] == [
        "branding.primary_colour",
        "notes.zz-nothing",
        "funding_bands[0].funding_stream",
        "standards",
    ]


def test_missing_folder_and_file(tmp_path: Path, fixture_corpus: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OapError) as exc:
        overlay.load_overlay(Path("nowhere"), fixture_corpus)
    assert str(exc.value.problems[0]) == 'nowhere: no such council folder (create one with: oap new-council DIR --name "...")'
    (tmp_path / "empty").mkdir()
    with pytest.raises(OapError) as exc:
        overlay.load_overlay(Path("empty"), fixture_corpus)
    assert (
        str(exc.value.problems[0])
        == 'empty/council.yaml: missing: a council folder holds a council.yaml (create one with: oap new-council DIR --name "...")'
    )


def test_cli_check_reports_overlay_problems(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "council.yaml").read_text(encoding="utf-8").replace('primary_colour: "#1b5e20"', 'primary_colour: "#ffcc00"')
    (folder / "council.yaml").write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "primary_colour" in row)
    result = run_oap("check", "--council", str(folder), "--root", str(ROOT), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"c/council.yaml:{line}:19: branding.primary_colour: primary_colour '#ffcc00' has contrast 1.5:1 with white header text; WCAG AA needs at least 4.5:1",
        "1 problem found; nothing was written.",
    ]
    assert "Traceback" not in result.stderr


# -- rendering council Markdown ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Plain **bold** and *italic*.", "<p>Plain <strong>bold</strong> and <em>italic</em>.</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("[x](javascript:alert(1))", '<p><a rel="noopener">x</a></p>'),
        (
            "[site](https://example.invalid/a) [mail](mailto:a@example.invalid)",
            '<p><a href="https://example.invalid/a" rel="noopener">site</a> <a href="mailto:a@example.invalid" rel="noopener">mail</a></p>',
        ),
        ("# Heading\n\n![img](https://example.invalid/x.png)", "Heading\n<p></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ],
)
def test_render_markdown(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


# -- scaffolding -------------------------------------------------------------------------------------
def uncomment_examples(text: str) -> str:
    """The scaffold with its commented examples switched on, as a council would after reading them."""
    out, active = [], False
    for line in text.splitlines():
        if re.match(r"^# (services|notes|funding_bands|local_standards):$", line):
            active = True
            out.append(line[2:])
        elif active and line.startswith("#   "):
            out.append(line[2:])
        elif re.match(r"^(services: \[\]|notes: \{\}|funding_bands: \[\]|local_standards: \[\])$", line):
            active = False
        else:
            active = False
            out.append(line[2:] if re.match(r"^# (fictional|website|guide_name): (?!optional)", line) else line)
    return "\n".join(out) + "\n"


def test_new_council_scaffold_passes_check(tmp_path: Path) -> None:
    result = run_oap("new-council", "bc", "--name", "Example Borough Council", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "oap new-council: wrote bc/council.yaml and README.md, requirements.txt, .gitignore, .github/workflows/publish.yml, "
        ".gitlab-ci.yml in bc. Edit bc/council.yaml, then run: oap check --council bc"
    )
    text = (tmp_path / "bc" / "council.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert (data["name"], data["slug"]) == ("Example Borough Council", "example-borough")
    spec = json.loads((SCHEMA_DIR / "council.schema.json").read_text(encoding="utf-8"))
    for key in spec["properties"]:  # the manual explains every key
        assert re.search(rf"^# {key}: ", text, flags=re.M), key
    check = run_oap("check", "--council", "bc", "--root", str(ROOT), cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    again = run_oap("new-council", "bc", "--name", "Example Borough Council", cwd=tmp_path)
    assert again.returncode == 1
    assert (
        again.stderr.splitlines()[0]
        == "bc/council.yaml: already exists; oap new-council never overwrites a council's file (edit it, or choose a new folder)"
    )


def test_scaffold_examples_are_valid_when_switched_on(tmp_path: Path, national_ids: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = scaffold.scaffold(tmp_path / "bc", "Example Borough Council")
    text = uncomment_examples(path.read_text(encoding="utf-8"))
    note_id = re.search(r"^  ([a-z0-9-]+): >-$", text, flags=re.M)
    assert note_id is not None
    path.write_text(text.replace(note_id.group(1), national_ids[0]), encoding="utf-8")  # whatever national content exists
    c = overlay.load_overlay(tmp_path / "bc", load_corpus(ROOT))
    assert (len(c.services), len(c.notes), len(c.funding_bands), len(c.local_standards), c.fictional) == (1, 1, 1, 1, True)
    assert c.local_standards[0].id == "example-borough-pri-nurture-groups"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Northbrook and Fenmoor Council", "northbrook-and-fenmoor"),
        ("Brighton & Hove City Council", "brighton-and-hove-city"),
        ("Ynys Môn", "ynys-mon"),
        ("Council", "council"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert scaffold.slugify(name) == slug


def test_scaffold_refuses_a_name_without_letters(tmp_path: Path) -> None:
    with pytest.raises(OapError) as exc:
        scaffold.scaffold(tmp_path / "x", "!!!")
    assert str(exc.value.problems[0]).startswith("--name: '!!!' has no letters or digits")
    assert not (tmp_path / "x").exists()


def test_contrast_ratio_matches_wcag() -> None:
    assert round(branding.contrast_ratio("#000000", "#ffffff"), 2) == 21.0
    assert round(branding.contrast_ratio("#767676", "#ffffff"), 2) == 4.54
    assert branding.ratio_text(4.4999) == "4.4:1"


def test_roles_match_the_schema() -> None:
    spec = json.loads((SCHEMA_DIR / "council.schema.json").read_text(encoding="utf-8"))
    assert list(ROLE_NAMES) == spec["$defs"]["contact"]["properties"]["role"]["enum"]


@pytest.mark.slow  # renders a real families guide
def test_council_name_on_a_pdf_cover(tmp_path: Path) -> None:
    """A real PDF of the council's edition: its cover page names the council."""
    import subprocess

    from builder import pdf
    from builder.pipeline import gather
    from builder.printdocs import print_documents

    docs = {d.name: d for d in print_documents(gather(ROOT, EXAMPLE))}
    assert all(COUNCIL in d.title for d in docs.values())
    rendered = pdf.render_document(docs["families-early-years.pdf"], pdf.prepare_assets(tmp_path / "assets"))
    (tmp_path / "cover.pdf").write_bytes(rendered.pdf)
    cover = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(tmp_path / "cover.pdf"), "-"], capture_output=True, text=True, check=True
    )
    assert COUNCIL in cover.stdout

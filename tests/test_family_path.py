"""The families' guided path "What support should my child get?" in Debian's Chromium, on the built national site
(the national_site and site_url fixtures of conftest.py, shared with tests/test_browser.py): three families click
from the home page to their answer, with JavaScript on and off; the answer names the standards the open data says it
should, each with who helps and who pays; the letter, the copy button and the one-page print; no request leaves the
site and nothing is sent; axe-core finds nothing; phones 360 px wide. Screenshots go to SHOTS for a person to look at.
"""

from __future__ import annotations

import html
import io
import json
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml

from builder import familypath
from builder.pipeline import gather
from builder.web import Renderer

from .conftest import ROOT
from .test_browser import DESKTOP, PHONE, axe_violations
from .test_rendering import fixture_project

SHOTS = Path("/tmp/oap-family-path")
"""Where the screenshots go, at 360 px and 1280 px wide."""
NEED_TYPES = ROOT / "standards" / "vocabularies" / "need-types.yaml"
COUNCIL = ROOT / "examples" / "kestrel-dales"


@dataclass(frozen=True)
class Persona:
    name: str
    stage: str
    """The first choice, as the family reads it."""
    hard: str
    """The second choice, as the family reads it."""
    phase: str
    setting: str
    words: tuple[str, ...]
    """Everyday words for what the child finds hard: the need types listing them as search words are the child's."""
    also: tuple[str, ...] = ()
    """Everyday words for a further need the answer must cover through standards shared with the first."""


PERSONAS = [
    Persona("year-3-reading", "At primary school", "Reading, writing, spelling or numbers", "primary", "mainstream-school", ("reading",)),
    Persona(
        "year-9-autistic-anxious",
        "At secondary school",
        "Being with other people, changes or noise (autism)",
        "secondary",
        "mainstream-secondary",
        ("autistic",),
        also=("anxious",),
    ),
    Persona(
        "three-at-childminder-not-talking",
        "At a nursery, pre-school or childminder",
        "Talking, or understanding what others say",
        "early-years",
        "childminder",
        ("talking",),
    ),
]


def need_types(words: tuple[str, ...]) -> set[str]:
    """The need types whose search words (or id) include any of the words, from the vocabulary itself."""
    wanted = {w.casefold() for w in words}
    found = yaml.safe_load(NEED_TYPES.read_text(encoding="utf-8"))["need_types"]
    return {n["id"] for n in found if wanted & {w.casefold() for w in [n["id"], *n.get("search_words", [])]}}


def expected(standards: list[dict[str, Any]], persona: Persona) -> list[dict[str, Any]]:
    """From the open data: the universal and targeted standards of the persona's phase and setting for their needs."""
    needs = need_types(persona.words)
    assert needs, persona
    return [
        s
        for s in standards
        if s["phase"] == persona.phase
        and (not s["settings"] or persona.setting in s["settings"])
        and s["tier"] in ("universal", "targeted")
        and needs & set(s["need_types"])
    ]


@pytest.fixture(scope="module")
def standards(national_site: Path) -> list[dict[str, Any]]:
    data = json.loads((national_site / "data" / "standards.json").read_text(encoding="utf-8"))
    return list(data["standards"])


@dataclass
class Traffic:
    outside: list[str]
    """Requests to anywhere but the local server (refused)."""
    sent: list[str]
    """Requests to the local server that send something: any method but GET, or a query string."""


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    return Traffic([], [])


@pytest.fixture(autouse=True)
def nothing_leaves(traffic: Traffic) -> Iterator[None]:
    """After each test: no request went to any other host, and none sent anything to the site."""
    yield
    outside, sent = sorted(set(traffic.outside)), sorted(set(traffic.sent))
    traffic.outside.clear()
    traffic.sent.clear()
    assert not outside, "requests left the site:\n" + "\n".join(outside)
    assert not sent, "requests sent something:\n" + "\n".join(sent)


def new_context(browser: Any, site_url: str, traffic: Traffic, *, javascript: bool, viewport: dict[str, int] = DESKTOP) -> Any:
    """A browser context whose requests outside the site are refused and recorded, and whose requests that send
    anything to the site (a form, a query) are recorded too."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, service_workers="block")
    origin = urllib.parse.urlsplit(site_url)._replace(path="", query="", fragment="").geturl()

    def guard(route: Any) -> None:
        request = route.request
        if request.url.startswith(origin + "/"):
            if request.method != "GET" or urllib.parse.urlsplit(request.url).query:
                traffic.sent.append(f"{request.method} {request.url}")
            route.continue_()
        elif request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            traffic.outside.append(request.url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture(scope="module", params=[True, False], ids=["javascript", "no-javascript"])
def tab(request: pytest.FixtureRequest, browser: Any, site_url: str, traffic: Traffic) -> Iterator[Any]:
    """One page with JavaScript on, then one with it off, for the tests below."""
    context = new_context(browser, site_url, traffic, javascript=request.param)
    yield context.new_page()
    context.close()


def walk(page: Any, site_url: str, persona: Persona) -> list[str]:
    """From the home page to the answer by clicking, as a family would; every page seen, in order."""
    page.goto(site_url)
    seen = [page.url]
    for name in ("What support should my child get?", persona.stage, persona.hard):
        link = page.locator("article").get_by_role("link", name=re.compile("^" + re.escape(name))).first
        with page.expect_navigation():
            link.click()
        seen.append(page.url)
    return seen


def answer_ids(page: Any) -> list[str]:
    """The standards an answer page says to expect, by id, in the order shown."""
    return page.eval_on_selector_all(".oap-path__standard h3", "hs => hs.map(h => h.id)")


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_each_family_reaches_its_answer_in_four_pages(tab: Any, site_url: str, standards: list[dict[str, Any]], persona: Persona) -> None:
    """Home, where the child learns, what they find hard, the answer: at most four pages, each reached by a link;
    the answer shows exactly the standards the open data gives for that phase, setting and need, each with who helps
    and who pays, and a letter naming them all by title and reference."""
    seen = walk(tab, site_url, persona)
    assert len(seen) <= 4 and len(set(seen)) == len(seen), seen
    assert tab.locator("article h1").inner_text().startswith("Support your child can expect")
    want = expected(standards, persona)
    assert len(want) >= 5, "the persona should have a real answer"
    assert answer_ids(tab) == [s["id"] for s in want if s["tier"] == "universal"] + [s["id"] for s in want if s["tier"] == "targeted"]
    for s in want:
        block = tab.locator(f"#{s['id']}").locator("xpath=..").inner_text()
        helps = ", ".join(p["name"] for p in s["who_provides"])
        assert f"Who helps: {helps}." in block, (s["id"], block)
        pays = block.split("Who pays:", 1)[1]
        stage = next(st for st in familypath.STAGES if persona.setting in st.settings)
        may = {f["id"] for f in _streams() if not f.get("settings") or set(f["settings"]) & set(stage.settings)}
        assert all(f["name"] in pays for f in s["who_pays"] if f["id"] in may), (s["id"], block)
        assert s["id"] in block
    if persona.also:  # a further need, covered by standards for both (e.g. autism and anxiety)
        also = need_types(persona.also)
        assert {s["id"] for s in want if also & set(s["need_types"])}, persona
    letter = tab.locator("#oap-path-letter").inner_text()
    for s in want:
        assert f"{s['title']} (reference {s['id']})" in letter
    assert tab.locator("article form").count() == 0, "the path never asks the family to submit anything"


def test_the_copy_button_copies_the_letter_with_javascript(browser: Any, site_url: str, traffic: Traffic) -> None:
    """With JavaScript the button appears and puts the letter on the clipboard; without, the letter is still there."""
    answer = site_url + "families/support/primary/reading-writing-numbers/"
    context = new_context(browser, site_url, traffic, javascript=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=urllib.parse.urlsplit(site_url)._replace(path="").geturl())
    try:
        page = context.new_page()
        page.goto(answer)
        page.get_by_role("button", name="Copy the letter").click()
        page.wait_for_function("() => document.getElementById('oap-path-copy-status').textContent.length > 0")
        assert page.locator("#oap-path-copy-status").inner_text().startswith("Letter copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.locator("#oap-path-letter").evaluate("p => p.textContent")
    finally:
        context.close()
    context = new_context(browser, site_url, traffic, javascript=False)
    try:
        page = context.new_page()
        page.goto(answer)
        assert not page.get_by_role("button", name="Copy the letter").is_visible()
        assert page.locator("#oap-path-letter").inner_text().startswith("Dear special educational needs coordinator (SENCO),")
    finally:
        context.close()


def test_every_answer_prints_on_one_page(browser: Any, site_url: str, national_site: Path, traffic: Traffic) -> None:
    """Printed, an answer page is a one-page list: the standards with who helps and who pays, and the questions;
    the long text, the letter and the site's header are left out."""
    answers = sorted(p.parent for p in (national_site / "families" / "support").glob("*/*/index.html"))
    assert len(answers) >= 30
    context = new_context(browser, site_url, traffic, javascript=True)
    try:
        page = context.new_page()
        too_long = {}
        for folder in answers:
            rel = folder.relative_to(national_site).as_posix()
            page.goto(f"{site_url}{rel}/")
            page.emulate_media(media="print")
            pages = len(pikepdf.open(io.BytesIO(page.pdf(format="A4", print_background=True))).pages)
            if pages != 1:
                too_long[rel] = pages
        assert not too_long, f"answers printing on more than one page: {too_long}"
        page.goto(site_url + "families/support/secondary/autism/")
        page.emulate_media(media="print")
        assert not page.locator(".md-header").is_visible() and not page.locator("#oap-path-letter").is_visible()
        assert page.locator(".oap-path__standard h3").first.is_visible()
        assert page.locator("h2#questions-to-ask-at-your-next-meeting").is_visible()
    finally:
        context.close()


@pytest.fixture(scope="module")
def path_pages() -> list[str]:
    """The question pages and the three answers, relative to the site."""
    return [
        "families/support/",
        "families/support/primary/",
        "families/support/secondary/",
        "families/support/early-years/",
        "families/support/primary/reading-writing-numbers/",
        "families/support/secondary/autism/",
        "families/support/early-years/talking/",
    ]


def test_question_and_answer_pages_pass_axe(browser: Any, site_url: str, traffic: Traffic, path_pages: list[str]) -> None:
    """Zero axe-core violations (WCAG 2.2 AA) on the questions and the three answers, with the whole-setting list open."""
    context = new_context(browser, site_url, traffic, javascript=True)
    try:
        page = context.new_page()
        failures = []
        for rel in path_pages:
            page.goto(site_url + rel)
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            failures += [f"{rel}: {v}" for v in axe_violations(page)]
        assert not failures, "\n".join(failures)
    finally:
        context.close()


def test_path_fits_a_phone_and_is_photographed(browser: Any, site_url: str, traffic: Traffic, path_pages: list[str]) -> None:
    """At 360 px no page scrolls sideways; screenshots at 360 px and 1280 px go to SHOTS to be looked at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide = {}
    for name, viewport in (("360", PHONE), ("1280", DESKTOP)):
        context = new_context(browser, site_url, traffic, javascript=True, viewport=viewport)
        try:
            page = context.new_page()
            for rel in path_pages:
                page.goto(site_url + rel)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    too_wide[f"{rel} at {name}"] = width
                page.screenshot(path=str(SHOTS / f"{rel.strip('/').replace('/', '_')}-{name}.png"), full_page=name == "360")
        finally:
            context.close()
    assert not too_wide, too_wide


def test_the_recorder_catches_what_leaves_and_what_is_sent(browser: Any, site_url: str) -> None:
    """The guard the tests rely on works: an image from another host, and a form sent to the site, are both caught."""
    caught = Traffic([], [])
    context = new_context(browser, site_url, caught, javascript=True)
    try:
        page = context.new_page()
        page.goto(site_url + "families/support/")
        page.evaluate("""() => { const i = new Image(); i.src = 'https://fonts.example.invalid/x.png'; document.body.append(i); }""")
        page.wait_for_timeout(300)
        with page.expect_request(lambda r: r.method == "POST"):
            page.evaluate("""() => { const f = document.createElement('form'); f.method = 'post'; f.action = './';
                                     document.body.append(f); f.submit(); }""")
        page.wait_for_timeout(300)
    finally:
        context.close()
    assert caught.outside == ["https://fonts.example.invalid/x.png"]
    assert [s.split(" ")[0] for s in caught.sent] == ["POST"]


# -- the pages, rendered without a browser ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def council_pages() -> dict[str, str]:
    """Every page of the example council's edition as Markdown (no MkDocs, no browser)."""
    return Renderer(gather(ROOT, COUNCIL)).render().pages


def test_every_choice_finds_its_need_types_through_the_search_words(council_pages: dict[str, str]) -> None:
    """Each choice's everyday words are search words of need types in the vocabulary: none is left out, and between
    them they reach every need type in an area of need (all but "other")."""
    vocab = gather(ROOT).vocab
    chosen = familypath.choices(vocab)
    assert [c.id for c in chosen] == [c.id for c in familypath.CHOICES]
    assert {c.id: set(c.need_types) for c in chosen} == {c.id: need_types(c.words) for c in familypath.CHOICES}
    reached = {n for c in chosen for n in c.need_types}
    assert reached == {n.id for n in vocab.need_types.values() if n.area}
    answers = [p for p in council_pages if p.startswith("families/support/") and p.count("/") == 3 and not p.endswith("index.md")]
    assert len(answers) == len(familypath.STAGES) * len(chosen)


def test_a_council_edition_adds_its_contacts_and_its_services_for_those_needs(council_pages: dict[str, str]) -> None:
    """In a council's edition an answer lists the council's contacts and the local services for that phase and need,
    and no other service."""
    council = yaml.safe_load((COUNCIL / "council.yaml").read_text(encoding="utf-8"))
    for stage, choice in (("primary", "reading-writing-numbers"), ("early-years", "talking"), ("secondary", "autism")):
        page = council_pages[f"families/support/{stage}/{choice}.md"]
        phase = next(s.phase for s in familypath.STAGES if s.id == stage)
        needs = need_types(next(c.words for c in familypath.CHOICES if c.id == choice))
        want = {s["id"] for s in council["services"] if phase in s["phases"] and needs & set(s["need_types"])}
        shown = set(re.findall(r"\{: #service-([a-z0-9-]+) ", page))
        assert shown == want, (stage, choice)
        assert "{: #council-contacts }" in page
        assert all(c["name"].split()[0] in page for c in council["contacts"])
    assert set(re.findall(r"\{: #service-([a-z0-9-]+) ", council_pages["families/support/primary/reading-writing-numbers.md"])) == {
        "dyslexia-advisory"
    }


def _streams() -> list[dict[str, Any]]:
    return list(
        yaml.safe_load((ROOT / "standards" / "vocabularies" / "funding-streams.yaml").read_text(encoding="utf-8"))["funding_streams"]
    )


def test_every_payer_shown_may_fund_the_stages_settings(council_pages: dict[str, str]) -> None:
    """On every answer page, each budget named under who pays may fund that stage's phase and at least one of its
    kinds of setting, as the funding streams' vocabulary says (no Disability Access Fund for reception, no school
    budget for a childminder); every standard still names a payer; and no tier's own sentence about who pays is shown
    above standards that the NHS or the council pay for."""
    streams = _streams()
    tiers = yaml.safe_load((ROOT / "standards" / "vocabularies" / "tiers.yaml").read_text(encoding="utf-8"))["tiers"]
    checked = 0
    for stage in familypath.STAGES:
        banned = [
            f["name"]
            for f in streams
            if stage.phase not in f["phases"] or (f.get("settings") and not set(f["settings"]) & set(stage.settings))
        ]
        assert banned, stage
        for path, page in council_pages.items():
            if not path.startswith(f"families/support/{stage.id}/") or path.endswith("index.md"):
                continue
            page = page.replace("\\", "")  # Markdown's escapes, e.g. "\(element 1\)"
            said = re.findall(r"Who pays:(?:\*\*)? (.*?)\.(?:<br>)?$", page, flags=re.M)
            assert said, path
            for payers in said:
                assert payers.strip(), (path, "a standard with no payer")
                wrong = [name for name in banned if name in payers]
                assert not wrong, (path, payers, wrong)
                checked += 1
            for tier in tiers:
                assert " ".join(tier["description"].split()) not in page, (path, tier["id"])
    assert checked > 500, checked


def test_the_first_page_says_truly_what_is_kept(council_pages: dict[str, str]) -> None:
    """Each choice opens a page of its own, so the choice is in the browser's history and can be in the server's log:
    the first page says so, and says what the site does not ask for, rather than claiming nothing is kept."""
    start = " ".join(council_pages["families/support/index.md"].replace("\\", "").split())
    assert "This site does not ask who you are or your child's name." in start
    assert "the pages you open are kept in your browser history" in start
    assert "the server that sends them can record which were opened" in start
    assert "stored" not in start and "sent anywhere" not in start
    assert "families/support/primary/talking.md" in council_pages, "each answer is a page of its own"


def _letter(page: str) -> str:
    """The letter on an answer page, as the plain text a family copies."""
    found = re.search(r'<pre class="oap-path__letter"[^>]*>(.*?)</pre>', page)
    assert found, "no letter"
    return html.unescape(found.group(1).replace("&#10;", "\n"))


def test_from_16_the_path_speaks_to_the_young_person(council_pages: dict[str, str]) -> None:
    """From 16 the young person makes their own decisions (Mental Capacity Act 2005; SEND Code of Practice 8.15): the
    post-16 question and answers speak to them, say that a parent helps only with their agreement, and give a letter
    they send themselves. The other stages still speak to the parent."""
    young = [s.id for s in familypath.STAGES if s.phase == "post-16"]
    assert young
    seen = 0
    for path, page in council_pages.items():
        parts = path.split("/")
        if parts[:2] != ["families", "support"] or len(parts) != 4:
            continue
        flat = " ".join(page.replace("\\", "").split())
        if parts[2] not in young:
            if parts[3] != "index.md":
                assert "# Support your child can expect" in page and _letter(page).split("\n")[2].startswith("My child"), path
            continue
        seen += 1
        # the whole page, each standard's for_families text included: from 16 no one is "your child"
        assert not re.search(r"\b(your|my) child\b", flat, flags=re.I), path
        if 'class="oap-path__standard"' in page:  # the standards' text is written for parents: the page says so
            assert (
                'The descriptions of support below are written for parents and carers. In them, "your young person" means you, and "you" means your parent or carer.'
                in flat
            ), path
        assert "Once you are over compulsory school age" in flat and "you make your own decisions about your support" in flat, path
        if parts[3] == "index.md":
            assert "# What do you find hard?" in page
            continue
        assert "# Support you can expect" in page, path
        assert "A parent or carer can help you and speak for you if you agree." in flat, path
        letter = _letter(page)
        assert letter.split("\n")[2].startswith("I am a student"), (path, letter)
        assert "for me:" in letter and letter.rstrip().endswith("[Your course and year]"), (path, letter)
    assert seen == 1 + len(familypath.choices(gather(ROOT).vocab)), seen


@pytest.fixture(scope="module")
def fixture_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every page of the small fixture project (tests/fixtures/project), whose post-16 has no standards at all."""
    root = fixture_project(tmp_path_factory.mktemp("family-path") / "project")
    return Renderer(gather(root)).render().pages


def test_an_answer_with_no_standards_says_so_and_what_to_do(fixture_pages: dict[str, str], council_pages: dict[str, str]) -> None:
    """With no standard to name, the page says so plainly and what to do instead, and the letter asks what support
    there is instead of introducing an empty list; wherever a letter says "each of the following", a standard follows."""
    page = fixture_pages["families/support/post-16/reading-writing-numbers.md"]
    assert 'class="oap-path__standard"' not in page, "the fixture's post-16 answer should have no standards"
    assert "## No standards listed yet" in page and "What to do instead:" in page
    assert "There are no standards listed yet for reading, writing, spelling or numbers at a sixth form or college." in page
    letter = _letter(page)
    assert "each of the following" not in letter
    assert "They do not list any support for this need at this stage yet." in letter
    answers = 0
    for path, text in [*fixture_pages.items(), *council_pages.items()]:
        if not path.startswith("families/support/") or path.count("/") != 3 or path.endswith("index.md"):
            continue
        answers += 1
        lines = _letter(text).split("\n")
        for i, line in enumerate(lines):
            if "each of the following" in line:
                assert lines[i + 2].startswith("- ") and "(reference " in lines[i + 2], (path, lines)
        assert ("No standards listed yet" in text) == ('class="oap-path__standard"' not in text), path
    assert answers > 40


def test_every_role_shown_works_in_the_stages_settings(council_pages: dict[str, str]) -> None:
    """On every answer page, each role named under who helps works in at least one of that stage's kinds of setting,
    as the providers' vocabulary says (no childminder on a reception page), and every standard still names one."""
    providers = yaml.safe_load((ROOT / "standards" / "vocabularies" / "providers.yaml").read_text(encoding="utf-8"))["providers"]
    checked = 0
    for stage in familypath.STAGES:
        banned = [p["name"] for p in providers if p.get("settings") and not set(p["settings"]) & set(stage.settings)]
        for path, page in council_pages.items():
            if not path.startswith(f"families/support/{stage.id}/") or path.endswith("index.md"):
                continue
            for helps in re.findall(r"Who helps:(?:\*\*)? (.*?)\.(?:<br>| Who pays)", page.replace("\\", "")):
                assert helps.strip(), (path, "a standard with no one to help")
                names = helps.split(", ")
                assert not [n for n in banned if any(x == n or x.startswith(n + " (") for x in names)], (path, helps)
                checked += 1
    assert checked > 500, checked
    assert any(p.get("settings") for p in providers), "the vocabulary should limit some role to its settings"

"""Real-browser tests of the built national site in Debian's Chromium: search in everyday words, the teachers'
finder, axe-core on every page, no request leaving the site, and phones 360 px wide.

One build (the national_site fixture), one server and one browser page for the whole module.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# Everyday words and the page that must come first: the right area of need's standards, or the right explainer.
SEARCHES = {
    "dyslexia": "standards/cognition-and-learning/",
    "autism": "standards/communication-and-interaction/",
    "ADHD": "standards/social-emotional-and-mental-health/",
    "deaf": "standards/sensory-and-physical/",
    "glasses": "standards/sensory-and-physical/",
    "wheelchair": "standards/sensory-and-physical/",
    "anxiety": "standards/social-emotional-and-mental-health/",
    "stammer": "standards/communication-and-interaction/",
    "DLD": "standards/communication-and-interaction/",
    "hearing aid": "standards/sensory-and-physical/",
    "speech": "standards/communication-and-interaction/",
    "EHCP": "glossary/",
    "SENCO": "glossary/",
    "who pays": "who-pays/",
    "tribunal": "families/if-support-is-not-happening/",
}


def site_pages(site: Path) -> list[str]:
    """Every page of the built site as a URL path relative to the site root: each index.html, and 404.html."""
    pages = sorted(p.relative_to(site).parent.as_posix() + "/" for p in site.rglob("index.html"))
    return [("" if p == "./" else p) for p in pages] + ["404.html"]


@pytest.fixture(scope="module")
def outside_requests() -> list[str]:
    """Every request to anywhere but the local server, in the order made, for the whole module."""
    return []


@pytest.fixture(scope="module")
def page(browser: Any, site_url: str, outside_requests: list[str]) -> Iterator[Any]:
    """One desktop-sized page, reused by every test; requests outside the site are recorded and refused."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    origin = urllib.parse.urlsplit(site_url)._replace(path="", query="", fragment="").geturl()

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(origin + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside_requests.append(url)
            route.abort()

    context.route("**/*", guard)
    context.on(
        "request",
        lambda r: (
            None if r.url.startswith((origin + "/", "data:", "blob:")) or r.url in outside_requests else outside_requests.append(r.url)
        ),
    )
    tab = context.new_page()
    yield tab
    context.close()


# -- search ---------------------------------------------------------------------------------------------------------
def search(page: Any, words: str) -> list[str]:
    """Type words into the site search like a person would; the result pages, best first, relative to the site."""
    box = page.locator("input.md-search__input")
    box.click()
    box.press("Control+a")
    box.press("Backspace")
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length === 0")
    box.press_sequentially(words, delay=30)
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    return _stable_results(page)


def _stable_results(page: Any, *, settle: float = 0.6, timeout: float = 15.0) -> list[str]:
    """Results as soon as they stop changing: Material searches again on every keystroke."""
    read = "() => [...document.querySelectorAll('.md-search-result__item > a')].map(a => a.getAttribute('href'))"
    last, since, deadline = None, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = page.evaluate(read)
        if now != last:
            last, since = now, time.monotonic()
        elif now and time.monotonic() - since >= settle:
            break
        page.wait_for_timeout(100)
    return [urllib.parse.urlsplit(href).path.lstrip("./").lstrip("/") for href in last or []]


def test_everyday_words_find_the_right_pages_first(page: Any, site_url: str) -> None:
    """Dyslexia, autism, ADHD, deaf, EHCP, who pays...: the first result is that need's standards or the explainer."""
    page.goto(site_url)
    wrong = {}
    for words, expected in SEARCHES.items():
        results = search(page, words)
        first = _site_relative(results[0], site_url) if results else "(no results)"
        if not first.startswith(expected):
            wrong[words] = (first, [_site_relative(r, site_url) for r in results[:4]])
    assert not wrong, "first search result is not the expected page:\n" + "\n".join(
        f"  {w!r}: expected {SEARCHES[w]}..., got {first} (top: {top})" for w, (first, top) in wrong.items()
    )
    assert len(SEARCHES) >= 12


def test_search_dialog_with_results_passes_axe(page: Any, site_url: str) -> None:
    """The open search dialog, showing results, has no axe-core violations (Material's has no name by default),
    on a desktop and on a phone, where the dialog covers the page."""
    page.goto(site_url)
    search(page, "dyslexia")
    assert page.locator(".md-search[role='dialog']").get_attribute("aria-label") == "Search this site"
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    try:
        page.goto(site_url)
        page.locator("label.md-header__button[for='__search']").click()
        search(page, "wheelchair")
        assert axe_violations(page) == []
    finally:
        page.set_viewport_size(DESKTOP)


def _site_relative(path: str, site_url: str) -> str:
    """A result link's path made relative to the site root: results link relative to the page searched from."""
    base = urllib.parse.urlsplit(site_url).path.lstrip("/")
    return path[len(base) :] if base and path.startswith(base) else path


# -- the finder -----------------------------------------------------------------------------------------------------
def expected_ids(standards: list[dict[str, Any]], *, phase: str = "", need: str = "", tier: str = "", whole: bool = True) -> set[str]:
    """The finder's rule, from the open data: phase and tier must match; a need type must be listed, except that
    standards with no need types (whole-setting expectations) apply to every need unless left out."""
    return {
        s["id"]
        for s in standards
        if (not phase or s["phase"] == phase)
        and (not tier or s["tier"] == tier)
        and (s["need_types"] and (not need or need in s["need_types"]) or not s["need_types"] and whole)
    }


FINDER_CHOICES = [
    {"phase": "primary", "need": "SPLD", "tier": "targeted"},
    {"phase": "secondary", "need": "ASD", "tier": ""},
    {"phase": "early-years", "need": "", "tier": "universal"},
    {"phase": "", "need": "HI", "tier": "targeted-plus"},
    {"phase": "primary", "need": "SEMH", "tier": "", "whole": False},
]


def test_finder_filters_by_phase_need_and_tier(page: Any, site_url: str, national_site: Path) -> None:
    """Pick values in the form: the standards left visible are exactly those the open data says match."""
    standards = json.loads((national_site / "data" / "standards.json").read_text(encoding="utf-8"))["standards"]
    page.goto(site_url + "teachers/finder/")
    status = page.locator("#oap-finder-status")
    assert status.get_attribute("aria-live") == "polite"
    assert len(visible_finder_ids(page)) == len(standards)
    for choice in FINDER_CHOICES:
        page.select_option("#oap-finder-phase", choice["phase"])
        page.select_option("#oap-finder-need", choice["need"])
        page.select_option("#oap-finder-tier", choice["tier"])
        page.set_checked("#oap-finder-whole", choice.get("whole", True))
        want = expected_ids(standards, **choice)
        assert want, f"choose finder values that match something: {choice}"
        assert visible_finder_ids(page) == want, choice
        count = f"{len(want)} standard{'s' if len(want) != 1 else ''} match"
        assert status.inner_text().startswith(count), (status.inner_text(), choice)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        assert query.get("phase", [""])[0] == choice["phase"] and query.get("need", [""])[0] == choice["need"]
    # The address keeps the choice: opening it again shows the same standards; the filtered page passes axe.
    page.reload()
    assert visible_finder_ids(page) == expected_ids(standards, **FINDER_CHOICES[-1])
    assert axe_violations(page) == []


def visible_finder_ids(page: Any) -> set[str]:
    """The standards the finder shows (hidden ones are removed from the page by the hidden attribute)."""
    return set(page.eval_on_selector_all(".oap-finder__item", "items => items.filter(i => i.offsetParent !== null).map(i => i.dataset.id)"))


def test_finder_without_javascript_shows_everything_grouped(browser: Any, site_url: str, national_site: Path) -> None:
    """Progressive: with JavaScript off, every standard is listed under its phase, and the form stays hidden."""
    standards = json.loads((national_site / "data" / "standards.json").read_text(encoding="utf-8"))["standards"]
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        tab = context.new_page()
        tab.goto(site_url + "teachers/finder/")
        assert visible_finder_ids(tab) == {s["id"] for s in standards}
        assert not tab.locator("#oap-finder").is_visible()
        phases = tab.eval_on_selector_all(
            ".oap-finder__item", "items => items.map(i => i.closest('[data-phase]').dataset.phase === i.dataset.phase)"
        )
        assert all(phases)
    finally:
        context.close()


def test_finder_print_view_is_a_checklist(page: Any, site_url: str) -> None:
    """Printing shows only the heading, the count and the matching standards, with a box before each adjustment."""
    page.goto(site_url + "teachers/finder/?phase=primary&need=SPLD&tier=targeted")
    page.emulate_media(media="print")
    try:
        assert not page.locator("#oap-finder").is_visible()
        assert not page.locator(".md-header").is_visible()
        box = page.eval_on_selector(".oap-finder__item:not([hidden]) li", "li => getComputedStyle(li, '::before').content")
        assert "\u2610" in box
    finally:
        page.emulate_media(media="screen")


def test_finder_print_layout_stays_on_the_finder(page: Any, site_url: str) -> None:
    """The finder's and the families' path's print rules live in stylesheets every page loads: printing another page
    keeps its introduction, its ordinary text size and one column (they once hid every page's top-level paragraphs,
    shrank its text to 7pt and set it in two columns)."""
    page.goto(site_url + "families/")
    page.emulate_media(media="print")
    try:
        intro = page.locator(".md-content__inner > p").first
        assert intro.is_visible()
        size = page.eval_on_selector(".md-content__inner", "el => parseFloat(getComputedStyle(el).fontSize)")
        assert size > 10, f"printed text is {size}px"
        columns = page.eval_on_selector(".md-content__inner", "el => getComputedStyle(el).columnCount")
        assert columns == "auto", f"printed in {columns} columns"
    finally:
        page.emulate_media(media="screen")


# -- every page: accessibility, language, banner ---------------------------------------------------------------------
def axe_violations(page: Any) -> list[str]:
    """Run axe-core on the page as it is now: WCAG 2.0, 2.1 and 2.2, levels A and AA; one line per rule broken."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}))
             .violations.map(v => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)""",
        WCAG_TAGS,
    )


@pytest.fixture(scope="module")
def every_page(page: Any, site_url: str, national_site: Path) -> dict[str, dict[str, Any]]:
    """Visit every page of the built site once (each index.html and 404.html; not a sample), run axe-core on it and
    note its language and banner; shared by the tests below. The search index is not loaded on this walk: building
    it on every page doubles the time, and the search dialog is tested open, with results, on its own."""
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` (make test does)"
    results = {}
    page.route("**/search/search_index.json", lambda route: route.abort())
    try:
        for rel in site_pages(national_site):
            page.goto(site_url + rel)
            results[rel or "/"] = {
                "violations": axe_violations(page),
                "lang": page.evaluate("document.documentElement.lang"),
                "banner": page.locator(".md-banner").inner_text(),
            }
    finally:
        page.unroute("**/search/search_index.json")
    return results


def test_axe_finds_no_violations_on_any_page(every_page: dict[str, dict[str, Any]]) -> None:
    """Zero axe-core violations on every page."""
    failures = [f"{rel}: {v}" for rel, result in every_page.items() for v in result["violations"]]
    assert len(every_page) > 40
    assert not failures, f"axe found {len(failures)} violation(s):\n" + "\n".join(failures)


def test_every_page_says_en_gb_and_is_not_official(every_page: dict[str, dict[str, Any]]) -> None:
    """<html lang="en-GB"> and the "not official government guidance" banner on every page, the 404 page too."""
    assert {rel for rel, r in every_page.items() if r["lang"] != "en-GB"} == set()
    assert {rel for rel, r in every_page.items() if "not official government guidance" not in r["banner"]} == set()


def test_skip_link_is_first_and_moves_to_the_content(page: Any, site_url: str) -> None:
    """The first Tab shows "Skip to main content"; Enter moves to the page's heading."""
    page.goto(site_url + "standards/sensory-and-physical/primary/")
    page.keyboard.press("Tab")
    skip = page.locator(".md-skip")
    assert skip.evaluate("a => a === document.activeElement")
    assert skip.is_visible() and skip.inner_text().strip() == "Skip to main content"
    page.keyboard.press("Enter")
    heading = page.locator("article h1")
    assert urllib.parse.urlsplit(page.url).fragment == heading.get_attribute("id")
    assert heading.evaluate("h => h.getBoundingClientRect().top >= 0 && h.getBoundingClientRect().top < innerHeight")


def test_focus_is_visible(page: Any, site_url: str) -> None:
    """A focused link gets a ring of at least 3px (WCAG 2.4.7), not just a colour change."""
    page.goto(site_url + "families/")
    link = page.locator("article a[href*='who-to-talk-to']").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    style = link.evaluate("a => { const s = getComputedStyle(a); return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }")
    assert style[0] == "solid" and style[1] >= 3 and style[2] != "none", style


# -- nothing leaves the site -------------------------------------------------------------------------------------------
def test_no_page_requests_anything_outside_the_site(
    page: Any, site_url: str, every_page: dict[str, Any], outside_requests: list[str]
) -> None:
    """Every page (visited by every_page), search (its worker and index) and the finder: no request to any host but
    the local server. Requests are refused and recorded for the whole module, whichever test made them."""
    page.goto(site_url + "teachers/finder/?phase=primary", wait_until="networkidle")
    page.goto(site_url, wait_until="networkidle")
    search(page, "autism")
    assert len(every_page) > 40
    assert not outside_requests, "requests left the site:\n" + "\n".join(sorted(set(outside_requests)))
    # The recorder itself works: a page that asks another host for an image is caught.
    page.set_content('<img src="https://fonts.example.invalid/x.png" alt="">')
    page.wait_for_timeout(300)
    assert set(outside_requests) == {"https://fonts.example.invalid/x.png"}
    outside_requests.clear()


# -- phones -----------------------------------------------------------------------------------------------------------
PHONE_PAGES = [
    "",
    "teachers/",
    "teachers/finder/",
    "standards/sensory-and-physical/",
    "standards/sensory-and-physical/primary/",
    "families/",
    "families/primary/",
    "families/if-support-is-not-happening/",
    "who-pays/",
    "glossary/",
    "need-types/",
    "tiers/",
    "404.html",
]


def test_pages_fit_a_phone_without_sideways_scrolling(page: Any, site_url: str) -> None:
    """At 360 px wide, no page type scrolls sideways (wide tables scroll inside their own box)."""
    page.set_viewport_size(PHONE)
    try:
        too_wide = {}
        for rel in PHONE_PAGES:
            page.goto(site_url + rel)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[rel or "/"] = width
        assert not too_wide, f"pages wider than {PHONE['width']} px: {too_wide}"
    finally:
        page.set_viewport_size(DESKTOP)

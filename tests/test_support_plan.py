"""The pupil support plan in Debian's Chromium, on the national build shared with tests/test_browser.py: add standards
from a standards page and the finder, fill the plan in, print, export, forget, import; the published schema; an old
plan against this edition; broken files; no request leaving the site; axe; phones and desktops.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .test_browser import DESKTOP, PHONE, axe_violations

PLAN = "teachers/support-plan/"
STANDARDS = "standards/cognition-and-learning/primary/"
FINDER = "teachers/finder/?phase=primary&need=SPLD&tier=targeted&whole=no"
KEY_PREFIX = "oap-support-plan"
PUPIL, OUTCOME = "JB-7", "Reads a short passage aloud with confidence by the spring review."


@pytest.fixture
def outside() -> list[str]:
    """Requests to anywhere but the local server, for one test."""
    return []


@pytest.fixture
def tab(browser: Any, site_url: str, outside: list[str]) -> Iterator[Any]:
    """A fresh browser profile (empty localStorage) and page; requests outside the site are recorded and refused."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block", accept_downloads=True, locale="en-GB")
    origin = urllib.parse.urlsplit(site_url)._replace(path="", query="", fragment="").geturl()

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((origin + "/", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    yield page
    context.close()


def stored(page: Any) -> dict[str, str]:
    """Every localStorage and sessionStorage entry of the site, as 'local:key' / 'session:key' to its value."""
    return page.evaluate(
        """() => Object.fromEntries([
             ...Object.keys(localStorage).map(k => ['local:' + k, localStorage.getItem(k)]),
             ...Object.keys(sessionStorage).map(k => ['session:' + k, sessionStorage.getItem(k)])])"""
    )


def plan_in_storage(page: Any) -> Any:
    values = [json.loads(v) for k, v in stored(page).items() if k.startswith("local:" + KEY_PREFIX)]
    assert len(values) == 1, stored(page)
    return values[0]


def make_plan(page: Any, site_url: str) -> list[str]:
    """Add one standard from a standards page (by keyboard) and one from the finder, then fill the plan in on its page."""
    page.goto(site_url + STANDARDS)
    first = page.locator(".oap-plan-add__button").first
    first_id = first.get_attribute("data-plan-id")
    first.focus()
    page.keyboard.press("Enter")
    assert first.inner_text().startswith("Remove from plan")
    page.goto(site_url + FINDER)
    second = page.locator(".oap-finder__item:not([hidden]) .oap-plan-add__button").first
    second_id = second.get_attribute("data-plan-id")
    assert second_id != first_id
    second.click()
    page.goto(site_url + PLAN)
    assert page.locator(".oap-plan__item").evaluate_all("els => els.map(e => e.dataset.planId)") == [first_id, second_id]
    page.get_by_label("Pupil reference or initials").fill(PUPIL)
    page.get_by_label("Outcomes sought").fill(OUTCOME)
    page.locator(".oap-plan__item").first.locator("input[type=checkbox]").first.uncheck()
    page.locator("#oap-plan-item-1-review").fill("2027-03-15")
    page.get_by_label("Review the whole plan on").fill("2027-04-01")
    return [first_id, second_id]


def export(page: Any, tmp_path: Path, name: str = "exported.json") -> tuple[Path, Any]:
    with page.expect_download() as info:
        page.get_by_role("button", name="Export the plan as a file").click()
    path = tmp_path / name
    info.value.save_as(path)
    assert info.value.url.startswith("blob:")
    return path, json.loads(path.read_text(encoding="utf-8"))


def import_file(page: Any, path: Path) -> None:
    page.set_input_files("#oap-plan-import", str(path))


def published_schema(national_site: Path) -> Any:
    return json.loads((national_site / "data" / "support-plan.schema.json").read_text(encoding="utf-8"))


def test_plan_round_trip_add_print_export_forget_import(tab: Any, site_url: str, tmp_path: Path, outside: list[str]) -> None:
    """Add two standards, fill the plan in, print it clean, export it, forget it (nothing left in storage), import
    the file and get the identical plan back; no request leaves the site."""
    ids = make_plan(tab, site_url)
    assert tab.locator("#oap-plan-storage").inner_text().startswith("Saved only in this browser on this device.")
    assert tab.locator("input[name*=name i], #oap-plan input[id*=name i]").count() == 0  # no name field

    tab.emulate_media(media="print")
    try:
        for hidden in (".md-header", ".md-tabs", ".md-sidebar--primary", ".md-footer", "#oap-plan-controls", "#oap-plan-import"):
            assert not tab.locator(hidden).first.is_visible(), f"{hidden} shows in print"
        assert tab.locator("button:visible").count() == 0, "a button shows in print"
        assert tab.locator(".oap-plan__item").first.is_visible()
        assert tab.get_by_label("Pupil reference or initials").is_visible()
        assert not tab.locator(".oap-plan__check--off").first.is_visible()  # an adjustment not chosen is not printed
        tab.screenshot(path="/tmp/support-plan-print.png", full_page=True)
    finally:
        tab.emulate_media(media="screen")

    path, exported = export(tab, tmp_path)
    assert exported == plan_in_storage(tab)
    assert [s["id"] for s in exported["standards"]] == ids
    assert exported["pupil"] == PUPIL and exported["outcomes"] == OUTCOME
    assert exported["standards"][0]["adjustments"][0]["chosen"] is False
    assert exported["standards"][1]["review_date"] == "2027-03-15" and exported["review_date"] == "2027-04-01"
    assert exported["edition"]["version"] and exported["edition"]["date"]
    assert "sessions a week" in exported["standards"][1]["how_often"]  # from the standard's provision records

    tab.get_by_role("button", name="Forget this plan").click()
    left = stored(tab)
    assert not [k for k in left if KEY_PREFIX in k], left
    assert not [k for k, v in left.items() if PUPIL in v or OUTCOME in v or any(i in v for i in ids)], left
    tab.reload()
    assert tab.locator(".oap-plan__item").count() == 0 and tab.get_by_label("Pupil reference or initials").input_value() == ""
    assert not [k for k in stored(tab) if KEY_PREFIX in k]  # opening the page again writes nothing

    import_file(tab, path)
    tab.wait_for_selector(".oap-plan__item")
    assert plan_in_storage(tab) == exported
    assert tab.get_by_label("Pupil reference or initials").input_value() == PUPIL
    _, again = export(tab, tmp_path, "again.json")
    assert again == exported
    assert outside == []


def test_an_exported_plan_validates_against_the_published_schema(tab: Any, site_url: str, tmp_path: Path, national_site: Path) -> None:
    """The file a teacher exports is what data/support-plan.schema.json describes."""
    make_plan(tab, site_url)
    _, exported = export(tab, tmp_path)
    schema = published_schema(national_site)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(exported)


def test_a_plan_from_another_edition_shows_what_is_gone_and_what_changed(
    tab: Any, site_url: str, tmp_path: Path, national_site: Path
) -> None:
    """A plan naming a standard this edition no longer has says so; one whose fingerprint differs is marked changed."""
    make_plan(tab, site_url)
    _, plan = export(tab, tmp_path)
    old = json.loads(json.dumps(plan))
    old["edition"] = {"title": "An earlier edition", "version": "0.0.9", "date": "2026-01-01"}
    old["standards"][1]["fingerprint"] = "sha256:0000000000000000"
    old["standards"].append({**old["standards"][0], "id": "cl-pri-retired-standard", "title": "A standard since withdrawn"})
    jsonschema.Draft202012Validator(published_schema(national_site)).validate(old)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old), encoding="utf-8")
    tab.get_by_role("button", name="Forget this plan").click()
    import_file(tab, path)
    tab.wait_for_selector(".oap-plan__item >> nth=2")
    status = tab.locator(".oap-plan__item").evaluate_all(
        "els => els.map(e => [e.dataset.planId, (e.querySelector('[data-status]') || {dataset: {}}).dataset.status || ''])"
    )
    assert status == [[plan["standards"][0]["id"], ""], [plan["standards"][1]["id"], "changed"], ["cl-pri-retired-standard", "gone"]]
    gone = tab.locator("[data-plan-id='cl-pri-retired-standard'] .oap-plan__warning").inner_text()
    assert gone.startswith("No longer in this edition.")
    assert "changed since the plan was made" in tab.locator("#oap-plan-notice").inner_text()
    assert "0.0.9" in tab.locator("#oap-plan-edition").inner_text()


BROKEN = {
    "not-json.json": ("{ this is not JSON", "it is not a JSON file"),
    "a-list.json": ("[1, 2]", "the file holds array, not a plan"),
    "wrong-format.json": (None, "format should be \u201coap-support-plan\u201d"),
    "with-a-name.json": (None, "the plan: unknown field \u201cname\u201d"),
    "bad-id.json": (None, "standards[0].id \u201cNot An Id\u201d is not a standard's id"),
}


def _broken(name: str, plan: dict[str, Any]) -> str:
    bad = json.loads(json.dumps(plan))
    if name == "wrong-format.json":
        bad["format"] = "something-else"
    elif name == "with-a-name.json":
        bad["name"] = "A Pupil"
    elif name == "bad-id.json":
        bad["standards"][0]["id"] = "Not An Id"
    return json.dumps(bad)


def test_a_broken_file_gives_a_message_and_changes_nothing(tab: Any, site_url: str, tmp_path: Path, national_site: Path) -> None:
    """Each broken file is refused with a message naming what is wrong; the plan in storage and on the page stay as
    they were; the published schema refuses every one of them too."""
    make_plan(tab, site_url)
    _, plan = export(tab, tmp_path)
    before = stored(tab)
    validator = jsonschema.Draft202012Validator(published_schema(national_site))
    for name, (text, reason) in BROKEN.items():
        content = text if text is not None else _broken(name, plan)
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        import_file(tab, path)
        error = tab.locator("#oap-plan-error")
        error.wait_for(state="visible")
        assert error.inner_text() == (
            f"The file \u201c{name}\u201d could not be imported: {reason}. Choose a plan file exported from this page. "
            "Your plan has not changed."
        )
        assert stored(tab) == before, name
        assert tab.get_by_label("Pupil reference or initials").input_value() == PUPIL
        try:
            doc = json.loads(content)
        except json.JSONDecodeError:
            continue
        assert not validator.is_valid(doc), f"the schema accepts {name}"


def test_without_javascript_standards_pages_have_no_plan_buttons(browser: Any, site_url: str) -> None:
    """Without JavaScript no "Add to plan" shows, and the plan page says what to use instead."""
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site_url + STANDARDS)
        assert page.locator(".oap-standard-title").count() > 0
        assert page.locator(".oap-plan-add, [data-plan-id]").count() == 0
        assert page.get_by_text("Add to plan").count() == 0
        page.goto(site_url + PLAN)
        assert page.locator("#oap-plan-nojs").is_visible()
        assert not page.locator("#oap-plan").is_visible()
    finally:
        context.close()


def test_plan_pages_pass_axe_and_fit_phone_and_desktop(tab: Any, site_url: str, outside: list[str]) -> None:
    """No axe-core violations on the plan page (empty, and filled in) or on a standards page and the finder with the
    buttons; at 360 px nothing scrolls sideways. Screenshots go to /tmp for a person to look at."""
    tab.goto(site_url + PLAN)
    assert axe_violations(tab) == []
    make_plan(tab, site_url)
    assert axe_violations(tab) == []
    for url in (STANDARDS, FINDER):
        tab.goto(site_url + url)
        assert tab.locator(".oap-plan-add__button").count() > 0
        assert axe_violations(tab) == [], url
    for size, name in ((PHONE, "360"), (DESKTOP, "1280")):
        tab.set_viewport_size(size)
        for url, what in ((PLAN, "plan"), (STANDARDS, "standards")):
            tab.goto(site_url + url)
            wide = tab.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert wide <= 0, f"{url} scrolls sideways by {wide} px at {name} px"
            if what == "standards":
                tab.locator(".oap-plan-add").first.scroll_into_view_if_needed()
            tab.screenshot(path=f"/tmp/support-plan-{what}-{name}.png", full_page=what == "plan")
    assert outside == []


def test_fingerprint_follows_what_a_plan_shows_not_review_dates() -> None:
    """A standard's fingerprint changes when its adjustments, payers or provision change, and stays when only its
    review dates move (a review that changes nothing must not mark every plan's standards "changed since")."""
    import dataclasses
    import datetime as dt

    from builder import pipeline, supportplan

    from .conftest import ROOT

    edition = pipeline.gather(ROOT)
    s = next(s for s in edition.corpus.standards if s.provision)
    before = supportplan.fingerprint(edition, s)
    reviewed = dataclasses.replace(
        s, last_reviewed=s.last_reviewed + dt.timedelta(days=1), review_due=s.review_due + dt.timedelta(days=400)
    )
    assert supportplan.fingerprint(edition, reviewed) == before
    other_payer = next(i for i in edition.vocab.funding_streams if i not in s.who_pays)
    record = dataclasses.replace(s.provision[0], sessions_per_week=(9, 9))
    for changed in (
        dataclasses.replace(s, adjustments=(*s.adjustments, "A new adjustment")),
        dataclasses.replace(s, who_pays=(other_payer,)),
        dataclasses.replace(s, provision=(record, *s.provision[1:])),
    ):
        assert supportplan.fingerprint(edition, changed) != before
    data = supportplan.plan_data(edition)
    assert data["standards"][s.id]["fingerprint"] == before and "sessions a week" in data["standards"][s.id]["how_often"]


def plan_key(page: Any) -> str:
    """This edition's storage key, as plan.js makes it from the site's path."""
    return (
        KEY_PREFIX
        + ".v1:"
        + str(page.evaluate("() => new URL(document.querySelector('script[src*=\"plan.js\"]').src).pathname")).removesuffix(
            "assets/javascripts/plan.js"
        )
    )


def test_ids_that_name_object_properties_are_not_standards(tab: Any, site_url: str, tmp_path: Path) -> None:
    """An imported or stored id such as "constructor" is a standard this edition does not have (never a property
    every object inherits): it shows as no longer in this edition, nothing reads "undefined", nothing is "changed";
    "__proto__" is not a standard's id at all and the file is refused."""
    make_plan(tab, site_url)
    _, plan = export(tab, tmp_path)
    odd = json.loads(json.dumps(plan))
    odd["standards"].append({**plan["standards"][0], "id": "constructor", "title": "Named constructor"})
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(odd), encoding="utf-8")
    import_file(tab, path)
    tab.wait_for_selector("[data-plan-id='constructor']")
    assert tab.locator("[data-plan-id='constructor'] [data-status]").get_attribute("data-status") == "gone"
    assert tab.locator("[data-plan-id='constructor'] a").count() == 0
    assert "1 of its standards is no longer in this edition" in tab.locator("#oap-plan-notice").inner_text()
    assert "changed" not in tab.locator("#oap-plan-notice").inner_text()
    assert "undefined" not in tab.locator("#oap-plan").inner_text()

    proto = json.loads(json.dumps(plan))
    proto["standards"][0]["id"] = "__proto__"
    path = tmp_path / "proto.json"
    path.write_text(json.dumps(proto), encoding="utf-8")
    import_file(tab, path)
    tab.wait_for_function("() => document.getElementById('oap-plan-error').textContent !== ''")  # the file is read async
    assert "standards[0].id \u201c__proto__\u201d is not a standard's id" in tab.locator("#oap-plan-error").inner_text()

    # Added on another page and waiting to be filled in: the same lookup.
    key = plan_key(tab)
    pending = {**plan, "standards": [{"id": "constructor", "title": "Named constructor", "pending": True}]}
    tab.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(pending)])
    tab.reload()
    tab.wait_for_selector("[data-plan-id='constructor']")
    assert tab.locator("[data-plan-id='constructor'] [data-status]").get_attribute("data-status") == "gone"
    assert "undefined" not in tab.locator("#oap-plan").inner_text()
    assert "undefined" not in stored(tab)["local:" + key]


DAMAGED = {
    "standard-not-an-object": lambda p: {**p, "standards": [5]},
    "adjustments-missing": lambda p: {**p, "standards": [{k: v for k, v in p["standards"][0].items() if k != "adjustments"}]},
    "who-pays-text": lambda p: {**p, "standards": [{**p["standards"][0], "who_pays": "the school"}]},
    "edition-missing": lambda p: {k: v for k, v in p.items() if k != "edition"},
    "pending-without-id": lambda p: {**p, "standards": [{"title": "A standard", "pending": True}]},
}


def test_a_damaged_stored_plan_still_shows_the_page_and_can_be_forgotten(tab: Any, site_url: str, tmp_path: Path) -> None:
    """A plan in storage that is not what plan.js writes (hand-edited, or from a faulty older version) does not stop
    the page: it shows an empty plan with a plain message, and "Forget this plan" removes the damaged entry."""
    make_plan(tab, site_url)
    _, plan = export(tab, tmp_path)
    key = plan_key(tab)
    for name, damage in DAMAGED.items():
        tab.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(damage(plan))])
        tab.reload()
        assert tab.locator("#oap-plan").is_visible(), name
        assert tab.locator(".oap-plan__item").count() == 0, name
        assert tab.locator("#oap-plan-notice").inner_text().startswith("The plan saved in this browser could not be read"), name
        tab.get_by_role("button", name="Forget this plan").click()
        assert "local:" + key not in stored(tab), name


def test_forgetting_this_plan_leaves_another_editions_plan(tab: Any, site_url: str) -> None:
    """Two editions on one host keep their plans under different keys: forgetting this one leaves the other."""
    make_plan(tab, site_url)
    other = KEY_PREFIX + ".v1:/a-council-edition/"
    assert plan_key(tab) != other
    tab.evaluate("([k, v]) => localStorage.setItem(k, v)", [other, '{"the other": "plan"}'])
    tab.get_by_role("button", name="Forget this plan").click()
    assert stored(tab) == {"local:" + other: '{"the other": "plan"}'}

"""`oap import-services`: a council's Open Referral UK feed imported into its folder, run as the real command.

The feed is tests/fixtures/oruk/feed.json, the fictional directory of the example council: SEND terms that map, an
unmappable term on services that are still imported, services that cannot be imported (no need type, defunct), a
service without contacts, and HTML, Markdown and invisible characters in its text.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.markup import render_markdown
from builder.oruk import md_text

from .conftest import ROOT, run_oap

EXAMPLE = ROOT / "examples" / "northbrook-and-fenmoor"
FEED = ROOT / "tests" / "fixtures" / "oruk" / "feed.json"
EXPECTED = {
    # id: (name, need types, phases)
    "little-steps-portage": ("Little Steps Portage", ["MLD", "SLD", "PMLD"], ["early-years"]),
    "fenmoor-autism-outreach": ("Fenmoor Autism Outreach", ["ASD"], ["primary"]),
    "hearing-support-team": ("Hearing Support Team", ["HI"], ["early-years", "primary", "secondary", "post-16"]),
    "moving-on-preparing-for-adulthood": ("Moving On: preparing for adulthood", ["MLD"], ["post-16"]),
    "wellbeing-and-resilience-drop-in": ("Wellbeing & Resilience Drop-in", ["SEMH"], ["secondary"]),
}
"""What the fixture feed's five importable services become: terms to need types, ages to phases."""


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def council(tmp_path: Path) -> Path:
    """A copy of the example council to import into."""
    folder = tmp_path / "northbrook-and-fenmoor"
    shutil.copytree(EXAMPLE, folder)
    return folder


def import_feed(council: Path, *feeds: Path) -> Any:
    result = run_oap("import-services", *map(str, feeds or (FEED,)), "--council", str(council))
    assert "Traceback" not in result.stderr
    return result


def imported(council: Path) -> list[dict[str, Any]]:
    return yaml.safe_load((council / "services-imported.yaml").read_text(encoding="utf-8"))["services"]


def feed_with(change: Any) -> dict[str, Any]:
    data = json.loads(FEED.read_text(encoding="utf-8"))
    change(data)
    return data


def write_feed(tmp: Path, data: Any, name: str = "changed.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- the acceptance: idempotent, and nothing unmapped dropped silently ----------------------------------------------
def test_importing_twice_gives_the_same_files(council: Path) -> None:
    before = (council / "council.yaml").read_text(encoding="utf-8")
    first = import_feed(council)
    assert first.returncode == 0, first.stderr
    after_one = digest(council)
    second = import_feed(council)
    assert second.returncode == 0, second.stderr
    assert digest(council) == after_one
    assert "nothing changed: the files were already up to date" in second.stdout
    text = (council / "council.yaml").read_text(encoding="utf-8")
    # council.yaml is the council's: every line and comment stays, and the import only adds its key at the end
    assert text.startswith(before)
    assert text[len(before) :].splitlines()[-1] == "imported_services: services-imported.yaml"
    assert yaml.safe_load(text)["services"] == yaml.safe_load(before)["services"]


def test_unmappable_terms_and_services_are_reported(council: Path) -> None:
    result = import_feed(council)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    i = lines.index(f"Terms not mapped to a need type or phase (add them to {council}/oruk-terms.yaml):")
    assert lines[i + 1 : i + 4] == [
        "  Bereavement (esdCircumstances (fictional codes)): used by Fenmoor Bereavement Support",
        "  Libraries (Local service types): used by Fenmoor Libraries Rhyme Time",
        "  Young carers (esdCircumstances (fictional codes)): used by Fenmoor Autism Outreach, Wellbeing & Resilience Drop-in",
    ]
    skipped = lines[lines.index("Not imported:") + 1 : lines.index("Changed on the way in:")]
    assert [re.sub(r" \(id [0-9a-f-]+\)", "", s) for s in skipped] == [
        "  'Fenmoor Libraries Rhyme Time': none of its terms names a need type",
        "  'Summer Sensory Club': its status is 'defunct', and only active services are listed",
        "  'Fenmoor Bereavement Support': none of its terms names a need type",
    ]
    header = (council / "services-imported.yaml").read_text(encoding="utf-8").split("\nservices:")[0]
    assert "#   Young carers (esdCircumstances (fictional codes)): used by Fenmoor Autism Outreach" in header
    assert "#   'Fenmoor Bereavement Support' (id " in header


def test_terms_map_to_need_types_and_ages_to_phases(council: Path) -> None:
    assert import_feed(council).returncode == 0
    services = imported(council)
    feed = {s["name"]: s["id"] for s in json.loads(FEED.read_text(encoding="utf-8"))["contents"]}
    assert {s["id"]: (s["name"], s["need_types"], s["phases"]) for s in services} == EXPECTED
    for s in services:  # each keeps the feed's id, to be updated in place next time
        assert s["oruk_id"] == feed[s["name"] if "&" not in s["name"] else "Wellbeing &amp; Resilience Drop-in\u202e"]
    by_id = {s["id"]: s for s in services}
    assert "contacts" not in by_id["hearing-support-team"]  # the feed gives it none
    assert by_id["little-steps-portage"]["contacts"] == [
        {"name": "Portage coordinator", "email": "portage@northbrook-and-fenmoor.example.invalid", "phone": "01632 960 201"}
    ]
    # a mailto with a hidden bcc, and a phone with an extension, are left out (and said so), never published
    assert by_id["moving-on-preparing-for-adulthood"]["contacts"] == [{"name": "Moving On team", "phone": "01632 960203"}]
    assert by_id["wellbeing-and-resilience-drop-in"]["contacts"] == [
        {"name": "General enquiries", "email": "dropin@northbrook-and-fenmoor.example.invalid"}
    ]


def test_feed_text_is_only_text(council: Path) -> None:
    assert import_feed(council).returncode == 0
    by_id = {s["id"]: s for s in imported(council)}
    assert by_id["little-steps-portage"]["description"] == (
        "Home visits for families of young children with complex needs.\n\n- Play-based learning at home\n- Help to get ready for nursery"
    )
    autism = by_id["fenmoor-autism-outreach"]["description"]
    assert "<script" not in autism and "alert('feed')" not in autism and "onerror" not in autism
    assert autism.endswith(r"\*\*not bold\*\* \[not a link\](javascript:alert('md'))")
    assert by_id["hearing-support-team"]["description"].splitlines()[2:5] == [r"\# not a heading", "", r"1\. not a numbered list"]
    assert by_id["wellbeing-and-resilience-drop-in"]["name"] == "Wellbeing & Resilience Drop-in"  # no U+202E, no &amp;


@pytest.mark.parametrize(
    "text",
    [
        "**not bold** and _not em_ and `not code`",
        "[not a link](javascript:alert(1)) ![nor an image](x.png)",
        "# not a heading",
        "> not a quote",
        "- not a list",
        "+ not a list",
        "1. not a numbered list",
        "<https://not.an.autolink.example.invalid>",
        "<b>not bold</b> &amp; not an entity",
        "a \\ backslash, * star, __under__",
    ],
)
def test_md_text_shows_exactly_the_text(text: str) -> None:
    """What the import writes as Markdown renders, on the site, to exactly the feed's text: no markup from the feed."""
    rendered = str(render_markdown(md_text(text)))
    assert re.fullmatch(r"<p>[^<]*</p>", rendered), rendered
    assert html.unescape(rendered[3:-4]) == text


# -- updating in place, hand-written services, services gone from the feed -------------------------------------------
def test_hand_written_services_are_never_imported_over(council: Path) -> None:
    feed = json.loads(FEED.read_text(encoding="utf-8"))["contents"]
    autism_id = next(s["id"] for s in feed if s["name"] == "Fenmoor Autism Outreach")
    data = yaml.safe_load((council / "council.yaml").read_text(encoding="utf-8"))
    hand = {
        "id": "autism-outreach",
        "oruk_id": autism_id,
        "name": "Autism Outreach (written by hand)",
        "description": "Our own words.",
        "need_types": ["ASD"],
        "phases": ["primary", "secondary"],
        "url": "https://www.northbrook-and-fenmoor.example.invalid/autism",
    }
    clash = {**hand, "id": "hearing-support-team", "oruk_id": "not-in-the-feed", "name": "Same id as an imported one"}
    with (council / "council.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment of the council's own\n")
    text = (council / "council.yaml").read_text(encoding="utf-8")
    added = "  " + yaml.safe_dump([hand, clash], sort_keys=False).replace("\n", "\n  ").rstrip()
    text = text.replace("\n\nnotes:\n", "\n" + added + "\n\nnotes:\n", 1)
    text = text.replace("\nservices:\n", "\nservices:\n  # hand-written services follow\n", 1)
    (council / "council.yaml").write_text(text, encoding="utf-8")
    assert len(yaml.safe_load(text)["services"]) == len(data["services"]) + 2
    result = import_feed(council)
    assert result.returncode == 0, result.stderr
    after = (council / "council.yaml").read_text(encoding="utf-8")
    assert after.startswith(text)  # not a character of the hand-written file changed
    assert f"  'autism-outreach' (oruk_id {autism_id}): written in council.yaml, so not imported over" in result.stdout
    ids = [s["id"] for s in imported(council)]
    assert "fenmoor-autism-outreach" not in ids and "autism-outreach" not in ids
    assert "hearing-support-team-2" in ids  # the hand-written id is kept; the imported service takes another
    assert run_oap("check", "--council", str(council)).returncode == 0


def test_a_service_gone_from_the_feed_is_reported_and_ids_stay(council: Path, tmp_path: Path) -> None:
    assert import_feed(council).returncode == 0
    hearing = next(s for s in imported(council) if s["id"] == "hearing-support-team")

    def change(data: dict[str, Any]) -> None:
        data["contents"] = [s for s in data["contents"] if s["id"] != hearing["oruk_id"]]
        data["contents"][0]["name"] = "Little Steps Portage (renamed)"

    result = import_feed(council, write_feed(tmp_path, feed_with(change)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    gone = lines.index("No longer in the feed (removed from the imported services):")
    assert lines[gone + 1] == f"  'Hearing Support Team' (oruk_id {hearing['oruk_id']})"
    by_id = {s["id"]: s for s in imported(council)}
    assert "hearing-support-team" not in by_id
    # updated in place: the new name, under the id its pages and links already use
    assert by_id["little-steps-portage"]["name"] == "Little Steps Portage (renamed)"
    hand = yaml.safe_load((council / "council.yaml").read_text(encoding="utf-8"))["services"]
    assert [s["id"] for s in hand] == [s["id"] for s in yaml.safe_load((EXAMPLE / "council.yaml").read_text(encoding="utf-8"))["services"]]


def test_a_feed_of_two_pages_and_older_age_fields(council: Path, tmp_path: Path) -> None:
    """Every page of a paginated feed, named together, imports as the whole feed; ages may come as ORUK's earlier
    eligibilitys list; a service with no ages and no phase term, or a very long description, is dealt with and said."""
    whole = json.loads(FEED.read_text(encoding="utf-8"))
    contents = whole["contents"]
    hearing = next(s for s in contents if s["name"] == "Hearing Support Team")
    hearing["eligibilitys"] = [{"id": "e1", "eligibility": "Deaf children", "minimum_age": 0, "maximum_age": 25}]
    del hearing["minimum_age"], hearing["maximum_age"]
    portage = next(s for s in contents if s["name"] == "Little Steps Portage")
    portage["description"] = "<p>" + "Long words here. " * 400 + "</p>"
    autism = next(s for s in contents if s["name"] == "Fenmoor Autism Outreach")
    del autism["minimum_age"], autism["maximum_age"]
    pages = [
        {**whole, "page_number": 1, "total_pages": 2, "last_page": False, "contents": contents[:4]},
        {**whole, "page_number": 2, "total_pages": 2, "first_page": False, "contents": contents[4:]},
    ]
    result = import_feed(council, write_feed(tmp_path, pages[1], "page2.json"), write_feed(tmp_path, pages[0], "page1.json"))
    assert result.returncode == 0, result.stderr
    by_id = {s["id"]: s for s in imported(council)}
    assert set(by_id) == set(EXPECTED) - {"fenmoor-autism-outreach"}
    assert by_id["hearing-support-team"]["phases"] == EXPECTED["hearing-support-team"][2]
    assert f"  'Fenmoor Autism Outreach' (id {autism['id']}): it gives no ages and no phase term" in result.stdout.splitlines()
    assert (
        f"  'Little Steps Portage' (id {portage['id']}): description shortened to 4,000 characters (the full text is on its web page)"
        in (result.stdout.splitlines())
    )
    assert len(by_id["little-steps-portage"]["description"]) <= 4000
    assert by_id["little-steps-portage"]["description"].endswith(" words …")


def test_a_council_adds_its_own_terms(council: Path) -> None:
    (council / "oruk-terms.yaml").write_text(
        "# Our directory's own words\nterms:\n  - match: [bereavement]\n    need_types: [SEMH]\n  - match: [Young Carers]\n    need_types: []\n",
        encoding="utf-8",
    )
    result = import_feed(council)
    assert result.returncode == 0, result.stderr
    assert "Young carers" not in result.stdout and "Bereavement (" not in result.stdout
    bereavement = next(s for s in imported(council) if s["name"] == "Fenmoor Bereavement Support")
    assert (bereavement["need_types"], bereavement["phases"]) == (["SEMH"], ["early-years", "primary", "secondary", "post-16"])


def test_a_council_terms_file_is_checked(council: Path) -> None:
    (council / "oruk-terms.yaml").write_text("terms:\n  - match: [Bereavement]\n    need_types: [GRIEF]\n", encoding="utf-8")
    before = digest(council)
    result = import_feed(council)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].endswith(
        "oruk-terms.yaml:3:18: terms[0].need_types[0]: unknown need type 'GRIEF' (known: SLCN, ASD, SPLD, MLD, SLD, PMLD, SEMH, HI, VI, MSI, PD, OTH)"
    )
    assert digest(council) == before


# -- bad feeds: a located message, exit 1, nothing written ------------------------------------------------------------
GOOD = json.loads(FEED.read_text(encoding="utf-8"))


def _svc(**fields: Any) -> dict[str, Any]:
    return {**GOOD["contents"][2], **fields}


BAD_FEEDS = {
    "not-json": (
        '{"contents": [\n  {"id": "a", "name": "A"}\n  {"id": "b"}\n]}',
        ["feed.json:3:3: not valid JSON: Expecting ',' delimiter (save the feed exactly as the service directory sent it)"],
    ),
    "empty": ("  \n", ["feed.json: file is empty (expected an Open Referral UK services feed: JSON)"]),
    "text-not-feed": ('"services"', ["feed.json:1:1: expected a mapping of keys and values, found text"]),
    "no-contents": ('{"total_items": 0}', ["feed.json:1:1: contents: missing ('contents' is required here)"]),
    "contents-not-a-list": ('{"contents": {"id": "a"}}', ["feed.json:1:14: contents: expected a list, found a mapping of keys and values"]),
    "one-service": (
        json.dumps(_svc()),
        ["feed.json:1:1: this is one service; save the feed's /services page (an object with a contents list), or a list of services"],
    ),
    "missing-name-and-number-id": (
        json.dumps({"contents": [{"id": 7, "description": "x"}]}, indent=1),
        [
            "feed.json:3:3: contents[0].name: missing ('name' is required here)",
            "feed.json:4:10: contents[0].id: expected text, found a whole number",
        ],
    ),
    "age-as-text": (
        json.dumps([_svc(minimum_age="five")], indent=1),
        ["feed.json:9:18: [0].minimum_age: expected a number, found text"],
    ),
    "duplicate-id": (
        json.dumps({"contents": [_svc(), _svc(name="Again")]}, indent=1),
        [
            "feed.json:40:10: contents[1].id: the feed lists id '7162251f-7108-5fcc-8e1f-7767b2115ff0' twice (first at feed.json:4); each service's id must be unique"
        ],
    ),
    "a-page-missing": (
        json.dumps({"page_number": 1, "total_pages": 2, "contents": [_svc()]}),
        [
            "feed.json: the feed has 2 pages and page 2 is not given (save every page of /services and name every file, or services on the missing pages would be reported as gone)"
        ],
    ),
    "nan": ('{"contents": [{"id": "a", "name": "A", "minimum_age": NaN}]}', ["feed.json: not valid JSON: NaN is not a number JSON allows"]),
}


@pytest.mark.parametrize("name", sorted(BAD_FEEDS))
def test_a_bad_feed_is_located_and_nothing_is_written(name: str, council: Path, tmp_path: Path) -> None:
    text, expected = BAD_FEEDS[name]
    (tmp_path / "feed.json").write_text(text, encoding="utf-8")
    before = digest(council)
    result = run_oap("import-services", str(tmp_path / "feed.json"), "--root", str(ROOT), "--council", str(council), cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1 and result.stdout == ""
    n = len(expected)
    assert result.stderr.splitlines() == [*expected, f"{n} problem{'s' if n != 1 else ''} found; nothing was written."]
    assert digest(council) == before


def test_a_broken_council_yaml_stops_the_import(council: Path) -> None:
    text = (council / "council.yaml").read_text(encoding="utf-8").replace('primary_colour: "#1b5e20"', 'primary_colour: "#ffff00"')
    (council / "council.yaml").write_text(text, encoding="utf-8")
    before = digest(council)
    result = import_feed(council)
    assert result.returncode == 1
    assert "primary_colour '#ffff00' has contrast" in result.stderr
    assert f"{council}/council.yaml:" in result.stderr  # the real file, not the copy the import checks
    assert digest(council) == before


# -- the reader sees them: a real build ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def imported_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example council with the fixture feed imported, built with `oap build --council --no-pdf`."""
    tmp = tmp_path_factory.mktemp("imported")
    council = tmp / "northbrook-and-fenmoor"
    shutil.copytree(EXAMPLE, council)
    assert import_feed(council).returncode == 0
    check = run_oap("check", "--council", str(council))
    assert check.returncode == 0, check.stderr
    out = tmp / "site"
    build = run_oap("build", "--council", str(council), "--no-pdf", "--out", str(out))
    assert build.returncode == 0, build.stderr
    return council, out


@pytest.mark.slow  # builds the whole national site as the council's edition
def test_imported_services_are_on_the_built_site(imported_site: tuple[Path, Path]) -> None:
    council, out = imported_site
    vocab = yaml.safe_load((ROOT / "standards" / "vocabularies" / "need-types.yaml").read_text(encoding="utf-8"))["need_types"]
    area_of = {n["id"]: n.get("area") for n in vocab}
    for sid, (name, need_types, phases) in EXPECTED.items():
        for area in {area_of[n] for n in need_types}:
            for phase in phases:
                page = (out / "standards" / area / phase / "index.html").read_text(encoding="utf-8")
                assert f'id="service-{sid}"' in page, (sid, area, phase)
                assert html.escape(name, quote=False) in page
        families = (out / "families" / phases[0] / "index.html").read_text(encoding="utf-8")
        assert f'id="service-{sid}"' in families
    page = (out / "standards" / "communication-and-interaction" / "primary" / "index.html").read_text(encoding="utf-8")
    block = page[page.index('id="service-fenmoor-autism-outreach"') :]
    block = block[: block.index("</ul>")]
    assert (
        "**not bold** [not a link](javascript:alert(&#x27;md&#x27;))" in block
        or "**not bold** [not a link](javascript:alert('md'))" in block
    )
    assert "<script" not in block and "javascript:" not in re.findall(r'href="([^"]*)"', block)
    assert "alert('feed')" not in page and "onerror" not in page
    data = json.loads((out / "data" / "oruk" / "services.json").read_text(encoding="utf-8"))
    by_name = {s["name"]: s["id"] for s in data["contents"]}
    for s in imported(council):  # published under the directory's own ids
        assert by_name[s["name"]] == s["oruk_id"]


@pytest.mark.slow  # the same build, opened in Chromium
def test_imported_services_in_a_real_browser(imported_site: tuple[Path, Path], browser: Any) -> None:
    """A reader on the primary autism page sees the imported service and the feed's odd text as text; nothing runs."""
    _, out = imported_site
    dialogs: list[str] = []
    page = browser.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto((out / "standards" / "communication-and-interaction" / "primary" / "index.html").as_uri())
        heading = page.locator("#service-fenmoor-autism-outreach")
        assert heading.is_visible() and heading.inner_text().startswith("Fenmoor Autism Outreach")
        service = page.locator(".oap-local-description").filter(has_text="Specialist teachers who visit primary schools.")
        assert service.count() == 1
        assert "**not bold** [not a link](javascript:alert('md'))" in service.inner_text()
        assert page.evaluate("document.querySelectorAll('article script, article img, article [onerror]').length") == 0
    finally:
        page.close()
    assert dialogs == []


def test_the_import_fetches_nothing(council: Path, tmp_path: Path) -> None:
    """Web addresses in the feed (service pages, term URIs, logos, a schema link, HTML images) are never fetched."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    host = f"127.0.0.1:{server.getsockname()[1]}"
    connections: list[Any] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    def lure(data: dict[str, Any]) -> None:
        data["$schema"] = f"http://{host}/schema.json"
        for i, svc in enumerate(data["contents"]):
            svc["url"] = f"http://{host}/service-{i}"
            svc["description"] += f' <img src="http://{host}/{i}.png"> <link rel="stylesheet" href="http://{host}/{i}.css">'
            svc["organization"]["logo"] = f"http://{host}/logo.png"
            for attribute in svc["attributes"]:
                attribute["taxonomy_term"]["term_uri"] = f"http://{host}/term"

    try:
        result = import_feed(council, write_feed(tmp_path, feed_with(lure)))
    finally:
        stop.set()
        thread.join()
        server.close()
    assert result.returncode == 0, result.stderr
    assert connections == []
    assert all(s["url"].startswith(f"http://{host}/service-") for s in imported(council))


@pytest.mark.parametrize("name", ["../outside.yaml", "council.yaml"])
def test_imported_services_must_name_a_file_of_its_own(name: str, council: Path) -> None:
    with (council / "council.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"imported_services: {name}\n")
    before = digest(council)
    result = import_feed(council)
    assert result.returncode == 1
    line = (council / "council.yaml").read_text(encoding="utf-8").count("\n")
    assert result.stderr.splitlines()[0] == (
        f"{council}/council.yaml:{line}:20: imported_services: '{name}' is not a file name in the council folder "
        "(a name ending .yaml, e.g. services-imported.yaml), not council.yaml or oruk-terms.yaml"
    )
    assert digest(council) == before and not (council.parent / "outside.yaml").exists()

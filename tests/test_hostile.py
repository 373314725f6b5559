"""Hostile content: markup, script, event handlers and javascript: links in every text field never become markup.

One fixture project puts payloads into every text field of a national standard, of every vocabulary entry and of a
council's overlay. Its national and council editions are built with the real `oap build` (PDFs included), and
checked three ways: the HTML (no script but Material's and ours, no on* attribute, no javascript: URL, the payloads
visible as text), the print HTML and PDF text, and a real Chromium that would set window.__pwned or open a dialog if
any payload ran.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import http.server
import re
import shutil
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder.load import load_yaml

from .conftest import ROOT, make_project, run_oap, site_path

PWNED = "window.__pwned=1"
"""What every payload would run: the browser test checks the flag stays unset."""
STANDARD_FULL = ("summary", "for_families", "signs", "adjustments", "funding_note", "access_route")
STANDARD_PIECES = {"search_words": "sw"}
"""Fields whose items are short (a search word is at most 80 characters), and the name their items carry: each vector of
full() is one item."""
STANDARD_SHORT = ("title",)
VOCAB_TEXT = {
    "areas": ("name", "description", "source"),
    "phases": ("name", "ages", "description"),
    "tiers": ("name", "description", "source"),
    "need_types": ("name", "description", "source", "search_words"),
    "settings": ("name", "description"),
    "providers": ("name", "description", "search_words"),
    "funding_streams": ("name", "description", "budget_holder", "source", "notes"),
    "legal_bases": ("name", "citation", "description"),
    "evidence": ("name", "publisher", "description"),
    "glossary": ("term", "meaning", "expansion"),
    "facts": ("value", "applies", "description", "source"),
    "law_today": ("text",),
    "wording": ("paragraphs", "items", "title", "source"),
    "rates": ("name", "covers", "applies", "source"),
    "sen_information_report": ("title", "must_say", "source"),
    "inclusion_strategy": ("heading", "what_goes_here", "source"),
}
"""The text fields of each vocabulary's entries (ids, codes, enums, URLs and numbers are checked by the schema)."""
SCHOOL_ONLY = {"sen_information_report", "inclusion_strategy"}
"""Vocabularies only a school's edition shows (builder/school.py; its hostile text is tested in test_school.py)."""
VOCAB_SHOWN = [f"{kind}.{name}" for kind, fields in VOCAB_TEXT.items() if kind not in SCHOOL_ONLY for name in fields[:2]]
"""Vocabulary fields every edition shows somewhere (the name and its explanation, a fact's value and period, the law
today's points); the others may not be shown."""
COUNCIL_NAME = "Testshire & Hostile [link](javascript:window.__pwned=1) {: onclick=window.__pwned=1 } *x*"
"""The council schema refuses < > \" ` and \\ in the name (it goes into the page header); everything else is tried."""
COUNCIL_MARKDOWN = ("note", "service.description", "band.description", "contact.description")
DANGEROUS_TAGS = {"script", "img", "iframe", "object", "embed", "form", "input", "button", "base", "meta", "link", "style", "svg", "math"}
"""Elements that data must never add to the content area (compared with a clean build of the same pages)."""
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background"}


def full(name: str) -> str:
    """Every vector at once: raw HTML, script, handlers, javascript: links in HTML and Markdown, attr_list."""
    return (
        f'{name}: <script>{PWNED}</script> <img src=x onerror="{PWNED}"> '
        f'<a href="javascript:{PWNED}" onclick="{PWNED}">a</a> [md link](javascript:{PWNED}) '
        f'![md image](x "t" onerror={PWNED}) <svg/onload={PWNED}> {{: onclick="{PWNED}" }} &amp; &lt;b&gt;'
    )


def pieces(name: str) -> list[str]:
    """full()'s vectors one at a time, for a list whose items have a short length limit."""
    return [
        f"{name}: <script>{PWNED}</script>",
        f'{name}: <img src=x onerror="{PWNED}">',
        f'{name}: <a href="javascript:{PWNED}" onclick="{PWNED}">a</a>',
        f"{name}: [md link](javascript:{PWNED})",
        f'{name}: ![md image](x "t" onerror={PWNED})',
        f"{name}: <svg/onload={PWNED}>",
        f'{name}: {{: onclick="{PWNED}" }} &amp; &lt;b&gt;',
    ]


def short(name: str) -> str:
    """For fields with a length limit: a title breakout, an image with a handler, attr_list."""
    return f"{name}: </title><img src=x onerror={PWNED}>{{: onclick={PWNED} }}"


BLOCK = f'\n<div onmouseover="{PWNED}">block</div>\n\n{{: onclick="{PWNED}" }}\n    <script>{PWNED}</script>\n[ref]: javascript:{PWNED}\n'
"""Payloads on lines of their own, where Markdown would treat them as blocks, code or link definitions."""


def hostile_standard(*, fact: str | None = None, proposal: str | None = None) -> dict[str, Any]:
    """A targeted-plus standard (so access_route shows) with a payload in every text field.

    With a fact id, the summary cites it (the fact's own fields carry payloads); with a proposed id, the standard has a
    "What may change" note with a payload.
    """
    change = {"what_may_change": {"text": full("what_may_change") + BLOCK, "proposals": [proposal]}} if proposal else {}
    return {
        "id": "cl-pri-hostile",
        "title": short("title"),
        "area": "cognition-and-learning",
        "phase": "primary",
        "tier": "targeted-plus",
        "need_types": ["SPLD"],
        "summary": full("summary") + (f" {{fact:{fact}}}" if fact else "") + BLOCK,
        "for_families": full("for_families") + BLOCK,
        "signs": [full("signs")],
        "adjustments": [full("adjustments"), "b", "c", "d"],
        "who_provides": ["class-teacher"],
        "who_pays": ["school-core-budget", "high-needs-top-up"],
        "funding_note": full("funding_note"),
        "access_route": full("access_route") + BLOCK,
        "legal_basis": ["cop-6-44"],
        "evidence": ["eef-send-1"],
        "search_words": [*pieces("sw"), short("sw")],  # at most 80 characters each
        "last_reviewed": "2026-11-01",
        "review_due": "2027-11-01",
        **change,
    }


def hostile_council() -> dict[str, Any]:
    """A council overlay with payloads in its plain-text and its Markdown fields."""
    return {
        "name": COUNCIL_NAME,
        "slug": "testshire",
        "fictional": True,
        "guide_name": short("guide")[:80],
        "branding": {"primary_colour": "#1d4f91"},
        "contacts": [
            {
                "name": short("contact.name"),
                "role": "send-team",
                "description": full("contact.description")[:300],
                "email": "send@testshire.example.invalid",
                "hours": short("contact.hours"),
            }
        ],
        "services": [
            {
                "id": "reading-service",
                "name": short("service.name"),
                "description": full("service.description") + BLOCK,
                "need_types": ["SPLD"],
                "phases": ["primary"],
                "url": "https://testshire.example.invalid/reading",
            }
        ],
        "notes": {"cl-pri-hostile": full("note") + BLOCK},
        "funding_bands": [
            {
                "name": short("band.name")[:80],
                "amount": short("band.amount")[:80],
                "description": full("band.description")[:400],
                "funding_stream": "high-needs-top-up",
            }
        ],
    }


def poison_vocabularies(root: Path) -> None:
    """Add a payload to every text field of every vocabulary entry, keeping the files valid."""
    for path in sorted((root / "standards" / "vocabularies").glob("*.yaml")):
        doc, problems = load_yaml(path, path.name)
        assert doc is not None, problems
        ((kind, entries),) = doc.data.items()
        for entry in entries:
            for point in entry.get("points", []):
                point["text"] += " " + short(f"{kind}.text")
            for name in VOCAB_TEXT[kind]:
                if isinstance(entry.get(name), str):
                    entry[name] += " " + short(f"{kind}.{name}")
                elif isinstance(entry.get(name), list):
                    entry[name].append(short(f"{kind}.{name}"))
            for amount in entry.get("amounts", []):
                for name in ("amount", "applies", "source"):
                    amount[name] += " " + short(f"amounts.{name}")
        path.write_text(yaml.safe_dump(doc.data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")


def first_id(path: Path, kind: str, status: str | None = None) -> str | None:
    """The first id in a real vocabulary (with this status), if the vocabulary exists."""
    if not path.is_file():
        return None
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))[kind]
    return next((e["id"] for e in entries if status is None or e.get("status") == status), None)


def hostile_project(folder: Path) -> Path:
    """The fixture project: hostile standard, hostile vocabularies, hostile council folder."""
    vocab = ROOT / "standards" / "vocabularies"
    fact, proposal = first_id(vocab / "facts.yaml", "facts"), first_id(vocab / "legal-bases.yaml", "legal_bases", "proposed")
    standard = yaml.safe_dump(
        {"standards": [hostile_standard(fact=fact, proposal=proposal)]}, sort_keys=False, allow_unicode=True, width=1000
    )
    root = make_project(folder, {"standards/cognition-and-learning/primary.yaml": standard}, site=True)
    poison_vocabularies(root)
    (root / "council").mkdir()
    council = yaml.safe_dump(hostile_council(), sort_keys=False, allow_unicode=True, width=1000)
    (root / "council" / "council.yaml").write_text(council, encoding="utf-8")
    return root


# -- reading the built HTML ---------------------------------------------------------------------------------------
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class PageScan:
    """What one HTML page holds: scripts, event handlers, script URLs, dangerous elements in the content, its text."""

    scripts: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    script_urls: list[str] = field(default_factory=list)
    content_tags: collections.Counter[str] = field(default_factory=collections.Counter)
    text: str = ""


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self.stack: list[tuple[str, bool]] = []  # (tag, opens the content area)
        self.words: list[str] = []
        self.raw_text = 0

    def _in_content(self) -> bool:
        return any(content for _, content in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        self.scan.handlers += [f"<{tag} {k}>" for k in a if k.startswith("on")]
        for k, v in a.items():
            if k in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", v).lower().startswith(("javascript:", "vbscript:", "data:text/html")):
                self.scan.script_urls.append(f"<{tag} {k}={v!r}>")
        if tag == "script":
            self.scan.scripts.append(a.get("src") or "inline")
        if self._in_content() and tag in DANGEROUS_TAGS:
            self.scan.content_tags[tag] += 1
        if tag in ("script", "style"):
            self.raw_text += 1
        if tag not in _VOID:
            self.stack.append((tag, tag == "article" and "md-content__inner" in a.get("class", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.raw_text = max(0, self.raw_text - 1)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.raw_text:
            self.words.append(data)


def scan_html(html: str) -> PageScan:
    parser = _Scanner()
    parser.feed(html)
    parser.close()
    parser.scan.text = " ".join(" ".join(parser.words).split())
    return parser.scan


def scan_site(site: Path) -> dict[str, PageScan]:
    return {p.relative_to(site).as_posix(): scan_html(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def visible(text: str) -> str:
    return " ".join(text.split())


# -- the builds ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Builds:
    root: Path
    clean: dict[str, PageScan]
    sites: dict[str, Path]
    """'national' and 'council': the hostile project's two editions."""


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """A clean build (the baseline of scripts and elements) and the hostile project's two editions, with PDFs."""
    tmp = tmp_path_factory.mktemp("hostile")
    clean = make_project(tmp / "clean", site=True)
    result = run_oap("build", "--no-pdf", "--root", str(clean), "--out", str(tmp / "clean-site"))
    assert result.returncode == 0, result.stderr
    root = hostile_project(tmp / "project")
    sites = {"national": tmp / "national", "council": tmp / "council"}
    for edition, out in sites.items():
        extra = ["--council", str(root / "council")] if edition == "council" else []
        result = run_oap("build", "--root", str(root), "--out", str(out), *extra)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    return Builds(root, scan_site(tmp / "clean-site"), sites)


EDITIONS = ["national", "council"]


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_script_but_materials_and_ours(builds: Builds, edition: str) -> None:
    """Every page loads the same scripts as the same page of a clean build; no page adds a script of its own."""
    known = {s for page in builds.clean.values() for s in page.scripts}
    for name, page in scan_site(builds.sites[edition]).items():
        if name in builds.clean:
            assert page.scripts == builds.clean[name].scripts, name
        else:
            assert set(page.scripts) <= known, (name, page.scripts)


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_event_handler_or_script_url_anywhere(builds: Builds, edition: str) -> None:
    for name, page in scan_site(builds.sites[edition]).items():
        assert page.handlers == [], (name, page.handlers[:5])
        assert page.script_urls == [], (name, page.script_urls[:5])


@pytest.mark.parametrize("edition", EDITIONS)
def test_content_gains_no_element_from_data(builds: Builds, edition: str) -> None:
    """Images, frames, forms, styles and the like in the content area: exactly as many as in a clean build."""
    for name, page in scan_site(builds.sites[edition]).items():
        assert page.content_tags == (builds.clean[name].content_tags if name in builds.clean else collections.Counter()), name


@pytest.mark.parametrize("edition", EDITIONS)
def test_payloads_are_shown_as_text(builds: Builds, edition: str) -> None:
    text = " ".join(page.text for page in scan_site(builds.sites[edition]).values())
    for name in STANDARD_FULL:
        assert visible(full(name)) in text, name
    for name in STANDARD_SHORT:
        assert visible(short(name)) in text, name
    for name in STANDARD_PIECES.values():
        for piece in pieces(name):
            assert visible(piece) in text, piece
    assert f'<div onmouseover="{PWNED}">block</div>' in text and f"[ref]: javascript:{PWNED}" in text
    present = [name for name in VOCAB_SHOWN if name.split(".")[0] in present_kinds(builds.root)]
    shown = [name for name in present if visible(short(name)) in text]
    assert shown == present
    if first_id(ROOT / "standards" / "vocabularies" / "legal-bases.yaml", "legal_bases", "proposed"):
        assert visible(full("what_may_change")) in text
    if edition == "council":
        assert visible(COUNCIL_NAME) in text
        council = hostile_council()
        contact, service, band = council["contacts"][0], council["services"][0], council["funding_bands"][0]
        for value in (council["guide_name"], contact["name"], contact["hours"], service["name"], band["name"], band["amount"]):
            assert visible(value) in text, value
        for name in COUNCIL_MARKDOWN:  # Markdown is rendered; raw HTML in it stays text, javascript: links lose their target
            assert f"{name}: <script>{PWNED}</script> <img src=x onerror=" in text, name


def present_kinds(root: Path) -> set[str]:
    """The vocabularies a project has (facts and the law today are optional)."""
    return {next(iter(yaml.safe_load(p.read_text(encoding="utf-8")))) for p in (root / "standards" / "vocabularies").glob("*.yaml")}


def test_every_vocabulary_text_field_is_text_where_shown(builds: Builds) -> None:
    """Each vocabulary field's payload is either shown as text or not shown at all: never markup (the scans above)."""
    raw = "".join(p.read_text(encoding="utf-8") for p in builds.sites["national"].rglob("*.html"))
    for kind, names in VOCAB_TEXT.items():
        for name in names:
            assert f"{kind}.{name}: </title><img" not in raw, (kind, name)


# -- the print HTML and the PDFs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition", EDITIONS)
def test_print_html_holds_no_markup_from_data(builds: Builds, edition: str) -> None:
    from builder.pipeline import gather
    from builder.printdocs import print_documents

    clean_tags = {t for doc in print_documents(gather(builds.root)) for t in _tags(doc.html)}
    texts = []
    for doc in print_documents(gather(builds.root, builds.root / "council" if edition == "council" else None)):
        scan = scan_html(doc.html)
        assert scan.scripts == [] and scan.handlers == [] and scan.script_urls == [], doc.name
        assert _tags(doc.html) <= clean_tags | {"a"}, (doc.name, _tags(doc.html) - clean_tags)
        texts.append(scan.text)
    for name in (*STANDARD_SHORT, *STANDARD_FULL):  # search words (STANDARD_PIECES) are for the site's search, not for print
        assert visible((short if name in STANDARD_SHORT else full)(name)) in " ".join(texts), name
    if first_id(ROOT / "standards" / "vocabularies" / "legal-bases.yaml", "legal_bases", "proposed"):
        assert visible(full("what_may_change")) in " ".join(texts)


def _tags(html: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", html)}


@pytest.mark.parametrize("edition", EDITIONS)
def test_pdfs_show_the_payloads_as_text(builds: Builds, edition: str) -> None:
    handbook = builds.sites[edition] / "downloads" / "handbook.pdf"
    assert handbook.is_file()
    text = visible(subprocess.run(["pdftotext", "-enc", "UTF-8", str(handbook), "-"], capture_output=True, text=True, check=True).stdout)
    for name in ("summary", "adjustments", "access_route"):
        assert f"{name}: <script>{PWNED}</script> <img src=x onerror=" in text, name
    assert f"[md link](javascript:{PWNED})" in text


# -- a real browser ----------------------------------------------------------------------------------------------------
class _Recorder(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        self.requests.append(self.path)


@contextlib.contextmanager
def serve(site: Path, tmp: Path) -> Iterator[tuple[str, list[str]]]:
    """The site over HTTP on 127.0.0.1 under its published path; yields its URL and the paths requested."""
    mount = tmp / site_path().strip("/")
    mount.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(mount, ignore_errors=True)
    shutil.copytree(site, mount)
    requests: list[str] = []
    handler = type("Recorder", (_Recorder,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(tmp)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{site_path()}", requests
    finally:
        server.shutdown()
        server.server_close()


PAGES = [
    "",
    "standards/cognition-and-learning/primary/",
    "standards/cognition-and-learning/",
    "families/",
    "families/primary/",
    "families/who-to-talk-to/",
    "teachers/",
    "teachers/finder/",
    "who-pays/",
    "who-provides/",
    "need-types/",
    "tiers/",
    "law/",
    "evidence/",
    "glossary/",
    "councils/",
]


@pytest.mark.parametrize("edition", EDITIONS)
def test_no_payload_runs_in_chromium(builds: Builds, browser: Any, edition: str, tmp_path: Path) -> None:
    """window.__pwned stays unset and no dialog opens on the pages that show the payloads, and in search results."""
    dialogs: list[str] = []
    outside: list[str] = []
    with serve(builds.sites[edition], tmp_path) as (url, requests):
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route(re.compile(r"^(?!http://127\.0\.0\.1:).*"), lambda route: (outside.append(route.request.url), route.abort()))
        try:
            for path in PAGES + (["councils/differences/"] if edition == "council" else []):
                response = page.goto(url + path, wait_until="load")
                assert response is not None and response.ok, path
                page.mouse.move(200, 300)  # would fire onmouseover handlers
                page.wait_for_timeout(100)
                assert page.evaluate("window.__pwned") is None, path
            # Search results are drawn from the index as HTML: the hostile text itself, and the page's tags.
            for query in ("onerror", "dyslexia"):
                page.goto(url + "standards/cognition-and-learning/primary/", wait_until="load")
                page.keyboard.press("/")  # Material's shortcut to the search field
                page.locator("input.md-search__input").press_sequentially(query, delay=30)
                page.locator(".md-search-result__item").first.wait_for(timeout=15000)
                page.wait_for_timeout(500)
                assert page.evaluate("window.__pwned") is None, f"search results for {query}"
        finally:
            context.close()
    assert dialogs == []
    assert outside == []
    assert not [r for r in requests if r.rstrip("/").endswith("/x") or "javascript:" in urllib.parse.unquote(r)], requests

"""Shared fixtures: the repository root, a small fixture project, and a real build of the national site."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
OAP = [sys.executable, "-m", "builder.cli"]
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")

FIXTURE_STANDARD = """\
# yaml-language-server: $schema=../schema/standards-file.schema.json
standards:
  - id: cl-pri-fixture-one
    title: Fixture standard
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
"""A valid standard whose line numbers the validation tests rely on (id on line 3, review_due on line 17)."""


def current_streams() -> str:
    """The real vocabulary's current funding stream ids, in order, as messages list them."""
    with open(ROOT / "standards" / "vocabularies" / "funding-streams.yaml", encoding="utf-8") as f:
        streams = yaml.load(f, Loader=yaml.CSafeLoader)["funding_streams"]
    return ", ".join(s["id"] for s in streams if s["status"] == "current")


def run_oap(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `oap` command line in a subprocess."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run([*OAP, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=900)


# -- slow and browser tests, left out of `make test-fast` ---------------------------------------------------------------
SLOW_FIXTURES = {
    "national_site": "builds the whole national site (conftest.py)",
    "built": "renders every PDF of the national set (test_pdf.py)",
    "council_pdfs": "renders every PDF of the example council's edition (test_pdf.py)",
    "council_site": "builds the whole national site as the example council's edition (test_council.py)",
    "builds": "builds the hostile project's two editions with PDFs (test_hostile.py)",
    "killable": "copies the whole project and builds it (test_trust.py)",
}
"""Fixtures that make a test slow; a test using one (directly or through another fixture) is marked slow."""
BROWSER_FIXTURES = {"browser"}
"""Fixtures that start Chromium; a test using one is marked browser."""


@pytest.fixture(scope="session", autouse=True)
def clean_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole run uses a fresh temporary folder (TMPDIR, inherited by every `oap` it starts), and fails if any
    build left its folders there (oap-*, or WeasyPrint's weasyprint-*), successful or not (issue 18).

    It lives in pytest's own base folder, so pytest's usual clean-up of old runs removes it; tests that set their
    own TMPDIR are checked by their own asserts.
    """
    temp = tmp_path_factory.getbasetemp() / "TMPDIR"  # the base folder is fixed first, under the real temporary folder
    temp.mkdir()
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(temp)
    tempfile.tempdir = None  # read TMPDIR afresh
    try:
        yield temp
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
        tempfile.tempdir = None
    left = sorted(p.name for p in temp.iterdir() if p.name.startswith(("oap-", "weasyprint-")))
    assert left == [], f"builds left these in the temporary folder {temp}: {', '.join(left)}"


@pytest.hookimpl(tryfirst=True)  # before -m selects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests slow or browser by the fixtures they use, so a new test on national_site needs no mark of its own."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & SLOW_FIXTURES.keys():
            item.add_marker(pytest.mark.slow)
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shard", metavar="K/N", help="run only the Kth of N shares of the selected tests (scripts/test-fast.sh)")


def pytest_configure(config: pytest.Config) -> None:
    shard = config.getoption("--shard")
    if shard:
        k, _, n = shard.partition("/")
        if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
            raise pytest.UsageError(f"--shard {shard}: expected K/N with 1 <= K <= N, e.g. 1/2")
        config.pluginmanager.register(_Shard(int(k), int(n)), "oap-shard")


class _Shard:
    """One of N shares of the tests, so N pytest processes can run the edit loop on N cores at once."""

    def __init__(self, k: int, n: int) -> None:
        self.k, self.n = k, n

    @pytest.hookimpl(trylast=True)  # after -m, so the shares are of the tests that will run
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Every Nth test from the Kth: a round robin, so each share gets its part of every costly file."""
        mine = [i % self.n == self.k - 1 for i in range(len(items))]
        config.hook.pytest_deselected(items=[item for item, keep in zip(items, mine, strict=True) if not keep])
        items[:] = [item for item, keep in zip(items, mine, strict=True) if keep]


FIXTURE_VOCABULARIES = ROOT / "tests" / "fixtures" / "vocabularies"
"""A small frozen set of vocabularies (see its README), for messages that must not change as the real ones grow."""


def make_project(tmp: Path, files: dict[str, str] | None = None, *, site: bool = False, vocabularies: Path | None = None) -> Path:
    """A project folder with the real vocabularies (or the given folder's) and schemas, and only the given standards files."""
    (tmp / "standards").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "standards" / "schema", tmp / "standards" / "schema", dirs_exist_ok=True)
    vocab = tmp / "standards" / "vocabularies"
    vocab.mkdir(exist_ok=True)
    for path in sorted((vocabularies or ROOT / "standards" / "vocabularies").glob("*.yaml")):
        shutil.copyfile(path, vocab / path.name)
    if site:
        shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
        for name in ("docs", "overrides"):
            shutil.copytree(ROOT / name, tmp / name, dirs_exist_ok=True)
    for rel, text in (files if files is not None else {"standards/cognition-and-learning/primary.yaml": FIXTURE_STANDARD}).items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_project in this test's temporary folder."""
    return lambda files=None, **kw: make_project(tmp_path / "project", files, **kw)


@pytest.fixture(scope="session")
def national_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real build of the national site (no PDFs), shared by every test that reads the output."""
    out = tmp_path_factory.mktemp("national") / "site"
    result = run_oap("build", "--no-pdf", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


# -- a real browser on the built site (tests/test_browser.py; anyone may use these) ----------------------------------
CHROMIUM = os.environ.get("OAP_CHROMIUM", "/usr/bin/chromium")
"""Debian's Chromium (never `playwright install`); OAP_CHROMIUM names another, e.g. Ubuntu's /snap/bin/chromium."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Launch flags from /work/shared/toolchain.md: without the networking ones Chromium keeps calling the internet."""


def launch_chromium(playwright: Any, **kwargs: Any) -> Any:
    """Launch Debian's Chromium through Playwright's sync API with the project's flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **kwargs)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        """Keep test output clean."""


def site_path() -> str:
    """The URL path the site is published under (from site_url in mkdocs.yml, e.g. /oap/)."""
    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        config = yaml.load(f, Loader=yaml.CSafeLoader)
    path = urllib.parse.urlsplit(config.get("site_url") or "/").path or "/"
    return path if path.endswith("/") else path + "/"


@pytest.fixture(scope="session")
def site_url(national_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The national build served over HTTP on 127.0.0.1 under its published path, as deployed (404.html uses it)."""
    root = national_site
    if site_path() != "/":
        root = tmp_path_factory.mktemp("served")
        mount = root / site_path().strip("/")
        mount.parent.mkdir(parents=True, exist_ok=True)
        mount.symlink_to(national_site, target_is_directory=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{site_path()}"
    server.shutdown()
    server.server_close()

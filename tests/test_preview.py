"""The preview an author edits against: a real `mkdocs serve` of the fixture project, changed while it runs.

- A broken file keeps the last good pages on show, with every problem named (file, line, field) in a banner on
  every page, as text; fixing the file brings the new content and the banner goes (in Chromium, as an author sees it).
- A save converts only the pages that show the edited file's standards; every other page is reused, unchanged.
- After a run of edits (text, titles, names in the navigation, vocabularies, a standard added and removed, a broken
  file fixed), every page and data file served is byte for byte what a fresh build makes.
- `mkdocs build` (not serve) of broken input still fails, with the problem, and exit status 1.
- Gathering again (as every rebuild does) reads a vocabulary again only when it has changed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml

from builder import pipeline
from builder.errors import OapError
from builder.mkdocs_plugin import MARKER
from builder.web import PASS_START, PageMemo, Renderer, lift_html, passthrough, restore_html

from .conftest import FIXTURE_STANDARD, site_path
from .test_rendering import COUNCIL, fixture_project

EDITED = "standards/cognition-and-learning/primary.yaml"
PAGE = "standards/cognition-and-learning/primary/"
"""The page that shows the edited file's standards."""
TITLE = "Daily reading boost"
"""The first standard's title in the edited file."""
HOSTILE = "<img src=x onerror=document.title='owned'>"
"""A payer written as markup: the problem quotes it, and the banner must show it as text."""
PATIENCE = 180.0
"""Seconds to wait for a rebuild: generous, as a busy 2-core machine can be ten times slower than an idle one."""
SERVE_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


@dataclass
class Preview:
    project: Path
    url: str
    log: Path
    original: str

    def save(self, text: str) -> None:
        (self.project / EDITED).write_text(text, encoding="utf-8")

    def fetch(self, path: str = PAGE) -> str:
        with urllib.request.urlopen(self.url + path, timeout=PATIENCE) as response:
            return str(response.read().decode("utf-8"))

    def wait_for(self, test: Callable[[str], bool], path: str = PAGE) -> str:
        """The page's HTML as soon as it passes the test (a request made during a rebuild waits for it)."""
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            html = self.fetch(path)
            if test(html):
                return html
            time.sleep(0.1)
        raise AssertionError(f"{path} did not change as expected within {PATIENCE} s; server log:\n{self.log.read_text()[-3000:]}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(project: Path, env: dict[str, str] = SERVE_ENV) -> Iterator[Preview]:
    """`mkdocs serve` (with debug output, which says how many pages each build converted) on the project."""
    log = project.parent / "serve.log"
    port = free_port()
    with log.open("w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-v", "-a", f"127.0.0.1:{port}"],
            cwd=project,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + PATIENCE
        while "Serving on" not in log.read_text(encoding="utf-8"):
            assert server.poll() is None, f"mkdocs serve stopped:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"mkdocs serve did not start within {PATIENCE} s:\n{log.read_text()[-3000:]}"
            time.sleep(0.2)
        original = (project / EDITED).read_text(encoding="utf-8")
        yield Preview(project, f"http://127.0.0.1:{port}{site_path()}", log, original)
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """The fixture project, served."""
    with serving(fixture_project(tmp_path_factory.mktemp("preview") / "project")) as running:
        yield running


@pytest.fixture
def fresh(preview: Preview) -> Iterator[Preview]:
    """The preview, showing the original files again after the test."""
    yield preview
    preview.save(preview.original)
    preview.wait_for(lambda html: f">{TITLE}<" in html and "oap-problems" not in html)


def broken(original: str) -> tuple[str, int]:
    """The edited file with a payer that is not an id (and is markup), and the line it is on."""
    lines = original.splitlines(keepends=True)
    line = next(i for i, text in enumerate(lines) if text.lstrip().startswith("who_pays:"))
    lines[line] = re.sub(r"who_pays: \[([^,\]]+).*\]", lambda m: f'who_pays: [{m[1]}, "{HOSTILE}"]', lines[line])
    assert HOSTILE in lines[line]
    return "".join(lines), line + 1


def test_a_broken_file_shows_its_problems_on_the_last_good_pages_until_fixed(fresh: Preview, browser: Any) -> None:
    """Save a broken file: the page still shows the last good standards, under a banner naming the file, line and
    field (the markup quoted from the file shown as text); fix it: the banner goes and the new title shows."""
    text, line = broken(fresh.original)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(fresh.url + PAGE)
        assert page.locator(".oap-problems").count() == 0
        fresh.save(text)
        banner = page.locator(".oap-problems")
        wait_in_browser(page, lambda: banner.count() == 1)
        shown = banner.inner_text()
        assert f"{EDITED}:{line}:" in shown
        assert "standards[0].who_pays[1]" in shown
        assert HOSTILE in shown, "the quoted markup is shown as text"
        assert banner.locator("img").count() == 0 and page.title() != "owned", "the quoted markup must not become an element"
        assert page.locator(".oap-standard-title", has_text=TITLE).count() == 1, "the last good standards are still shown"
        page.goto(fresh.url)  # every page carries the banner, the home page too
        assert f"{EDITED}:{line}:" in page.locator(".oap-problems").inner_text()

        page.goto(fresh.url + PAGE)
        fresh.save(fresh.original.replace(f"title: {TITLE}\n", f"title: {TITLE}, renamed\n", 1))
        wait_in_browser(page, lambda: page.locator(".oap-standard-title", has_text=f"{TITLE}, renamed").count() == 1)
        assert page.locator(".oap-problems").count() == 0
    finally:
        context.close()


def wait_in_browser(page: Any, done: Callable[[], bool]) -> None:
    """Until done(): MkDocs' live reload reloads the page after each rebuild; reload by hand too, now and then,
    in case a reload came while the page was still loading."""
    deadline = last_reload = time.monotonic()
    deadline += PATIENCE
    while not done():
        assert time.monotonic() < deadline, f"the page did not change within {PATIENCE} s"
        if time.monotonic() - last_reload > 20:
            page.reload(timeout=PATIENCE * 1000)
            last_reload = time.monotonic()
        page.wait_for_timeout(200)


def test_a_save_converts_only_the_pages_that_show_the_edited_standards(fresh: Preview) -> None:
    """The pages that show the edited standard (its area-and-phase page, its phase's families page, the guided path's
    answer for its need, the finder and the need types) are converted again; every other page's HTML is the last build's, the same as before the save;
    the search index is the same as a fresh build's."""
    unchanged = "standards/whole-setting/primary/"
    before = without_live_reload(fresh.fetch(unchanged))
    marker = f"{TITLE}, edited at {time.time():.0f}"
    fresh.save(fresh.original.replace(f"title: {TITLE}\n", f"title: {marker}\n", 1))
    fresh.wait_for(lambda html: marker in html)
    assert without_live_reload(fresh.fetch(unchanged)) == before
    builds = re.findall(r"pages converted: \d+, reused: (\d+) \(converted: (.*)\)", fresh.log.read_text(encoding="utf-8"))
    reused, converted = int(builds[-1][0]), builds[-1][1].split(", ")
    assert sorted(converted) == [  # the pages that show the edited standard's title
        "families/primary.md",
        "families/support/primary/reading-writing-numbers.md",  # the families' guided path's answer for its need
        "need-types.md",
        "standards/cognition-and-learning/primary.md",
        "teachers/finder.md",
    ]
    assert reused > 20
    # The search index, made from reused entries for the unchanged pages, is the one a fresh build makes (without
    # PDFs, like the preview).
    fresh_build = fresh.project.parent / "fresh-site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(fresh_build)],
        cwd=fresh.project,
        env={**SERVE_ENV, "OAP_NO_PDF": "1"},
        check=True,
        timeout=600,
    )
    served = json.loads(fresh.fetch("search/search_index.json"))
    assert marker in json.dumps(served)
    assert served == json.loads((fresh_build / "search" / "search_index.json").read_text(encoding="utf-8"))


def without_live_reload(html: str) -> str:
    """The page as built: MkDocs adds a live-reload script, with a new number, to every page it serves."""
    return re.sub(r"<script>\s*var livereload = .*?</script>", "", html, flags=re.S)


def test_mkdocs_build_of_broken_input_fails_with_the_problem(tmp_path: Path) -> None:
    """Only the preview keeps going: `mkdocs build` of a broken file stops with the problem, exit status 1."""
    project = fixture_project(tmp_path / "project")
    text, line = broken((project / EDITED).read_text(encoding="utf-8"))
    (project / EDITED).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(tmp_path / "site")],
        cwd=project,
        env=SERVE_ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert f"{EDITED}:{line}:" in result.stderr and "who_pays[1]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists() or not any((tmp_path / "site").iterdir())


def test_gathering_again_reuses_the_vocabularies_only_while_they_are_unchanged(
    project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each rebuild of the preview gathers again: unchanged vocabularies are not read again, a changed one is."""
    from builder import project as project_module

    root = project()
    loads = []
    real = project_module._load_vocabularies
    monkeypatch.setattr(project_module, "_load_vocabularies", lambda *a: loads.append(1) or real(*a))
    project_module.load_corpus(root)
    (root / "standards" / "cognition-and-learning" / "primary.yaml").write_text(
        FIXTURE_STANDARD.replace("title: Fixture standard", "title: Fixture standard, edited"), encoding="utf-8"
    )
    assert project_module.load_corpus(root).standards[0].title == "Fixture standard, edited"
    assert len(loads) == 1, "the unchanged vocabularies were read again"
    providers = root / "standards" / "vocabularies" / "providers.yaml"
    providers.write_text(providers.read_text(encoding="utf-8").replace("id: class-teacher", "id: class-teacheR"), encoding="utf-8")
    with pytest.raises(OapError) as caught:
        project_module.load_corpus(root)
    assert "providers.yaml:10:9: providers[0].id" in caught.value.report() and len(loads) == 2


def test_mkdocs_serve_of_input_broken_from_the_start_stops_with_the_problem(tmp_path: Path) -> None:
    """With no good pages to show yet, `mkdocs serve` stops at once with the problem, as `mkdocs build` does."""
    project = fixture_project(tmp_path / "project")
    text, line = broken((project / EDITED).read_text(encoding="utf-8"))
    (project / EDITED).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{free_port()}"],
        cwd=project,
        env=SERVE_ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    assert f"{EDITED}:{line}:" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_council_file_shows_its_problem_on_the_last_good_pages_until_fixed(tmp_path: Path) -> None:
    """The same for a council's council.yaml, previewed with OAP_COUNCIL: the banner names the council's file and line."""
    council = tmp_path / "council"
    shutil.copytree(COUNCIL, council)
    good = (council / "council.yaml").read_text(encoding="utf-8")
    line = good.splitlines().index("  - name: Brackenford SEND team") + 4  # its email, three lines on (lines count from 1)
    with serving(fixture_project(tmp_path / "project"), {**SERVE_ENV, "OAP_COUNCIL": str(council)}) as running:
        running.wait_for(lambda html: "Brackenford SEND team" in html and "oap-problems" not in html, "families/primary/")
        (council / "council.yaml").write_text(good.replace("send@brackenford", "send at brackenford"), encoding="utf-8")
        html = running.wait_for(lambda html: "oap-problems" in html, "families/primary/")
        assert f"council.yaml:{line}:" in html and "contacts[0].email" in html
        assert "Brackenford SEND team" in html, "the last good pages are still shown"
        (council / "council.yaml").write_text(good.replace("Brackenford SEND team", "Brackenford SEND service"), encoding="utf-8")
        running.wait_for(lambda html: "Brackenford SEND service" in html and "oap-problems" not in html, "families/primary/")


@pytest.mark.parametrize("edition", ["national", "council"])
def test_after_random_edits_the_preview_serves_exactly_what_a_fresh_build_makes(tmp_path: Path, edition: str) -> None:
    """The preview reuses pages' Markdown, HTML, search entries and finished pages from one rebuild to the next: after
    each of a run of edits (random targets, a fixed seed), every page and data file served is byte for byte what a
    fresh `mkdocs build` of the same files makes. The edits: a standard's text, its title, a phase's name (the
    navigation, every page's tabs and links), a provider's name (a vocabulary), a standard added and removed, a
    broken file and then its fix; for a council's edition (OAP_COUNCIL), also a contact's name in council.yaml."""
    rng = random.Random(20261129)
    project = fixture_project(tmp_path / "project")
    env = dict(SERVE_ENV)
    council = tmp_path / "council" / "council.yaml"
    if edition == "council":
        shutil.copytree(COUNCIL, council.parent)
        env["OAP_COUNCIL"] = str(council.parent)
    files = sorted((project / "standards").glob("*/*.yaml"))
    files = [f for f in files if f.parent.name != "vocabularies"]
    vocab = project / "standards" / "vocabularies"

    def edit(path: Path, change: Callable[[Any], None], text: str | None = None) -> None:
        data = yaml.load(text or path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        change(data)
        path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def some_standard(data: Any) -> dict[str, Any]:
        return dict(rng.choice(data["standards"]))

    def retext(data: Any) -> None:
        rng.choice(data["standards"])["summary"] += f" Edited {rng.randrange(10**6)}."

    def retitle(data: Any) -> None:
        rng.choice(data["standards"])["title"] += f" {rng.randrange(10**6)}"

    added: dict[str, Any] = {}

    def add(data: Any) -> None:
        model = some_standard(data)
        added.update(model, id=f"{model['id']}-added-{rng.randrange(10**6)}", title="An added standard")
        data["standards"].insert(rng.randrange(len(data["standards"]) + 1), added)

    def remove(data: Any) -> None:
        data["standards"] = [s for s in data["standards"] if s["id"] != added["id"]]

    def rename(kind: str, field: str) -> Callable[[Any], None]:
        return lambda data: rng.choice(data[kind]).update({field: rng.choice(data[kind])[field] + " renamed"})

    target = rng.choice(files)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("a standard's text", lambda: edit(rng.choice(files), retext)),
        ("a standard's title", lambda: edit(rng.choice(files), retitle)),
        ("a phase's name", lambda: edit(vocab / "phases.yaml", rename("phases", "name"))),
        ("a provider's name", lambda: edit(vocab / "providers.yaml", rename("providers", "name"))),
        ("a standard added", lambda: edit(target, add)),
        ("a standard removed", lambda: edit(target, remove)),
    ]
    if edition == "council":
        steps.append(("a council contact's name", lambda: council.write_text(council.read_text(encoding="utf-8").replace(
            "Brackenford SEND team", "Brackenford SEND service"), encoding="utf-8")))  # fmt: skip
    fresh_config = project / "fresh.yml"
    with serving(project, env) as running:
        fresh_config.write_text(f"INHERIT: mkdocs.yml\nsite_url: {running.url}\n", encoding="utf-8")
        good = (project / EDITED).read_text(encoding="utf-8")
        steps += [
            ("a broken file", lambda: running.save(broken(good)[0])),
            ("the file fixed", lambda: edit(project / EDITED, retitle, good)),
        ]
        for what, step in steps:
            rebuilt(running, step, what)
            if what == "a broken file":
                running.wait_for(lambda html: "oap-problems" in html)
                continue
            assert_serves_a_fresh_build(running, fresh_config, env, tmp_path / "fresh-site", f"after {what}")


def rebuilt(running: Preview, change: Callable[[], None], what: str = "the change") -> None:
    """Make the change and wait until the server has rebuilt after it."""
    builds = running.log.read_text(encoding="utf-8").count("pages filled in:")
    change()
    deadline = time.monotonic() + PATIENCE
    while running.log.read_text(encoding="utf-8").count("pages filled in:") == builds:
        assert time.monotonic() < deadline, f"no rebuild after {what}:\n{running.log.read_text()[-3000:]}"
        time.sleep(0.1)


def assert_serves_a_fresh_build(running: Preview, config: Path, env: dict[str, str], site: Path, when: str) -> int:
    """Every page and data file the preview serves is byte for byte what a fresh `mkdocs build` (config: mkdocs.yml
    with the server's site_url) of the same files makes, but for the live-reload script MkDocs adds to served pages.
    Returns how many files were compared."""
    shutil.rmtree(site, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)],
        cwd=running.project,
        env={**env, "OAP_NO_PDF": "1"},
        check=True,
        timeout=600,
    )
    compared = 0
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.is_dir() or rel.endswith(".gz") or rel == MARKER or rel.startswith(("assets/", "downloads/")):
            continue  # the theme's own files, and the sitemap compressed with the time in it
        served = urllib.request.urlopen(running.url + rel, timeout=PATIENCE).read()
        if rel.endswith(".html"):
            served = without_live_reload(served.decode("utf-8")).encode("utf-8")
        assert served == path.read_bytes(), f"{when}: {rel} is not what a fresh build makes"
        compared += 1
    assert compared > 40, compared
    return compared


def test_after_a_title_edit_and_a_text_edit_the_preview_serves_what_a_full_build_of_the_edited_files_makes(
    tmp_path: Path,
) -> None:
    """A save that changes a standard's title (its page, the finder, the families' pages, the need types, the search
    index) and then one that changes only its summary: after each, every page and data file served is what a full
    build of the edited files makes, and the edited page shows the edit."""
    project = fixture_project(tmp_path / "project")
    config = project / "fresh.yml"
    with serving(project) as running:
        config.write_text(f"INHERIT: mkdocs.yml\nsite_url: {running.url}\n", encoding="utf-8")
        titled = running.original.replace(f"title: {TITLE}\n", "title: A retitled standard\n", 1)
        assert titled != running.original
        rebuilt(running, lambda: running.save(titled))
        assert ">A retitled standard<" in running.fetch()
        assert_serves_a_fresh_build(running, config, SERVE_ENV, tmp_path / "site-title", "after a title edit")
        data = yaml.load(titled, Loader=yaml.CSafeLoader)
        data["standards"][0]["summary"] += " Only the text is new."
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
        rebuilt(running, lambda: running.save(text))
        assert "Only the text is new." in running.fetch()
        assert_serves_a_fresh_build(running, config, SERVE_ENV, tmp_path / "site-text", "after a text edit")


def test_a_whole_setting_standards_new_title_reaches_every_families_path_answer(tmp_path: Path) -> None:
    """A standard with no need types (whole-setting) is in every answer of its stage ("for every child"), so each
    answer page's key holds it: after its title changes, the preview's pages are what a render without the memo makes."""
    project = fixture_project(tmp_path / "project")
    memo = PageMemo()
    pipeline.render(pipeline.gather(project), memo=memo)
    source = project / "standards" / "whole-setting" / "primary.yaml"
    text = source.read_text(encoding="utf-8")
    assert "title: A calm, predictable classroom\n" in text
    source.write_text(text.replace("title: A calm, predictable classroom\n", "title: A calm room, retitled\n", 1), encoding="utf-8")
    edition = pipeline.gather(project)
    served = pipeline.render(edition, memo=memo)
    answers = [p for p, page in served.pages.items() if p.startswith("families/support/primary/") and "A calm room, retitled" in page]
    assert answers, "the retitled whole-setting standard is on no primary answer page"
    assert served.pages == pipeline.render(edition).pages


def test_after_a_title_edit_the_preview_makes_one_finder_item_and_the_same_pages_and_data(tmp_path: Path) -> None:
    """The finder is made item by item and the preview keeps each standard's item: after a title edit only the edited
    standard's item is made again (and not the pages that count payers and providers), and every page and data file (the finder, standards.json, whose unchanged entries'
    JSON text is reused) is what a render without the preview's memo makes."""
    project = fixture_project(tmp_path / "project")
    memo = PageMemo()
    pipeline.render(pipeline.gather(project), memo=memo)
    source = project / EDITED
    source.write_text(source.read_text(encoding="utf-8").replace(f"title: {TITLE}\n", "title: A title edited\n", 1), encoding="utf-8")
    edition = pipeline.gather(project)
    served = pipeline.render(edition, memo=memo)
    edited = next(s for s in edition.corpus.standards if s.title == "A title edited")
    assert [p for p in memo.rendered if p.startswith("teachers/finder.md ")] == [f"teachers/finder.md {edited.id}"]
    assert "who-pays.md" not in memo.rendered and "who-provides.md" not in memo.rendered  # they show no titles
    fresh = pipeline.render(edition)
    assert "A title edited" in served.pages["teachers/finder.md"]
    assert served.pages == fresh.pages
    assert served.files["data/standards.json"] == fresh.files["data/standards.json"]
    assert served.files == fresh.files


def test_a_finder_item_converted_on_its_own_is_what_the_page_would_make_of_its_markdown(tmp_path: Path) -> None:
    """Each finder item's body reaches the finder's Markdown as HTML, converted on its own and passed through (the
    plugin lifts it out before the page's conversion and puts it back after): with every character Markdown and
    mkdocs.yml's extensions act on in a title and an adjustment, the page converts (with mkdocs.yml's settings) to
    the same HTML as the page with each body left as Markdown."""
    project = fixture_project(tmp_path / "project")
    source = project / EDITED
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    tricky = r"<b>x</b> &amp; & *a* _b_ __c__ `d` [e](javascript:f) {: .g } | h | i | !!! note \j # k + l - m . n > o"
    data["standards"][0]["title"] = r"<b>x</b> & *a* `d` | h | {: .g } \j # k"
    data["standards"][0]["adjustments"] = [f"{a} {tricky}" for a in data["standards"][0]["adjustments"]] + [tricky]
    source.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    edition = pipeline.gather(project)
    renderer = Renderer(edition)
    page = renderer.render().pages["teachers/finder.md"]
    as_markdown = page
    for s in edition.corpus.standards:
        body = renderer.finder_item_body(s)
        assert passthrough(body) in page and " id=" not in body  # an id there would be missed by MkDocs' link checks
        as_markdown = as_markdown.replace(passthrough(body), renderer.page("finder-item-body.md.j2", s=s))
    assert as_markdown != page and PASS_START not in as_markdown
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    settings = {next(iter(e)): e[next(iter(e))] for e in config["markdown_extensions"] if isinstance(e, dict)}

    def convert(text: str) -> str:
        return markdown.Markdown(extensions=names, extension_configs=settings).convert(text)

    skeleton, lifted = lift_html(page)
    assert len(lifted) == len(edition.corpus.standards) and len(skeleton) < len(page)
    html = restore_html(convert(skeleton), lifted)
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert html == convert(as_markdown)


ROOT = Path(__file__).resolve().parent.parent


SERVE_AND_BUILD = """
import sys
from mkdocs.commands.build import build
from mkdocs.config import load_config

root, out = sys.argv[1], sys.argv[2]
for command in ("serve", "build"):
    config = load_config(config_file=root + "/mkdocs.yml", site_dir=out + "/" + command)
    config.site_url = "http://127.0.0.1:8000/"
    config.plugins.on_startup(command=command, dirty=False)
    build(config, serve_url=config.site_url if command == "serve" else None)
    if command == "serve":
        print(config.plugins["oap"]._markdown.parts)
"""
"""Both builds in a process of their own, as `mkdocs serve` and `mkdocs build` are: the test process has built other
editions in the same folder before (the plugin keeps what it may reuse per process)."""


@pytest.mark.parametrize("council", [None, "kestrel-dales"])
def test_serving_converts_each_standards_part_on_its_own_into_the_site_a_build_makes(tmp_path: Path, council: str | None) -> None:
    """While serving, each standard's part of the big pages (builder.web.FRAGMENT_START: everything but its heading
    and its "What may change" box) is converted on its own and kept, and each finder item's body passes through; a
    build converts every page whole. On the national standards (tables, warnings, "What may change" boxes) and a
    council's edition (local notes, local standards), the two make the same site, byte for byte, search index too."""
    env = {k: v for k, v in os.environ.items() if k != "OAP_COUNCIL"}
    env.update({"OAP_NO_PDF": "1", "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)})
    if council:
        env["OAP_COUNCIL"] = str(ROOT / "examples" / council)
    ran = subprocess.run(
        [sys.executable, "-c", SERVE_AND_BUILD, str(ROOT), str(tmp_path)], env=env, capture_output=True, text=True, timeout=900
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    parts = int(ran.stdout.split()[-1])
    assert parts > 500, "the preview did not convert the pages part by part"
    sites = {command: tmp_path / command for command in ("serve", "build")}
    made = {p.relative_to(sites["build"]).as_posix(): p.read_bytes() for p in sorted(sites["build"].rglob("*")) if p.is_file()}
    served = {p.relative_to(sites["serve"]).as_posix(): p.read_bytes() for p in sorted(sites["serve"].rglob("*")) if p.is_file()}
    assert served.keys() == made.keys()
    different = [rel for rel in made if served[rel] != made[rel]]
    assert not different, f"serving made these files differently: {different[:10]}"
    assert any("Local to" in made[rel].decode() for rel in made if rel.endswith(".html")) == bool(council)


def test_serving_looks_for_saves_often_and_rebuilds_without_waiting_long(tmp_path: Path) -> None:
    """MkDocs looks for saved files every 0.5 s and waits 0.1 s after a change for more: the plugin makes both shorter
    (each is part of every preview), and leaves a server without those settings as it is."""
    from types import SimpleNamespace

    from builder.mkdocs_plugin import BUILD_DELAY, WATCH_INTERVAL, OapPlugin

    project = fixture_project(tmp_path / "project")
    plugin = OapPlugin()
    plugin.load_config({})
    watched: list[str] = []
    server = SimpleNamespace(observer=SimpleNamespace(_timeout=0.5), build_delay=0.1, watch=watched.append)
    plugin.on_serve(server, SimpleNamespace(config_file_path=str(project / "mkdocs.yml")), None)
    assert (server.observer._timeout, server.build_delay) == (WATCH_INTERVAL, BUILD_DELAY) and BUILD_DELAY < 0.1
    assert str(project / "standards") in watched
    bare = SimpleNamespace(watch=watched.append)
    plugin.on_serve(bare, SimpleNamespace(config_file_path=str(project / "mkdocs.yml")), None)
    assert not hasattr(bare, "build_delay")


def test_serving_keeps_the_theme_compiled_for_the_search_plugin_too(tmp_path: Path) -> None:
    """While serving, the theme's environment that keeps its templates compiled (preview.keep_theme_listing) is in
    place before the search plugin fills its language template on every rebuild (it runs before ours in mkdocs.yml's
    order): its two translations were compiled afresh after every save."""
    project = fixture_project(tmp_path / "project")
    script = """
import sys
from mkdocs.config import load_config
config = load_config(sys.argv[1])
config.plugins.on_startup(command="serve", dirty=False)
search = config.plugins["material/search"]
seen = []
translate = search._translate
def spy(config, value):
    seen.append(config.theme.get_env.__qualname__)
    return translate(config, value)
search._translate = spy
config.plugins.on_config(config)
print("\\n".join(seen))
"""
    ran = subprocess.run(
        [sys.executable, "-c", script, str(project / "mkdocs.yml")],
        cwd=project,
        env=SERVE_ENV,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    seen = ran.stdout.split()
    assert seen, "the search plugin translated nothing: the test no longer watches it"
    assert all(name.startswith("keep_theme_listing.") for name in seen), seen

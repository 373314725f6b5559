"""Real builds: the national site with oap build and with mkdocs --strict, and builds that must fail safely."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from builder.project import load_corpus

from .conftest import FIXTURE_STANDARD, ROOT, run_oap


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_site_has_pages_search_and_data(national_site: Path) -> None:
    assert (national_site / "index.html").is_file()
    index = json.loads((national_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert len(index["docs"]) > 100
    data = json.loads((national_site / "data" / "standards.json").read_text(encoding="utf-8"))
    corpus = load_corpus(ROOT)
    assert [s["id"] for s in data["standards"]] == [s.id for s in corpus.standards]
    first = data["standards"][0]
    assert {
        "id",
        "title",
        "area",
        "phase",
        "tier",
        "need_types",
        "summary",
        "for_families",
        "adjustments",
        "who_provides",
        "who_pays",
        "legal_basis",
        "evidence",
        "last_reviewed",
        "review_due",
    } <= set(first)
    assert set(first["who_pays"][0]) >= {"id", "name"} and set(first["who_provides"][0]) >= {"id", "name"}
    assert json.loads((national_site / "data" / "standards-file.schema.json").read_text())["title"].startswith("Ordinarily available")


def test_every_standard_shows_who_provides_and_who_pays(national_site: Path) -> None:
    corpus = load_corpus(ROOT)
    pages: dict[Path, str] = {}
    for s in corpus.standards:
        page = national_site / "standards" / s.area / s.phase / "index.html"
        html = pages.setdefault(page, page.read_text(encoding="utf-8"))
        start = html.index(f'id="{s.id}"')
        block = html[
            start : html.find('class="oap-standard-title"', start + 1) if 'class="oap-standard-title"' in html[start + 1 :] else len(html)
        ]
        assert "Who provides" in block and "Who pays" in block, s.id
        for p in s.who_provides:
            assert (
                corpus.vocab.providers[p].name.split(" (")[0].replace("'", "&#39;") in block or corpus.vocab.providers[p].name in block
            ), (s.id, p)
        for f in s.who_pays:
            assert f'who-pays/#{f}"' in block, (s.id, f)


def test_navigation_has_human_titles(national_site: Path) -> None:
    html = (national_site / "index.html").read_text(encoding="utf-8")
    for title in ("Communication and interaction", "Who pays for what", "Who provides support", "Glossary", "Early years", "Post-16"):
        assert title in html
    assert "Area a" not in html and "Post 16" not in html


def test_no_request_leaves_the_site(national_site: Path) -> None:
    """No page refers to a font service or CDN; the browser test checks live requests too."""
    for page in national_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for host in ("fonts.googleapis", "fonts.gstatic", "cdn.jsdelivr", "unpkg.com", "cdnjs"):
            assert host not in html, (page, host)


@pytest.mark.slow  # plain mkdocs builds the whole national site
def test_mkdocs_build_strict_passes(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "OAP_NO_PDF": "1"}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mkdocs"), "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr
    assert (tmp_path / "out" / "index.html").is_file()


def test_failed_build_leaves_last_good_site(project: Callable[..., Path]) -> None:
    root = project(site=True)
    out = root / "site"
    assert run_oap("build", "--no-pdf", "--root", str(root), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    (root / "standards/cognition-and-learning/primary.yaml").write_text(
        FIXTURE_STANDARD.replace("who_pays: [school-core-budget]", "who_pays: []")
    )
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "standards[0].who_pays: must not be empty" in result.stderr
    assert tree_digest(out) == before
    assert not [p for p in out.parent.iterdir() if ".oap-tmp-" in p.name]


def test_refuses_to_replace_a_folder_it_did_not_make(project: Callable[..., Path]) -> None:
    root = project(site=True)
    foreign = root / "public"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(foreign))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"oap build: {foreign.resolve()}: refusing to replace a folder that oap build did not make "
        "(no .oap-build file); empty it or choose another --out"
    )
    assert (foreign / "precious.txt").read_text() == "keep me"


def test_refuses_to_build_over_sources(project: Callable[..., Path]) -> None:
    root = project(site=True)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(root))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"oap build: {root.resolve()}: refusing to build into a folder that contains the project"
    assert (root / "standards" / "cognition-and-learning" / "primary.yaml").is_file()


def test_rebuild_over_previous_output_works(project: Callable[..., Path]) -> None:
    root = project(site=True)
    for _ in range(2):
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(root / "site"))
        assert result.returncode == 0, result.stderr
    assert (root / "site" / ".oap-build").is_file()


def test_downloads_page_links_every_pdf_with_its_size() -> None:
    from builder.edition import Edition
    from builder.web import Renderer

    corpus = load_corpus(ROOT)
    names = [f"{kind}-{p}.pdf" for kind in ("teachers", "families") for p in corpus.vocab.phases] + ["handbook.pdf"]
    site = Renderer(Edition(corpus), downloads={n: 2048 * (i + 1) for i, n in enumerate(names)}).render()
    page = site.pages["downloads.md"]
    for i, name in enumerate(names):
        assert f"](/downloads/{name}) (PDF, {2 * (i + 1)} KB)" in page, name
    assert "[Teachers' guide: early years](/downloads/teachers-early-years.pdf)" in page
    assert "without PDFs" in Renderer(Edition(corpus)).render().pages["downloads.md"]

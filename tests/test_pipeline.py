"""The pipeline's shape: one gathering per build, every module on the README's map, and no build detail or stray
escape character on any page a reader sees."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from builder import cli, overlay, pipeline, project

from .conftest import ROOT
from .test_council import EXAMPLE, Page

_STRAY_ESCAPE = re.compile(r"\\[\\`*_{}\[\]()#+\-.!|]")


@pytest.mark.slow  # builds the whole national site as a council edition
def test_oap_build_with_a_council_gathers_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Counted at the two loaders: one `oap build --council` reads the national standards and the council once each."""
    calls = {"load_corpus": 0, "load_overlay": 0, "render": 0}

    def counting(module: Any, name: str, key: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[key] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(project, "load_corpus", "load_corpus")
    counting(overlay, "load_overlay", "load_overlay")
    counting(pipeline, "render", "render")
    out = tmp_path / "site"
    assert cli.main(["build", "--no-pdf", "--timings", "--root", str(ROOT), "--council", str(EXAMPLE), "--out", str(out)]) == 0
    assert calls == {"load_corpus": 1, "load_overlay": 1, "render": 1}
    # --timings says the same: every stage that ran, once, in pipeline order; no PDF stages without PDFs.
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("oap build: stages: ")]
    stages = [part.split(" ")[0] for part in line.removeprefix("oap build: stages: ").split(", ")]
    assert stages == ["load", "overlay", "model", "web", "data", "publish"] and "runs)" not in line
    assert (out / "councils" / "differences" / "index.html").is_file()


def test_the_readme_module_map_names_every_module() -> None:
    """The README's map of builder/ lists each module, and nothing that does not exist."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("builder/                        the Python package") :]
    block = block[: block.index("\noverrides/")]
    named = set(re.findall(r"\b([a-z_]+\.py)\b", block))
    modules = {p.name for p in (ROOT / "builder").glob("*.py")} - {"__init__.py"}
    assert modules - named == set(), "add these modules to the README's map (How it fits together)"
    assert named - modules == set(), "the README's map names modules that do not exist"


@pytest.mark.slow  # builds the whole national site, twice
@pytest.mark.parametrize("edition", ["national", "council"])
def test_no_page_shows_a_build_path_or_a_stray_escape(edition: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp(edition) / "site"
    args = ["build", "--no-pdf", "--root", str(ROOT), "--out", str(out)]
    assert cli.main(args + (["--council", str(EXAMPLE)] if edition == "council" else [])) == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 30
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        for where in (str(ROOT), str(out.parent), str(EXAMPLE.resolve())):
            assert where not in raw, (path.relative_to(out), where)
        text = Page(raw).text
        assert not _STRAY_ESCAPE.search(text), (path.relative_to(out), _STRAY_ESCAPE.findall(text)[:5])

"""`oap build` keeps the last build's generated pages (builder.pagecache): the same site with or without them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from builder import incremental, loadcache, pagecache, pipeline
from builder import project as projectmodule
from builder.errors import OapError
from builder.pagecache import DiskMemo

from .conftest import FIXTURE_STANDARD, make_project, run_oap

SECONDARY = FIXTURE_STANDARD.replace("cl-pri-fixture-one", "cl-sec-fixture-one").replace("phase: primary", "phase: secondary")
FILES = {"standards/cognition-and-learning/primary.yaml": FIXTURE_STANDARD, "standards/cognition-and-learning/secondary.yaml": SECONDARY}
EDITED = FIXTURE_STANDARD.replace("title: Fixture standard", "title: Fixture standard, edited")


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow  # five real site builds
def test_a_build_with_the_cache_makes_the_same_site_as_one_without(tmp_path: Path) -> None:
    """Cold, then warm after editing one file, then warm after undoing the edit: each site is byte for byte the one a
    build with no cache makes of the same sources."""
    project = make_project(tmp_path / "project", FILES, site=True)
    primary = project / "standards" / "cognition-and-learning" / "primary.yaml"
    cache = project / pipeline.PAGE_CACHE

    def build(name: str) -> dict[str, str]:
        result = run_oap("build", "--no-pdf", "--out", str(tmp_path / name), cwd=project)
        assert result.returncode == 0, result.stderr
        return tree_digest(tmp_path / name)

    first = build("cold")
    assert len(list(cache.glob("*.json"))) == 1
    primary.write_text(EDITED, encoding="utf-8")
    edited_warm = build("edited-warm")
    assert edited_warm != first
    shutil.rmtree(cache)
    assert build("edited-cold") == edited_warm
    primary.write_text(FIXTURE_STANDARD, encoding="utf-8")
    assert build("undone-warm") == first


def render(project: Path) -> tuple[pipeline.Output, DiskMemo]:
    """One render with the page cache, as `oap build` does it (a new memo each time: a new process)."""
    memo = DiskMemo(project / pipeline.PAGE_CACHE, "national")
    out = pipeline.render(pipeline.gather(project), memo=memo)
    memo.save()
    return out, memo


def test_only_the_pages_showing_an_edited_standard_are_rendered_again(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", FILES)
    first, memo = render(project)
    everything = len(memo.rendered)
    again, memo = render(project)
    assert memo.rendered == [] and again.pages == first.pages
    (project / "standards" / "cognition-and-learning" / "primary.yaml").write_text(EDITED, encoding="utf-8")
    edited, memo = render(project)
    assert "standards/cognition-and-learning/primary.md" in memo.rendered
    assert "standards/cognition-and-learning/secondary.md" not in memo.rendered
    assert "teachers/finder.md cl-pri-fixture-one" in memo.rendered
    assert "teachers/finder.md cl-sec-fixture-one" not in memo.rendered
    assert 0 < len(memo.rendered) < everything / 2
    uncached = pipeline.render(pipeline.gather(project))
    assert edited.pages == uncached.pages and edited.files == uncached.files
    # a vocabulary is in every page's key: a provider's new name reaches every page that shows it
    providers = project / "standards" / "vocabularies" / "providers.yaml"
    providers.write_text(
        providers.read_text(encoding="utf-8").replace("name: Teaching assistant (TA)", "name: Classroom assistant (TA)"), encoding="utf-8"
    )
    renamed, memo = render(project)
    assert any("Classroom assistant" in page for page in renamed.pages.values())
    uncached = pipeline.render(pipeline.gather(project))
    assert renamed.pages == uncached.pages and renamed.files == uncached.files


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[: len(raw) // 2], id="cut-short"),
        pytest.param(lambda raw: b"\x00\xff not json", id="not-json"),
        pytest.param(lambda raw: json.dumps(["oap page cache 0", {}]).encode(), id="another-format"),
        pytest.param(lambda raw: json.dumps({"index.md": "text"}).encode(), id="not-a-list"),
        pytest.param(lambda raw: json.dumps([pagecache.FORMAT, {"index.md": ["k", 3, "d"]}]).encode(), id="wrong-types"),
        pytest.param(lambda raw: raw.replace(b"Fixture standard", b"Tampered standard"), id="text-changed"),
        pytest.param(lambda raw: _same_key_other_text(raw), id="stale-text-same-key"),
    ],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: object) -> None:
    """A cache file cut short, not JSON, of another version or with a page's Markdown changed on disk: the pages are
    rendered again, the site is the one a build without the cache makes, and the file is written afresh."""
    project = make_project(tmp_path / "project", FILES)
    uncached = pipeline.render(pipeline.gather(project))
    render(project)
    (path,) = (project / pipeline.PAGE_CACHE).glob("*.json")
    raw = path.read_bytes()
    assert callable(damage)
    path.write_bytes(damage(raw))
    out, memo = render(project)
    assert memo.rendered, "the damaged cache was used"
    assert out.pages == uncached.pages and out.files == uncached.files
    again, memo = render(project)
    assert memo.rendered == [] and again.pages == uncached.pages  # written afresh, and whole


def _same_key_other_text(raw: bytes) -> bytes:
    """Every page's Markdown replaced, keys and digests kept: what a disk that flipped bits could leave."""
    fmt, pages = json.loads(raw)
    return json.dumps([fmt, {name: [key, text + "\nwrong", digest] for name, (key, text, digest) in pages.items()}]).encode()


def test_a_changed_builder_uses_a_cache_file_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's name holds the builder's code, the installed packages and the schemas: a new version of any of
    them starts from an empty cache (a page's own key covers only what a preview rebuild can change)."""
    pagecache._builder_digest.cache_clear()
    monkeypatch.setattr(pagecache, "_builder_digest", pagecache._builder_digest.__wrapped__)  # worked out afresh each time
    before = pagecache.namespace("national")
    assert pagecache.namespace("national") == before != pagecache.namespace("council example")
    for name, value in [("code_digest", "another builder"), ("packages_digest", "another Markdown")]:
        with monkeypatch.context() as m:
            m.setattr(incremental, name, lambda value=value: value)
            assert pagecache.namespace("national") != before
    assert pagecache.namespace("national") == before


def test_pruning_keeps_the_latest_files_and_clears_killed_writes(tmp_path: Path) -> None:
    for i in range(pagecache.KEEP_FILES + 3):
        path = tmp_path / f"{i:02}.json"
        path.write_text("[]", encoding="utf-8")
        os.utime(path, (1000 + i, 1000 + i))
    (tmp_path / ".tmp-old.json").write_text("[", encoding="utf-8")
    os.utime(tmp_path / ".tmp-old.json", (1000, 1000))
    (tmp_path / ".tmp-running.json").write_text("[", encoding="utf-8")
    pagecache.prune(tmp_path, now=1000 + 3600 * 2)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".tmp-running.json", *[f"{i:02}.json" for i in range(3, pagecache.KEEP_FILES + 3)]]


# -- the standards of unchanged files (builder.loadcache) ------------------------------------------------------------


def load(project: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """load_corpus with the load cache, as a new process would (this process's own caches emptied); the standards
    files it read."""
    for kept in (projectmodule._cache, projectmodule._file_cache, projectmodule._vocab_cache):
        kept.clear()
    read: list[str] = []
    real = projectmodule.load_yaml

    def counting(path: Path, rel: str, **kwargs: Any) -> Any:
        if "vocabularies" not in rel:
            read.append(rel)
        return real(path, rel, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(projectmodule, "load_yaml", counting)
        return projectmodule.load_corpus(project, cache=project / pipeline.LOAD_CACHE), read


def test_unchanged_standards_files_are_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "project", FILES)
    first, read = load(project, monkeypatch)
    assert sorted(read) == sorted(FILES)
    again, read = load(project, monkeypatch)
    assert read == [] and again == first
    assert [s.source for s in again.standards] == [s.source for s in first.standards]  # file:line is not compared by ==
    (project / "standards" / "cognition-and-learning" / "primary.yaml").write_text(EDITED, encoding="utf-8")
    edited, read = load(project, monkeypatch)
    assert read == ["standards/cognition-and-learning/primary.yaml"]
    for kept in (projectmodule._cache, projectmodule._file_cache, projectmodule._vocab_cache):
        kept.clear()
    uncached = projectmodule.load_corpus(project)
    assert edited == uncached and [s.source for s in edited.standards] == [s.source for s in uncached.standards]
    assert edited.standards[0].title == "Fixture standard, edited"


def test_a_changed_vocabulary_reads_every_file_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A standard is checked against the vocabularies: when one changes, no file's standards are taken as they were."""
    project = make_project(tmp_path / "project", FILES)
    load(project, monkeypatch)
    areas = project / "standards" / "vocabularies" / "areas.yaml"
    areas.write_text(areas.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    _, read = load(project, monkeypatch)
    assert sorted(read) == sorted(FILES)


def test_a_file_swapped_for_a_link_to_outside_the_project_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes behind a link that leads outside the project: refused, as a load with no cache refuses it."""
    project = make_project(tmp_path / "project", FILES)
    load(project, monkeypatch)
    primary = project / "standards" / "cognition-and-learning" / "primary.yaml"
    outside = tmp_path / "outside.yaml"
    primary.rename(outside)
    primary.symlink_to(outside)
    with pytest.raises(OapError) as caught:
        load(project, monkeypatch)
    assert any("outside the project" in str(p) for p in caught.value.problems), caught.value.problems


def test_a_broken_vocabulary_keeps_the_files_loads_for_the_next_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that stops at a vocabulary loads no standards file: the load cache keeps them all for when it is fixed."""
    project = make_project(tmp_path / "project", FILES)
    load(project, monkeypatch)
    areas = project / "standards" / "vocabularies" / "areas.yaml"
    good = areas.read_text(encoding="utf-8")
    areas.write_text("areas: [\n", encoding="utf-8")
    with pytest.raises(OapError):
        load(project, monkeypatch)
    areas.write_text(good, encoding="utf-8")
    _, read = load(project, monkeypatch)
    assert read == []


def test_the_finder_items_of_a_removed_standard_are_not_kept(tmp_path: Path) -> None:
    """Once the finder is rendered again, the items it did not ask for are of standards gone: the cache drops them."""
    project = make_project(tmp_path / "project", FILES)
    render(project)
    secondary = project / "standards" / "cognition-and-learning" / "secondary.yaml"
    secondary.write_text(SECONDARY.replace("cl-sec-fixture-one", "cl-sec-fixture-renamed"), encoding="utf-8")
    _, memo = render(project)
    assert "teachers/finder.md cl-sec-fixture-renamed" in memo.rendered
    kept = pagecache.read(memo.path)
    assert "teachers/finder.md cl-sec-fixture-renamed" in kept and "teachers/finder.md cl-pri-fixture-one" in kept
    assert "teachers/finder.md cl-sec-fixture-one" not in kept


def test_a_file_with_a_problem_is_never_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its messages come from loading it, every time."""
    bad = FIXTURE_STANDARD.replace("review_due: 2027-11-01", "review_due: 2027-13-01")
    project = make_project(tmp_path / "project", {**FILES, "standards/cognition-and-learning/primary.yaml": bad})
    messages = []
    for _ in range(2):
        with pytest.raises(OapError) as caught:
            load(project, monkeypatch)
        messages.append([str(p) for p in caught.value.problems])
    assert messages[0] == messages[1] and any("primary.yaml:17" in m for m in messages[0])


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda raw: raw[:-40], id="cut-short"),
        pytest.param(lambda raw: json.dumps([loadcache.FORMAT, {"x": 1}]).encode(), id="wrong-types"),
        pytest.param(lambda raw: raw.replace(b"Fixture standard", b"Tampered standard"), id="text-changed"),
        pytest.param(lambda raw: _digest_matches_but_not_a_standard(raw), id="not-standards"),
    ],
)
def test_a_damaged_load_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object) -> None:
    project = make_project(tmp_path / "project", FILES)
    first, _ = load(project, monkeypatch)
    (path,) = (project / pipeline.LOAD_CACHE).glob("*.json")
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    again, read = load(project, monkeypatch)
    assert read and again == first
    third, read = load(project, monkeypatch)
    assert read == [] and third == first  # written afresh


def _digest_matches_but_not_a_standard(raw: bytes) -> bytes:
    fmt, entries = json.loads(raw)
    payload = json.dumps([[{"id": "only an id"}, "x.yaml:1"]])
    return json.dumps([fmt, {rel: [key, payload, pagecache.digest(payload)] for rel, (key, _, _) in entries.items()}]).encode()

"""The bad-input corpus: every case in tests/bad_inputs/ goes through the real `oap` command line.

Each case is a folder: `case.yaml` says what is broken and where its files go (see tests/bad_inputs/README.md), and
`expected.txt` holds the exact lines `oap check` prints to stderr. Every case must exit 1, print no traceback and
match expected.txt line for line; cases marked `build: true` must also leave an existing good site byte for byte as it
was. `OAP_REGENERATE_EXPECTED=1 pytest tests/test_bad_inputs.py` rewrites every expected.txt from the current output,
for review as a diff; the default run only compares.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from builder.load import load_yaml

from .conftest import FIXTURE_STANDARD, FIXTURE_VOCABULARIES, OAP, make_project, run_oap

CASES_DIR = Path(__file__).resolve().parent / "bad_inputs"
REGENERATE = os.environ.get("OAP_REGENERATE_EXPECTED") == "1"
DEFAULT_TARGET = "standards/cognition-and-learning/primary.yaml"
CASE_KEYS = {"about", "files", "council", "school", "generate", "links", "build", "vocabularies", "diff"}


@dataclass(frozen=True)
class Case:
    """One broken input: the files that make it up and what `oap` must say about it."""

    name: str
    folder: Path
    about: str
    files: dict[str, str]
    """Project path -> file in the case folder."""
    council: str | None = None
    """A file in the case folder that becomes council/council.yaml, or '' for an empty council folder."""
    generate: dict[str, Any] = field(default_factory=dict)
    """Text appended to the first file at test time: {repeat: text, times: n} (for inputs too big to commit)."""
    links: dict[str, str] = field(default_factory=dict)
    """Project path -> symbolic link target."""
    build: bool = False
    fixture_vocabularies: bool = False
    """True to start from tests/fixtures/vocabularies instead of the real vocabularies (`vocabularies: fixture`)."""
    school: str | None = None
    """A file in the case folder that becomes school/school.yaml, checked with `--school school`."""
    diff: tuple[str, ...] = ()
    """`oap diff OLD NEW` on these two files of the case folder (a name with no file there: a file that does not exist)."""

    @property
    def expected_file(self) -> Path:
        return self.folder / "expected.txt"


def load_case(folder: Path) -> Case:
    """Read a case folder's case.yaml (with the project's own safe loader)."""
    doc, problems = load_yaml(folder / "case.yaml", f"{folder.name}/case.yaml")
    assert doc is not None, problems
    spec = doc.data
    assert set(spec) <= CASE_KEYS, f"{folder.name}: unknown keys {set(spec) - CASE_KEYS}"
    files = spec.get("files") or ({DEFAULT_TARGET: "input.yaml"} if (folder / "input.yaml").exists() else {})
    council = None
    if "council" in spec:
        council = spec["council"] or ""
    return Case(
        name=folder.name,
        folder=folder,
        about=spec["about"],
        files=files,
        council=council,
        school=spec.get("school"),
        generate=spec.get("generate") or {},
        links=spec.get("links") or {},
        build=bool(spec.get("build")),
        fixture_vocabularies=spec.get("vocabularies") == "fixture",
        diff=tuple(spec.get("diff") or ()),
    )


CASES = [load_case(p.parent) for p in sorted(CASES_DIR.glob("*/case.yaml"))]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under folder with the sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def make_case(case: Case, tmp: Path, *, site: bool = False) -> tuple[Path, list[str]]:
    """A project holding the case's files (council cases get the fixture standard as their national corpus)."""
    national = {} if case.files or case.links else {DEFAULT_TARGET: FIXTURE_STANDARD}
    root = make_project(tmp / "project", national, site=site, vocabularies=FIXTURE_VOCABULARIES if case.fixture_vocabularies else None)
    for rel, name in case.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((case.folder / name).read_bytes())
    if case.generate:
        first = root / next(iter(case.files))
        with first.open("ab") as fh:
            fh.write(str(case.generate["repeat"]).encode() * int(case.generate["times"]))
    for rel, target_name in case.links.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target_name, root / rel)
    args = ["--root", "."]
    if case.council is not None:
        council = root / "council"
        council.mkdir(exist_ok=True)  # files may already have put something in it
        if case.council:
            shutil.copyfile(case.folder / case.council, council / "council.yaml")
        args += ["--council", "council"]
    if case.school is not None:
        (root / "school").mkdir(exist_ok=True)
        shutil.copyfile(case.folder / case.school, root / "school" / "school.yaml")
        args += ["--school", "school"]
    return root, args


def assert_reported(case: Case, stdout: str, stderr: str, returncode: int) -> None:
    """Exit 1, no traceback, nothing on stdout, and exactly the expected lines on stderr."""
    assert "Traceback" not in stderr, stderr
    assert returncode == 1, (returncode, stderr)
    assert stdout == ""
    lines = stderr.splitlines()
    if REGENERATE:
        case.expected_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return
    assert case.expected_file.is_file(), f"no expected.txt yet: run with OAP_REGENERATE_EXPECTED=1 and review it ({case.name})"
    assert lines == case.expected_file.read_text(encoding="utf-8").splitlines(), case.about


def test_the_corpus_is_complete() -> None:
    """At least 30 cases, national and council, each with its expected output and no stray files."""
    assert len(CASES) >= 30
    assert any(c.council is not None for c in CASES) and any(c.council is None for c in CASES)
    for case in CASES:
        used = {
            "case.yaml",
            "expected.txt",
            *case.files.values(),
            *([case.council] if case.council else []),
            *([case.school] if case.school else []),
        }
        used |= {name for name in case.diff if (case.folder / name).exists()}
        present = {p.name for p in case.folder.iterdir()}
        assert case.about.strip(), case.name
        if not REGENERATE:
            assert present == used, (case.name, present ^ used)


CHECK_CASES = [c for c in CASES if not c.diff]
DIFF_CASES = [c for c in CASES if c.diff]


@pytest.mark.parametrize("case", CHECK_CASES, ids=[c.name for c in CHECK_CASES])
def test_check_reports_exactly(case: Case, tmp_path: Path) -> None:
    root, args = make_case(case, tmp_path)
    result = run_oap("check", *args, cwd=root)
    assert_reported(case, result.stdout, result.stderr, result.returncode)
    last = result.stderr.splitlines()[-1]
    assert last.endswith("found; nothing was written."), last


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
def test_diff_reports_exactly(case: Case, tmp_path: Path) -> None:
    """`oap diff OLD NEW` on files that are not both standards.json files of a known format: the problems, exit 1."""
    for name in case.diff:
        if (case.folder / name).exists():
            shutil.copyfile(case.folder / name, tmp_path / name)
    result = run_oap("diff", *case.diff, cwd=tmp_path)
    assert_reported(case, result.stdout, result.stderr, result.returncode)
    last = result.stderr.splitlines()[-1]
    assert last.endswith("found; no comparison was made."), last


@pytest.fixture(scope="session")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good build of the fixture project, which every failing build below must leave alone."""
    root = make_project(tmp_path_factory.mktemp("good") / "project", site=True)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(root / "site"))
    assert result.returncode == 0, result.stderr
    return root / "site"


BUILD_CASES = [c for c in CASES if c.build]


# slow: 32 more `oap` processes and a site build (about 25 s). make test-fast keeps test_check_reports_exactly, which
# checks the same messages, and test_build.py::test_failed_build_leaves_last_good_site, the same promise for one case.
@pytest.mark.slow
@pytest.mark.parametrize("case", BUILD_CASES, ids=[c.name for c in BUILD_CASES])
def test_build_leaves_the_site_as_it_was(case: Case, good_site: Path, tmp_path: Path) -> None:
    root, args = make_case(case, tmp_path, site=True)
    shutil.copytree(good_site, root / "site", symlinks=True)
    before = tree_digest(root / "site")
    result = run_oap("build", *args, cwd=root)  # into the default site/, with PDFs if the project makes them
    if not REGENERATE:
        assert_reported(case, result.stdout, result.stderr, result.returncode)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert tree_digest(root / "site") == before
    # nothing half-made left beside the site; the build cache (.oap-cache: the good files' checked loads) may stay
    assert sorted(p.name for p in root.iterdir() if ".oap-" in p.name and p.name != ".oap-cache") == []


def test_build_cases_cover_every_class() -> None:
    """The build subset spans syntax, bytes, size, shape, references, dates, files and councils."""
    names = {c.name for c in BUILD_CASES}
    for needed in ("yaml-unclosed-quote", "encoding-bom", "huge-file", "alias-bomb", "deep-nesting-flow", "empty-lists",
                   "date-impossible", "duplicate-id-same-file", "file-in-wrong-folder", "council-note-unknown-id",
                   "council-overrides-national-field", "council-bad-colour"):  # fmt: skip
        assert needed in names, needed


def test_a_file_of_gigabytes_is_refused_without_reading_it(tmp_path: Path) -> None:
    """A 4 GB standards file (sparse, so it costs no disk) is refused by size; `oap check` runs in 1 GB of memory."""
    root = make_project(tmp_path / "project", {})
    huge = root / DEFAULT_TARGET
    huge.parent.mkdir(parents=True)
    with huge.open("wb") as fh:
        fh.truncate(4 * 1024**3)

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([*OAP, "check", "--root", "."], cwd=root, capture_output=True, text=True, env=env, preexec_fn=limit_memory)
    assert result.stderr.splitlines() == [
        f"{DEFAULT_TARGET}: file is too large (4,294,967,296 bytes; at most 2,000,000)",
        "1 problem found; nothing was written.",
    ]

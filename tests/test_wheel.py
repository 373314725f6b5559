"""The national edition as a package (issue 17): the wheel carries the national edition, and a council needs only its
own folder and `pip install oap-standards==X.Y.Z`.

- The wheel holds exactly the repository's mkdocs.yml, docs/, overrides/ and standards/, and its version is the edition.
- From an empty folder, with no checkout anywhere in reach: a fresh venv, the wheel installed, `oap new-council`,
  `oap check` and `oap build` pass, and the example council built there is the same bytes as built from the checkout.
- The CI a new council repository gets (GitHub Actions and GitLab CI) runs as written: each step's commands, read from
  the YAML, run in a scratch copy of the repository, with pip pointed at the built wheel (PIP_FIND_LINKS).
"""

from __future__ import annotations

import filecmp
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from builder import __version__
from builder.scaffold import FILES, GITHUB_WORKFLOW, GITLAB_CI, REQUIREMENTS, SYSTEM_PACKAGES

from .conftest import ROOT, run_oap

NATIONAL = ("mkdocs.yml", "docs", "overrides", "standards")
"""What the wheel carries of the repository's top folder, as builder/national_edition/."""
NATIONAL_FILES = ("examples/hollins-vale-primary/school.yaml",)
"""Single files it carries besides: the fictional example school, the national site's worked example ("For schools")."""
EPOCH = "1767225600"  # 1 January 2026: both builds of the example council are as of the same day


def source_files() -> list[str]:
    """The files a build of the repository sees: tracked or new, not ignored (git's view, not the working folder's)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return sorted(p for p in out.decode().split("\0") if p and (ROOT / p).is_file() and not (ROOT / p).is_symlink())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `make wheel` builds, built the same way from a copy of the repository (so no build/ is left here)."""
    src = tmp_path_factory.mktemp("source")
    for rel in source_files():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, src / rel)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    (found,) = dist.glob("*.whl")
    return found


def test_the_wheel_carries_the_national_edition_and_its_version(wheel: Path) -> None:
    assert wheel.name == f"oap_standards-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"oap_standards-{__version__}.dist-info/METADATA").decode()
        entry_points = z.read(f"oap_standards-{__version__}.dist-info/entry_points.txt").decode()
    prefix = "builder/national_edition/"
    carried = sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix))
    assert carried == [p for p in source_files() if p.split("/")[0] in NATIONAL or p in NATIONAL_FILES]
    assert "builder/national_edition/examples/hollins-vale-primary/school.yaml" in names
    assert f"Version: {__version__}\n" in metadata
    assert "oap = builder.cli:main" in entry_points
    for template in FILES.values():
        assert f"builder/templates/{template}" in names, template
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_unpacked_wheel_checks_a_council_with_its_own_national_edition(wheel: Path, outside: Path) -> None:
    """The quick version of the test below: the wheel unpacked as pip would lay it out, first on PYTHONPATH, run from a
    folder with no project; it checks a council against the national edition it carries, not the checkout's."""
    lib = outside / "lib"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(lib)
    (outside / "empty").mkdir()
    env = {**os.environ, "PYTHONPATH": str(lib), "NO_MKDOCS_2_WARNING": "1"}
    env.pop("OAP_COUNCIL", None)
    oap = [sys.executable, "-m", "builder.cli"]
    version = run([*oap, "--version"], outside / "empty", env).stdout
    assert version == f"oap {__version__} (national edition {__version__}, installed at {lib / 'builder' / 'national_edition'})\n"
    run([*oap, "new-council", "bc", "--name", "Example Borough Council"], outside / "empty", env)
    assert run([*oap, "check", "--council", "bc"], outside / "empty", env).stdout.splitlines()[-1].startswith("oap check: OK: ")
    vocab = lib / "builder" / "national_edition" / "standards" / "vocabularies" / "providers.yaml"
    vocab.write_text(
        vocab.read_text(encoding="utf-8").replace("id: class-teacher\n", "id: class-teacher\n    oops: 1\n", 1), encoding="utf-8"
    )
    broken = subprocess.run([*oap, "check", "--council", "bc"], cwd=outside / "empty", env=env, capture_output=True, text=True)
    assert broken.returncode == 1 and "providers.yaml" in broken.stderr and "oops" in broken.stderr  # the carried copy is the one read


# -- a fresh environment with the wheel installed ----------------------------------------------------------------------
def runtime_lock() -> str:
    """The lines of requirements.lock the runtime needs, with their hashes: the lock also holds the test tools.

    The closure of pyproject.toml's dependencies, followed through each locked package's own requirements (read from
    the installed copy of the same version in this environment, which is installed from the lock)."""
    entries: dict[str, list[str]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name = canonicalize_name(Requirement(line.rstrip(" \\")).name)
            entries.setdefault(name, []).append(line)
        elif line.lstrip().startswith("--hash") and name:
            entries[name].append(line)
    roots = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    wanted: set[str] = set()
    todo = [(Requirement(r), "") for r in roots]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({**default_environment(), "extra": extra}):
            continue
        key = canonicalize_name(req.name)
        for ask in [""] + sorted(req.extras):
            if (key, ask) in wanted:
                continue
            wanted.add((key, ask))  # type: ignore[arg-type]
            for child in importlib.metadata.distribution(req.name).requires or []:
                todo.append((Requirement(child), ask))
    names = sorted({key for key, _ in wanted})  # type: ignore[misc]
    missing = [n for n in names if n not in entries]
    assert not missing, f"not in requirements.lock: {missing}"
    return "\n".join(line for n in names for line in entries[n]) + "\n"


def fresh_env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a user who has only the venv: its bin/ first on PATH, no PYTHONPATH, not in a checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "OAP_COUNCIL")}
    env.update(PATH=f"{venv / 'bin'}:/usr/bin:/bin", NO_MKDOCS_2_WARNING="1", VIRTUAL_ENV=str(venv), **extra)
    return env


def run(args: list[str] | str, cwd: Path, env: dict[str, str], *, shell: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command (or, with shell, a script) and fail the test with its output if it fails."""
    cmd = [shell, "-c", args] if shell else args
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)  # type: ignore[arg-type]
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A temporary folder with no checkout above it: pytest's own is under /tmp, the repository is not."""
    assert ROOT not in tmp_path.parents and not any((p / "standards").exists() for p in tmp_path.parents)
    yield tmp_path


@pytest.mark.slow  # makes a venv and installs the runtime from the lock, then builds two editions
def test_from_an_empty_folder_the_installed_wheel_checks_and_builds_a_council(wheel: Path, outside: Path) -> None:
    venv = outside / "venv"
    run([sys.executable, "-m", "venv", str(venv)], outside, fresh_env(venv))
    (outside / "runtime.lock").write_text(runtime_lock(), encoding="utf-8")
    py = str(venv / "bin" / "python")
    env = fresh_env(venv)
    run([py, "-m", "pip", "install", "-q", "--require-hashes", "--no-deps", "-r", str(outside / "runtime.lock")], outside, env)
    run([py, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], outside, env)
    run([py, "-m", "pip", "check"], outside, env)  # the runtime part of the lock is complete
    site_packages = Path(run([py, "-c", "import builder; print(builder.__file__)"], outside, env).stdout.strip()).parent.parent
    assert venv in site_packages.parents
    before = sorted(p.relative_to(venv) for p in venv.rglob("*") if "__pycache__" not in p.parts)

    work = outside / "empty"
    work.mkdir()
    oap = str(venv / "bin" / "oap")
    version = run([oap, "--version"], work, env).stdout.strip()
    assert version == f"oap {__version__} (national edition {__version__}, installed at {site_packages / 'builder' / 'national_edition'})"

    made = run([oap, "new-council", "bc", "--name", "Example Borough Council"], work, env)
    assert made.stdout.startswith("oap new-council: wrote bc/council.yaml and README.md")
    assert sorted(str(p.relative_to(work / "bc")) for p in (work / "bc").rglob("*") if p.is_file()) == sorted(FILES)
    assert (work / "bc" / REQUIREMENTS).read_text(encoding="utf-8").splitlines()[-1] == f"oap-standards=={__version__}"
    check = run([oap, "check", "--council", "bc"], work, env)
    assert check.stdout.splitlines()[-1].startswith("oap check: OK: ")
    built = run([oap, "build", "--council", "bc", "--no-pdf"], work, env)
    assert built.stdout.splitlines()[-1].startswith("oap build: built ")
    assert " into bc/site (no PDFs) in " in built.stdout.splitlines()[-1]
    assert f"Edition {__version__}, content as of" in (work / "bc" / "site" / "index.html").read_text(encoding="utf-8")
    assert f'"version": "{__version__}"' in (work / "bc" / "site" / "data" / "standards.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in work.iterdir()) == ["bc"]  # the output went into the council's folder, nothing beside it

    # The example council, copied alone, built by the installed package and by the checkout: the same site.
    shutil.copytree(ROOT / "examples" / "northbrook-and-fenmoor", work / "nf")
    dated = fresh_env(venv, SOURCE_DATE_EPOCH=EPOCH)
    run([oap, "check", "--council", "nf"], work, dated)
    run([oap, "build", "--council", "nf", "--no-pdf", "--quiet"], work, dated)
    from_checkout = outside / "from-checkout"
    result = run_oap(
        "build", "--root", str(ROOT), "--council", str(work / "nf"), "--no-pdf", "--quiet", "--out", str(from_checkout),
        env={"SOURCE_DATE_EPOCH": EPOCH},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_same_tree(work / "nf" / "site", from_checkout)

    after = sorted(p.relative_to(venv) for p in venv.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, "a command wrote into the installed package"


def assert_same_tree(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files_a], shallow=False)
    assert (mismatch, errors) == ([], [])


# -- the council repository's CI, run as written ------------------------------------------------------------------------
APT = re.compile(r"^(sudo )?apt-get update -qq && (sudo )?apt-get install -y -qq --no-install-recommends (?P<packages>.+)$")
"""The step that installs WeasyPrint's system libraries: not run here (it needs root and the network; the machine
has them), but checked against scripts/system-packages.sh."""


def system_step(command: str) -> bool:
    match = APT.match(command.strip())
    if match is None:
        return False
    script = (ROOT / "scripts" / "system-packages.sh").read_text(encoding="utf-8")
    listed = re.search(r"^packages=\((.*)\)$", script, flags=re.M)
    assert listed is not None
    assert match["packages"] == SYSTEM_PACKAGES == listed[1]
    return True


@pytest.mark.slow  # installs the wheel and its dependencies with pip as CI does, then builds the edition with PDFs
def test_the_council_repositorys_ci_runs_as_written(wheel: Path, outside: Path) -> None:
    repo = outside / "bc"
    assert run_oap("new-council", str(repo), "--name", "Example Borough Council", cwd=outside).returncode == 0
    venv = outside / "venv"  # stands for actions/setup-python and the image's Python: `python` and `pip` on PATH
    run([sys.executable, "-m", "venv", str(venv)], outside, fresh_env(venv))
    # The one substitution: pip also finds the built wheel (the edition is not on an index yet).
    env = fresh_env(venv, PIP_FIND_LINKS=f"{wheel.parent} {os.environ.get('PIP_FIND_LINKS', '')}".strip())
    skipped = []

    gh = yaml.safe_load((repo / GITHUB_WORKFLOW).read_text(encoding="utf-8"))
    steps = gh["jobs"]["build"]["steps"]
    for step in steps:
        if "uses" in step:
            continue
        if system_step(step["run"]):
            skipped.append(step["name"])
            continue
        run(step["run"], repo, env, shell="bash")  # GitHub runs each run: with bash -e
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/upload-pages-artifact"]
    assert steps[-1]["with"]["path"] == "site"
    assert steps[-2]["run"] == "oap build --council . --out site"
    assert (repo / "site" / ".oap-build").is_file() and (repo / "site" / "downloads" / "handbook.pdf").is_file()
    assert f'"version": "{__version__}"' in (repo / "site" / "data" / "standards.json").read_text(encoding="utf-8")
    deploy = gh["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    triggers = gh[True]  # the key `on`: YAML 1.1 (PyYAML) reads it as true; GitHub reads it as "on"
    assert "main" in deploy["if"] and triggers["push"]["branches"] == ["main"]
    installed = run([str(venv / "bin" / "python"), "-m", "pip", "show", "oap-standards"], repo, env).stdout
    assert f"Version: {__version__}" in installed and str(venv) in installed  # the wheel, in the venv: not the checkout

    # GitLab, in the same folder after GitHub's run (so its PDFs come from the cache GitHub's build left).
    gl = yaml.safe_load((repo / GITLAB_CI).read_text(encoding="utf-8"))
    pages = gl["pages"]
    for line in pages["before_script"] + pages["script"]:
        if system_step(line):
            skipped.append(line)
            continue
        run(line, repo, {**env, **gl["variables"], "CI_PROJECT_DIR": str(repo)}, shell="sh")  # GitLab: each line in sh
    assert pages["artifacts"]["paths"] == ["public"]
    assert pages["script"][-1] == "oap build --council . --out public"
    assert (repo / "public" / ".oap-build").is_file() and (repo / "public" / "downloads" / "handbook.pdf").is_file()
    assert gl["check"]["script"] == pages["script"] and "CI_DEFAULT_BRANCH" in pages["rules"][0]["if"]
    assert len(skipped) == 2  # the system libraries' step of each, and nothing else

    ignored = (repo / ".gitignore").read_text(encoding="utf-8").splitlines()
    for made in ("site", "public", ".oap-cache", ".cache"):  # what the runs made in the repository is ignored by git
        if (repo / made).exists():
            assert f"/{made}/" in ignored, made


# -- the council repository oap new-council writes -----------------------------------------------------------------------
def test_new_council_writes_a_council_repository_whose_readme_commands_work(tmp_path: Path) -> None:
    assert run_oap("new-council", "bc", "--name", "Example  Borough Council", cwd=tmp_path).returncode == 0
    repo = tmp_path / "bc"
    assert sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file()) == sorted(FILES)
    assert (repo / REQUIREMENTS).read_text(encoding="utf-8").splitlines()[-1] == f"oap-standards=={__version__}"
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Example Borough Council: ordinarily available provision\n")
    assert [h for h in readme.splitlines() if h.startswith("## ")] == [
        "## Edit",
        "## Check",
        "## Preview",
        "## Publish",
        "## A new national edition",
    ]
    commands = [line.split("#")[0].split() for line in readme.splitlines() if line.startswith(".venv/bin/oap ")]
    assert commands == [
        [".venv/bin/oap", "check", "--council", "."],
        [".venv/bin/oap", "build", "--council", ".", "--no-pdf", "--out", "preview"],
    ]
    check = run_oap(*commands[0][1:], cwd=repo)  # here the national edition is the checkout's: no project in bc/
    assert check.returncode == 0, check.stderr
    assert "`.venv/bin/oap build --council . --out site`" in readme
    for made in ("/.venv/", "/site/", "/public/", "/preview/", "/.oap-cache/"):
        assert made in (repo / ".gitignore").read_text(encoding="utf-8").splitlines()
    gh = yaml.safe_load((repo / GITHUB_WORKFLOW).read_text(encoding="utf-8"))
    assert "${{ steps.deployment.outputs.page_url }}" == gh["jobs"]["deploy"]["environment"]["url"]
    assert yaml.safe_load((repo / GITLAB_CI).read_text(encoding="utf-8"))["pages"]["artifacts"]["paths"] == ["public"]


def test_new_council_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "bc" / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / "bc" / "README.md").write_text("ours\n", encoding="utf-8")
    (tmp_path / "bc" / GITHUB_WORKFLOW).write_text("ours\n", encoding="utf-8")
    result = run_oap("new-council", "bc", "--name", "Example Borough Council", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "bc/.github/workflows/publish.yml: already exists; oap new-council never overwrites a file (move it aside, or choose a new folder)",
        "bc/README.md: already exists; oap new-council never overwrites a file (move it aside, or choose a new folder)",
        "2 problems found; nothing was written.",
    ]
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "bc/.github/workflows/publish.yml",
        "bc/README.md",
    ]
    assert (tmp_path / "bc" / "README.md").read_text(encoding="utf-8") == "ours\n"


def test_the_ci_matrix_examples_build_each_council_in_its_own_job(tmp_path: Path) -> None:
    """The documented matrix (README, "For councils"): one job per council, each with its own pinned edition. The
    listing step runs here; each job's commands are the council repository's, which the test above runs."""
    gh = yaml.safe_load((ROOT / "examples" / "ci" / "council-editions.github.yml").read_text(encoding="utf-8"))
    for folder in ("northbrook-and-fenmoor", "bc", ".git"):
        (tmp_path / "councils" / folder).mkdir(parents=True)
    (listing,) = [s["run"] for s in gh["jobs"]["councils"]["steps"] if "run" in s]
    run(listing, tmp_path, {**os.environ, "GITHUB_OUTPUT": str(tmp_path / "out")}, shell="bash")
    assert (tmp_path / "out").read_text(encoding="utf-8") == 'list=["bc", "northbrook-and-fenmoor"]\n'
    assert gh["jobs"]["councils"]["outputs"]["list"] == "${{ steps.list.outputs.list }}"
    assert gh["jobs"]["edition"]["strategy"]["matrix"]["council"] == "${{ fromJSON(needs.councils.outputs.list) }}"
    job = gh["jobs"]["edition"]
    assert job["strategy"]["fail-fast"] is False and job["needs"] == "councils"
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[1:] == [
        "python -m pip install -r councils/${{ matrix.council }}/requirements.txt",
        "oap check --council councils/${{ matrix.council }}",
        "oap build --council councils/${{ matrix.council }} --out editions/${{ matrix.council }}",
    ]
    assert system_step(runs[0])
    gl = yaml.safe_load((ROOT / "examples" / "ci" / "council-editions.gitlab-ci.yml").read_text(encoding="utf-8"))["edition"]
    assert system_step(gl["before_script"][0])
    assert [c.replace("$COUNCIL", "${{ matrix.council }}") for c in gl["before_script"][1:] + gl["script"]] == runs[1:]

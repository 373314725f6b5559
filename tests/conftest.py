"""Shared fixtures: the repository root, a small fixture project, and a real build of the national site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

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


def run_oap(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `oap` command line in a subprocess."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    return subprocess.run([*OAP, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=900)


def make_project(tmp: Path, files: dict[str, str] | None = None, *, site: bool = False) -> Path:
    """A project folder with the real vocabularies and schemas, and only the given standards files."""
    (tmp / "standards").mkdir(parents=True, exist_ok=True)
    for name in ("vocabularies", "schema"):
        shutil.copytree(ROOT / "standards" / name, tmp / "standards" / name, dirs_exist_ok=True)
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

"""The authors' manual (the commented example) and every vocabulary pass their schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.load import load_yaml
from builder.validate import schema_problems

from .conftest import ROOT


def test_commented_example_is_valid() -> None:
    doc, errors = load_yaml(ROOT / "standards/_example/example.yaml", "example.yaml")
    assert errors == [] and doc is not None
    assert schema_problems(doc, "standards-file.schema.json") == []
    assert doc.data["standards"][0]["who_pays"] and doc.data["standards"][0]["who_provides"]


@pytest.mark.parametrize("path", sorted((ROOT / "standards").glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_starts_with_its_schema_line(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    schema = "vocabulary-file" if path.parent.name == "vocabularies" else "standards-file"
    assert first == f"# yaml-language-server: $schema=../schema/{schema}.schema.json"


def test_commented_example_passes_every_rule(tmp_path: Path) -> None:
    """Not just the schema: its facts, its what_may_change proposal and its payers check against the real vocabularies."""
    from builder.project import load_corpus

    from .conftest import make_project

    text = (ROOT / "standards/_example/example.yaml").read_text(encoding="utf-8")
    corpus = load_corpus(make_project(tmp_path / "project", {"standards/cognition-and-learning/primary.yaml": text}))
    (standard,) = corpus.standards
    assert "{fact:" in standard.funding_note and standard.what_may_change is not None

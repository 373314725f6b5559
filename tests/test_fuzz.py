"""Property-based tests: whatever text or structure arrives, loading and checking only ever report problems.

Generated YAML texts, raw bytes, random documents and mutations of a valid standard, a valid council overlay and a
valid vocabulary go through builder.load.load_yaml, the standards loader with the schema and the rules, the council
overlay and builder.project.load_corpus. None may raise anything but OapError; every problem must be one line.
A valid result must also render. Bounded (a few hundred examples, no deadline) so the module runs in about a minute.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import model
from builder.edition import Edition
from builder.errors import OapError, Problem
from builder.load import load_yaml
from builder.overlay import load_overlay
from builder.project import load_corpus, load_standards_file
from builder.web import Renderer

from .conftest import ROOT, make_project

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TARGET = "standards/cognition-and-learning/primary.yaml"

VALID_STANDARD: dict[str, Any] = {
    "id": "cl-pri-fixture-one",
    "title": "Fixture standard",
    "area": "cognition-and-learning",
    "phase": "primary",
    "tier": "targeted",
    "need_types": ["SPLD"],
    "summary": "A summary.",
    "for_families": "You can expect help.",
    "signs": ["Reads slowly"],
    "adjustments": ["One", "Two", "Three", "Four"],
    "who_provides": ["class-teacher"],
    "who_pays": ["school-core-budget"],
    "legal_basis": ["cop-6-44"],
    "evidence": ["eef-send-1"],
    "funding_note": "Paid from the school's budget.",
    "search_words": ["reading"],
    "last_reviewed": "2026-11-01",
    "review_due": "2027-11-01",
}
VALID_COUNCIL: dict[str, Any] = {
    "name": "Testshire Council",
    "slug": "testshire",
    "fictional": True,
    "website": "https://testshire.example.invalid/",
    "branding": {"primary_colour": "#1d4f91"},
    "contacts": [{"name": "Testshire SEND team", "role": "send-team", "email": "send@testshire.example.invalid"}],
    "services": [
        {
            "id": "reading",
            "name": "Reading service",
            "description": "Helps with **reading**.",
            "need_types": ["SPLD"],
            "phases": ["primary"],
            "url": "https://testshire.example.invalid/reading",
        }
    ],
    "notes": {"cl-pri-fixture-one": "Ask the SENCO."},
    "funding_bands": [{"name": "Band A", "amount": "£1,000", "description": "Short help.", "funding_stream": "high-needs-top-up"}],
    "local_standards": [{**VALID_STANDARD, "id": "testshire-reading-club"}],
}

# -- strategies -------------------------------------------------------------------------------------------------------
FRAGMENTS = [
    "standards:\n", "  - ", "    ", "id: ", "title: ", "who_pays: ", "- ", ": ", "\n", "\t", "&a ", "*a", "&b [*a, *a]", "<<: *a\n",
    "? ", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "!!python/object/apply:os.system ", "!!binary ", "!!int ",
    "!!bool ", "!!float ", "!!timestamp ", "!!set ", "!!omap ", "!!str ", "!!null ", "!!map ", "!!seq ", "!foo ", "[", "]", "{",
    "}", ", ", '"', "'", "|-\n", ">\n", "# comment\n", "\ufeff", "\x85", "\u2028", "\x00", "\x1b", "2026-02-30", "2026-11-01",
    "0x1F", "0o17", "1_000", ".nan", ".inf", "-.inf", "~", "null", "yes", "no", "on", "1e400", "9" * 40, "\\", "%", "@", "`",
]  # fmt: skip
yaml_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=" -:[]{}&*!|>'\"#%@`,?\n\tab1", max_size=6)), max_size=60).map("".join),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "2026-02-30", "2026-11-01", "school-core-budget", "class-teacher", "cop-6-44", "SPLD", "primary"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25,
)


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], extra_keys: list[str]) -> dict[str, Any]:
    """A copy of base with a few fields replaced by random values, removed, or added."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        key = draw(st.sampled_from(sorted(doc) + extra_keys))
        action = draw(st.sampled_from(["replace", "delete", "append", "nest"]))
        if action == "delete":
            doc.pop(key, None)
        elif action == "append" and isinstance(doc.get(key), list):
            doc[key].append(draw(values))
        elif action == "nest" and isinstance(doc.get(key), list) and doc[key] and isinstance(doc[key][0], dict):
            item = doc[key][0]
            item[draw(st.sampled_from(sorted(item) + ["extra"]))] = draw(values)
        else:
            doc[key] = draw(values)
    return doc


# -- fixtures ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """A scratch folder for the whole module (hypothesis examples run many times per test)."""
    with tempfile.TemporaryDirectory(prefix="oap-fuzz-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def corpus(workdir: Path) -> model.Corpus:
    """The real vocabularies and one valid standard, loaded once."""
    root = make_project(workdir / "base", {TARGET: yaml.safe_dump({"standards": [VALID_STANDARD]}, sort_keys=False)})
    return load_corpus(root)


def _one_line(problems: list[Problem]) -> None:
    for p in problems:
        assert isinstance(p, Problem)
        assert "\n" not in str(p) and "\r" not in str(p), str(p)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# -- the loader -------------------------------------------------------------------------------------------------------
@FAST
@given(text=yaml_texts)
def test_load_yaml_never_raises_on_text(text: str, workdir: Path) -> None:
    path = workdir / "text.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    doc, problems = load_yaml(path, "text.yaml")
    assert (doc is None) == bool(problems)
    _one_line(problems)


@FAST
@given(raw=st.binary(max_size=300))
def test_load_yaml_never_raises_on_bytes(raw: bytes, workdir: Path) -> None:
    path = workdir / "bytes.yaml"
    path.write_bytes(raw)
    doc, problems = load_yaml(path, "bytes.yaml")
    assert (doc is None) == bool(problems)
    _one_line(problems)


# -- the standards loader: schema and rules --------------------------------------------------------------------------
def _load_standards(path: Path, text: str, corpus: model.Corpus) -> tuple[list[model.Standard], list[Problem]]:
    path.write_text(text, encoding="utf-8")
    problems: list[Problem] = []
    found = load_standards_file(path, TARGET, corpus.vocab, problems, folder_area="cognition-and-learning", file_phase="primary")
    _one_line(problems)
    return found, problems


@FAST
@given(text=yaml_texts)
def test_standards_loader_only_reports_problems_for_any_text(text: str, workdir: Path, corpus: model.Corpus) -> None:
    _load_standards(workdir / "any.yaml", text, corpus)


@FAST
@given(data=values)
def test_standards_loader_only_reports_problems_for_any_document(data: Any, workdir: Path, corpus: model.Corpus) -> None:
    _load_standards(workdir / "doc.yaml", _dump(data), corpus)
    _load_standards(workdir / "wrapped.yaml", _dump({"standards": [data]}), corpus)


@FAST
@given(standard=mutated(VALID_STANDARD, ["settings", "access_route", "colour", ""]))
def test_a_mutated_standard_is_reported_or_renders(standard: dict[str, Any], workdir: Path, corpus: model.Corpus) -> None:
    found, problems = _load_standards(workdir / "mutated.yaml", _dump({"standards": [standard]}), corpus)
    if not problems:
        assert len(found) == 1
        Renderer(Edition(model.Corpus(corpus.vocab, tuple(found)))).render()  # whatever passes the checks must render


# -- the council overlay ----------------------------------------------------------------------------------------------
@SLOW
@given(council=st.one_of(mutated(VALID_COUNCIL, ["standards", "overrides", "logo", "twitter"]), values))
def test_a_mutated_council_is_reported_or_loads(council: Any, workdir: Path, corpus: model.Corpus) -> None:
    folder = workdir / "council"
    folder.mkdir(exist_ok=True)
    (folder / "council.yaml").write_text(_dump(council), encoding="utf-8")
    try:
        loaded = load_overlay(folder, corpus)
    except OapError as exc:
        assert exc.problems
        _one_line(exc.problems)
        return
    Renderer(Edition.of(corpus, loaded)).render()


# -- the vocabularies, through load_corpus ----------------------------------------------------------------------------
VOCAB_FILES = sorted(p.name for p in (ROOT / "standards" / "vocabularies").glob("*.yaml"))


@pytest.mark.slow  # loads a whole corpus per example: about 20 s on its own
@SLOW
@given(file=st.sampled_from(VOCAB_FILES), index=st.integers(min_value=0, max_value=3), data=st.data())
def test_a_mutated_vocabulary_is_reported_or_loads(file: str, index: int, data: st.DataObject, workdir: Path) -> None:
    source, problems = load_yaml(ROOT / "standards" / "vocabularies" / file, file)
    assert source is not None, problems
    ((kind, entries),) = source.data.items()
    entries = copy.deepcopy(entries)
    entries[index % len(entries)] = data.draw(mutated(entries[index % len(entries)], ["extra"]), label=f"{kind}[{index % len(entries)}]")
    root = Path(tempfile.mkdtemp(dir=workdir))  # a fresh folder each time: load_corpus caches by folder
    try:
        make_project(root, {TARGET: _dump({"standards": [VALID_STANDARD]}), f"standards/vocabularies/{file}": _dump({kind: entries})})
        try:
            loaded = load_corpus(root)
        except OapError as exc:
            assert exc.problems
            _one_line(exc.problems)
            return
        Renderer(Edition(loaded)).render()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_generators_reach_valid_inputs(workdir: Path, corpus: model.Corpus) -> None:
    """The bases the mutations start from are valid, so a mutation that changes nothing harmful must load."""
    found, problems = _load_standards(workdir / "valid.yaml", _dump({"standards": [VALID_STANDARD]}), corpus)
    assert problems == [] and len(found) == 1
    folder = workdir / "valid-council"
    folder.mkdir(exist_ok=True)
    (folder / "council.yaml").write_text(_dump(VALID_COUNCIL), encoding="utf-8")
    assert len(load_overlay(folder, corpus).local_standards) == 1

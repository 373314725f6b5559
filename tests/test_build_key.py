"""A build with nothing changed finds its PDFs without writing print HTML (builder.incremental, issue 16); any change
to what a PDF is made from takes the full path, which renders again exactly the PDFs whose print HTML changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from builder import incremental, pdf, pipeline, printdocs
from builder.pdf import Rendered

from .conftest import FIXTURE_STANDARD, ROOT, make_project

RENDERER = "renderer fingerprint"
COUNCIL = ROOT / "examples" / "kestrel-dales"


def key_of(project: Path, council: Path | None = None, renderer: str = RENDERER) -> str | None:
    return incremental.build_key(pipeline.gather(project, council), renderer)


@pytest.fixture
def fixture(tmp_path: Path) -> Path:
    secondary = FIXTURE_STANDARD.replace("cl-pri-fixture-one", "cl-sec-fixture-one").replace("phase: primary", "phase: secondary")
    return make_project(
        tmp_path / "project",
        {"standards/cognition-and-learning/primary.yaml": FIXTURE_STANDARD, "standards/cognition-and-learning/secondary.yaml": secondary},
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the key: one test for each thing a PDF is made from ---------------------------------------------------------


def test_a_standards_file_is_in_the_key(fixture: Path) -> None:
    before = key_of(fixture)
    assert before is not None and key_of(fixture) == before
    edit(fixture / "standards/cognition-and-learning/secondary.yaml", "title: Fixture standard", "title: Fixture standard, edited")
    assert key_of(fixture) != before


def test_a_vocabulary_is_in_the_key(fixture: Path) -> None:
    before = key_of(fixture)
    edit(fixture / "standards/vocabularies/glossary.yaml", "A short way of saying", "A short way to say")
    assert key_of(fixture) != before


def test_the_council_overlay_is_in_the_key(tmp_path: Path) -> None:
    council = tmp_path / "council"
    shutil.copytree(COUNCIL, council)
    before = key_of(ROOT, council)
    assert before != key_of(ROOT)
    edit(council / "council.yaml", "home visits in rural areas", "home visits across the county")
    assert key_of(ROOT, council) != before


def test_the_edition_version_and_date_are_in_the_key(fixture: Path) -> None:
    edition = pipeline.gather(fixture)
    before = incremental.build_key(edition, RENDERER)
    assert incremental.build_key(dataclasses.replace(edition, version="9.9.9"), RENDERER) != before
    assert incremental.build_key(dataclasses.replace(edition, date=dt.date(2031, 1, 1)), RENDERER) != before


def test_the_printed_creation_date_is_in_the_key(fixture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    before = key_of(fixture)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    assert key_of(fixture) != before


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("templates/print/teachers.html.j2", "</", "<!-- edited --></"),  # a print template
        ("templates/print/print.css.j2", "{", "{ /* edited */ "),  # the print CSS
        ("printdocs.py", "MAX_STANDARDS = 100", "MAX_STANDARDS = 99"),  # the code that makes the print HTML
    ],
)
def test_the_builders_templates_css_and_code_are_in_the_key(
    fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, old: str, new: str
) -> None:
    package = tmp_path / "builder"
    shutil.copytree(incremental.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(incremental, "PACKAGE", package)
    before = key_of(fixture)
    edit(package / file, old, new)
    assert key_of(fixture) != before


def test_the_renderer_and_the_installed_packages_are_in_the_key(fixture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = key_of(fixture)
    assert key_of(fixture, renderer="another renderer") != before
    real = incremental.importlib.metadata.distributions

    def newer_jinja() -> list[Any]:
        return [SimpleNamespace(metadata=d.metadata, version="99" if d.metadata["Name"] == "Jinja2" else d.version) for d in real()]

    monkeypatch.setattr(incremental.importlib.metadata, "distributions", newer_jinja)
    assert key_of(fixture) != before


def test_the_key_is_the_same_in_every_process(fixture: Path) -> None:
    """Sets iterate in a different order in each process (hash randomisation): a key that followed it would never
    find a build list, and every no-op build would take the full path."""
    script = "import sys; from pathlib import Path; from tests.test_build_key import key_of; print(key_of(Path(sys.argv[1])))"
    keys = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script, str(fixture)], env=env, capture_output=True, text=True, cwd=ROOT, check=True)
        keys.add(done.stdout.strip())
    assert len(keys) == 1 and keys != {"None"}
    assert keys == {key_of(fixture)}


def test_print_html_reads_no_file_the_key_does_not_cover() -> None:
    """The key covers the edition model and the builder package: making the print HTML must read nothing else (a
    template that read a council's logo file itself, say, would need that file in the key). Python's own files and
    temporary ones (Jinja's compiled-template cache, made from our templates) are all it may open besides."""
    edition = pipeline.gather(ROOT, COUNCIL)
    opened: list[str] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and isinstance(args[0], str | bytes | os.PathLike) and recording:
            opened.append(os.fsdecode(args[0]))

    recording = True
    sys.addaudithook(hook)  # cannot be removed: it stops recording below
    try:
        printdocs.print_documents(edition)
    finally:
        recording = False
    allowed = (str(incremental.PACKAGE), sys.prefix, sys.base_prefix, tempfile.gettempdir())
    assert opened and [p for p in opened if not os.path.abspath(p).startswith(allowed)] == []


def test_a_value_the_key_cannot_hash_means_no_key(fixture: Path) -> None:
    edition = pipeline.gather(fixture)
    odd = dataclasses.replace(edition, title=object())  # type: ignore[arg-type]
    assert incremental.build_key(odd, RENDERER) is None


# -- the builds: what is made and what is reused -----------------------------------------------------------------


def fake_render_all(docs: list[printdocs.PrintDocument], root: Path, **kw: Any) -> dict[str, Rendered]:
    """Stands in for WeasyPrint: a small whole 'PDF' per document, different for different print HTML."""
    rendered = {}
    for doc in docs:
        body = b"%PDF-1.7\n" + hashlib.sha256(doc.html.encode()).hexdigest().encode() + b"\n%%EOF\n"
        rendered[doc.name] = Rendered(doc.name, body, ())
        kw["done"](rendered[doc.name])
    return rendered


def test_a_build_with_nothing_changed_makes_no_print_html(fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "render_all", fake_render_all)
    made = []
    real_print_documents = printdocs.print_documents
    monkeypatch.setattr(printdocs, "print_documents", lambda edition: made.append(1) or real_print_documents(edition))
    cache = fixture / pipeline.PDF_CACHE

    def build(out: str) -> tuple[pipeline.Timings, dict[str, bytes]]:
        made.clear()
        t = pipeline.Timings()
        output = pipeline.render(pipeline.gather(fixture), pdf_dir=tmp_path / out, pdf_cache=cache, timings=t)
        files = {name: (tmp_path / out / name).read_bytes() for name in output.pdfs}
        assert output.pdfs == {name: len(data) for name, data in files.items()}
        return t, files

    t, first = build("one")
    assert made == [1] and t.counts == {"pdfs rendered": 9, "pdfs reused": 0}
    t, second = build("two")
    assert made == [] and t.counts == {"pdfs rendered": 0, "pdfs reused": 9}, "the no-op build made print HTML"
    assert second == first and list(second) == list(first)  # same files, same order (the downloads page's)

    edit(fixture / "standards/cognition-and-learning/primary.yaml", "title: Fixture standard", "title: Fixture standard, edited")
    t, third = build("three")
    assert made == [1] and t.counts == {"pdfs rendered": 3, "pdfs reused": 6}
    assert sorted(n for n in third if third[n] != first[n]) == ["families-primary.pdf", "handbook.pdf", "teachers-primary.pdf"]
    t, fourth = build("four")
    assert made == [] and fourth == third

    # A cached PDF cut short (a power cut, a full disk) is never served: the build takes the full path.
    victim = next(p for p in cache.glob("handbook.*.pdf") if p.read_bytes() == third["handbook.pdf"])
    victim.write_bytes(third["handbook.pdf"][:12])
    t, fifth = build("five")
    assert made == [1] and t.counts == {"pdfs rendered": 1, "pdfs reused": 8} and fifth == third

"""Incremental PDFs (issue 16): a PDF is rendered again only when something it depends on changed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder import pdf, pdfcache
from builder.pdfcache import PdfCache
from builder.pipeline import PDF_CACHE
from builder.printdocs import PrintDocument

from .conftest import FIXTURE_STANDARD, ROOT, make_project


def probe(name: str, text: str) -> PrintDocument:
    html = f'<html lang="en-GB"><title>{name}</title><h1>{name}</h1><p>{text}</p>'
    return PrintDocument(name, name, html, name.encode())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def test_an_unchanged_pdf_is_reused_byte_for_byte(tmp_path: Path) -> None:
    docs = [probe("a.pdf", "First."), probe("b.pdf", "Second.")]
    first = PdfCache(tmp_path / "cache")
    pdf.render_pdfs(docs, tmp_path / "one", workers=1, cache=first)
    assert (first.rendered, first.reused) == (["a.pdf", "b.pdf"], [])

    again = PdfCache(tmp_path / "cache")  # a new build: a new cache object on the same folder
    pdf.render_pdfs(docs, tmp_path / "two", workers=1, cache=again)
    assert (again.rendered, again.reused) == ([], ["a.pdf", "b.pdf"])
    for name in ("a.pdf", "b.pdf"):
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()

    changed = PdfCache(tmp_path / "cache")
    pdf.render_pdfs([docs[0], probe("b.pdf", "Second, edited.")], tmp_path / "three", workers=1, cache=changed)
    assert (changed.rendered, changed.reused) == (["b.pdf"], ["a.pdf"])
    assert (tmp_path / "three" / "b.pdf").read_bytes() != (tmp_path / "one" / "b.pdf").read_bytes()
    assert leftovers(tmp_path / "cache") == []


def test_the_key_covers_the_html_the_identifier_and_the_renderer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    doc = probe("a.pdf", "Text.")
    key = PdfCache(tmp_path).key(doc)
    assert key == PdfCache(tmp_path).key(probe("a.pdf", "Text."))
    assert key != PdfCache(tmp_path).key(probe("a.pdf", "Text!"))
    assert key != PdfCache(tmp_path).key(PrintDocument("a.pdf", "a.pdf", doc.html, b"another edition"))
    monkeypatch.setattr(pdfcache, "PDF_OPTIONS", {**pdfcache.PDF_OPTIONS, "pdf_version": "2.0"})
    assert key != PdfCache(tmp_path).key(doc)
    monkeypatch.undo()
    real_version = pdfcache.importlib.metadata.version
    monkeypatch.setattr(pdfcache.importlib.metadata, "version", lambda name: "99" if name == "weasyprint" else real_version(name))
    assert key != PdfCache(tmp_path).key(doc)
    monkeypatch.undo()
    fallback = tmp_path / "fonts"  # a font Pango may fall back on, installed: every key changes
    fallback.mkdir()
    monkeypatch.setattr(pdfcache, "FONT_FOLDERS", (*pdfcache.FONT_FOLDERS, str(fallback)))
    assert key == PdfCache(tmp_path).key(doc)
    (fallback / "NotoSansCJK.ttc").write_bytes(b"font")
    assert key != PdfCache(tmp_path).key(doc)


def test_a_damaged_entry_is_rendered_again_and_a_killed_write_is_cleared(tmp_path: Path) -> None:
    """A killed build can leave a temporary file (never a half-written entry: entries appear by rename), and a disk
    can damage a file: neither is ever served."""
    doc = probe("a.pdf", "Text.")
    cache = PdfCache(tmp_path / "cache")
    pdf.render_pdfs([doc], tmp_path / "out", workers=1, cache=cache)
    entry = cache.path(doc, cache.key(doc))
    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])  # cut short: a header, but no end
    stale, fresh = tmp_path / "cache" / ".tmp-killed.pdf", tmp_path / "cache" / ".tmp-running.pdf"
    stale.write_bytes(b"%PDF-half")
    fresh.write_bytes(b"%PDF-half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    again = PdfCache(tmp_path / "cache")
    pdf.render_pdfs([doc], tmp_path / "out", workers=1, cache=again)
    assert again.rendered == ["a.pdf"]
    assert entry.read_bytes() == (tmp_path / "out" / "a.pdf").read_bytes()
    assert leftovers(tmp_path / "cache") == [".tmp-running.pdf"]  # another build's, still being written


def test_pruning_keeps_the_latest_versions_of_each_document(tmp_path: Path) -> None:
    cache = PdfCache(tmp_path)
    for i in range(6):
        for name in ("a.pdf", "b.pdf"):
            doc = probe(name, f"Version {i}.")
            cache.put(doc, cache.key(doc), b"%PDF-" + bytes([i]) + b"\n%%EOF\n")
            os.utime(cache.path(doc, cache.key(doc)), (1000 + i, 1000 + i))
    cache.prune()
    kept = sorted(p.name.split(".")[0] for p in tmp_path.iterdir())
    assert kept == ["a"] * pdfcache.KEEP_PER_DOCUMENT + ["b"] * pdfcache.KEEP_PER_DOCUMENT
    newest = probe("a.pdf", "Version 5.")
    assert cache.get(newest, cache.key(newest)) == b"%PDF-\x05\n%%EOF\n"


_ONE_BUILD = """
import json, sys, time
from pathlib import Path
from builder import pdf
from builder.pdf import PdfCache
from tests.test_pdf_cache import probe
out, cache, go, ready = (Path(a) for a in sys.argv[1:5])
ready.touch()
while not go.exists():  # both processes start rendering at the same moment
    time.sleep(0.001)
began = time.time()
pdf.render_pdfs([probe("a.pdf", "Text."), probe("b.pdf", "More text.")], out, workers=1, cache=PdfCache(cache))
print(json.dumps([began, time.time()]))
"""


def test_two_builds_at_once_share_the_cache(tmp_path: Path) -> None:
    """Two processes render the same documents into one cache at the same time: both get whole, identical PDFs,
    the cache holds one entry each and no temporary file, and a third build reuses them."""
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _ONE_BUILD, str(tmp_path / f"out{i}"), str(tmp_path / "cache"), str(go), str(tmp_path / f"ready{i}")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in range(2)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{i}").exists() for i in range(2)):  # both have imported WeasyPrint and wait
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a build did not start"
        time.sleep(0.01)
    go.touch()
    spans = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        spans.append(json.loads(stdout))
    (b0, e0), (b1, e1) = spans
    assert b0 < e1 and b1 < e0, f"the two builds did not overlap: {spans}"
    for name in ("a.pdf", "b.pdf"):
        assert (tmp_path / "out0" / name).read_bytes() == (tmp_path / "out1" / name).read_bytes()
    assert len(list((tmp_path / "cache").glob("[ab].*.pdf"))) == 2 and leftovers(tmp_path / "cache") == []
    again = PdfCache(tmp_path / "cache")
    pdf.render_pdfs([probe("a.pdf", "Text."), probe("b.pdf", "More text.")], tmp_path / "out2", workers=1, cache=again)
    assert again.reused == ["a.pdf", "b.pdf"]


@pytest.mark.slow  # three real builds of a small project, with PDFs
def test_a_rebuild_renders_only_the_pdfs_whose_standards_changed(tmp_path: Path) -> None:
    """`oap build` twice renders no PDF the second time; editing one standards file renders again only the PDFs
    that hold its standards (that phase's two guides and the handbook), and leaves the others byte for byte."""
    secondary = FIXTURE_STANDARD.replace("cl-pri-fixture-one", "cl-sec-fixture-one").replace("phase: primary", "phase: secondary")
    project = make_project(
        tmp_path / "project",
        {"standards/cognition-and-learning/primary.yaml": FIXTURE_STANDARD, "standards/cognition-and-learning/secondary.yaml": secondary},
        site=True,
    )

    imported: list[str] = []

    def build(*python: str) -> tuple[dict[str, int], dict[str, bytes]]:
        command = [sys.executable, *python, "-m", "builder.cli", "build", "--timings", "--out", str(tmp_path / "site")]
        result = subprocess.run(
            command, cwd=project, capture_output=True, text=True, timeout=900, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}
        )
        assert result.returncode == 0, result.stderr
        imported[:] = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")]
        counts = {what: int(n) for what, n in re.findall(r"pdfs (rendered|reused) (\d+)", result.stdout)}
        return counts, {p.name: p.read_bytes() for p in (tmp_path / "site" / "downloads").glob("*.pdf")}

    counts, first = build()
    assert counts == {"rendered": 9, "reused": 0} and len(first) == 9
    assert len(list((project / PDF_CACHE).glob("*.pdf"))) == 9

    counts, second = build("-X", "importtime")  # Python lists every module it imports, on stderr
    assert counts == {"rendered": 0, "reused": 9}
    assert second == first
    # With every PDF in the cache, the renderer is never even imported (about a second of a build that did nothing).
    assert "builder.pipeline" in imported and not [m for m in imported if m.split(".")[0] in ("weasyprint", "pydyf")]

    edited = project / "standards" / "cognition-and-learning" / "primary.yaml"
    edited.write_text(FIXTURE_STANDARD.replace("title: Fixture standard", "title: Fixture standard, edited"), encoding="utf-8")
    counts, third = build()
    changed = sorted(name for name in third if third[name] != first[name])
    assert changed == ["families-primary.pdf", "handbook.pdf", "teachers-primary.pdf"]
    assert counts == {"rendered": 3, "reused": 6}


def test_the_renderer_fingerprint_reads_the_libraries_weasyprint_uses() -> None:
    """The fingerprint reads Pango's and HarfBuzz's versions without importing WeasyPrint: they are the real ones."""
    import weasyprint.text.ffi

    assert pdfcache._pango_version() == str(weasyprint.text.ffi.pango.pango_version())
    assert pdfcache._harfbuzz_version() != "unknown"

"""The PDFs: tagged PDF/UA-1 structure, metadata, fonts, contents and safety, checked on one real render per session."""

from __future__ import annotations

import contextlib
import dataclasses
import html
import http.server
import logging
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from builder import pdf, printdocs
from builder.council import Council
from builder.edition import Edition
from builder.model import Corpus
from builder.pipeline import gather
from builder.printdocs import PrintDocument, Volume, plan_volumes, print_documents, term_forms, terms_used, timestamp
from builder.web import Renderer

from .conftest import ROOT, make_project

PHASES = ("early-years", "primary", "secondary", "post-16")
AREAS = (
    "whole-setting",
    "communication-and-interaction",
    "cognition-and-learning",
    "social-emotional-and-mental-health",
    "sensory-and-physical",
)
WHOLE = [f"teachers-{p}.pdf" for p in PHASES] + [f"families-{p}.pdf" for p in PHASES] + ["handbook.pdf"]
"""The documents of an edition, each in one PDF when it has at most printdocs.MAX_STANDARDS standards."""
HANDBOOK = ["handbook.pdf"] + [f"handbook-{a}.pdf" for a in AREAS]
"""The national handbook's volumes (267 standards): the introduction and reference, then one per area of need."""
NAMES = WHOLE + HANDBOOK[1:]


@dataclass
class Build:
    """One render of every PDF of the national edition, with what was logged while making them."""

    folder: Path
    sizes: dict[str, int]
    docs: dict[str, PrintDocument]
    records: list[logging.LogRecord]
    edition: Edition
    corpus: Corpus


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Render every PDF once, through render_pdfs, as the build does; keep every warning logged meanwhile."""
    edition = gather(ROOT)
    corpus = edition.corpus
    folder = tmp_path_factory.mktemp("pdfs")
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        docs = {d.name: d for d in print_documents(edition)}
        sizes = pdf.render_pdfs(list(docs.values()), folder)
    finally:
        root.removeHandler(keep)
    return Build(folder, sizes, docs, keep.records, edition, corpus)


@pytest.fixture(scope="session")
def texts(built: Build) -> dict[str, list[str]]:
    """Each PDF's text, page by page, as pdftotext (poppler) reads it."""
    out = {}
    for name in NAMES:
        run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(built.folder / name), "-"], capture_output=True, text=True, check=True)
        out[name] = run.stdout.split("\f")[:-1]
    return out


def flat(text: str) -> str:
    """Text with line breaks undone: words joined by one space, and words split after a hyphen rejoined."""
    return " ".join(re.sub(r"-\n(?=\S)", "-", text).split())


def headings(doc: PrintDocument, level: int) -> list[str]:
    """The text of every heading of one level in a document's print HTML, in order."""
    found = re.findall(rf"<h{level}\b[^>]*>(.*?)</h{level}>", doc.html, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).split()) for h in found]


def struct_types(pdf_file: pikepdf.Pdf) -> set[str]:
    """Every structure type used in the tagged PDF's structure tree."""
    seen: set[str] = set()
    stack = [pdf_file.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                seen.add(str(node.S)[1:])
            if "/K" in node:
                stack.append(node.K)
    return seen


def fonts(pdf_file: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every font used on any page, descendant fonts of composite (Type0) fonts included."""
    for page in pdf_file.pages:
        for font in page.Resources.get("/Font", {}).values():
            yield font
            yield from font.get("/DescendantFonts", [])


# -- the set of files ----------------------------------------------------------------------------------------------


def test_every_pdf_is_written_with_its_size(built: Build) -> None:
    assert sorted(built.sizes) == sorted(NAMES)
    for name, size in built.sizes.items():
        assert (built.folder / name).stat().st_size == size > 10_000


def test_no_warnings_while_rendering(built: Build) -> None:
    assert [(r.name, r.getMessage()) for r in built.records] == []


def test_site_links_each_pdf_with_its_size(built: Build) -> None:
    site = Renderer(built.edition, downloads=built.sizes).render()
    kb = {name: max(1, round(size / 1024)) for name, size in built.sizes.items()}
    assert f"(/downloads/teachers-primary.pdf) (PDF, {kb['teachers-primary.pdf']} KB)" in site.pages["standards/whole-setting/primary.md"]
    assert f"(/downloads/families-post-16.pdf) (PDF, {kb['families-post-16.pdf']} KB)" in site.pages["families/post-16.md"]
    assert f"(/downloads/handbook.pdf) (PDF, {kb['handbook.pdf']} KB)" in site.pages["teachers/index.md"]
    downloads = site.pages["downloads.md"]
    assert (
        f"[The complete handbook, volume 1 of 6: introduction and reference](/downloads/handbook.pdf) (PDF, {kb['handbook.pdf']} KB)"
        in downloads
    )
    for number, name in enumerate(HANDBOOK[1:], start=2):
        assert re.search(rf"\n    - \[Volume {number}: [^]]+\]\(/downloads/{name}\) \(PDF, {kb[name]} KB\)\n", downloads), name


# -- accessibility: PDF/UA-1 structure and metadata ------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_tagged_pdf_ua(built: Build, name: str) -> None:
    with pikepdf.open(built.folder / name) as f:
        assert f.Root.MarkInfo.Marked is True
        assert str(f.Root.Lang) == "en-GB"
        assert f.Root.ViewerPreferences.DisplayDocTitle is True
        types = struct_types(f)
        assert {"Document", "H1", "H2", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "P", "Link"} <= types, types
        meta = f.open_metadata()
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == built.docs[name].title
        assert str(f.docinfo.Title) == built.docs[name].title


# -- accessibility: two real PDF/UA-1 validators, on every PDF of both editions -----------------------------


OUTLOUD_WARNINGS_THAT_FAIL = ("LNK-004",)
"""outloud warnings we fix and must not see again: annotations without the print flag. Its other warnings are
heuristics that also fire on sound content (PAG-001 on a standard's meta line that happens to sit at the top of three
pages, TBL-014, ORD-001, LNK-010 on printed addresses); they are not failures of PDF/UA-1."""


def validator_findings(path: Path) -> list[str]:
    """What two independent checkers find wrong with one PDF, one line each; an empty list when it passes.

    page-validation: every failed rule of its PDF/UA-1 profile (it passes the veraPDF test corpus).
    outloud: every error (PDF/UA-1, WCAG 2.2 and checks no validator makes, such as a link with no text), and the
    warnings in OUTLOUD_WARNINGS_THAT_FAIL.
    """
    import outloud
    import page

    report = page.validate_pdf(path, profile=page.ValidationProfile.PDF_UA_1)
    found = [f"page-validation {f.rule_id}: {f.message}" for f in report.failures]
    if not found and (report.rules.failed or not report.is_compliant):
        found.append(f"page-validation: {report.rules.failed} rules failed, compliant: {report.is_compliant}")
    result = outloud.check(str(path))
    if result.error:
        found.append(f"outloud could not read the file: {result.error}")
    for f in result.sorted_findings():
        if f.severity == "error" or f.rule in OUTLOUD_WARNINGS_THAT_FAIL:
            found.append(f"outloud {f.severity} {f.rule} on page {f.page}: {f.message} {f.evidence or ''}".strip())
    return found


@pytest.fixture(scope="session")
def council_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every PDF of the example council's edition (examples/northbrook-and-fenmoor), rendered once."""
    folder = tmp_path_factory.mktemp("council-pdfs")
    pdf.render_pdfs(print_documents(gather(ROOT, ROOT / "examples" / "northbrook-and-fenmoor")), folder)
    return folder


def content_outside_the_tree(path: Path) -> list[str]:
    """Marked content whose structure element is not in the structure tree, and link annotations that do not print.

    The first is how WeasyPrint alone tags running headers and footers: as content a screen reader still reads on
    every page, though it belongs to no element; pdf.finish_tagging makes it /Artifact. Exact, where outloud's
    running-header warning (PAG-001) is a heuristic.
    """
    with pikepdf.open(path) as f:
        root = f.Root.StructTreeRoot
        in_tree: set[tuple[int, int]] = set()
        stack = [root.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and node.objgen not in in_tree:
                in_tree.add(node.objgen)
                if "/K" in node:
                    stack.append(node.K)
        nums = root.ParentTree.Nums
        found = []
        for page_index, elements in zip(list(nums)[::2], list(nums)[1::2], strict=True):
            if isinstance(elements, pikepdf.Array):
                outside = [mcid for mcid, e in enumerate(elements) if isinstance(e, pikepdf.Dictionary) and e.objgen not in in_tree]
                if outside:
                    found.append(f"page {int(page_index) + 1}: marked content {outside} belongs to no element in the tree")
        for number, page in enumerate(f.pages, 1):
            for annot in page.get("/Annots", []):
                if annot.Subtype == "/Link" and not int(annot.get("/F", 0)) & pdf.PRINT_FLAG:
                    found.append(f"page {number}: a link annotation without the print flag")
        return found


@pytest.mark.parametrize("name", NAMES)
def test_validators_pass_every_national_pdf(built: Build, name: str) -> None:
    assert validator_findings(built.folder / name) == []
    assert content_outside_the_tree(built.folder / name) == []


@pytest.mark.parametrize("name", NAMES)
def test_validators_pass_every_council_pdf(council_pdfs: Path, name: str) -> None:
    assert validator_findings(council_pdfs / name) == []
    assert content_outside_the_tree(council_pdfs / name) == []


def _strip_structure(f: pikepdf.Pdf) -> None:
    del f.Root.StructTreeRoot
    del f.Root.MarkInfo


def _add_empty_link(f: pikepdf.Pdf) -> None:
    """A link annotation with no text, no /Contents and no place in the structure tree, flagged for print."""
    page = f.pages[1]
    link = f.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[50, 50, 90, 60], F=4))
    page.obj.Annots = pikepdf.Array([*page.obj.get("/Annots", []), link])


@pytest.mark.parametrize(
    ("damage", "expected"),
    [(_strip_structure, "page-validation "), (_add_empty_link, "outloud error LNK-002 ")],
    ids=["no-structure-tree", "empty-link"],
)
def test_validators_fail_a_broken_pdf(built: Build, tmp_path: Path, damage: Any, expected: str) -> None:
    """The check is not vacuous: one of our PDFs, damaged as a careless change could, fails it."""
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(built.folder / "families-primary.pdf") as f:
        damage(f)
        f.save(broken)
    found = validator_findings(broken)
    assert any(line.startswith(expected) for line in found), found


def test_running_heads_are_short() -> None:
    """A chapter's running head (its h2, or the h2's data-running short form) is an artifact of under eight words.

    Why: outloud reports an artifact line of eight words or more as prose hidden from readers (TAG-002, an error)
    when it is not repeated on three pages, as in a short chapter. Checked here on the print HTML of both editions,
    so a long title fails in seconds rather than in the slow validator tests, and only if its chapter is short.
    """
    heads = []
    for council in (None, ROOT / "examples" / "northbrook-and-fenmoor"):
        for doc in print_documents(gather(ROOT, council)):
            for attrs, text in re.findall(r"<h2\b([^>]*)>(.*?)</h2>", doc.html, re.S):
                short = re.search(r'data-running="([^"]*)"', attrs)
                heads.append((doc.name, html.unescape(short.group(1) if short else re.sub(r"<[^>]+>", "", text))))
    assert heads
    assert [(name, head) for name, head in heads if len(head.split()) >= 8] == []


PROBE_HTML = (
    """<!DOCTYPE html><html lang="en-GB"><head><title>Probe</title><style>
@font-face { font-family: Body; src: url("fonts/DejaVuSans.ttf"); }
@page { @top-left { content: "Probe document"; } @bottom-right { content: "Page " counter(page) " of " counter(pages); } }
html { font-family: Body; } section { break-after: page; }
</style></head><body><h1>Probe</h1>"""
    + "".join(
        f'<section><h2 id="s{i}">Part {i}</h2><p>Words on page {i}, and <a href="#s{(i + 1) % 4}">the next part</a>.</p></section>'
        for i in range(4)
    )
    + "</body></html>"
)
"""Four pages with a running header, page numbers and a link on each: what finish_tagging mends."""


def test_running_headers_are_artifacts_and_links_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint alone tags the header and page numbers as content and leaves links unprinted; our finisher mends both."""
    doc = PrintDocument("probe.pdf", "Probe", PROBE_HTML, b"probe")
    with pdf_assets() as root:
        (tmp_path / "ours.pdf").write_bytes(pdf.render_document(doc, root).pdf)
        monkeypatch.setattr(pdf, "finish_tagging", lambda document, target: None)
        (tmp_path / "plain.pdf").write_bytes(pdf.render_document(doc, root).pdf)
    import outloud

    assert validator_findings(tmp_path / "ours.pdf") == [] and content_outside_the_tree(tmp_path / "ours.pdf") == []
    assert not [f for f in outloud.check(str(tmp_path / "ours.pdf")).findings if f.severity != "info"]
    # Without the finisher: both kinds of page furniture read as content, and the links do not print.
    warned = {f.rule + " " + re.sub(r"\d+", "N", f.message) for f in outloud.check(str(tmp_path / "plain.pdf")).findings}
    assert "PAG-001 N running header or footer line(s) are tagged as content on N or more pages" in warned
    assert "PAG-001 page numbers are tagged as content on N of N pages" in warned
    assert "LNK-004 N annotation(s) lack the Print flag; print and screen differ" in warned
    outside = content_outside_the_tree(tmp_path / "plain.pdf")
    assert len(outside) == 4 + 4 and outside[0].startswith("page 1: marked content [")
    with pikepdf.open(tmp_path / "ours.pdf") as f:
        links = [a for p in f.pages for a in p.get("/Annots", []) if a.Subtype == "/Link"]
        assert len(links) == 4 and all(int(a.F) & pdf.PRINT_FLAG for a in links)


@pytest.mark.parametrize("name", NAMES)
def test_outline_follows_the_headings(built: Build, name: str) -> None:
    doc = built.docs[name]
    with pikepdf.open(built.folder / name) as f, f.open_outline() as outline:
        top = outline.root
        assert [item.title for item in top] == headings(doc, 1)
        assert [item.title for item in top[0].children] == headings(doc, 2)


@pytest.mark.parametrize("name", NAMES)
def test_heading_levels_never_skip(built: Build, name: str) -> None:
    """PDF/UA readers navigate by heading level: one H1, and never an H4 straight after an H2."""
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", built.docs[name].html)]
    assert levels.count(1) == 1 and levels[0] == 1
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert skips == []


@pytest.mark.parametrize("name", NAMES)
def test_every_font_is_embedded(built: Build, name: str) -> None:
    with pikepdf.open(built.folder / name) as f:
        used = list(fonts(f))
        assert used
        for font in used:
            if "/FontDescriptor" in font:
                descriptor = font.FontDescriptor
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
        # Only our own two faces: a fallback font would mean a glyph or a margin box missed the print CSS.
        assert {re.sub(r"^/[A-Z]{6}\+", "", str(font.BaseFont)) for font in used if "/FontDescriptor" in font} <= {
            "OAP-Sans",
            "OAP-Sans-Bold",
        }


@pytest.mark.parametrize("name", NAMES)
def test_dates_come_from_the_edition(built: Build, name: str) -> None:
    stamp = timestamp(built.edition)  # the edition's date, or SOURCE_DATE_EPOCH when the caller sets it
    with pikepdf.open(built.folder / name) as f:
        assert str(f.docinfo.CreationDate) == str(f.docinfo.ModDate) == "D:" + re.sub(r"[-T:]", "", stamp)
        assert f.open_metadata()["xmp:CreateDate"] == stamp


def test_rendering_is_deterministic(built: Build) -> None:
    """A second render, in this process rather than a worker, is byte for byte the same file."""
    with pdf_assets() as root:
        again = pdf.render_document(built.docs["families-primary.pdf"], root)
    assert again.warnings == ()
    assert again.pdf == (built.folder / "families-primary.pdf").read_bytes()


def test_timestamp_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    edition = Edition(Corpus.__new__(Corpus))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert timestamp(edition) == "2026-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert timestamp(edition) == "2026-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert timestamp(edition) == "1970-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match=r"^SOURCE_DATE_EPOCH must be a whole number of seconds, not 'yesterday'$"):
        timestamp(edition)


# -- content -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_cover_names_the_document_edition_and_disclaimer(built: Build, texts: dict[str, list[str]], name: str) -> None:
    cover = flat(texts[name][0])
    assert headings(built.docs[name], 1)[0] in cover
    assert built.edition.label in cover
    assert "Generated from the published data." in cover
    assert "It is not official government guidance" in cover
    assert re.search(r"Page 2 of (\d+)", texts[name][1]).group(1) == str(len(texts[name]))  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["teachers-primary.pdf", "families-secondary.pdf", "handbook.pdf", "handbook-whole-setting.pdf"])
def test_contents_page_numbers_point_at_their_chapters(built: Build, texts: dict[str, list[str]], name: str) -> None:
    chapters = [h for h in headings(built.docs[name], 2) if h != "Contents"]
    contents = "\n".join(texts[name][1:8])  # generous: only the contents pages have dotted leaders
    for title in chapters:
        found = re.search(rf"^{re.escape(title)}\s*\.+\s*(\d+)$", contents, re.M)
        assert found, title
        page = texts[name][int(found.group(1)) - 1]
        assert title in page.splitlines()[:6], (title, page[:200])  # the running header, then the heading itself


@pytest.mark.parametrize("name", NAMES)
def test_no_heading_is_left_at_the_foot_of_a_page(built: Build, texts: dict[str, list[str]], name: str) -> None:
    v = built.corpus.vocab
    in_tables = {p.name for p in v.providers.values()} | {f.name for f in v.funding_streams.values()}
    titles = {h for level in (2, 3, 4, 5) for h in headings(built.docs[name], level)} - in_tables
    orphans = []
    for number, page in enumerate(texts[name], 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not re.fullmatch(r"Page \d+ of \d+", line) and line != built.edition.label]
        if body and body[-1] in titles:
            orphans.append((number, body[-1]))
    assert orphans == []


def test_handbook_volumes_hold_every_standard_once(built: Build, texts: dict[str, list[str]]) -> None:
    """The volumes together are the handbook: each standard in one volume, that of its area of need; the reference
    chapters and the list of volumes in the first, which every link to the handbook opens."""
    text = {name: flat("\n".join(texts[name])) for name in HANDBOOK}
    where = {s.id: [name for name in HANDBOOK if f"Standard {s.id} ·" in text[name]] for s in built.corpus.standards}
    assert {sid: names for sid, names in where.items() if len(names) != 1} == {}
    assert all(where[s.id] == [f"handbook-{s.area}.pdf"] for s in built.corpus.standards)
    for part in ("Who pays for what", "Who provides support", "The law and guidance", "Glossary", "If support is not happening"):
        assert part in text["handbook.pdf"]
        assert [name for name in HANDBOOK[1:] if part in text[name]] == []
    for name in HANDBOOK:
        assert "The volumes of this document" in text[name]
        assert all(f"File: {other}" in text[name] for other in HANDBOOK), name


def test_a_document_over_the_limit_is_made_as_volumes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a lower limit the guides too come as volumes (as they do at ten times the national set): none holds more
    than the limit, every standard is in exactly one, and only the first has the reference chapters."""
    monkeypatch.setattr(printdocs, "MAX_STANDARDS", 30)
    edition = gather(ROOT)
    docs = {d.name: d for d in print_documents(edition)}
    for kind, chapter in (("teachers", "Who provides and who pays"), ("families", "Words explained")):
        for phase in PHASES:
            volumes = [d for name, d in docs.items() if name == f"{kind}-{phase}.pdf" or name.startswith(f"{kind}-{phase}-")]
            assert len(volumes) > 2, (kind, phase)
            held = [re.findall(r'<h[34] id="std-([^"]+)"', d.html) for d in volumes]
            assert all(len(ids) <= 30 for ids in held)
            assert sorted(sid for ids in held for sid in ids) == sorted(s.id for s in edition.corpus.standards if s.phase == phase)
            assert held[0] == [] and all(held[1:])
            assert [chapter in d.html for d in volumes] == [True] + [False] * (len(volumes) - 1)
            assert [headings(d, 1)[0].split(", volume ")[1] for d in volumes] == [
                f"{k} of {len(volumes)}" for k in range(1, len(volumes) + 1)
            ]
    assert headings(docs["families-primary.pdf"], 1) == ["What to expect: primary, volume 1 of 6"]


def test_volumes_follow_the_areas_of_need_and_cut_a_long_one_into_parts() -> None:
    def standards(n: int) -> list[Any]:
        return [object()] * n

    areas: list[tuple[str, str, list[Any]]] = [("a", "Area A", standards(3)), ("b", "Area B", standards(0)), ("c", "Area C", standards(7))]
    assert plan_volumes("doc.pdf", areas, limit=10) == []  # ten standards fit one PDF
    plan = plan_volumes("doc.pdf", areas, limit=3)
    assert [(v.name, v.number, v.of, v.label, v.areas, len(v.standards)) for v in plan] == [
        ("doc.pdf", 1, 5, "Introduction and reference", ("b",), 0),
        ("doc-a.pdf", 2, 5, "Area A", ("a",), 3),
        ("doc-c-part-1.pdf", 3, 5, "Area C, part 1 of 3", ("c",), 2),
        ("doc-c-part-2.pdf", 4, 5, "Area C, part 2 of 3", ("c",), 2),
        ("doc-c-part-3.pdf", 5, 5, "Area C, part 3 of 3", ("c",), 3),
    ]
    assert all(isinstance(v, Volume) for v in plan)


@pytest.mark.parametrize("phase", PHASES)
def test_teachers_guide_names_who_provides_and_who_pays_with_each_standard(built: Build, texts: dict[str, list[str]], phase: str) -> None:
    pages = texts[f"teachers-{phase}.pdf"]
    v = built.corpus.vocab
    standards = [s for s in built.corpus.standards if s.phase == phase]
    assert standards
    for s in standards:
        at = [i for i, page in enumerate(pages) if f"Standard {s.id} ·" in flat(page)]
        assert len(at) == 1, s.id
        # A standard ends on the page with its id; it starts there or, when it did not fit, on the page before.
        where = flat(pages[at[0]]) if s.title in flat(pages[at[0]]) else flat(pages[at[0] - 1] + "\n" + pages[at[0]])
        assert "Who provides Who pays" in where, s.id
        for name in [v.providers[p].name for p in s.who_provides] + [v.funding_streams[f].name for f in s.who_pays]:
            assert name in where, (s.id, name)


@pytest.mark.parametrize("phase", PHASES)
def test_families_guide_in_plain_words(built: Build, texts: dict[str, list[str]], phase: str) -> None:
    text = flat("\n".join(texts[f"families-{phase}.pdf"]))
    v = built.corpus.vocab
    for s in [s for s in built.corpus.standards if s.phase == phase]:
        assert s.title in text
        holders = {v.funding_streams[f].budget_holder for f in s.who_pays}
        assert all(h in text or h[0].lower() + h[1:] in text for h in holders), s.id
    assert f"{v.wording['right-ehc-needs-assessment'].title}." in text  # the shared wording (vocabularies/wording.yaml)
    assert "Who to talk to" in text and "If support is not happening" in text and "Words explained" in text
    # The glossary explains the terms the guide uses.
    term = v.glossary["ehc-needs-assessment"]
    assert flat(f"{term.term} ({term.expansion}): {term.meaning}")[:80] in text


def test_council_edition_names_the_council_on_the_cover_and_in_the_title(built: Build) -> None:
    council = Council(name="Example Borough Council", slug="example-borough", primary_colour="#1d4f91", source="council.yaml", contacts=())
    docs = print_documents(dataclasses.replace(built.edition, council=council))
    for doc in docs:
        assert doc.title.endswith(" – Example Borough Council")
        assert '<p class="council">Example Borough Council</p>' in doc.html
        assert doc.identifier == f"oap:Example Borough Council:{doc.name}".encode()


@pytest.mark.slow  # renders all nine guides, if of one standard
def test_a_project_with_one_standard_still_makes_every_document(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Phases and areas without standards say so, rather than failing or printing empty chapters."""
    edition = gather(make_project(tmp_path / "project"))
    with caplog.at_level(logging.WARNING):
        sizes = pdf.render_pdfs(print_documents(edition), tmp_path / "out")
    assert sorted(sizes) == sorted(WHOLE) and caplog.records == []
    text = flat(subprocess.run(["pdftotext", str(tmp_path / "out" / "teachers-post-16.pdf"), "-"], capture_output=True, text=True).stdout)
    assert "This edition has no post-16 standards for cognition and learning yet." in text
    text = flat(subprocess.run(["pdftotext", str(tmp_path / "out" / "families-primary.pdf"), "-"], capture_output=True, text=True).stdout)
    assert "Fixture standard" in text and "You can expect help." in text


def test_glossary_terms_are_found_by_their_forms() -> None:
    from builder.model import Term

    autism = Term("autism", "Autism (ASD or ASC)", "A difference in how a person communicates.")
    salt = Term("salt", "SALT or SLT", "Speech and language therapist.", expansion="Speech and language therapist")
    assert term_forms(autism) == ["Autism", "ASD", "ASC"]
    assert terms_used([autism, salt], "Ask the speech and language therapist.") == [salt]
    assert terms_used([autism, salt], "an asd assessment") == []  # acronyms match in capitals only
    assert terms_used([autism, salt], "an ASD assessment; SLT advice") == [autism, salt]


def test_text_from_data_never_becomes_markup(built: Build) -> None:
    evil = '<img src="http://127.0.0.1:9/x.png"> & <script>alert(1)</script>'
    first = built.corpus.standards[0]
    corpus = dataclasses.replace(
        built.corpus, standards=(dataclasses.replace(first, title=evil, for_families=evil), *built.corpus.standards[1:])
    )
    docs = print_documents(dataclasses.replace(built.edition, corpus=corpus))
    for doc in docs:
        assert "<img" not in doc.html and "<script" not in doc.html
    assert (
        "&lt;img src=&#34;http://127.0.0.1:9/x.png&#34;&gt; &amp; &lt;script&gt;"
        in next(d for d in docs if d.name == f"handbook-{first.area}.pdf").html
    )


# -- safety: the renderer reads nothing but data: URLs and its own folder -------------------------------------


@contextlib.contextmanager
def pdf_assets() -> Iterator[Path]:
    """A fresh folder holding the fonts, as render_pdfs makes one."""
    with tempfile.TemporaryDirectory() as tmp:
        yield pdf.prepare_assets(Path(tmp))


@pytest.fixture
def pdf_root(tmp_path: Path) -> Path:
    root = pdf.prepare_assets(tmp_path / "assets")
    (tmp_path / "outside.css").write_text("p { color: red }", encoding="utf-8")
    (root / "link.css").symlink_to(tmp_path / "outside.css")
    return root


def test_fetcher_serves_data_urls_and_files_inside_its_folder(pdf_root: Path) -> None:
    fetcher = pdf.LocalOnlyFetcher(pdf_root)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    font = fetcher.fetch((pdf_root / "fonts" / "DejaVuSans.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.ttf",
        "HTTP://example.org/",
        "ftp://example.org/x.css",
        "file:///etc/passwd",
        "file://otherhost/{root}/fonts/DejaVuSans.ttf",
        "file://{root}/../outside.css",
        "file://{root}/link.css",
        "file://{root}/fonts/missing.ttf",
        "file://{root}",
        "jar:file:///x.zip!/a",
        "//example.org/x.png",
    ],
)
def test_fetcher_refuses_everything_else(pdf_root: Path, url: str) -> None:
    url = url.replace("/{root}", str(pdf_root)).replace("{root}", str(pdf_root))
    with pytest.raises(ValueError) as refused:
        pdf.LocalOnlyFetcher(pdf_root).fetch(url)
    assert str(refused.value) == f"refused {url!r}: the PDF renderer reads only data: URLs and files in {pdf_root.resolve()}"


class _Listener(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        _Listener.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_renderer_makes_no_network_request(pdf_root: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        doc = PrintDocument(
            "probe.pdf",
            "Probe",
            f"""<!DOCTYPE html><html lang="en-GB"><head><title>Probe</title>
            <link rel="stylesheet" href="{url}/style.css">
            <style>@import url("{url}/import.css"); @font-face {{ font-family: X; src: url("{url}/font.ttf"); }}
            p {{ font-family: X; background: url("{url}/bg.png"); }}</style></head>
            <body><h1>Probe</h1><p>Text</p><img src="{url}/image.png" alt="probe"><img src="/etc/hostname" alt="local"></body></html>""",
            b"probe",
        )
        rendered = pdf.render_all([doc], pdf_root, workers=1)["probe.pdf"]
    finally:
        server.shutdown()
        server.server_close()
    assert _Listener.requests == []
    refused = [message for _, _, message in rendered.warnings if "refused" in message]
    assert len(refused) >= 5, rendered.warnings
    assert rendered.pdf.startswith(b"%PDF-1.7")


def test_render_pdfs_logs_what_weasyprint_warned_about(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doc = PrintDocument(
        "probe.pdf", "Probe", '<html lang="en-GB"><title>Probe</title><h1>Probe</h1><img src="https://example.org/x.png" alt="x">', b"p"
    )
    with caplog.at_level(logging.WARNING):
        sizes = pdf.render_pdfs([doc], tmp_path, workers=1)
    assert list(sizes) == ["probe.pdf"]
    warned = [(r.name, r.getMessage()) for r in caplog.records]
    assert len(warned) == 1 and warned[0][0] == "weasyprint"
    assert warned[0][1].startswith("probe.pdf: Failed to load image at 'https://example.org/x.png': ValueError: refused ")


def test_a_pdf_build_leaves_nothing_in_the_temporary_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """WeasyPrint's font folders (weasyprint-*) and ours (oap-*) are all removed, in the workers too (issue 18)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR afresh, here and in the workers
    doc = PrintDocument(
        "probe.pdf",
        "Probe",
        '<html lang="en-GB"><title>Probe</title><style>@font-face { font-family: Body; src: url("fonts/DejaVuSans.ttf"); }'
        " p { font-family: Body; }</style><h1>Probe</h1><p>Text</p>",
        b"p",
    )
    sizes = pdf.render_pdfs([doc], tmp_path / "out", workers=1)
    assert list(sizes) == ["probe.pdf"]
    assert sorted(p.name for p in scratch.iterdir()) == []

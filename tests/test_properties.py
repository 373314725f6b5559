"""The one rule for text (builder/text.py), as properties: every text field of a standard and of a council's overlay.

- Arbitrary Unicode and arbitrary YAML structure in any text field is either refused with located problems or
  accepted; what is accepted holds no character the rule refuses for that field, and renders. In process, many
  examples; through the real `oap check` and `oap build --no-pdf`, a few, each time-boxed: never a traceback, never a
  hang, and a refusal is exit 1 with `path:line:col: field: message` lines.
- Markdown typed into a plain-text field never becomes structure: a page built with Markdown in every plain field
  has exactly the elements of the same page built with plain words.
"""

from __future__ import annotations

import copy
import re
import subprocess
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from builder import model, text
from builder.edition import Edition
from builder.errors import OapError, Problem
from builder.markup import md_escape, render_markdown
from builder.overlay import load_overlay
from builder.project import load_corpus, load_standards_file
from builder.web import Renderer

from .conftest import OAP, ROOT, make_project
from .test_fuzz import TARGET, VALID_COUNCIL, VALID_STANDARD

LINE, PARAGRAPH, MARKDOWN = "line", "paragraph", "markdown"
STANDARD_TEXT: dict[tuple[str | int, ...], str] = {
    ("title",): LINE,
    ("summary",): PARAGRAPH,
    ("for_families",): PARAGRAPH,
    ("signs", 0): LINE,
    ("adjustments", 0): LINE,
    ("funding_note",): PARAGRAPH,
    ("search_words", 0): LINE,
    ("not_quantified",): LINE,
    ("id",): "id",
}
"""Every text field of a standard (access_route and what_may_change are added where they apply), by kind."""
COUNCIL_TEXT: dict[tuple[str | int, ...], str] = {
    ("name",): LINE,
    ("guide_name",): LINE,
    ("slug",): "id",
    ("contacts", 0, "name"): LINE,
    ("contacts", 0, "description"): LINE,
    ("contacts", 0, "hours"): LINE,
    ("services", 0, "id"): "id",
    ("services", 0, "name"): LINE,
    ("services", 0, "description"): MARKDOWN,
    ("notes", "cl-pri-fixture-one"): MARKDOWN,
    ("funding_bands", 0, "name"): LINE,
    ("funding_bands", 0, "amount"): LINE,
    ("funding_bands", 0, "description"): LINE,
    ("local_standards", 0, "title"): LINE,
    ("local_standards", 0, "summary"): PARAGRAPH,
}
"""Every text field of a council's overlay, by kind."""
LOCATED = re.compile(r"^\S[^:]*:\d+:\d+: \S.*: .+$|^\S[^:]*: .+$")
"""A problem line: path:line:col: field: message (or path: message, for a whole file)."""

ODD = "\n\r\x0b\x0c\x1c\x85\u2028\u2029\t\x00\x07\x1b\x7f\u200e\u200f\u061c\u202a\u202e\u2066\u2069\u0430\u043e\ufeff"
texts = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(list(ODD) + list("a -#`>|=*_[]()<>:{}!.1\\")), max_size=30),
    st.sampled_from(["# Heading", "```", "    indented", "- item", "1. item", "> quote", "| a | b |", "<div>x</div>", "===", "a\n===",
                     "!!! note", "{: #x }", "x" * 5000, "-.,;!?()" * 500]),
)  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts)
structure = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8
)
values = st.one_of(texts, texts, structure)


def put(doc: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of doc with value at path."""
    doc = copy.deepcopy(doc)
    here = doc
    for part in path[:-1]:
        here = here[part]
    here[path[-1]] = value
    return doc


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _obeys(value: Any, kind: str) -> None:
    """An accepted value of a text field holds no character the rule refuses."""
    assert isinstance(value, str)
    assert text.problem(value, kind) is None  # type: ignore[arg-type]
    forbidden = set(text.BIDI_CONTROLS) | {c for c in map(chr, range(0x20)) if c not in "\n\t"} | set("\x85\u2028\u2029\x7f")
    if kind in (LINE, "id"):
        forbidden |= set("\n\t") | set(text.BIDI_MARKS)
    assert not forbidden & set(value), (kind, value)


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="oap-props-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def corpus(workdir: Path) -> model.Corpus:
    root = make_project(workdir / "base", {TARGET: _dump({"standards": [VALID_STANDARD]})})
    return load_corpus(root)


def _standard_problems(workdir: Path, standard: dict[str, Any], corpus: model.Corpus) -> tuple[list[model.Standard], list[Problem]]:
    path = workdir / "standard.yaml"
    path.write_text(_dump({"standards": [standard]}), encoding="utf-8")
    problems: list[Problem] = []
    found = load_standards_file(path, TARGET, corpus.vocab, problems, folder_area="cognition-and-learning", file_phase="primary")
    return found, problems


# -- in process: many examples -------------------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(STANDARD_TEXT)), value=values)
def test_any_value_in_a_standard_text_field_is_refused_or_obeys_the_rule(
    field: tuple[str | int, ...], value: Any, workdir: Path, corpus: model.Corpus
) -> None:
    standard = put(VALID_STANDARD, field, value)
    found, problems = _standard_problems(workdir, standard, corpus)
    for p in problems:
        assert p.line and p.field and "\n" not in str(p), str(p)
    if not problems:
        _obeys(value, STANDARD_TEXT[field])
        Renderer(Edition(model.Corpus(corpus.vocab, tuple(found)))).render()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(COUNCIL_TEXT, key=str)), value=values)
def test_any_value_in_a_council_text_field_is_refused_or_obeys_the_rule(
    field: tuple[str | int, ...], value: Any, workdir: Path, corpus: model.Corpus
) -> None:
    council = put({**VALID_COUNCIL, "guide_name": "Core standards"}, field, value)
    folder = workdir / "council"
    folder.mkdir(exist_ok=True)
    (folder / "council.yaml").write_text(_dump(council), encoding="utf-8")
    try:
        loaded = load_overlay(folder, corpus)
    except OapError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.line and "\n" not in str(p), str(p)
        return
    _obeys(value, COUNCIL_TEXT[field])
    Renderer(Edition.of(corpus, loaded)).render()


# -- through the real command line: a few examples, each time-boxed -------------------------------------------------------
def _oap(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OAP, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _refused_or_built(root: Path, *council: str) -> None:
    """`oap check` refuses with located lines (exit 1), or passes and `oap build --no-pdf` succeeds; never a traceback."""
    checked = _oap("check", "--root", ".", *council, cwd=root)
    assert "Traceback" not in checked.stderr, checked.stderr
    if checked.returncode == 1:
        *lines, last = checked.stderr.splitlines()
        assert lines and last.endswith("found; nothing was written."), checked.stderr
        for line in lines:
            assert LOCATED.match(line), line
        return
    assert checked.returncode == 0, checked.stderr
    built = _oap("build", "--no-pdf", "--root", ".", *council, cwd=root)
    assert "Traceback" not in built.stderr, built.stderr
    assert built.returncode == 0, built.stderr


@pytest.mark.slow  # about a minute: each example is two or three `oap` processes
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each step would cost seconds of `oap`; the example is shown as found
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@example(standard_field=("title",), council_field=("name",), standard_value="# Heading", council_value="Testshire & *Council*")  # builds
@example(
    standard_field=("title",),
    council_field=("notes", "cl-pri-fixture-one"),
    standard_value="Fixture\u2029standard",
    council_value="[x](mailto:a@b.example?bcc=c@d.example)",
)  # refused twice
@given(
    standard_field=st.sampled_from(sorted(STANDARD_TEXT)),
    council_field=st.sampled_from(sorted(COUNCIL_TEXT, key=str)),
    standard_value=values,
    council_value=values,
)
def test_the_real_oap_refuses_or_builds(
    standard_field: tuple[str | int, ...], council_field: tuple[str | int, ...], standard_value: Any, council_value: Any, tmp_path: Path
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        files = {TARGET: _dump({"standards": [put(VALID_STANDARD, standard_field, standard_value)]})}
        root = make_project(Path(tmp) / "project", files, site=True)
        _refused_or_built(root)
        root = make_project(Path(tmp) / "with-council", {TARGET: _dump({"standards": [VALID_STANDARD]})}, site=True)
        (root / "council").mkdir()
        (root / "council" / "council.yaml").write_text(_dump(put(VALID_COUNCIL, council_field, council_value)), encoding="utf-8")
        _refused_or_built(root, "--council", "council")


# -- Markdown in plain text never becomes structure ---------------------------------------------------------------------
MARKDOWN_PAYLOADS = [
    "# Heading", "## Heading", "```", "~~~", "    indented code", "\tindented code", "- item", "* item", "+ item", "1. item",
    "> quote", "| a | b |", "<div>x</div>", "===", "---", "***", "!!! note", "{: #x .y }", "[x](https://example.org)",
    "Text\n===", "Text\n\n    code", "Text\n\n# Heading", "Text\n\n- item", "Text\n---", "Text  \nbroken",
]  # fmt: skip
"""Markdown that would make a heading, code, list, quote, table, rule, admonition, attribute or link if it were acted on."""
STANDARD_PLAIN = {("title",): False, ("summary",): True, ("for_families",): True, ("signs", 0): False, ("adjustments", 0): False,
                  ("funding_note",): True, ("access_route",): True, ("search_words", 0): False, ("not_quantified",): False}  # fmt: skip
"""A standard's plain-text fields, each True if it may hold new lines (a paragraph)."""
EXTENSIONS = ["toc", "tables", "fenced_code", "attr_list", "md_in_html", "admonition"]
"""What MkDocs converts pages with: its built-ins (toc, tables, fenced_code; mkdocs/config/defaults.py) and
mkdocs.yml's markdown_extensions."""


_PLAIN: dict[str, list[str]] = {}
"""The pages' elements with plain words in every field, made once."""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag + "".join(f" {k}" for k, _ in attrs if k in ("class", "href")))


def _structure(pages: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for name, page in pages.items():
        parser = _Tags()
        parser.feed(_html(page))
        out[name] = parser.tags
    return out


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_in_plain_text_is_shown_as_typed(payload: str, workdir: Path, corpus: model.Corpus) -> None:
    """Every page with the payload in every plain field of a targeted-plus standard has the elements of the same page with plain words."""

    def pages(value: str, line_value: str) -> dict[str, str]:
        standard = {
            **VALID_STANDARD,
            "tier": "targeted-plus",
            "who_pays": ["school-core-budget", "high-needs-top-up"],
            "access_route": "Ask.",
        }
        for field, multi in STANDARD_PLAIN.items():
            standard = put(standard, field, value if multi else line_value)
        found, problems = _standard_problems(workdir, standard, corpus)
        assert problems == []
        return dict(Renderer(Edition(model.Corpus(corpus.vocab, tuple(found)))).render().pages)

    one_line = re.sub(r"[\n\t]", " ", payload)  # one-line fields refuse new lines and tabs
    if not _PLAIN:
        _PLAIN.update(_structure(pages("Plain words", "Plain words")))
    hostile = pages(payload, one_line)
    assert _structure(hostile) == _PLAIN
    standard_page = next(p for name, p in hostile.items() if name.endswith("cognition-and-learning/primary.md"))
    html = _html(standard_page)
    shown = re.sub(r"\s+", " ", _text_of(html))
    assert re.sub(r"\s+", " ", one_line).strip() in shown


def _html(page: str) -> str:
    """A page's Markdown as MkDocs makes it HTML: front matter off (MkDocs reads it as data), then the site's extensions."""
    body, _meta = get_data(page)
    return markdown.markdown(body, extensions=EXTENSIONS)


def _text_of(html: str) -> str:
    class Text(HTMLParser):
        parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.parts = []
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def test_every_plain_field_is_in_the_property_tests() -> None:
    """The lists above name every text field the schema marks: a new field must join them."""
    spec = (ROOT / "standards" / "schema" / "standards-file.schema.json").read_text(encoding="utf-8")
    schema = yaml.safe_load(spec)["$defs"]["standard"]["properties"]
    marked = {name for name, prop in schema.items() if prop.get("$ref") in ("#/$defs/line", "#/$defs/paragraph")}
    marked |= {name for name, prop in schema.items() if prop.get("items", {}).get("$ref") == "#/$defs/line"}
    assert marked - {"access_route"} == {f[0] for f in STANDARD_TEXT} - {"id"}
    assert marked == {f[0] for f in STANDARD_PLAIN}


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
@pytest.mark.parametrize(
    "context", ["{}", "Text before\n{}", "- {}", "1. {}", "### {}", "| {} |\n| --- |", "!!! note\n\n    {}", "{0}\n\nText between\n\n{0}"]
)
def test_md_escape_holds_in_any_place_a_template_may_put_it(payload: str, context: str) -> None:
    """Whatever line a future template puts a value on, escaped text makes the elements the same place makes of plain words.

    The last place is two values on lines of their own, as two standards' summaries are on one page: an opening and
    a closing fence (~~~ or ```) would make everything between them a code block."""

    def tags(value: str) -> list[str]:
        parser = _Tags()
        parser.feed(markdown.markdown(context.format(md_escape(value)), extensions=EXTENSIONS))
        return parser.tags

    assert tags(payload) == tags("Plain words")


def test_a_mailto_link_with_a_query_loses_its_target_if_it_reaches_the_renderer() -> None:
    """The overlay refuses such a link (tests/bad_inputs/council-note-mailto-bcc); the renderer keeps it harmless all the same."""
    html = str(render_markdown("[a](mailto:send@x.example?bcc=y@z.example) <mailto:s@x.example?cc=y@z.example> [b](mailto:send@x.example)"))
    assert 'href="mailto:send@x.example"' in html and html.count("href=") == 1, html
    # A browser removes tabs and new lines from an address and trims its spaces: these are the same hidden copies.
    disguised = "[c](mai&#9;lto:s@x.example?bcc=y@z.example) [d](mail&#10;to:s@x.example?bcc=y@z.example) [e](&#32;mailto:s@x.example?cc=y@z.example)"
    assert "href=" not in str(render_markdown(disguised))

"""Shared wording: prose the website and the PDFs both say is written once, in vocabularies/wording.yaml.

Three guarantees. Every wording entry is shown, word for word with its facts filled in, on the built website and
in the PDFs' print HTML (checked by rendering, not by reading templates). No sentence of eight words or more is
typed into both a web template and a print template, so the two cannot drift apart again. A wording file with an
entry missing, unknown or broken is refused with a clear message (the broken inputs, with their exact messages, are
tests/bad_inputs/wording-*).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from builder import prose
from builder.errors import OapError
from builder.model import Corpus, Wording
from builder.pipeline import gather
from builder.printdocs import print_documents
from builder.project import load_corpus
from builder.validate import WORDING
from builder.web import Renderer

from .conftest import FIXTURE_STANDARD, FIXTURE_VOCABULARIES, ROOT, make_project, run_oap

TEMPLATES = ROOT / "builder" / "templates"
WORDING_FILE = "standards/vocabularies/wording.yaml"
SHOWN_ONLY_WITH_DATA = {"stream-withdrawn": "no national funding stream is withdrawn; the fixture vocabularies have one"}
"""Entries a page shows only when the data has something for them: the national edition need not show these."""


# -- reading rendered output as text ----------------------------------------------------------------------------------
_INLINE = re.compile(r"</?(?:a|abbr|strong|em|b|i|span|code)\b[^>]*>")


def text_of(markup: str) -> str:
    """The words of HTML, as a reader sees them: tags dropped (blocks apart), entities decoded, white space collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", _INLINE.sub("", markup))).split())


def texts(entry: Wording, corpus: Corpus) -> list[str]:
    """Every text of a wording entry, with its facts filled in as plain words ('6 weeks (SEND Regulations 2014)')."""
    return [" ".join(prose.plain_text(t, corpus.vocab.facts).split()) for t in (entry.title, *entry.paragraphs, *entry.items) if t]


@dataclass(frozen=True)
class Rendered:
    corpus: Corpus
    web: str
    """The text of every page of the built site."""
    print: str
    """The text of every PDF's print HTML."""

    def shown(self, where: str) -> set[str]:
        """The ids of the wording entries every one of whose texts appears on the site ('web') or in print."""
        haystack = self.web if where == "web" else self.print
        return {i for i, entry in self.corpus.vocab.wording.items() if all(t in haystack for t in texts(entry, self.corpus))}


def rendered(root: Path, site: Path) -> Rendered:
    """The built site at site and the print HTML of every PDF of the project at root, as text."""
    edition = gather(root)
    corpus = edition.corpus
    web = " ".join(text_of(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html")))
    printed = " ".join(text_of(d.html) for d in print_documents(edition))
    return Rendered(corpus, web, printed)


@pytest.fixture(scope="module")
def national(national_site: Path) -> Rendered:
    return rendered(ROOT, national_site)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The small fixture project: its vocabularies have a withdrawn funding stream, which the national ones lack."""
    tmp = tmp_path_factory.mktemp("wording")
    root = make_project(tmp / "project", site=True, vocabularies=FIXTURE_VOCABULARIES)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(tmp / "site"))
    assert result.returncode == 0, result.stderr
    return rendered(root, tmp / "site")


# -- every entry is shown on the web and in print -----------------------------------------------------------------------
def test_the_national_wording_is_the_list_the_templates_show(national: Rendered) -> None:
    assert list(national.corpus.vocab.wording) == list(WORDING)


@pytest.mark.parametrize("where", ["web", "print"])
def test_every_national_entry_is_shown(national: Rendered, where: str) -> None:
    """Each paragraph, item and title, with its facts filled in, is on the site and in a PDF (every topic is in both)."""
    missing = sorted(set(WORDING) - national.shown(where) - set(SHOWN_ONLY_WITH_DATA))
    assert missing == []


@pytest.mark.parametrize("where", ["web", "print"])
def test_entries_shown_only_with_data_are_shown_when_there_is_some(fixture: Rendered, where: str) -> None:
    assert set(SHOWN_ONLY_WITH_DATA) <= fixture.shown(where)


def test_facts_in_wording_are_filled_in_on_the_web_and_in_print(national: Rendered) -> None:
    facts = national.corpus.vocab.facts
    for where in (national.web, national.print):
        assert f"You must appeal within {prose.fact_text(facts['tribunal-appeal-time'])}." in where
        assert f"A school meets the first {prose.fact_text(facts['sen-support-threshold'])} a year of extra support" in where


def test_every_id_a_template_names_is_a_wording_entry() -> None:
    """A template asking for an id the checker does not know would show nothing, silently."""
    named: set[str] = set()
    for path in sorted(TEMPLATES.rglob("*.j2")):
        source = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"""(?:inline|paragraphs|items|wording\.get)\(\s*"([a-z0-9-]+)"\s*\)""", source))
        for ids in re.findall(r"{%-?\s*for id in \[([^\]]*)\]", source):
            named |= set(re.findall(r'"([a-z0-9-]+)"', ids))
        named |= {f"stream-{status}" for status in ("proposed", "withdrawn") if '"stream-" ~ f.status' in source}
    assert named - set(WORDING) == set()
    assert set(WORDING) - named == set()


# -- the drift detector: no sentence typed into both a web and a print template ----------------------------------------
_JINJA_COMMENT = re.compile(r"{#.*?#}", re.S)
_JINJA_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_QUOTED = re.compile(r""""([^"{}]*)"|'([^'{}]*)'""")
_BLOCK_BREAK = re.compile(r"\n\s*\n|\n\s*(?:[-*]|\d+\.|#+|!!!|\|)\s|</?(?:p|li|td|th|h\d|div|ul|ol|tr|aside|section)\b[^>]*>")


def template_sentences(source: str) -> set[str]:
    """The sentences of eight words or more typed into a template, normalised (lower case, words only).

    Prose in the template's text and in the string literals of its Jinja tags both count; each Jinja expression
    stands in the sentence as 'x' but is not counted, Markdown and HTML markup are dropped.
    """
    source = _JINJA_COMMENT.sub(" ", source)
    literals = [a or b for tag in _JINJA_TAG.findall(source) for a, b in _QUOTED.findall(tag)]
    blocks = [_JINJA_TAG.sub(lambda m: " x " if m.group(0).startswith("{{") else " ", source), *literals]
    found = set()
    for block in blocks:
        for part in _BLOCK_BREAK.split(block):
            part = re.sub(r"<[^>]+>|\{:[^}]*\}|\]\([^)]*\)|[*`\[\]]", " ", part)
            for sentence in re.split(r"(?<=[.!?:;])\s+", part):
                words = re.findall(r"[a-z0-9']+", sentence.lower())
                if len([w for w in words if w != "x"]) >= 8:  # typed words: a computed phrase is not prose
                    found.add(" ".join(words))
    return found


def test_the_drift_detector_finds_a_shared_sentence() -> None:
    web = 'Intro.\n\n- **Talk to the SENCO.** Ask to see your child\'s plan and when it will be reviewed.\n{{ "Ask them what they are trying at home and at school." if x }}'
    printed = "<li><strong>Talk to the SENCO.</strong> Ask to see your child&#39;s plan.</li>\n<p>Ask to see your child's plan and when it will be reviewed.</p>"
    assert template_sentences(web) & template_sentences(printed) == {"ask to see your child's plan and when it will be reviewed"}
    assert "ask them what they are trying at home and at school" in template_sentences(web)
    assert template_sentences("{# A comment of more than eight words is not prose at all. #}") == set()


def test_no_sentence_is_typed_into_both_a_web_and_a_print_template() -> None:
    """Shared prose belongs in vocabularies/wording.yaml; a copy in both kinds of template would drift."""
    web = {p.name: template_sentences(p.read_text(encoding="utf-8")) for p in sorted(TEMPLATES.glob("*.md.j2"))}
    printed = {p.name: template_sentences(p.read_text(encoding="utf-8")) for p in sorted((TEMPLATES / "print").glob("*.html.j2"))}
    shared = [(w, p, s) for w, ws in web.items() for p, ps in printed.items() for s in sorted(ws & ps)]
    assert shared == []


# -- a wording file with an entry missing, and a project with none --------------------------------------------------------
def test_a_missing_entry_is_named(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")
    path = root / WORDING_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["wording"] = [e for e in data["wording"] if e["id"] != "right-reasonable-adjustments"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(OapError) as info:
        load_corpus(root)
    assert [str(p) for p in info.value.problems] == [
        f"{WORDING_FILE}:1:1: wording: missing wording 'right-reasonable-adjustments' "
        "(the pages and guides show it: add an entry with this id)"
    ]


def test_without_a_wording_file_the_shared_prose_is_left_out(tmp_path: Path) -> None:
    """The vocabulary is optional, like the facts: a project without it still builds, without that prose."""
    root = make_project(tmp_path / "project", {"standards/cognition-and-learning/primary.yaml": FIXTURE_STANDARD})
    (root / WORDING_FILE).unlink()
    edition = gather(root)
    corpus = edition.corpus
    assert corpus.vocab.wording == {}
    pages = Renderer(edition).render().pages
    assert "# If support is not happening\n" in pages["families/if-support-is-not-happening.md"]
    assert "Things to know" not in pages["families/index.md"]
    families = {d.name: d.html for d in print_documents(edition)}["families-primary.pdf"]
    assert 'id="your-rights"' in families and "Things to know" not in families


def test_families_wording_is_plain(national: Rendered) -> None:
    """What families read: short sentences, as in the standards' for_families (tests/test_corpus.py)."""
    families = [e for i, e in national.corpus.vocab.wording.items() if i.split("-")[0] in ("families", "talk", "escalate", "right")]
    lengths = [len(s.split()) for e in families for t in (*e.paragraphs, *e.items) for s in re.split(r"(?<=[.!?])\s+", t) if s]
    assert sum(lengths) / len(lengths) <= 15
    assert max(lengths) <= 25


def test_a_wording_entry_past_its_review_date_is_a_warning_naming_where_it_is(tmp_path: Path) -> None:
    """`oap check` warns (and still passes) about shared wording due for review, as of SOURCE_DATE_EPOCH's day."""
    root = make_project(tmp_path / "project", vocabularies=FIXTURE_VOCABULARIES)
    wording = load_corpus(root).vocab.wording
    first = min(wording.values(), key=lambda w: w.review_due)
    due = dt.datetime.combine(first.review_due, dt.time(12), tzinfo=dt.UTC)
    on_the_day = run_oap("check", "--root", str(root), env={"SOURCE_DATE_EPOCH": str(int(due.timestamp()))})
    assert on_the_day.returncode == 0 and f"wording '{first.id}'" not in on_the_day.stderr
    day_after = run_oap("check", "--root", str(root), env={"SOURCE_DATE_EPOCH": str(int((due + dt.timedelta(days=1)).timestamp()))})
    assert day_after.returncode == 0, day_after.stderr
    line = f"warning: {first.where}: review_due: wording '{first.id}' was due for review on {first.review_due.isoformat()}"
    assert line in day_after.stderr
    assert first.where.startswith("standards/vocabularies/wording.yaml:")

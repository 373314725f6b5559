"""Markup: escaping data for Markdown and HTML, sanitising councils' Markdown, and the one Jinja environment factory.

Everything that turns data into markup lives here, so there is one place to read when asking "can this value
inject markup?". Data never becomes markup without passing one of these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as html_lib
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Literal

import jinja2
import markdown
import nh3
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from . import prose
from .model import Fact

Target = Literal["markdown", "html", "text"]
"""What a template writes: Markdown pages for MkDocs, HTML for the PDFs, or plain text (the council.yaml scaffold)."""

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_MD_BREAKS = re.compile("[ \t]*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029][\\s]*")
"""A line break and the spaces around it: plain text is one paragraph, so the pages join its lines with a space."""
_MD_LEAD = re.compile(r"^(?:\s{2,}|[^\S ])")
"""Leading whitespace that could indent a line into a code block (more than one space, or a tab)."""
_URL_UNSAFE = {ord(c): f"%{ord(c):02X}" for c in "() <>"}
_ID = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*\Z")


# -- Markdown pages ---------------------------------------------------------------------------------------------
def md_escape(value: Any) -> Markup:
    """Escape text for a Markdown page: HTML's &, < and > first, then every character Markdown or attr_list would act on.

    Quotes stay as they are: outside tags they are plain text, and escaping them would be escaped again in the
    table of contents ("children&#39;s").
    """
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    # Structure Markdown reads from whitespace, not from punctuation, cannot be escaped with a backslash: a new line
    # could start a heading underlined with ===, or a code block; indentation a code block.
    text = _MD_LEAD.sub(" ", _MD_BREAKS.sub(" ", str(value)))
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = _MD_SPECIAL.sub(r"\\\1", html)
    if html.lstrip(" ").startswith("="):  # '===' after a line of text underlines it as a heading; &#61; is just '='
        html = html.replace("=", "&#61;", 1)
    if html.lstrip(" ").startswith("~"):  # '~~~' opens a fenced code block (MkDocs always adds fenced_code)
        html = html.replace("~", "&#126;", 1)
    return Markup(html)


def md_fact(fact: Fact) -> str:
    """A fact on a web page: its value, linked to its source when it has a web address, then its period in brackets.

    Only the value is the link: the period often names a law ('SEND Regulations 2014'), and families' pages link
    acronyms to the glossary everywhere but inside links.
    """
    value, period = md_escape(fact.value), md_escape(f" ({fact.applies})")
    if fact.url and str(safe_url(fact.url)) != "#":
        return f"[{value}]({safe_url(fact.url)}){period}"
    return f"{value}{period}"


def md_prose(value: Any, facts: Mapping[str, Fact]) -> Markup:
    """md_escape, with each {fact:ID} filled in (builder.prose.resolve): the web pages' finalize."""
    if isinstance(value, str) and not isinstance(value, Markup) and "{fact:" in value:
        return Markup(prose.resolve(value, facts, md_fact, lambda text: str(md_escape(text))))
    return md_escape(value)


def html_text(value: Any) -> str:
    """Text for the places MkDocs and Material print as HTML without escaping (nav titles, tags, the site name)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def raw_id(value: str) -> Markup:
    """An identifier used in a link or anchor; ids are checked against the schema, refuse anything else."""
    if not _ID.match(value):
        raise ValueError(f"not an id: {value!r}")
    return Markup(value)


def safe_url(value: str) -> Markup:
    """A link target from data: only web, mail and phone links, with Markdown-breaking characters encoded."""
    if not re.match(r"^(https?://|mailto:|tel:)[^\s]+$", value or ""):
        return Markup("#")
    return Markup(str(escape(value)).translate(_URL_UNSAFE))


def code(value: str) -> Markup:
    """An identifier of our own (a field name) shown as code; Markdown leaves code spans alone."""
    if not re.match(r"^[a-z0-9_-]+$", value):
        return md_escape(value)
    return Markup(f"`{value}`")


def placeholder(ident: str) -> Markup:
    """How prose cites a fact, shown as code for authors: `{fact:ID}` (never filled in: Markup passes finalize as is)."""
    return Markup(f"`{{fact:{raw_id(ident)}}}`")


# -- print HTML -------------------------------------------------------------------------------------------------
def html_fact(fact: Fact) -> str:
    """A fact in print: its value and, in brackets, the period it applies to, as escaped text."""
    return str(escape(prose.fact_text(fact)))


def html_prose(value: Any, facts: Mapping[str, Fact]) -> Any:
    """The print templates' finalize: each {fact:ID} filled in as escaped text; everything else autoescaped as usual."""
    if isinstance(value, str) and not isinstance(value, Markup) and "{fact:" in value:
        return Markup(prose.resolve(value, facts, html_fact, lambda text: str(escape(text))))
    return value


def ext_url(value: str) -> str:
    """A web address from the data, only if it is a plain http(s) URL; anything else prints no link."""
    return value if re.match(r"^https?://[^\s\"'<>]+$", value or "") else ""


def lower_first(value: str) -> str:
    """'The school' -> 'the school', but leave 'NHS England' alone: for use inside a sentence."""
    if len(value) > 1 and value[0].isupper() and value[1].islower():
        return value[0].lower() + value[1:]
    return value


# -- councils' Markdown: rendered, then sanitised; raw HTML is shown as text ------------------------------------
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "a", "br", "code"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str) -> Markup:
    """Council Markdown as safe HTML: raw HTML stays text, then nh3 keeps only basic tags and safe links.

    A mailto link must name one address and nothing else: builder.overlay refuses any other (mailto_problems); one
    that reaches here all the same loses its link, keeping its text.
    """
    html = _council_markdown().convert(text)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener",
        url_relative="deny",
        attribute_filter=_plain_mailto,
    )
    return Markup(clean.strip())


def _council_markdown() -> markdown.Markdown:
    """Python-Markdown as councils' Markdown is read: raw HTML stays text."""
    md = markdown.Markdown(output_format="html")
    # Councils write Markdown, not HTML: without these two, Python-Markdown would pass raw HTML through.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
"""One email address, as the council schema's email field allows it."""
_HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')


_URL_IGNORED = re.compile(r"[\t\n\r]")
"""Characters a browser removes from anywhere in a link's address (the URL standard), so `mai&#9;lto:` is `mailto:`."""


def as_browser_reads(href: str) -> str:
    """A link's address as a browser follows it: tabs and new lines removed, leading and trailing spaces and controls
    trimmed (the URL standard). A check that reads the address any other way can be walked around."""
    return _URL_IGNORED.sub("", href).strip("\x00- ")


def _is_bad_mailto(target: str) -> bool:
    """A mailto link that is not exactly one plain address: a ?bcc= could copy a family's email elsewhere."""
    target = as_browser_reads(target)
    return target.lower().startswith("mailto:") and not _EMAIL.fullmatch(urllib.parse.unquote(target[len("mailto:") :]))


def _plain_mailto(tag: str, attribute: str, value: str) -> str | None:
    """nh3's filter: drop a mailto link that is not one plain address."""
    if attribute == "href" and _is_bad_mailto(value):
        return None
    return value


def mailto_problems(text: str) -> list[str]:
    """Each mailto link in a council's Markdown that is not one plain address, as it would be written into the page.

    Checked on the HTML Python-Markdown makes, so every way of writing a link ([x](mailto:...), <mailto:...>,
    reference links) is seen as a browser would see it.
    """
    out = []
    for href in _HREF.findall(_council_markdown().convert(text)):
        target = html_lib.unescape(href)
        if _is_bad_mailto(target):
            out.append(as_browser_reads(target))
    return out


# -- dates ------------------------------------------------------------------------------------------------------
def long_date(value: dt.date) -> str:
    """1 November 2026 (GOV.UK date style)."""
    return f"{value.day} {value:%B %Y}"


# -- the one environment factory --------------------------------------------------------------------------------
def environment(target: Target, facts: Mapping[str, Fact] | None = None) -> jinja2.Environment:
    """A Jinja environment for our templates: strict undefined always; for markdown and html, autoescape on and a
    finalize that escapes for the target and fills in {fact:ID}.

    text is for the council.yaml scaffold only: its values arrive already quoted (as JSON strings), never raw.
    """
    known = dict(facts or {})
    common: dict[str, Any] = {
        "loader": jinja2.PackageLoader("builder", "templates"),
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": target != "html",
    }
    if target == "text":
        return jinja2.Environment(autoescape=False, **common)

    def finalize(value: Any) -> Any:
        return md_prose(value, known) if target == "markdown" else html_prose(value, known)

    env = jinja2.Environment(autoescape=True, finalize=finalize, trim_blocks=True, lstrip_blocks=True, **common)
    env.filters["long_date"] = long_date
    env.tests["contains"] = lambda seq, item: item in seq
    if target == "markdown":
        env.filters.update(id=raw_id, url=safe_url, code=code, placeholder=placeholder, html_text=html_text)
    else:
        env.filters.update(ext_url=ext_url, lower_first=lower_first)
    return cache_compiled(env)


_COMPILE_SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                     "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                     "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized")  # fmt: skip
"""Environment settings that change the code a template compiles to (with autoescape, finalize and extensions)."""


def cache_compiled(env: jinja2.Environment) -> jinja2.Environment:
    """Keep env's compiled templates between runs: compiling them was a tenth of a national build's own work.

    They go in Jinja's private per-user folder under the temp directory. Jinja reuses an entry only while the
    template's source is unchanged, and the file names carry a digest of the settings that shape compiled code.
    """
    settings = [getattr(env, name) for name in _COMPILE_SETTINGS]
    settings += [getattr(env.autoescape, "__qualname__", env.autoescape), getattr(env.finalize, "__qualname__", None)]
    settings += [sorted(env.extensions), jinja2.__version__]
    digest = hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
    try:
        env.bytecode_cache = _BestEffortCache(pattern=f"oap-{digest}-%s.cache")
    except (OSError, RuntimeError):  # no private temp folder to be had: compile every time, as before
        pass
    return env


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, but a cache that cannot be read or written (a full or read-only temporary folder) is
    only a slower build: the template is compiled afresh, and the build goes on."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)  # writes a temporary file, then renames it: a failure leaves no partial entry
        except OSError:
            pass

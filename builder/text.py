"""One rule for text: which characters each kind of text field may hold, checked in one place for every file.

The schemas mark each text field with the keyword `x-text` and its kind (builder.validate checks it with the rest
of the schema, so standards files, councils' overlays and their local standards all follow the same rule):

- `id`: an identifier, lower-case letters a to z, digits and hyphens (the schema's pattern); here, any other
  character outside plain ASCII is named, so a look-alike letter from another alphabet is found.
- `line`: one line of plain text (a title, a name, an amount, a list item).
- `paragraph`: plain text an author may wrap over several lines in the YAML; the pages join the lines.
- `markdown`: a council's Markdown (notes, service descriptions); ordinary new lines make its structure.

Refused everywhere: control characters, and line breaks other than an ordinary new line (U+2028, U+2029, NEL,
vertical tab, form feed, carriage return), whether typed raw or written as a YAML escape such as "\\u2029": the
renderers treat them unpredictably (a U+2029 crashed the PDF build). Refused in one-line fields and ids: any line
break. Bidirectional controls (embeddings, overrides and isolates) are refused everywhere: they make text show in a
different order from what it says, so a council's name, a standard's title, an amount or a phone number in a note
could read as something else. Only the invisible direction marks (LRM, RLM, ALM), which reorder nothing but help
mixed right-to-left and English text display correctly, are allowed, and only in paragraphs and Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Kind = Literal["id", "line", "paragraph", "markdown"]
KINDS: tuple[Kind, ...] = ("id", "line", "paragraph", "markdown")

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""Every character Python's str.splitlines (and so some renderer or other) treats as the end of a line."""
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
"""Invisible direction marks: they reorder nothing, but help mixed right-to-left and English text display correctly."""
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they make text show in a different order from what it says."""

_CONTROL_NAMES = (
    "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY", "ACKNOWLEDGE", "BELL",
    "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT",
    "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL",
    "END OF MEDIUM", "SUBSTITUTE", "ESCAPE", "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
)  # fmt: skip
"""The names Unicode gives the C0 control characters (unicodedata knows them only as aliases)."""
_C1_NAMES = {0x7F: "DELETE", 0x85: "NEXT LINE (NEL)"}
_WHERE = {"id": "an id", "line": "a one-line field", "paragraph": "this text", "markdown": "this text"}


def char_name(ch: str) -> str:
    """A character as Unicode names it, e.g. 'U+2029 PARAGRAPH SEPARATOR' or 'U+000A LINE FEED'."""
    code = ord(ch)
    name = _CONTROL_NAMES[code] if code < 0x20 else _C1_NAMES.get(code) or unicodedata.name(ch, "")
    if not name:
        name = "(a control character)" if unicodedata.category(ch) == "Cc" else "(a character with no name)"
    return f"U+{code:04X} {name}"


def _why(ch: str, kind: Kind, value: str, index: int) -> str | None:
    """Why ch may not be in a field of this kind, or None if it may."""
    if ch == "\n" and kind in ("paragraph", "markdown"):
        return None
    if ch == "\t" and kind != "id":
        return None if kind != "line" else "a tab: use a space"
    if ch in LINE_BREAKS:
        if kind == "id":
            return "a line break: an id is one word on one line"
        if kind == "line":
            if ch == "\n" and index == len(value) - 1:
                return "a line break at the end: if you wrote it as a block with > or |, write >- or |- instead"
            return "a line break: keep this text on one line"
        return "an unusual line break: use an ordinary new line"
    if ch in BIDI_CONTROLS or (ch in BIDI_MARKS and kind in ("id", "line")):
        return "a bidirectional control: it can make the text show in a different order from what it says; delete it"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "an invisible control character: delete it"
    if category == "Cs":
        return "half of a character, not a character: retype it"
    if kind == "id" and not ch.isascii():
        if category.startswith("L"):
            return "ids use the letters a to z only: this letter is from another alphabet, however alike it looks"
        return "ids use lower-case letters a to z, digits and hyphens only"
    return None


_SUSPECT = {
    kind: re.compile(
        "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
        + ("\x80-\U0010ffff" if kind == "id" else "")
        + "]"
    )
    for kind in KINDS
}
"""The characters worth a closer look, found at the regular expression engine's speed: a 2 MB field takes milliseconds."""


def problem(value: str, kind: Kind) -> str | None:
    """What is wrong with value as text of this kind, naming the first character that breaks the rule; None if nothing."""
    for found in _SUSPECT[kind].finditer(value):
        why = _why(found.group(), kind, value, found.start())
        if why is not None:
            return f"character {char_name(found.group())} is not allowed in {_WHERE[kind]} ({why})"
    return None

"""Read YAML files safely, keeping the line and column of every key and value."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, field_path
from .text import char_name

MAX_BYTES = 2_000_000
"""Largest YAML file we read; a standards file is a few hundred kilobytes at most."""
MAX_NODES = 200_000
"""Most values one file may expand to, so that alias bombs cannot exhaust memory."""
MAX_DEPTH = 40
"""Deepest nesting allowed; standards are three or four levels deep."""

_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters YAML 1.1 does not allow anywhere in a file (libyaml would report them without a line number)."""
_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")
"""Line breaks YAML 1.1 reads as the end of a line but editors show as nothing (or as one line): libyaml's syntax
error would not say which character broke the line."""

Path_ = tuple[str | int, ...]
_SCALARS = yaml.constructor.SafeConstructor()


@dataclass
class Document:
    """The data of one YAML file and where each part of it came from."""

    rel: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value at path (or of its key), else of its nearest ancestor."""
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False, at: str | None = None) -> Problem:
        """A Problem located at path in this document."""
        line, col = self.where(path, key=key)
        return Problem(self.rel, line, col, field_path(path) if at is None else at, message)


class _TooBig(Exception):
    pass


class _TooDeep(Exception):
    pass


def load_yaml(path: Path, rel: str, *, within: Path | None = None) -> tuple[Document | None, list[Problem]]:
    """Load one YAML file (a regular file, inside within if given); return the document, or None and the problems that stopped it."""
    raw, refused = read_regular(path, rel, limit=MAX_BYTES, within=within)
    if raw is None:
        return None, [refused or Problem(rel, message="cannot read the file")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(rel, 1, 1, message="file is saved as UTF-16 (save it as UTF-8)")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(rel, 1, 1, message="file starts with a byte-order mark (save it as UTF-8 without BOM)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(rel, line, col, message=f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8)")]
    return load_yaml_text(rel, text)


def load_yaml_text(rel: str, text: str) -> tuple[Document | None, list[Problem]]:
    """Load YAML already read and decoded: see load_yaml."""
    bad_char = _NOT_YAML.search(text)
    if bad_char:
        return None, [_char_problem(rel, text, bad_char.start())]
    odd_break = _ODD_BREAKS.search(text)
    if odd_break:
        return None, [_odd_break_problem(rel, text, odd_break.start())]
    try:
        too_deep = _too_deep(rel, text)
        if too_deep:
            return None, [too_deep]
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(rel, exc, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always marks its errors
        return None, [Problem(rel, message=f"YAML syntax error: {exc}")]
    if node is None:
        return None, [Problem(rel, message="file is empty (expected a mapping of keys and values)")]
    doc = Document(rel, None)
    problems: list[Problem] = []
    budget = [MAX_NODES]
    try:
        doc.data = _convert(node, (), doc, problems, budget, 0)
    except _TooBig:
        return None, [Problem(rel, message=f"file expands to more than {MAX_NODES:,} values (too large, or an alias bomb)")]
    except _TooDeep:
        mark = node.start_mark
        return None, [
            Problem(
                rel, mark.line + 1, mark.column + 1, message=f"nesting is deeper than {MAX_DEPTH} levels (or an alias refers to itself)"
            )
        ]
    return (doc if not problems else None), problems


def _char_problem(rel: str, text: str, index: int, why: str = "an invisible control character: delete it") -> Problem:
    """A character YAML forbids (a control character, say, pasted from another program), located by line and column."""
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    message = f"character {char_name(text[index])} is not allowed in YAML ({why})"
    return Problem(rel, line, col, message=message)


_STAND_IN = "\U0010fffd"
"""A private-use character that takes an odd line break's place, so that the file can be read to find its field."""


def _odd_break_problem(rel: str, text: str, index: int) -> Problem:
    """An odd line break (U+2028, U+2029, NEL) typed raw, located by line and column and, where it is in a value, by field."""
    problem = _char_problem(
        rel, text, index, "an unusual line break, which YAML reads as the end of a line: use an ordinary new line, or none"
    )
    doc, _ = load_yaml_text(rel, text[:index] + _STAND_IN + _ODD_BREAKS.sub(" ", text[index + 1 :]))
    if doc is None:
        return problem
    at = (problem.line, problem.column)
    # The value or key that starts last before the character is the one that holds it, if it holds the stand-in.
    starts = [(pos, path, False) for path, pos in doc.positions.items() if pos <= at]
    starts += [(pos, path, True) for path, pos in doc.key_positions.items() if pos <= at]
    for _pos, path, is_key in sorted(starts, key=lambda s: (s[0], len(s[1])), reverse=True)[:2]:
        if _holds(doc.data, path, is_key=is_key):
            return dataclasses.replace(problem, field=field_path(path).replace(_STAND_IN, text[index]))
    return problem


def _holds(data: Any, path: Path_, *, is_key: bool) -> bool:
    """Whether the key or the text value at path holds the stand-in."""
    if is_key:
        return isinstance(path[-1], str) and _STAND_IN in path[-1]
    for part in path:
        data = data[part]
    return isinstance(data, str) and _STAND_IN in data


def _too_deep(rel: str, text: str) -> Problem | None:
    """Refuse deep nesting before composing: PyYAML composes recursively in C, and a few kilobytes of '[' crash the process."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line, col = (event.start_mark.line + 1, event.start_mark.column + 1) if event.start_mark else (0, 0)
                return Problem(rel, line, col, message=f"nesting is deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def _syntax_problem(rel: str, exc: yaml.MarkedYAMLError, source: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    text = " ".join(str(s) for s in (exc.context, exc.problem) if s)
    unclosed = "quoted scalar" in text and "end of stream" in text and exc.context_mark is not None
    if unclosed:  # the end of the file is no help: point at the quote that never closes
        mark = exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    lines = source.splitlines()
    at = lines[line - 1][col - 1 : col] if 0 < line <= len(lines) else ""
    if unclosed:
        text += " (this quote is never closed)"
    elif "tab" in text or "\\t" in text or at == "\t":
        text += " (indent with spaces, not tabs)"
    elif "mapping values are not allowed" in text:
        text += " (check the indentation, and quote text that contains ': ')"
    elif any(s in text for s in ("expected <block end>", "did not find expected key", "expected '-' indicator")):
        text += " (check the indentation of this line)"
    return Problem(rel, line, col, message=f"YAML syntax error: {text}")


def _convert(node: yaml.Node, path: Path_, doc: Document, problems: list[Problem], budget: list[int], depth: int) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    if depth > MAX_DEPTH:
        raise _TooDeep
    doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    Problem(doc.rel, kline, kcol, _fp(path), "keys must be plain words (merge keys and complex keys are not supported)")
                )
                continue
            key = key_node.value
            if key in result:
                first = doc.key_positions[path + (key,)][0]
                problems.append(
                    Problem(doc.rel, kline, kcol, _fp(path + (key,)), f"duplicate key '{key}' (first given on line {first}; each key once)")
                )
                continue
            doc.key_positions[path + (key,)] = (kline, kcol)
            result[key] = _convert(value_node, path + (key,), doc, problems, budget, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), doc, problems, budget, depth + 1) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value  # dates stay text; the schema checks they are real dates
    if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:binary"):
        return node.value
    try:
        return _SCALARS.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, KeyError, IndexError):
        # An explicit tag that does not fit its text (`!!bool maybe`, `!!int ''`): keep the text; the schema says what is wrong.
        return node.value
    finally:
        _SCALARS.constructed_objects.clear()  # the shared constructor would otherwise keep every node it ever saw


def _fp(path: Path_) -> str:
    return field_path(path)


# -- one rule for files: only regular files, inside the project, size checked before reading, errors never skipped ----
_KINDS = {
    stat.S_IFCHR: "device",
    stat.S_IFBLK: "device",
    stat.S_IFIFO: "named pipe (FIFO)",
    stat.S_IFSOCK: "socket",
    stat.S_IFDIR: "folder",
}


def outside(path: Path, within: Path) -> bool:
    """Whether path, once its symbolic links are followed, leaves the folder within."""
    base = within.resolve()
    real = path.resolve()
    return real != base and base not in real.parents


def read_regular(path: Path, rel: str, *, limit: int, within: Path | None = None) -> tuple[bytes | None, Problem | None]:
    """The bytes of a regular file of at most limit bytes, or None and the Problem that refused it.

    What the path is (following links) and its size are known before it is opened, so a device (a link to /dev/zero,
    say) is never opened and a huge file never read; it is opened without blocking and checked again through the
    open descriptor, so a FIFO swapped in meanwhile cannot hang us.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        return None, _unreadable(rel, exc)
    if not stat.S_ISREG(info.st_mode):
        return None, _not_regular(rel, info.st_mode)
    if within is not None and outside(path, within):
        return None, Problem(rel, message="is a symbolic link to a file outside the project (copy the file into the project instead)")
    if info.st_size > limit:
        return None, Problem(rel, message=f"file is too large ({info.st_size:,} bytes; at most {limit:,})")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return None, _unreadable(rel, exc)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            return None, _not_regular(rel, mode)
        try:
            raw = fh.read(limit + 1)  # no further, should the file grow while we read it
        except OSError as exc:
            return None, _unreadable(rel, exc)
    if len(raw) > limit:
        return None, Problem(rel, message=f"file is too large (more than {limit:,} bytes; at most {limit:,})")
    return raw, None


def _unreadable(rel: str, exc: OSError) -> Problem:
    hint = "; give it read permission, or remove it" if isinstance(exc, PermissionError) else ""
    return Problem(rel, message=f"cannot read the file ({exc.strerror}{hint})")


def _not_regular(rel: str, mode: int) -> Problem:
    kind = _KINDS.get(stat.S_IFMT(mode), "special file")
    return Problem(rel, message=f"is a {kind}, not a regular file (only ordinary files are read: replace it with the file itself)")


YAML_SUFFIXES = (".yaml", ".yml")
"""The endings of the files we read, in the only case we read them."""


def case_slip(rel: str, name: str, ours: Iterable[str]) -> Problem | None:
    """A Problem if name differs only in case from one of our file names, naming the right one.

    Why: on Linux such a file (primary.YAML, Areas.yaml, Council.yaml) is not the file we read and was skipped
    without a word, while macOS and Windows read it; an author sees their edit vanish on one machine only.
    """
    right = next((our for our in ours if our != name and our.lower() == name.lower()), None)
    if right is None:
        return None
    return Problem(
        rel, message=f"file name '{name}' differs only in case from '{right}' (rename it to {right}: our file names are lower-case)"
    )


def walk(
    folder: Path, root: Path, problems: list[Problem], *, recursive: bool = True, prune: Callable[[Path], bool] | None = None
) -> Iterator[Path]:
    """Every entry under folder that is not a folder, sorted; an unreadable folder is a Problem, never skipped.

    A missing folder holds nothing (the caller says what it needed). Folders that are symbolic links are followed
    only while they stay inside root, each real folder once; prune names subfolders not to enter.
    """
    if not folder.exists():
        return
    seen: set[Path] = set()

    def visit(here: Path) -> Iterator[Path]:
        rel = _rel(here, root)
        if outside(here, root):
            problems.append(
                Problem(rel, message="is a symbolic link to a folder outside the project (copy the folder into the project instead)")
            )
            return
        real = here.resolve()
        if real in seen:
            return
        seen.add(real)
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append(
                Problem(rel, message=f"cannot read the folder ({exc.strerror}; give it read permission: its standards would be left out)")
            )
            return
        for entry in entries:
            path = here / entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir and recursive and not (prune and prune(path)):
                yield from visit(path)
            elif not is_dir:
                yield path

    yield from visit(folder)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()

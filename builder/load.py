"""Read YAML files safely, keeping the line and column of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, field_path

MAX_BYTES = 2_000_000
"""Largest YAML file we read; a standards file is a few hundred kilobytes at most."""
MAX_NODES = 200_000
"""Most values one file may expand to, so that alias bombs cannot exhaust memory."""
MAX_DEPTH = 40
"""Deepest nesting allowed; standards are three or four levels deep."""

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


def load_yaml(path: Path, rel: str) -> tuple[Document | None, list[Problem]]:
    """Load one YAML file; return the document, or None and the problems that stopped it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(rel, message=f"cannot read the file ({exc.strerror})")]
    if len(raw) > MAX_BYTES:
        return None, [Problem(rel, message=f"file is too large ({len(raw):,} bytes; at most {MAX_BYTES:,})")]
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(rel, 1, 1, message="file starts with a byte-order mark (save it as UTF-8 without BOM)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, [Problem(rel, line, col, message=f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 (save the file as UTF-8)")]
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_problem(rel, exc)]
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


def _syntax_problem(rel: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    text = " ".join(str(s) for s in (exc.context, exc.problem) if s)
    if "tab" in text or "\\t" in text:
        text += " (indent with spaces, not tabs)"
    elif "mapping values are not allowed" in text:
        text += " (check the indentation, and quote text that contains ': ')"
    elif "expected <block end>" in text:
        text += " (check the indentation of this line)"
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
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
    except (yaml.YAMLError, ValueError):
        return node.value


def _fp(path: Path_) -> str:
    return field_path(path)

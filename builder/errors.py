"""Problems found in content, and the one exception type that carries them."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    path: str
    line: int = 0
    column: int = 0
    field: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}" if self.line else self.path
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return visible(text)


def visible(text: str) -> str:
    """Text safe for one terminal line: newlines, escape codes and bidi controls quoted from the data are shown as escapes."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


class OapError(Exception):
    """Raised with every problem found, so authors can fix them all in one go."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(self.report())

    def report(self) -> str:
        """All problems, one per line, followed by a count."""
        lines = [str(p) for p in self.problems]
        n = len(self.problems)
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


def field_path(path: tuple[str | int, ...]) -> str:
    """Render ('standards', 3, 'who_pays', 0) as 'standards[3].who_pays[0]'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


# -- faults: the machine, not the input ----------------------------------------------------------------------------


class Fault(Exception):
    """Something outside the input went wrong (a full or read-only disk, a crashed process): one line for the user."""


TEMP_PREFIXES = ("oap-", "weasyprint-", "_jinja2-cache")
"""What we (and the libraries we drive) make in the temporary folder: an error in one of these is the temp folder's."""
SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
WRITING = SPACE | {errno.EROFS}
"""Errors that only writing causes: when a copy fails with one of these, the destination is to blame, not the source."""
NOT_ALLOWED = {errno.EROFS, errno.EACCES, errno.EPERM}
_WHAT = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "a file would be larger than the system allows",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.ENOENT: "does not exist",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EEXIST: "already exists",
}


@contextmanager
def blame(folder: Path) -> Iterator[None]:
    """An OS error inside that names no file (a write that found the disk full) is the fault of folder."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(folder)
        raise


def os_fault(exc: OSError, *, output: Path | None = None, root: Path | None = None, elsewhere: str = "choose another --out") -> str:
    """One line for an OS error: the path, what went wrong in plain words, and what to do.

    The path decides whose fault it is: the output folder (output, the build's hidden siblings of it, the folders
    above it), the temporary folder (what we make under TMPDIR), or else the input. elsewhere is how the user picks
    another output folder.
    """
    name = exc.filename2 if exc.errno in WRITING and exc.filename2 is not None else exc.filename
    what = _WHAT.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    if name is None:
        return (
            f"{what}; check the disks of the output, the input and the temporary folder ({visible(tempfile.gettempdir())}), then try again."
        )
    path = Path(os.fsdecode(name)).absolute()
    shown = visible(str(path))
    if output is not None:
        out = output.absolute()
        if path == out or path in out.parents:
            return f"{shown}: cannot write the output: {what}; {_output_todo(exc.errno, elsewhere)}."
        if path.parent == out.parent or out.parent in path.parents:
            first = path.relative_to(out.parent).parts[0]
            if first.startswith(f".{out.name}.oap-"):  # the build's staging folder, made beside out: the user knows it as out
                where = out.parent if path.parent == out.parent else out  # could not make it: the folder above is to blame
                return f"{visible(str(where))}: cannot write the output: {what}; {_output_todo(exc.errno, elsewhere)}."
    temp = Path(tempfile.gettempdir()).absolute()
    if path == temp or (temp in path.parents and path.relative_to(temp).parts[0].startswith(TEMP_PREFIXES)):
        todo = (
            "free some space there, or set TMPDIR to a folder with room"
            if exc.errno in SPACE
            else "set TMPDIR to a folder you can write to"
        )
        return f"{visible(str(temp))}: cannot use the temporary folder: {what}; {todo}."
    if exc.errno in WRITING:
        return f"{shown}: cannot write: {what}; {'free some space' if exc.errno in SPACE else 'make it writable'}, then try again."
    hint = " (--root names the project folder, the one holding mkdocs.yml and standards/)" if root is not None else ""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{shown}: cannot read: {what}; check the path{hint}."
    if exc.errno in NOT_ALLOWED:
        return f"{shown}: cannot read: {what}; make it readable, then try again."
    return f"{shown}: cannot read: {what}; check the file, then try again."


def _output_todo(err: int | None, elsewhere: str) -> str:
    if err in SPACE:
        return f"free some space, or {elsewhere}"
    if err in NOT_ALLOWED:
        return f"make the folder writable, or {elsewhere}"
    return elsewhere

"""What `oap build` and `oap check` show while they run (builder/progress.py), seen as a user sees it.

On a terminal (a real pseudo-terminal, which `oap` cannot tell from a person's): a live display of the stages that
ends showing each stage done with its time, or is erased when the run fails or is interrupted. Without one (CI, a
pipe, NO_COLOR, TERM=dumb): one timed line per stage on stdout. With --quiet: neither. Every run is the real `oap`
on the fixture project (tests/fixtures/project).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from .conftest import OAP, ROOT, run_oap
from .test_rendering import COUNCIL, fixture_project

COLUMNS, ROWS = 120, 40
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
"""rich's default spinner ('dots'): one of these is drawn beside a running stage."""
BAR = "━"
"""What rich draws a progress bar (or its pulse) with."""
LABELS = {
    "load": "Loading and checking the standards",
    "model": "Putting the edition together",
    "print": "Writing the print documents",
    "pdf": "Rendering the PDFs",
    "web": "Rendering the web pages",
    "data": "Writing the open data",
    "publish": "Building the site (MkDocs) and publishing it",
}
SITE_STAGES = ["load", "model", "web", "data", "publish"]
"""The stages of `oap build --no-pdf`, in the order they run."""
STAGE_LINE = re.compile(r"^oap: (?P<stage>[a-z]+) \d+\.\d\d s(?: \((?P<note>.*)\))?$")
BUILT = re.compile(r"^oap build: built 5 standards into \S+ \(no PDFs\) in \d+\.\d s\.$")
FUTURE = "2000000000"
"""SOURCE_DATE_EPOCH in May 2033, when every fixture standard and fact is overdue for review."""
CHECKED = re.compile(r"^oap check: OK: 5 standards in 4 area-and-phase cells; .* legal bases checked in \d+\.\d s\.$")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_project(tmp_path_factory.mktemp("progress") / "project")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The fixture project with one standard that names no payer: `oap` must report it and stop."""
    root = fixture_project(tmp_path / "broken")
    path = root / "standards" / "cognition-and-learning" / "primary.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^(    who_pays:) .*$", r"\1 []", text, count=1), encoding="utf-8")
    return root


# -- a pseudo-terminal, and the screen a terminal would show ------------------------------------------------------------
@dataclass
class Terminal:
    """A finished `oap` run on a pseudo-terminal: its exit code and every byte it drew."""

    code: int
    raw: str

    @property
    def screen(self) -> list[str]:
        """The lines left on the screen at the end, after every cursor movement and erasure has been applied."""
        return Screen().feed(self.raw)

    @property
    def cursor_shown(self) -> bool:
        """Whether the cursor is visible at the end (the live display hides it while it draws)."""
        toggles = re.findall(r"\x1b\[\?25([hl])", self.raw)
        return not toggles or toggles[-1] == "h"


class Screen:
    """Just enough of a terminal for rich's live display: text, CR, LF, cursor up and erase line, colours ignored.

    Any other control sequence fails the test, rather than being misread."""

    def __init__(self) -> None:
        self.lines: list[list[str]] = [[]]
        self.row = self.col = 0

    def feed(self, raw: str) -> list[str]:
        for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b.|[\s\S]", raw):
            if token.startswith("\x1b"):
                self._control(token)
            elif token == "\r":
                self.col = 0
            elif token == "\n":
                self.row += 1
                if self.row == len(self.lines):
                    self.lines.append([])
            else:
                line = self.lines[self.row]
                line.extend(" " * (self.col + 1 - len(line)))
                line[self.col] = token
                self.col += 1
        return [("".join(line)).rstrip() for line in self.lines if "".join(line).strip()]

    def _control(self, seq: str) -> None:
        match = re.fullmatch(r"\x1b\[([0-9;?]*)([A-Za-z])", seq)
        assert match, f"unexpected escape {seq!r}"
        args, command = match.groups()
        if command == "A":
            self.row = max(0, self.row - int(args or 1))
        elif command == "K" and args == "2":
            self.lines[self.row] = []
        elif command in "mhl":  # colours and styles; cursor shown or hidden
            return
        else:
            raise AssertionError(f"unexpected escape {seq!r}")


def on_terminal(*args: str, cwd: Path, env: dict[str, str] | None = None, interrupt_at: str = "", timeout: float = 600) -> Terminal:
    """Run `oap` on a new pseudo-terminal of COLUMNS x ROWS; with interrupt_at, press Ctrl-C once that text is drawn."""
    full_env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TERM": "xterm-256color", **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    if "NO_COLOR" not in (env or {}):
        full_env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pseudo-terminal; give it a size, then become `oap`
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.chdir(cwd)
            os.execve(OAP[0], [*OAP, *args], full_env)
        finally:
            os._exit(127)
    raw, pressed, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if interrupt_at and not pressed and interrupt_at.encode() in raw:
                os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT to `oap` and its PDF workers
                pressed = True
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child has closed the terminal
                    break
                if not chunk:
                    break
                raw += chunk
        else:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"oap did not finish within {timeout} s:\n{raw[-2000:].decode(errors='replace')}")
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    assert not interrupt_at or pressed, f"never saw {interrupt_at!r}"
    return Terminal(os.waitstatus_to_exitcode(status), raw.decode("utf-8"))


def finished_rows(screen: list[str]) -> list[str]:
    """The stage labels of the rows the display leaves: '✓ <label> ... <seconds> s'."""
    rows = []
    for line in screen:
        if line.startswith("✓ ") and re.search(r" \d+\.\d s$", line):
            rows += [label for label in LABELS.values() if line[2:].startswith(label + " ")] or [line]
    return rows


# -- on a terminal ----------------------------------------------------------------------------------------------------
def test_a_terminal_shows_each_stage_live_then_each_time(fixture: Path, tmp_path: Path) -> None:
    run = on_terminal("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=fixture)
    assert run.code == 0, run.raw
    # While it ran: a spinner beside a running stage, a bar, and each stage by name.
    assert any(ch in run.raw for ch in SPINNER) and BAR in run.raw
    for stage in SITE_STAGES:
        assert LABELS[stage] in run.raw, stage
    # At the end: every stage ticked with its time, in order, then the final line; no stage line and the cursor back.
    screen = run.screen
    assert finished_rows(screen) == [LABELS[s] for s in SITE_STAGES], screen
    assert BUILT.match(screen[-1]), screen
    assert not any(STAGE_LINE.match(line) for line in screen)
    assert run.cursor_shown


@pytest.mark.slow  # renders the fixture's 9 PDFs (about 10 to 25 s on 2 cores)
def test_a_terminal_shows_the_pdfs_documents_and_pages_as_they_finish(fixture: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run = on_terminal("build", "--root", ".", "--out", str(out), cwd=fixture)
    assert run.code == 0, run.raw
    pdfs = sorted((out / "downloads").glob("*.pdf"))
    pages = 0
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            pages += len(pdf.pages)
    assert len(pdfs) == 9 and pages > 9
    # Counted as they finish, not all at the end: the display (redrawn 8 times a second) shows some counts short of
    # nine, never going back, then all nine with every page (counted here from the PDFs themselves).
    seen = [int(n) for n in re.findall(r"(\d) of 9 documents, \d+ pages", run.raw)]
    assert seen == sorted(seen) and seen[-1] == 9 and len(set(seen)) >= 3, sorted(set(seen))
    (row,) = [line for line in run.screen if LABELS["pdf"] in line]
    assert re.fullmatch(rf"✓ {re.escape(LABELS['pdf'])}\s+{BAR}+ 9 of 9 documents, {pages} pages \d+\.\d s", row), row
    assert finished_rows(run.screen) == [LABELS[s] for s in ("load", "model", "print", "pdf", "web", "data", "publish")]


def test_warnings_during_the_display_are_printed_above_it_whole(fixture: Path, tmp_path: Path) -> None:
    """Ten years on, every review is overdue: each warning is a whole line above the display, which ends as usual."""
    piped = run_oap("check", "--root", ".", cwd=fixture, env={"SOURCE_DATE_EPOCH": FUTURE})
    warnings = piped.stderr.splitlines()
    assert len(warnings) >= 5 and all(w.startswith("warning: ") for w in warnings)
    run = on_terminal("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=fixture, env={"SOURCE_DATE_EPOCH": FUTURE})
    assert run.code == 0, run.raw
    screen = run.screen
    assert screen[: len(warnings)] == warnings
    assert finished_rows(screen[len(warnings) : -1]) == [LABELS[s] for s in SITE_STAGES] and BUILT.match(screen[-1]), screen


def test_a_failed_run_leaves_only_its_problems_on_the_screen(broken: Path, tmp_path: Path) -> None:
    """The display is erased, not left half-drawn: the screen ends as the problems, exactly as a pipe gets them."""
    piped = run_oap("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=broken)
    assert piped.returncode == 1 and piped.stdout == "" and piped.stderr.splitlines()[-1] == "1 problem found; nothing was written."
    run = on_terminal("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=broken)
    assert run.code == 1
    assert LABELS["load"] in run.raw  # the display was drawn ...
    assert run.screen == piped.stderr.splitlines()  # ... and is gone
    assert run.cursor_shown


def test_ctrl_c_erases_the_display_and_gives_the_cursor_back(fixture: Path, tmp_path: Path) -> None:
    run = on_terminal("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=fixture, interrupt_at=LABELS["publish"])
    assert run.code == 130, run.raw
    assert run.screen == ["oap: interrupted; the previous output is unchanged."]
    assert run.cursor_shown
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}], ids=["NO_COLOR", "TERM=dumb"])
def test_no_color_or_a_dumb_terminal_gets_plain_lines(env: dict[str, str], fixture: Path) -> None:
    run = on_terminal("check", "--root", ".", cwd=fixture, env=env)
    assert run.code == 0, run.raw
    assert "\x1b" not in run.raw
    lines = run.raw.replace("\r\n", "\n").splitlines()
    assert [STAGE_LINE.match(line)["stage"] for line in lines[:-1]] == ["load", "model"], lines  # type: ignore[index]
    assert CHECKED.match(lines[-1]), lines


def test_quiet_on_a_terminal_shows_only_the_final_line(fixture: Path) -> None:
    run = on_terminal("check", "--quiet", "--root", ".", cwd=fixture)
    assert run.code == 0, run.raw
    assert "\x1b" not in run.raw
    (line,) = run.raw.splitlines()
    assert CHECKED.match(line), line


# -- without a terminal (CI, make piped to a file) ----------------------------------------------------------------------
def test_without_a_terminal_one_timed_line_per_stage_in_order(fixture: Path, tmp_path: Path) -> None:
    result = run_oap("build", "--no-pdf", "--root", ".", "--out", str(tmp_path / "site"), cwd=fixture)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and "\x1b" not in result.stdout
    *stages, last = result.stdout.splitlines()
    assert [STAGE_LINE.match(line)["stage"] for line in stages] == SITE_STAGES, stages  # type: ignore[index]
    assert BUILT.match(last), last


def test_oap_check_without_a_terminal_shows_its_stages_too(fixture: Path) -> None:
    result = run_oap("check", "--root", ".", cwd=fixture)
    assert result.returncode == 0 and result.stderr == ""
    *stages, last = result.stdout.splitlines()
    assert [STAGE_LINE.match(line)["stage"] for line in stages] == ["load", "model"], stages  # type: ignore[index]
    assert CHECKED.match(last), last


@pytest.mark.parametrize("command", ["check", "build"])
def test_quiet_prints_no_stage_lines(command: str, fixture: Path, tmp_path: Path) -> None:
    extra = ["--no-pdf", "--out", str(tmp_path / "site")] if command == "build" else []
    result = run_oap(command, "--quiet", "--root", ".", *extra, cwd=fixture)
    assert result.returncode == 0 and result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert (BUILT if command == "build" else CHECKED).match(line), line


def test_a_council_that_fails_its_check_prints_no_stage_line(fixture: Path, tmp_path: Path) -> None:
    """The national standards load and pass; the council's note is on a standard that does not exist. The stages that
    check the input hold their lines until it has all passed, so the run prints its problem and nothing else."""
    council = tmp_path / "council"
    council.mkdir()
    text = (COUNCIL / "council.yaml").read_text(encoding="utf-8")
    (council / "council.yaml").write_text(text.replace("  cl-pri-fixture-reading-boost:", "  cl-pri-no-such-standard:"), encoding="utf-8")
    for command in ("check", "build"):
        result = run_oap(command, "--root", ".", "--council", str(council), cwd=fixture)
        assert result.returncode == 1 and result.stdout == "", command
        assert "cl-pri-no-such-standard" in result.stderr and result.stderr.splitlines()[-1] == "1 problem found; nothing was written."


def test_every_stage_has_a_row_in_the_live_display() -> None:
    from builder import pipeline, progress

    assert list(progress.LABELS) == list(pipeline.STAGES)
    assert {stage: progress.LABELS[stage] for stage in LABELS} == LABELS

"""What `oap check` and `oap build` show while they run, as pipeline.Timings tells each stage start, move on and end.

    live   stdout and stderr both a terminal: a live display (rich) drawn on stderr, one row per stage with a spinner
           while it runs, a bar where the stage can count its work (the PDFs: documents and pages done), and its
           time when done. It stays on screen when the command succeeds and is erased when it fails or is
           interrupted, so it is never left half-drawn and the problems are the last thing on screen.
    plain  no terminal (CI, `make build > log`), NO_COLOR set or TERM=dumb: one line per finished stage on stdout,
           'oap: load 0.41 s', beside the command's final line. A screen reader gets text, never a redrawn screen.
    quiet  --quiet: neither.

The stages that gather and check the input (load, overlay, model) report their lines only once the input has
passed: a run that finds problems prints its problems and nothing else, in every mode (tests/bad_inputs pins it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from .pipeline import Listener

Mode = Literal["live", "plain", "quiet"]

LABELS = {
    "load": "Loading and checking the standards",
    "overlay": "Checking the council's overlay",
    "model": "Putting the edition together",
    "print": "Writing the print documents",
    "pdf": "Rendering the PDFs",
    "web": "Rendering the web pages",
    "data": "Writing the open data",
    "publish": "Building the site (MkDocs) and publishing it",
}
"""What each stage of builder.pipeline.STAGES is doing, in words, for the live display."""
CHECKING = ("load", "overlay", "model")
"""The stages that gather and check the input; 'model' is the last of them."""


def choose(*, quiet: bool) -> Mode:
    """Live only on a terminal that can redraw; plain lines everywhere else; nothing with --quiet."""
    if quiet:
        return "quiet"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM", "") in ("dumb", "unknown"):
        return "plain"
    return "live" if sys.stdout.isatty() and sys.stderr.isatty() else "plain"


@contextmanager
def shown(*, quiet: bool = False) -> Iterator[Listener | None]:
    """The listener for a command's Timings, in the mode choose() picks; None with --quiet."""
    mode = choose(quiet=quiet)
    if mode == "quiet":
        yield None
    elif mode == "plain":
        yield Lines(sys.stdout)
    else:
        with Display() as display:
            yield display


class Lines:
    """Plain mode: 'oap: <stage> <seconds> s' on out as each stage ends, the checking stages' once the input passed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.held: list[str] = []
        self.notes: dict[str, str] = {}

    def started(self, name: str) -> None:
        pass

    def advanced(self, name: str, done: int, total: int, note: str) -> None:
        self.notes[name] = note

    def finished(self, name: str, seconds: float) -> None:
        note = self.notes.pop(name, "")
        self.held.append(f"oap: {name} {seconds:.2f} s" + (f" ({note})" if note else ""))
        if name in CHECKING and name != CHECKING[-1]:
            return  # held: if the next checking stage finds problems, they are all the run prints
        print("\n".join(self.held), file=self.out, flush=True)
        self.held.clear()


class Display:
    """Live mode: one row per stage on stderr, redrawn a few times a second while the command runs."""

    def __init__(self) -> None:
        from rich.console import Console  # here, not at the top: rich takes a tenth of a second to import
        from rich.progress import Progress, SpinnerColumn, TextColumn

        # stderr, the stream of what the command says along the way; our own lines on stdout stay plain text.
        # force_terminal: choose() has decided; soft_wrap: warnings printed meanwhile keep their lines whole.
        self.console = Console(stderr=True, force_terminal=True, soft_wrap=True)
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description}"),
            *_columns(),
            console=self.console,
            refresh_per_second=8,
            # Warnings printed to stderr while the display runs go above it (sys.stderr is redirected), never
            # through it. stdout is left alone: it may be a different place, and nothing writes to it meanwhile.
            redirect_stdout=False,
            redirect_stderr=True,
        )
        # Every row is made now, hidden, and shown when its stage starts: adding a row later would redraw the display
        # from this thread while rich's own thread redraws it too, and a row could be left behind on screen.
        self.tasks = {
            name: self.progress.add_task(label, start=False, visible=False, note="", counted=False) for name, label in LABELS.items()
        }
        self.totals: dict[str, int] = {}

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        # A failure or Ctrl-C erases the display (the problems follow it); success leaves the finished stages.
        # stop() also shows the cursor again, which the display hid.
        self.progress.live.transient = kind is not None
        self.progress.stop()

    def started(self, name: str) -> None:
        self.progress.start_task(self.tasks[name])
        self.progress.update(self.tasks[name], total=None, visible=True)

    def advanced(self, name: str, done: int, total: int, note: str) -> None:
        self.totals[name] = total
        self.progress.update(self.tasks[name], completed=done, total=total, note=note, counted=True)

    def finished(self, name: str, seconds: float) -> None:
        total = self.totals.get(name, 1)
        self.progress.update(self.tasks[name], completed=total, total=total, seconds=seconds)


def _columns() -> list[Any]:
    """The bar, the note ('3 of 9 documents, 120 pages') and the time of each row."""
    from rich.progress import BarColumn, ProgressColumn, Task, TextColumn
    from rich.text import Text

    class Bar(BarColumn):
        """A bar for a stage that counts its work, a pulse while another runs, nothing once it has ended."""

        def render(self, task: Task) -> Any:
            return super().render(task) if task.fields.get("counted") or not task.finished else Text("")

    class Seconds(ProgressColumn):
        """The stage's time as Timings measured it once it has ended; the time so far while it runs."""

        def render(self, task: Task) -> Text:
            seconds = task.fields.get("seconds")
            return Text(f"{(task.elapsed or 0.0) if seconds is None else seconds:.1f} s", style="progress.elapsed")

    return [Bar(bar_width=24), TextColumn("{task.fields[note]}"), Seconds()]


class StderrNow:
    """A stream writing to whatever sys.stderr is at the time, for logging: the live display redirects sys.stderr so
    that lines written while it runs go above it, and a log handler made before it started would write through it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

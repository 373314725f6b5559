"""The `oap` command: check, build and scaffold. User mistakes get messages, never tracebacks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .edition import Project, find, version_line
from .errors import Fault, OapError, os_fault
from .model import Corpus

ROOT_HELP = "project folder (default: the current folder if it holds standards/ or mkdocs.yml, else the installed national edition)"
QUIET_HELP = "show no progress (no live display, no stage lines); the final line, warnings and problems still print"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oap", description="Check and publish ordinarily available provision standards.")
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="say which oap and which national edition this is, and where it is from"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="load and validate everything; report every problem at once")
    check.add_argument("--council", type=Path, metavar="DIR", help="also check a council overlay folder")
    check.add_argument("--root", type=Path, help=ROOT_HELP)
    check.add_argument("--quiet", action="store_true", help=QUIET_HELP)

    build = sub.add_parser("build", help="check, then build the site (and PDFs) into site/ or --out")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: site/ in the project, or in the council's folder)")
    build.add_argument("--council", type=Path, metavar="DIR", help="build a council's edition from its overlay folder")
    build.add_argument("--no-pdf", action="store_true", help="skip the PDFs, for quick previews")
    build.add_argument("--timings", action="store_true", help="say how long each stage of the pipeline took, and how often it ran")
    build.add_argument("--root", type=Path, help=ROOT_HELP)
    build.add_argument("--quiet", action="store_true", help=QUIET_HELP)

    new = sub.add_parser(
        "new-council", help="create a council repository: council.yaml with every key explained, a README, the pinned national edition, CI"
    )
    new.add_argument("dir", type=Path, metavar="DIR")
    new.add_argument("--name", required=True, help='the council\'s name, e.g. "Example Borough Council"')

    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        if args.command == "check":
            return _check(args.root, args.council, quiet=args.quiet)
        if args.command == "build":
            return _build(args.root, args.out, args.council, pdf=not args.no_pdf, timings=args.timings, quiet=args.quiet)
        return _new_council(args.dir, args.name)
    except OapError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except _Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    except (Fault, OSError) as exc:
        # The one place a fault of the machine (disk full or read-only, a file gone, a crashed worker) becomes a
        # message: one line with the path and what to do, never a traceback.
        print(_fault_line(args, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("oap: interrupted; the previous output is unchanged.", file=sys.stderr)
        return 130


def _warn_overdue(corpus: Corpus) -> None:
    """Standards past their review date and facts past theirs: warnings, not errors (as of build_date())."""
    from .edition import build_date
    from .prose import overdue_facts, overdue_wording

    today = build_date()
    for s in corpus.standards:
        if s.review_due < today:
            print(f"warning: {s.source}: review_due: {s.id} was due for review on {s.review_due.isoformat()}", file=sys.stderr)
    for line in overdue_facts(corpus.vocab.facts, today) + overdue_wording(corpus.vocab.wording, today):
        print(f"warning: {line}", file=sys.stderr)


def _council(command: str, flag: Path | None) -> tuple[Path | None, str]:
    """The council folder (--council, else OAP_COUNCIL) and the note for the summary line when the environment chose it."""
    from .edition import COUNCIL_ENV, SettingsConflict, choose_council

    try:
        council, from_env = choose_council(flag)
    except SettingsConflict as exc:
        raise _Refused(f"oap {command}: {exc}; nothing was changed.") from None
    return council, f" (council from {COUNCIL_ENV}={from_env})" if from_env else ""


_UNCHANGED = {"build": " Nothing was changed in the output folder.", "new-council": " Nothing was written."}
"""What a failed command promises it left alone, said after a fault."""


def _fault_line(args: argparse.Namespace, exc: Exception) -> str:
    """'oap build: PATH: cannot write the output: the disk is read-only; what to do. Nothing was changed ...'"""
    if not isinstance(exc, OSError):
        return f"oap {args.command}: {exc}{_UNCHANGED.get(args.command, '')}"
    if args.command == "build":
        text = os_fault(exc, output=args.out or _project(args.root, args.council).work / "site", root=args.root or Path("."))
    elif args.command == "new-council":
        text = os_fault(exc, output=args.dir, elsewhere="choose another folder")
    else:
        text = os_fault(exc, root=args.root or Path("."))
    return f"oap {args.command}: {text}{_UNCHANGED.get(args.command, '')}"


def _project(root: Path | None, flag: Path | None) -> Project:
    """The project folder, or the installed national edition with the council's folder for the output."""
    from .edition import SettingsConflict, choose_council

    try:
        council = choose_council(flag)[0]
    except SettingsConflict:  # reported already, as the command's one line
        council = flag
    return find(root, council)


class _Version(argparse.Action):
    """--version, printed on one line however long the path (argparse's own wraps it)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(version_line())
        parser.exit()


class _Refused(Exception):
    """A setting the command cannot act on: one line for the user, no traceback."""


def _check(root: Path | None, flag: Path | None, *, quiet: bool = False) -> int:
    from .pipeline import Timings, gather
    from .progress import shown

    council, note = _council("check", flag)
    spent = Timings()
    with shown(quiet=quiet) as spent.listener:  # closed (a live display erased) before any problem is printed
        corpus = gather(find(root, council).source, council, timings=spent).corpus
        _warn_overdue(corpus)
    v = corpus.vocab
    local = sum(1 for s in corpus.standards if s.local)
    extra = f" ({local} local to the council)" if council else ""
    cells = len({(s.area, s.phase) for s in corpus.standards})
    print(
        f"oap check: OK: {len(corpus.standards)} standards{extra} in {cells} area-and-phase cells; "
        f"{len(v.providers)} providers, {len(v.funding_streams)} funding streams, {len(v.legal_bases)} legal bases checked "
        f"in {spent.total():.1f} s{note}."
    )
    return 0


def _build(root: Path | None, out: Path | None, flag: Path | None, *, pdf: bool, timings: bool = False, quiet: bool = False) -> int:
    from .pipeline import Timings, gather
    from .progress import StderrNow, shown
    from .publish import BuildFailed, build

    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING, stream=StderrNow())
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch and not epoch.isdigit():  # MkDocs and the PDFs would each stop on it with a traceback
        print(f"oap build: SOURCE_DATE_EPOCH must be a whole number of seconds since 1 January 1970, not {epoch!r}", file=sys.stderr)
        print("oap build: nothing was changed in the output folder.", file=sys.stderr)
        return 1
    council, note = _council("build", flag)
    project = find(root, council)
    out = out or project.work / "site"
    try:
        spent = Timings()
        with shown(quiet=quiet) as spent.listener:  # closed (a live display erased) before any problem is printed
            edition = gather(project.source, council, timings=spent)
            corpus = edition.corpus
            _warn_overdue(corpus)
            build(project.work, out, edition=edition, pdf=pdf, config_file=project.source / "mkdocs.yml", timings=spent)
    except BuildFailed as exc:
        print(f"oap build: {exc}", file=sys.stderr)
        print("oap build: nothing was changed in the output folder.", file=sys.stderr)
        return 1
    print(f"oap build: built {len(corpus.standards)} standards into {out}{'' if pdf else ' (no PDFs)'} in {spent.total():.1f} s{note}.")
    if timings:
        print(f"oap build: stages: {spent.summary()}")
    return 0


def _new_council(folder: Path, name: str) -> int:
    from .scaffold import FILES, scaffold

    path = scaffold(folder, name)
    print(
        f"oap new-council: wrote {path} and {', '.join(list(FILES)[1:])} in {folder}. Edit {path}, then run: oap check --council {folder}"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

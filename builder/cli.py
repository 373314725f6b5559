"""The `oap` command: check, build and scaffold. User mistakes get messages, never tracebacks."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .edition import Project, find, version_line
from .errors import Fault, OapError, os_fault
from .model import Corpus

ROOT_HELP = "project folder (default: the current folder if it holds standards/ or mkdocs.yml, else the installed national edition)"
if TYPE_CHECKING:
    from .edition import Edition

QUIET_HELP = "show no progress (no live display, no stage lines); the final line, warnings and problems still print"
PREVIOUS_HELP = (
    "the previous edition's data/standards.json: publish a 'What changed in this edition' page and mark new and "
    "changed standards (default: OAP_PREVIOUS, if set)"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oap", description="Check and publish ordinarily available provision standards.")
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="say which oap and which national edition this is, and where it is from"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="load and validate everything; report every problem at once")
    check.add_argument("--council", type=Path, metavar="DIR", help="also check a council overlay folder")
    check.add_argument("--root", type=Path, help=ROOT_HELP)
    check.add_argument("--school", type=Path, metavar="DIR", help="check a school's school.yaml (with --council, at the council's rates)")
    check.add_argument("--quiet", action="store_true", help=QUIET_HELP)

    build = sub.add_parser("build", help="check, then build the site (and PDFs) into site/ or --out")
    build.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: site/ in the project, or in the council's folder)")
    build.add_argument("--council", type=Path, metavar="DIR", help="build a council's edition from its overlay folder")
    build.add_argument("--no-pdf", action="store_true", help="skip the PDFs, for quick previews")
    build.add_argument("--timings", action="store_true", help="say how long each stage of the pipeline took, and how often it ran")
    build.add_argument("--root", type=Path, help=ROOT_HELP)
    build.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    build.add_argument("--previous", type=Path, metavar="FILE", help=PREVIOUS_HELP)
    build.add_argument(
        "--school",
        type=Path,
        metavar="DIR",
        help="build a school's inclusion strategy, provision map and SEN report (default out: DIR/site)",
    )

    diff = sub.add_parser(
        "diff",
        help="say what changed between two editions' data/standards.json files, field by field",
        description="Exit status: 0 whether or not the files differ; 1 when a file cannot be compared (the problems are on stderr).",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier edition's standards.json")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later edition's standards.json")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="plain English (the default) or JSON")

    new = sub.add_parser(
        "new-council", help="create a council repository: council.yaml with every key explained, a README, the pinned national edition, CI"
    )
    new.add_argument("dir", type=Path, metavar="DIR")
    new.add_argument("--name", required=True, help='the council\'s name, e.g. "Example Borough Council"')

    new_school = sub.add_parser("new-school", help="create a school folder: school.yaml with every key explained, a README, .gitignore")
    new_school.add_argument("dir", type=Path, metavar="DIR")
    new_school.add_argument("--name", required=True, help='the school\'s name, e.g. "Hollins Vale Primary School"')
    new_school.add_argument("--council", type=Path, metavar="DIR", help="the council folder the school checks against (said in its README)")

    compare = sub.add_parser("compare", help="set council overlays side by side: one HTML page and one CSV")
    compare.add_argument("councils", type=Path, nargs="+", metavar="DIR", help="council overlay folders, one column each")
    compare.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder (default: comparison/ in the project or the current folder)"
    )
    compare.add_argument("--root", type=Path, help=ROOT_HELP)
    imp = sub.add_parser(
        "import-services",
        help="import services from the council's Open Referral UK feed (a saved JSON file) into its folder",
        description="Read an Open Referral UK 3.0 services feed saved as a file (no network is used) and write the council's "
        "imported services to services-imported.yaml in DIR, adding `imported_services: services-imported.yaml` to "
        "council.yaml the first time. Taxonomy terms become need types and ages become phases through "
        "builder/oruk-terms.yaml and the council's own DIR/oruk-terms.yaml; every term neither knows is listed. "
        "Each service keeps its feed id as oruk_id, so importing again updates it in place, and the same feed gives "
        "the same files. Services written in council.yaml are never changed, nor imported over when they carry the "
        "same oruk_id. Nothing is written unless the result passes `oap check --council DIR`.",
    )
    imp.add_argument(
        "feeds", type=Path, nargs="+", metavar="FEED.json", help="the feed: a saved /services page (every page, if it has several)"
    )
    imp.add_argument("--council", type=Path, metavar="DIR", required=True, help="the council folder to import into")
    imp.add_argument("--root", type=Path, help=ROOT_HELP)

    args = parser.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    try:
        if getattr(args, "school", None) is not None or args.command == "new-school":
            from . import school

            return school.command(args, find(getattr(args, "root", None), None).source)
        if args.command == "check":
            return _check(args.root, args.council, quiet=args.quiet)
        if args.command == "build":
            return _build(
                args.root, args.out, args.council, pdf=not args.no_pdf, timings=args.timings, quiet=args.quiet, previous=args.previous
            )
        if args.command == "compare":
            from .compare import compare as run_compare

            project = find(args.root, None)
            print(run_compare(project.source, args.councils, args.out or project.work / "comparison"))
            return 0
        if args.command == "diff":
            from .changes import diff_command

            return diff_command(args.old, args.new, fmt=args.format)
        if args.command == "import-services":
            return _import_services(find(args.root, args.council).source, args.feeds, args.council)
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


def _warn_local_rates(edition: Edition) -> None:
    """National standards a council's local rates push above the threshold their payers can meet: warnings."""
    for line in edition.local_rate_warnings():
        print(f"warning: {line}", file=sys.stderr)


def _council(command: str, flag: Path | None) -> tuple[Path | None, str]:
    """The council folder (--council, else OAP_COUNCIL) and the note for the summary line when the environment chose it."""
    from .edition import COUNCIL_ENV, SettingsConflict, choose_council

    try:
        council, from_env = choose_council(flag)
    except SettingsConflict as exc:
        raise _Refused(f"oap {command}: {exc}; nothing was changed.") from None
    return council, f" (council from {COUNCIL_ENV}={from_env})" if from_env else ""


_UNCHANGED = {
    "build": " Nothing was changed in the output folder.",
    "new-council": " Nothing was written.",
    "new-school": " Nothing was written.",
    "compare": " Nothing was written.",
    "import-services": "",
}
"""What a failed command promises it left alone, said after a fault."""


def _fault_line(args: argparse.Namespace, exc: Exception) -> str:
    """'oap build: PATH: cannot write the output: the disk is read-only; what to do. Nothing was changed ...'"""
    if not isinstance(exc, OSError):
        return f"oap {args.command}: {exc}{_UNCHANGED.get(args.command, '')}"
    if args.command == "build":
        text = os_fault(exc, output=args.out or _project(args.root, args.council).work / "site", root=args.root or Path("."))
    elif args.command == "compare":
        text = os_fault(exc, output=args.out or _project(args.root, None).work / "comparison", root=args.root or Path("."))
    elif args.command == "new-council":
        text = os_fault(exc, output=args.dir, elsewhere="choose another folder")
    else:
        text = os_fault(exc, root=getattr(args, "root", None) or Path("."))  # oap diff has no --root
    return f"oap {args.command}: {text}{_UNCHANGED.get(args.command, '')}"


def _previous(flag: Path | None) -> tuple[Path | None, str]:
    """The previous edition's standards.json (--previous, else OAP_PREVIOUS) and the note when the environment chose it."""
    from .changes import PREVIOUS_ENV, choose_previous
    from .edition import SettingsConflict

    try:
        previous, from_env = choose_previous(flag)
    except SettingsConflict as exc:
        raise _Refused(f"oap build: {exc}; nothing was changed.") from None
    return previous, f" (from {PREVIOUS_ENV}={from_env})" if from_env else ""


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
        edition = gather(find(root, council).source, council, timings=spent)
        corpus = edition.corpus
        _warn_overdue(corpus)
        _warn_local_rates(edition)
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


def _build(
    root: Path | None,
    out: Path | None,
    flag: Path | None,
    *,
    pdf: bool,
    timings: bool = False,
    quiet: bool = False,
    previous: Path | None = None,
) -> int:
    from .pipeline import LOAD_CACHE, Timings, gather
    from .progress import StderrNow, shown
    from .publish import BuildFailed, build

    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING, stream=StderrNow())
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch and not epoch.isdigit():  # MkDocs and the PDFs would each stop on it with a traceback
        print(f"oap build: SOURCE_DATE_EPOCH must be a whole number of seconds since 1 January 1970, not {epoch!r}", file=sys.stderr)
        print("oap build: nothing was changed in the output folder.", file=sys.stderr)
        return 1
    council, note = _council("build", flag)
    previous, compared = _previous(previous)
    project = find(root, council)
    out = out or project.work / "site"
    try:
        spent = Timings()
        with shown(quiet=quiet) as spent.listener:  # closed (a live display erased) before any problem is printed
            # the build cache only in a whole project: a --root without mkdocs.yml is left exactly as it was
            cache = project.work / LOAD_CACHE if (project.source / "mkdocs.yml").is_file() else None
            edition = gather(project.source, council, previous=previous, timings=spent, cache=cache)
            corpus = edition.corpus
            _warn_overdue(corpus)
            _warn_local_rates(edition)
            build(project.work, out, edition=edition, pdf=pdf, config_file=project.source / "mkdocs.yml", timings=spent)
    except BuildFailed as exc:
        print(f"oap build: {exc}", file=sys.stderr)
        print("oap build: nothing was changed in the output folder.", file=sys.stderr)
        return 1
    print(f"oap build: built {len(corpus.standards)} standards into {out}{'' if pdf else ' (no PDFs)'} in {spent.total():.1f} s{note}.")
    if edition.changes is not None:
        print(f"oap build: compared with the previous edition ({edition.changes.old_label}){compared}: {edition.changes.counts()}")
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


def _import_services(root: Path, feeds: list[Path], council: Path) -> int:
    from .oruk import import_services, report

    outcome, written = import_services(feeds, council, root)
    print(report(outcome, written, council, feeds))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

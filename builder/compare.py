"""`oap compare`: several councils' overlays side by side, as one standalone HTML page and one CSV.

Gather, check everything, then write: each overlay is loaded with the checks of `oap check --council`, every
problem in every overlay is reported together, and nothing is written unless all of them pass. The page and the
CSV are made from one model (Comparison), so they always say the same thing.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from .council import ROLE_NAMES, Contact, Council
from .errors import OapError, Problem
from .markup import environment
from .model import Corpus

PAGE = "index.html"
"""The comparison page, in the output folder."""
TABLE = "councils.csv"
"""The same comparison as a spreadsheet, in the output folder."""
TEMPLATE = "compare.html.j2"

Value = str | int | tuple[str, ...]
"""One council's value in one line: text, a number (a count), or a list of names."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet formula can start (OWASP's list): a cell starting so is written with a leading apostrophe."""


@dataclass(frozen=True)
class Line:
    """One thing compared: the item (a table row) and what about it (detail), with one value per council."""

    item: str
    detail: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Table:
    """One table of the comparison: a section of the page, and the Section column of the CSV."""

    id: str
    title: str
    caption: str
    item_heading: str
    lines: tuple[Line, ...]
    unit: str = ""
    """What a count counts, in the singular ('service'): a row of a count and its names shows '2 services'."""

    def rows(self) -> Iterator[tuple[str, list[Line]]]:
        """The table's rows: each item with its lines, in order."""
        for item, lines in groupby(self.lines, key=lambda line: line.item):
            yield item, list(lines)


@dataclass(frozen=True)
class Comparison:
    """The councils, in the order given, and the tables that set them side by side."""

    councils: tuple[Council, ...]
    tables: tuple[Table, ...]


# -- gather: every overlay checked, then the model ------------------------------------------------------------------
def load_councils(corpus: Corpus, folders: Sequence[Path]) -> tuple[Council, ...]:
    """Each folder's overlay, checked as `oap check --council` checks it; raise OapError with every problem of all."""
    from .overlay import load_overlay, shown_path

    problems: list[Problem] = []
    councils: list[Council] = []
    first: dict[Path, Path] = {}
    for folder in folders:
        again = first.setdefault(folder.resolve(), folder)
        if again is not folder:
            same = "" if shown_path(again) == shown_path(folder) else f" (as {shown_path(again)})"
            problems.append(
                Problem(shown_path(folder), message=f"this council folder is given more than once{same}; name each council once")
            )
            continue
        try:
            councils.append(load_overlay(folder, corpus))
        except OapError as exc:
            problems.extend(exc.problems)
    names: dict[str, Council] = {}
    for council in councils:
        other = names.setdefault(council.name, council)
        if other is not council:
            problems.append(
                Problem(
                    council.source,
                    field="name",
                    message=f"'{council.name}' is also the name of the council in {other.source}; "
                    "two columns with one name could not be told apart",
                )
            )
    if problems:
        raise OapError(problems)
    return tuple(councils)


def comparison(corpus: Corpus, councils: Sequence[Council]) -> Comparison:
    """The councils side by side: about each, contacts, services by phase and need, funding bands, local standards."""
    vocab = corpus.vocab
    tables = [_overview(councils), _contacts(councils)]
    for phase in vocab.phases.values():
        lines = []
        for need in vocab.need_types.values():
            found = [tuple(s.name for s in c.services if phase.id in s.phases and need.id in s.need_types) for c in councils]
            label = f"{need.name} ({need.id})"
            lines += [Line(label, "Number of services", tuple(len(f) for f in found)), Line(label, "Services", tuple(found))]
        tables.append(
            Table(
                f"services-{phase.id}",
                f"Services: {phase.name}",
                f"Local services for each need, {phase.name.lower()} phase",
                "Need",
                tuple(lines),
                unit="service",
            )
        )
    tables += [_funding(councils, corpus), _local_standards(councils, corpus)]
    return Comparison(tuple(councils), tuple(tables))


def _overview(councils: Sequence[Council]) -> Table:
    def line(item: str, value: Callable[[Council], Value]) -> Line:
        return Line(item, "", tuple(value(c) for c in councils))

    return Table(
        "overview",
        "About each council",
        "About each council: what its overlay says it is, and how much it adds",
        "What",
        (
            line("Fictional (the overlay says so)", lambda c: "Yes" if c.fictional else "No"),
            line("Overlay file", lambda c: c.source),
            line("Local Offer website", lambda c: c.website),
            line("Name of its guide", lambda c: c.guide_name),
            line("Contacts", lambda c: len(c.contacts)),
            line("Services", lambda c: len(c.services)),
            line("Funding bands", lambda c: len(c.funding_bands)),
            line("Local standards", lambda c: len(c.local_standards)),
            line("Notes on national standards", lambda c: len(c.notes)),
        ),
    )


CONTACT_DETAILS = (("Name", "name"), ("Email", "email"), ("Phone", "phone"), ("Website", "url"), ("Hours", "hours"))
"""What the comparison shows of each contact, and the Contact field it comes from."""


def _contacts(councils: Sequence[Council]) -> Table:
    """One row per role (in the schema's order), and a second row when a council lists a role twice."""
    by_role: list[dict[str, list[Contact]]] = []
    for council in councils:
        roles: dict[str, list[Contact]] = {}
        for contact in council.contacts:
            roles.setdefault(contact.role or "other", []).append(contact)
        by_role.append(roles)
    lines = []
    for role in ROLE_NAMES:
        most = max((len(roles.get(role, [])) for roles in by_role), default=0)
        for n in range(most):
            label = (ROLE_NAMES[role] or "Other contact") + (f" ({n + 1})" if most > 1 else "")
            for detail, attribute in CONTACT_DETAILS:
                values = tuple(getattr(r[role][n], attribute) if n < len(r.get(role, [])) else "" for r in by_role)
                lines.append(Line(label, detail, values))
    return Table("contacts", "Contacts", "Contacts for families, by role", "Role", tuple(lines))


def _funding(councils: Sequence[Council], corpus: Corpus) -> Table:
    """One row per national funding stream any council has a band from."""
    streams = corpus.vocab.funding_streams
    lines = []
    for stream in streams.values():
        bands = [tuple(f"{b.name}: {b.amount}" for b in c.funding_bands if b.funding_stream == stream.id) for c in councils]
        if any(bands):
            lines += [
                Line(stream.name, "Number of bands", tuple(len(b) for b in bands)),
                Line(stream.name, "Bands and rates", tuple(bands)),
            ]
    caption = "Local funding bands and their rates, by the national funding stream that pays them"
    return Table("funding", "Funding bands and rates", caption, "Paid from", tuple(lines), unit="band")


def _local_standards(councils: Sequence[Council], corpus: Corpus) -> Table:
    """One row per phase: each council's local standards there, with their area of need and tier."""
    vocab = corpus.vocab
    lines = []
    for phase in vocab.phases.values():
        found = [
            tuple(f"{s.title} ({vocab.areas[s.area].name}; {vocab.tiers[s.tier].name})" for s in c.local_standards if s.phase == phase.id)
            for c in councils
        ]
        lines += [
            Line(phase.name, "Number of local standards", tuple(len(f) for f in found)),
            Line(phase.name, "Local standards", tuple(found)),
        ]
    caption = "Local standards by phase, each with its area of need and tier"
    return Table("local-standards", "Local standards", caption, "Phase", tuple(lines), unit="local standard")


# -- render: the page and the CSV ------------------------------------------------------------------------------------
def page_html(model: Comparison) -> str:
    """The standalone comparison page: autoescaped, no script, no request outside the page."""
    template = environment("html").get_template(TEMPLATE)
    fictional = [c.name for c in model.councils if c.fictional]
    return template.render(
        model=model,
        joined=_joined([c.name for c in model.councils]),
        fictional=_joined(fictional) if fictional else "",
        fictional_count=len(fictional),
        real=", ".join(c.name for c in model.councils if not c.fictional),
    )


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: one that could start a formula gets a leading apostrophe."""
    return "'" + value if value.lstrip(" ").startswith(FORMULA_START) else value


def csv_text(model: Comparison) -> str:
    """One row per line of the comparison: Section, Item, Detail, then one column per council (a list: one per line)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in ("Section", "Item", "Detail", *(c.name for c in model.councils))])
    for table in model.tables:
        for line in table.lines:
            cells = [_cell(v) for v in line.values]
            writer.writerow([spreadsheet_safe(table.title), spreadsheet_safe(line.item), spreadsheet_safe(line.detail), *cells])
    return out.getvalue()


def _cell(value: Value) -> str | int:
    if isinstance(value, int):
        return value
    if isinstance(value, tuple):
        return "\n".join(spreadsheet_safe(v) for v in value)
    return spreadsheet_safe(value)


def _joined(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# -- the command ------------------------------------------------------------------------------------------------------
def compare(root: Path, folders: Sequence[Path], out: Path) -> str:
    """Check the national standards and every overlay, then write the page and the CSV into out; the summary line."""
    from .project import load_corpus

    corpus = load_corpus(root)
    councils = load_councils(corpus, folders)
    model = comparison(corpus, councils)
    files = {PAGE: page_html(model).encode("utf-8"), TABLE: csv_text(model).encode("utf-8-sig")}  # the BOM: Excel reads £
    _write(out, files)
    return (
        f"oap compare: compared {len(councils)} council{'s' if len(councils) != 1 else ''} "
        f"({_joined([c.name for c in councils])}) into {out / PAGE} and {out / TABLE}."
    )


def _write(out: Path, files: dict[str, bytes]) -> None:
    """Each file written in full beside its final name, then renamed over it: a reader never sees half a file."""
    out.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            fd, temp_name = tempfile.mkstemp(prefix=f".{name}.", dir=out)
            staged.append((name, Path(temp_name)))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(temp_name, 0o644)
        for name, temp in staged:
            os.replace(temp, out / name)
    finally:
        for _, temp in staged:
            temp.unlink(missing_ok=True)

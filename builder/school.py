"""A school's edition: its school.yaml checked against the national standards, costed, and published for governors and
finance staff as an inclusion strategy, a costed provision map and an SEN information report.

Gather, check, then write, as for a council: `oap check --school DIR` loads school.yaml (located errors, every
problem at once), `oap build --school DIR` writes the pages, CSV and JSON into a fresh folder and swaps it in, so a
broken school.yaml leaves the last good output as it was.

A line's cost is the standard's typical annual cost per pupil (builder/cost.py, at the council's rates when a council
is given) times the pupils the school expects; a range stays a range, and the budget check uses its high end. A
standard with no typical cost needs the school's own budgeted amount and how it was worked out.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import model
from .cost import Cost, pounds, standard_exact, whole_pounds
from .edition import Edition
from .errors import OapError, Problem
from .load import Document, case_slip, load_yaml
from .validate import schema_problems

if TYPE_CHECKING:
    import jinja2

SCHOOL_FILE = "school.yaml"
SCHEMA = "school.schema.json"
SOURCES = {
    "imf": "Inclusive mainstream fund (IMF)",
    "notional-sen-budget": "Notional SEN budget",
    "core-budget": "Core budget",
}
"""The budgets a school pays from, as the pages name them; the keys are the schema's funding enum."""
STREAMS = {"imf": "inclusive-mainstream-fund", "notional-sen-budget": "notional-sen-budget", "core-budget": "school-core-budget"}
"""The funding stream (vocabularies/funding-streams.yaml) each school budget is, to compare with a standard's who_pays."""
GROUPS = {"one-to-one": "One to one", "small-group": "Small group", "whole-class": "Whole class"}
PAGES = {
    "index.html": "Overview",
    "inclusion-strategy.html": "Inclusion strategy",
    "provision-map.html": "Costed provision map",
    "sen-information-report.html": "SEN information report",
}
"""The pages of a school's edition, in the order the navigation lists them."""
NOT_CAPS = (
    "The costs are typical amounts worked out from the standards' typical quantities and published staff time rates: "
    "they are not caps, limits or entitlements, and a pupil's support is set by their needs, not by these figures."
)
NOT_GOVERNMENT = (
    "The standards named here are this project's ordinarily available provision standards, an open-source project: "
    "they are not the government's, and they are not statutory guidance."
)
HIGH_END = "the budget check uses the high end of each range"


@dataclass(frozen=True)
class Senco:
    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Line:
    """One standard the school offers, costed."""

    standard: model.Standard
    delivery: str
    funding: str
    cost: Cost
    """The line's annual cost: the school's budget, or the typical cost per pupil times the pupils."""
    pupils: int | None = None
    per_pupil: Cost | None = None
    budget_basis: str = ""

    @property
    def funding_name(self) -> str:
        return SOURCES[self.funding]

    @property
    def basis(self) -> str:
        """How the line's cost was worked out, in one sentence."""
        if self.budget_basis:
            return f"The school's budgeted amount: {self.budget_basis}"
        assert self.per_pupil is not None and self.pupils is not None
        return (
            f"Typical annual cost per pupil {self.per_pupil.text()} times {self.pupils} pupil{'s' if self.pupils != 1 else ''}"
            " (worked out exactly, then rounded once to the nearest pound)."
        )


@dataclass(frozen=True)
class Total:
    """What one budget pays for in the plan, against its allocation."""

    source: str
    name: str
    planned: Cost
    allocation: int | None

    @property
    def left(self) -> int | None:
        """What is left of the allocation at the high end of the plan; negative when overspent."""
        return None if self.allocation is None else self.allocation - self.planned.high


@dataclass(frozen=True)
class Answer:
    item: model.ScheduleItem
    text: str


@dataclass(frozen=True)
class School:
    """A school's edition, loaded, checked and costed."""

    name: str
    phases: tuple[str, ...]
    settings: tuple[str, ...]
    senco: Senco
    year: str
    allocations: dict[str, int]
    lines: tuple[Line, ...]
    answers: tuple[Answer, ...]
    sections: tuple[model.StrategySection, ...]
    edition: Edition
    source: str
    fictional: bool = False
    warnings: tuple[Problem, ...] = ()
    """Located warnings: the plan stands, but a reader should look (a budget the standard does not name as a payer)."""

    def totals(self) -> list[Total]:
        """Each budget the plan uses or has an allocation, with the sum of its lines (low and high) and its allocation."""
        out = []
        for source, name in SOURCES.items():
            mine = [line.cost for line in self.lines if line.funding == source]
            if not mine and source not in self.allocations:
                continue
            # The sum of the lines as shown (each rounded once), so the page's figures add up; exact when every line
            # is, or when the sum is more than nothing (a 'less than £1' line keeps a £0 sum from reading as free).
            low, high = sum(c.low for c in mine), sum(c.high for c in mine)
            planned = Cost(low, high, exact=all(c.exact for c in mine) or low > 0)
            out.append(Total(source, name, planned, self.allocations.get(source)))
        return out

    def by_tier_and_area(self) -> list[tuple[model.Tier, list[tuple[model.Area, list[Line]]]]]:
        """The lines grouped by tier, then area of need, in the vocabularies' order."""
        v = self.edition.vocab
        out = []
        for tier in v.tiers.values():
            areas = [
                (area, [ln for ln in self.lines if ln.standard.tier == tier.id and ln.standard.area == area.id])
                for area in v.areas.values()
            ]
            areas = [(a, lines) for a, lines in areas if lines]
            if areas:
                out.append((tier, areas))
        return out


# -- load and check ---------------------------------------------------------------------------------------------------
def shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_school(folder: Path, edition: Edition) -> School:
    """Load and check a school folder against an edition (national, or a council's); raise OapError with every problem."""
    folder = Path(folder)
    rel = shown(folder / SCHOOL_FILE)
    if not folder.is_dir():
        raise OapError([Problem(shown(folder), message='no such school folder (create one with: oap new-school DIR --name "...")')])
    slips = [s for name in sorted(os.listdir(folder)) if (s := case_slip(shown(folder / name), name, [SCHOOL_FILE]))]
    if slips:
        raise OapError(slips)
    if not os.path.lexists(folder / SCHOOL_FILE):
        raise OapError(
            [Problem(rel, message='missing: a school folder holds a school.yaml (create one with: oap new-school DIR --name "...")')]
        )
    doc, problems = load_yaml(folder / SCHOOL_FILE, rel, within=folder)
    if doc is None:
        raise OapError(problems)
    shape = schema_problems(doc, SCHEMA)
    if shape:
        raise OapError(shape)
    problems = []
    school = _build(doc, edition, problems)
    if problems:
        raise SchoolProblems(problems, school.warnings)
    return school


class SchoolProblems(OapError):
    """A school.yaml's errors, and the warnings found alongside them: a reader fixing the errors should see both in one
    run, errors first, then the warnings, then the count of errors."""

    def __init__(self, problems: list[Problem], warnings: tuple[Problem, ...]) -> None:
        self.warnings = warnings
        super().__init__(problems)

    def report(self) -> str:
        errors, count = super().report().rsplit("\n", 1)
        return "\n".join([errors, *(f"warning: {w}" for w in self.warnings), count])


def _build(doc: Document, edition: Edition, problems: list[Problem]) -> School:
    data, v = doc.data, edition.vocab
    for key, known in (("phases", v.phases), ("settings", v.settings)):
        for i, ident in enumerate(data[key]):
            if ident not in known:
                problems.append(doc.problem((key, i), f"unknown {key[:-1]} '{ident}' (known {key}: {', '.join(known)})"))
    warnings: list[Problem] = []
    lines = _lines(doc, edition, problems, warnings)
    answers = _answers(doc, v, problems)
    senco = data["senco"]
    school = School(
        name=data["name"],
        phases=tuple(data["phases"]),
        settings=tuple(data["settings"]),
        senco=Senco(senco["name"], senco.get("email", ""), senco.get("phone", "")),
        year=data["year"],
        allocations=dict(data["allocations"]),
        lines=tuple(lines),
        answers=tuple(answers),
        sections=tuple(v.inclusion_strategy.values()),
        edition=edition,
        source=doc.rel,
        fictional=data.get("fictional", False),
        warnings=tuple(warnings),
    )
    _check_budgets(doc, school, problems)
    return school


def _lines(doc: Document, edition: Edition, problems: list[Problem], warnings: list[Problem]) -> list[Line]:
    """Each offer priced: a known standard in the school's phases and settings, with a typical cost times pupils or a
    budget. A budget the standard does not name among its payers is a warning, not an error: a school may spend its
    own money on anything, but the standard says someone else (the NHS, the council, element 3) normally pays."""
    standards = edition.corpus.by_id()
    phases = doc.data["phases"]
    settings = doc.data["settings"]
    seen: dict[str, int] = {}
    out = []
    for i, offer in enumerate(doc.data["offers"]):
        sid = offer["standard"]
        at = ("offers", i)
        standard = standards.get(sid)
        if standard is None:
            close = difflib.get_close_matches(sid, standards, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "each standard's id is shown at its foot on the site"
            problems.append(doc.problem((*at, "standard"), f"no standard has id '{sid}' ({hint})"))
            continue
        if sid in seen:
            problems.append(doc.problem((*at, "standard"), f"'{sid}' is already offered at offers[{seen[sid]}] (offer each standard once)"))
            continue
        seen[sid] = i
        if standard.phase not in phases:
            problems.append(
                doc.problem(
                    (*at, "standard"),
                    f"'{sid}' is a {standard.phase} standard, but this school's phases are {', '.join(phases)} "
                    "(offer the standard for your phase: its id starts with the area and the phase)",
                )
            )
            continue
        if standard.settings and not set(standard.settings) & set(settings):
            problems.append(
                doc.problem(
                    (*at, "standard"),
                    f"'{sid}' is for {', '.join(standard.settings)} settings, but this school's settings are {', '.join(settings)} "
                    "(offer a standard meant for your kind of setting)",
                )
            )
            continue
        stream = STREAMS[offer["funding"]]
        # The IMF is spent alongside elements 1 and 2 (its conditions of grant): a standard one of those pays fits it.
        alongside = offer["funding"] == "imf" and {STREAMS["core-budget"], STREAMS["notional-sen-budget"]} & set(standard.who_pays)
        if stream not in standard.who_pays and not alongside:
            warnings.append(
                doc.problem(
                    (*at, "funding"),
                    f"'{sid}' names {', '.join(standard.who_pays)} as who pays, not {stream}: the school may pay from its own "
                    "budget, but check first whether the NHS, the council or top-up funding should",
                )
            )
        if offer["funding"] not in doc.data["allocations"]:
            problems.append(
                doc.problem(
                    (*at, "funding"),
                    f"'{offer['funding']}' has no allocation: add allocations.{offer['funding']} (whole pounds), or pay from another budget",
                )
            )
        per_pupil = edition.cost(standard)
        pupils = offer.get("pupils")
        if "budget" in offer and "budget_basis" not in offer:
            problems.append(
                doc.problem((*at, "budget"), "say how this amount was worked out in budget_basis (governors and auditors read it)")
            )
            continue
        if "budget" in offer:
            cost, basis = Cost(offer["budget"], offer["budget"], exact=True), offer["budget_basis"]
        elif per_pupil is None:
            problems.append(
                doc.problem(
                    at,
                    f"'{sid}' has no typical cost per pupil and no budgeted amount: give budget (whole pounds) and "
                    "budget_basis (how you worked it out)",
                    at=f"offers[{i}]",
                )
            )
            continue
        elif pupils is None:
            problems.append(
                doc.problem(
                    at,
                    f"'{sid}' has a typical annual cost per pupil of {per_pupil.text()}: say how many pupils you expect "
                    "to get it (pupils), or give budget and budget_basis",
                    at=f"offers[{i}]",
                )
            )
            continue
        else:
            # The exact cost per pupil times the pupils, rounded once: rounding per pupil first would multiply the
            # rounding error by the pupils (and a cost per pupil under 50p would cost nothing for any number).
            exact = standard_exact(standard, edition.rates)
            assert exact is not None  # per_pupil is its rounding
            cost, basis = Cost(whole_pounds(exact[0] * pupils), whole_pounds(exact[1] * pupils)), ""
        out.append(Line(standard, offer["delivery"], offer["funding"], cost, pupils=pupils, per_pupil=per_pupil, budget_basis=basis))
    return out


def _answers(doc: Document, v: model.Vocabularies, problems: list[Problem]) -> list[Answer]:
    """One non-empty answer per SEN information report item (Schedule 1 and section 69(3)(b)); an item missing or empty, or an unknown id, is a problem naming it."""
    items = v.sen_information_report
    given: dict[str, str] = doc.data["sen_information_report"]
    if not items:
        problems.append(
            doc.problem(
                ("sen_information_report",),
                "the national edition has no standards/vocabularies/sen-information-report.yaml, so the report cannot be checked",
                key=True,
            )
        )
        return []
    for key in given:
        if key not in items:
            close = difflib.get_close_matches(key, items, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"the items are: {', '.join(items)}"
            problems.append(
                doc.problem(("sen_information_report", key), f"no SEN information report item has id '{key}' ({hint})", key=True)
            )
    out = []
    for item in items.values():
        text = given.get(item.id)
        name = f"{item.reference}, '{item.title}' ({item.id})"
        if text is None:
            problems.append(
                doc.problem(("sen_information_report",), f"no answer for {name}: the report must say this: {item.must_say}", key=True)
            )
        elif not text.strip():
            problems.append(doc.problem(("sen_information_report", item.id), f"{name} is empty: the report must say this: {item.must_say}"))
        else:
            out.append(Answer(item, text))
    return out


def _check_budgets(doc: Document, school: School, problems: list[Problem]) -> None:
    """Planned spending from each budget, at the high end of each range, never above its allocation."""
    for total in school.totals():
        if total.allocation is None or total.planned.high <= total.allocation:
            continue
        planned = total.planned.text()
        if total.planned.low != total.planned.high:
            planned += f" ({HIGH_END}, {pounds(total.planned.high)})"
        problems.append(
            doc.problem(
                ("allocations", total.source),
                f"the plan spends more than the {total.name} allocation of {pounds(total.allocation)}: the lines paid from it "
                f"total {planned}, {pounds(total.planned.high - total.allocation)} more "
                "than the allocation; plan fewer pupils, pay for a line from another budget, or correct the allocation",
            )
        )


def gather_school(root: Path, school_dir: Path, council_dir: Path | None = None) -> School:
    """The national standards, the council's overlay if given, then the school: every problem at once."""
    from .pipeline import gather

    return load_school(school_dir, gather(root, council_dir))


def check_line(school: School) -> str:
    totals = "; ".join(
        f"{t.name} {t.planned.text()}" + (f" of {pounds(t.allocation)}" if t.allocation is not None else "") for t in school.totals()
    )
    return (
        f"oap check: OK: {school.name}: {len(school.lines)} standards offered, {len(school.answers)} SEN information report "
        f"items answered; planned: {totals} ({HIGH_END})."
    )


EXAMPLE = Path("examples") / "hollins-vale-primary"
"""The fictional example school, under the national edition's root (the wheel carries its school.yaml too)."""


def example_school(root: Path, national: Edition) -> School | None:
    """The fictional example school loaded and costed against the national edition (national rates, whatever council
    is being published), for the national site's worked example; None where the edition has no example (a project
    of its own). A broken example is an OapError, located in its school.yaml, like any other input."""
    folder = Path(root) / EXAMPLE
    if not (folder / SCHOOL_FILE).is_file():
        return None
    return load_school(folder, national)


def worked_example(school: School) -> dict[str, Any]:
    """The school's strategy lines and its totals against its allocations, in words, as the national site's "For
    schools" page shows them: computed here, by the code that builds the school's own edition, so they cannot drift."""
    v = school.edition.vocab
    return {
        "name": school.name,
        "year": school.year,
        "fictional": school.fictional,
        "lines": [
            {
                "id": line.standard.id,
                "title": line.standard.title,
                "area": line.standard.area,
                "phase": line.standard.phase,
                "tier": v.tiers[line.standard.tier].name,
                "pupils": line.pupils,
                "cost": line.cost.text(),
                "funding": line.funding_name,
                "basis": line.basis,
            }
            for line in school.lines
        ],
        "totals": [
            {
                "name": t.name,
                "planned": t.planned.text(),
                "allocation": pounds(t.allocation) if t.allocation is not None else None,
                "left": pounds(t.left) if t.left is not None else None,
            }
            for t in school.totals()
        ],
    }


# -- the data: CSV and JSON -------------------------------------------------------------------------------------------
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """A cell a spreadsheet cannot run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def line_record(line: Line, v: model.Vocabularies) -> dict[str, Any]:
    s = line.standard
    return {
        "standard": s.id,
        "title": s.title,
        "tier": s.tier,
        "area": s.area,
        "delivery": line.delivery,
        "pupils": line.pupils,
        "cost_per_pupil_low": line.per_pupil.low if line.per_pupil and not line.budget_basis else None,
        "cost_per_pupil_high": line.per_pupil.high if line.per_pupil and not line.budget_basis else None,
        "cost_low": line.cost.low,
        "cost_high": line.cost.high,
        "basis": line.basis,
        "funding": line.funding,
        "providers": [v.providers[p].name if p in v.providers else p for p in providers(line)],
        "group": [group_text(r) for r in s.provision],
        "frequency": [frequency_text(r, v) for r in s.provision],
    }


def strategy_json(school: School) -> str:
    v = school.edition.vocab
    data = {
        "school": school.name,
        "fictional": school.fictional,
        "year": school.year,
        "note": f"{NOT_CAPS} {NOT_GOVERNMENT}",
        "budget_check": HIGH_END,
        "allocations": school.allocations,
        "totals": [
            {"funding": t.source, "planned_low": t.planned.low, "planned_high": t.planned.high, "allocation": t.allocation}
            for t in school.totals()
        ],
        "lines": [line_record(line, v) for line in school.lines],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def strategy_csv(school: School) -> str:
    v = school.edition.vocab
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    head = ["Standard", "Title", "Tier", "Area", "Delivery", "Pupils", "Cost low (£)", "Cost high (£)", "Basis", "Funding"]
    writer.writerow(head)
    for line in school.lines:
        r = line_record(line, v)
        row = [
            r["standard"],
            r["title"],
            r["tier"],
            r["area"],
            r["delivery"],
            r["pupils"] or "",
            r["cost_low"],
            r["cost_high"],
            r["basis"],
            SOURCES[r["funding"]],
        ]
        writer.writerow([_safe(c) for c in row])
    for t in school.totals():
        writer.writerow(
            [
                _safe(c)
                for c in [
                    "Total",
                    t.name,
                    "",
                    "",
                    "",
                    "",
                    t.planned.low,
                    t.planned.high,
                    f"Allocation: {t.allocation if t.allocation is not None else 'none'}",
                    t.name,
                ]
            ]
        )
    return out.getvalue()


def map_csv(school: School) -> str:
    v = school.edition.vocab
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Tier", "Area of need", "Standard", "Provider", "Group size", "Frequency", "Cost low (£)", "Cost high (£)", "Paid from"]
    )
    for tier, areas in school.by_tier_and_area():
        for area, lines in areas:
            for line in lines:
                r = line_record(line, v)
                row = [
                    tier.name,
                    area.name,
                    f"{r['title']} ({r['standard']})",
                    "; ".join(r["providers"]),
                    "; ".join(r["group"]) or "Not set by the standard",
                    "; ".join(r["frequency"]) or "Not set by the standard",
                    line.cost.low,
                    line.cost.high,
                    line.funding_name,
                ]
                writer.writerow([_safe(c) for c in row])
    return out.getvalue()


def map_json(school: School) -> str:
    v = school.edition.vocab
    data = {
        "school": school.name,
        "year": school.year,
        "note": f"{NOT_CAPS} {NOT_GOVERNMENT}",
        "tiers": [
            {"tier": tier.id, "areas": [{"area": area.id, "lines": [line_record(ln, v) for ln in lines]} for area, lines in areas]}
            for tier, areas in school.by_tier_and_area()
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def providers(line: Line) -> list[str]:
    """Who delivers the line: its provision records' providers, else the standard's who_provides."""
    found = list(dict.fromkeys(r.provider for r in line.standard.provision))
    return found or list(line.standard.who_provides)


def _span(pair: tuple[float, float]) -> str:
    lo, hi = (f"{x:g}" for x in pair)
    return lo if lo == hi else f"{lo} to {hi}"


def group_text(record: model.Provision) -> str:
    if record.group == "small-group":
        return f"Small group of {_span(record.group_size)}"
    return GROUPS.get(record.group, record.group)


def frequency_text(record: model.Provision, v: model.Vocabularies) -> str:
    """How often and how long, as the standard pages say it: a visiting specialist's time as visits a year, each
    quantity with its unit ('2 to 4 visits a year, 6 to 16 hours of their time in all, preparation and writing up
    included')."""
    from .views import how_often_text

    return how_often_text(record, v.providers[record.provider].group)


# -- the pages ---------------------------------------------------------------------------------------------------------
def _env() -> jinja2.Environment:
    """Autoescape on, no finalize: school text is plain text, shown exactly as typed (never Markdown, never a fact)."""
    import jinja2  # only the build needs it: `oap check` loads the example school too

    return jinja2.Environment(
        loader=jinja2.PackageLoader("builder", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


PDFS = {
    "inclusion-strategy.pdf": "inclusion-strategy.html",
    "provision-map.pdf": "provision-map.html",
    "sen-information-report.pdf": "sen-information-report.html",
}
"""The three documents made as tagged PDFs, and the page each is printed from."""


def pages(school: School, *, print_: bool = False, pdf: bool = False) -> dict[str, str]:
    """Each page's HTML: for the site, or (print_) for the PDFs, with the embedded fonts and no site navigation."""
    from .printdocs import timestamp

    env = _env()
    template = env.get_template("school.html.j2")
    v = school.edition.vocab
    common = {
        "school": school,
        "v": v,
        "pages": PAGES,
        "not_caps": NOT_CAPS,
        "not_government": NOT_GOVERNMENT,
        "high_end": HIGH_END,
        "pounds": pounds,
        "providers": providers,
        "group_text": group_text,
        "frequency_text": lambda record: frequency_text(record, v),
        "council": school.edition.council,
        "print": print_,
        "generated": timestamp(school.edition),
        "pdfs": {name: PAGES[page] for name, page in PDFS.items()} if pdf else {},
    }
    return {name: template.render(page=name, title=title, **common) for name, title in PAGES.items()}


def pdfs(school: School) -> dict[str, bytes]:
    """The inclusion strategy, the provision map and the SEN information report as tagged PDF/UA-1 files, through the
    project's renderer (builder/pdf.py: fonts embedded, nothing fetched but the fonts, running furniture artifacts)."""
    import hashlib
    import tempfile

    from .pdf import prepare_assets, render_document
    from .printdocs import PrintDocument

    printed = pages(school, print_=True)
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix=f"oap-print-{os.getpid()}-") as scratch:
        root = prepare_assets(Path(scratch))
        for name, page in PDFS.items():
            title = f"{PAGES[page]}: {school.name}, {school.year}"
            ident = hashlib.sha256(f"{school.name}\0{school.year}\0{name}".encode()).hexdigest()[:32].encode()
            rendered = render_document(PrintDocument(name, title, printed[page], ident), root)
            out[name] = rendered.pdf
    return out


def files(school: School, *, pdf: bool = True) -> dict[str, bytes]:
    out = {name: html.encode("utf-8") for name, html in pages(school, pdf=pdf).items()}
    if pdf:
        out.update(pdfs(school))
    out["inclusion-strategy.csv"] = strategy_csv(school).encode("utf-8-sig")
    out["inclusion-strategy.json"] = strategy_json(school).encode("utf-8")
    out["provision-map.csv"] = map_csv(school).encode("utf-8-sig")
    out["provision-map.json"] = map_json(school).encode("utf-8")
    return out


def publish(school: School, out: Path, folder: Path, *, pdf: bool = True) -> None:
    """Write everything into a fresh folder beside out, then swap it in: out is the last good build until then.

    Like the national build, it refuses (BuildFailed, nothing touched) an out that holds sources, holds the school
    folder, or is a folder oap build did not make; what it makes carries the marker that says it may be replaced."""
    from .mkdocs_plugin import MARKER
    from .publish import check_output_folder, swap_in

    out = out.absolute()
    check_output_folder(out, Path(folder))
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.parent / f".{out.name}.oap-tmp-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    try:
        for name, data in files(school, pdf=pdf).items():
            (temp / name).write_bytes(data)
        (temp / MARKER).write_text("Made by oap build --school; safe to replace.\n", encoding="utf-8")
        swap_in(temp, out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# -- the command line --------------------------------------------------------------------------------------------------
def _warn(school: School) -> None:
    for w in school.warnings:
        print(f"warning: {w}", file=sys.stderr)


def check_command(root: Path, school_dir: Path, council_dir: Path | None) -> int:
    school = gather_school(root, school_dir, council_dir)
    _warn(school)
    print(check_line(school))
    return 0


def build_command(root: Path, school_dir: Path, council_dir: Path | None, out: Path | None, *, pdf: bool = True) -> int:
    from .publish import BuildFailed

    school = gather_school(root, school_dir, council_dir)
    _warn(school)
    target = out or Path(school_dir) / "site"
    try:
        publish(school, target, Path(school_dir), pdf=pdf)
    except BuildFailed as exc:
        print(f"oap build: {exc}", file=sys.stderr)
        print("oap build: nothing was changed in the output folder.", file=sys.stderr)
        return 1
    print(
        f"oap build: built {school.name}'s inclusion strategy, provision map and SEN information report into {target}"
        f"{'' if pdf else ' (no PDFs)'}."
    )
    return 0


__all__ = ["SCHOOL_FILE", "School", "build_command", "check_command", "gather_school", "load_school", "publish"]


def command(args: Any, root: Path) -> int:
    """`oap check --school`, `oap build --school` and `oap new-school`, as cli.main hands them over."""
    if args.command == "new-school":
        written = new_school(args.dir, args.name, root, args.council)
        print(f"oap new-school: wrote {', '.join(written)} in {args.dir}. Edit {SCHOOL_FILE}, then run: oap check --school {args.dir}")
        return 0
    if args.command == "check":
        return check_command(root, args.school, args.council)
    return build_command(root, args.school, args.council, args.out, pdf=not args.no_pdf)


# -- oap new-school -----------------------------------------------------------------------------------------------------
GITIGNORE = "# What `oap build --school .` writes: rebuilt from school.yaml every time\nsite/\n.site.oap-*\n"


def scaffold_text(name: str, root: Path) -> str:
    """A school.yaml that explains every key in comments; its SEN information report answers are empty, so that
    `oap check --school` lists each item still to write."""
    from .project import load_corpus

    v = load_corpus(root).vocab
    q = json.dumps
    items = "\n".join(f'  # {i.reference}: {i.must_say}\n  {i.id}: ""' for i in v.sen_information_report.values())
    return f"""# yaml-language-server: $schema=https://example.invalid/oap/school.schema.json
# {name}: the school's edition of the ordinarily available provision standards.
# `oap check --school .` checks this file; `oap build --school .` publishes the inclusion strategy, the costed
# provision map and the SEN information report into site/. Every text is plain text, shown exactly as typed.

# The school's name as parents know it.
name: {q(name)}

# The phases the school teaches (ids from the national phases list: early-years, primary, secondary, post-16).
# Every standard you offer must be for one of them.
phases: [primary]

# The kinds of setting the school is (ids from the national settings list, e.g. reception, mainstream-school,
# mainstream-secondary, sixth-form).
settings: [reception, mainstream-school]

# The special educational needs co-ordinator, as parents contact them: a name or the role, and an email or a phone
# number (a role address such as senco@... stays right when staff change).
senco:
  name: "SENCO"
  email: senco@school.example

# The school year this plan is for, in quotes.
year: "2026-27"

# What the school has to spend, in whole pounds (no £ sign, no commas). imf: the inclusive mainstream fund
# allocation; notional-sen-budget: the notional SEN budget; core-budget (optional): what you put in from the core
# budget. `oap check --school` refuses a plan that spends more than an allocation.
allocations:
  imf: 0
  notional-sen-budget: 0
  core-budget: 0

# The national standards you offer, each once. standard: its id (shown at the foot of each standard on the site).
# delivery: how you deliver it here. pupils: how many pupils you expect to get it (for a standard with a typical
# cost per pupil, the line's cost is that cost times pupils). funding: imf, notional-sen-budget or core-budget.
# budget and budget_basis: for a standard with no typical cost (whole-school training, say), the amount you
# budget in whole pounds and how you worked it out.
offers:
  - standard: ws-pri-inclusion-strategy-and-sen-report
    delivery: "Write here how the school delivers this standard."
    funding: core-budget
    budget: 0
    budget_basis: "Write here how the amount was worked out."

# The SEN information report: one answer for every item the law says it must cover: Schedule 1 to the SEND
# Regulations 2014, and section 69(3)(b) of the Children and Families Act 2014 (admitting disabled pupils, treating
# them fairly, facilities for access, the accessibility plan). Each is empty until you write it, and
# `oap check --school` names each one still empty.
sen_information_report:
{items}
"""


def readme_text(name: str, council: Path | None) -> str:
    flag = f" --council {council}" if council else ""
    return f"""# {name}: inclusion strategy, provision map and SEN information report

This folder holds `school.yaml`: the standards the school offers, how it delivers them, how many pupils, which
budget pays, and the answers of the SEN information report. Every key is explained in the file.

For the SENCO and the school business manager:

1. Edit `school.yaml`.
2. Check it: `oap check --school .{flag}`. Each problem names the line, the field and what to do; an overspend
   names the allocation, the total planned and the excess.
3. Publish it: `oap build --school .{flag}`. The pages, CSV and JSON go into `site/`; if school.yaml has a problem,
   the last good `site/` is left as it was.

The costs are typical amounts, not caps or entitlements, and the standards are this project's, not the
government's: every page says so.
"""


def new_school(folder: Path, name: str, root: Path, council: Path | None = None) -> list[str]:
    """Write school.yaml, README.md and .gitignore into folder; refuse, writing nothing, if any of them exists."""
    folder = Path(folder)
    if not name.strip() or any(c in name for c in '<>"`\\\n'):
        raise OapError([Problem("--name", message="give the school's name as parents know it, without < > \" ` or \\")])
    contents = {SCHOOL_FILE: scaffold_text(name, root), "README.md": readme_text(name, council), ".gitignore": GITIGNORE}
    there = [n for n in contents if os.path.lexists(folder / n)]
    if there:
        raise OapError(
            [
                Problem(shown(folder / n), message="already exists; oap new-school never overwrites a file (choose another folder)")
                for n in there
            ]
        )
    folder.mkdir(parents=True, exist_ok=True)
    for n, text in contents.items():
        with open(folder / n, "x", encoding="utf-8") as f:  # "x": never over a file that appeared meanwhile
            f.write(text)
    return list(contents)

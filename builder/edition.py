"""The edition being published: the national baseline, or a council's edition layered over it; and where the
national edition is, a checkout of this repository or the copy installed with the package.

One typed object that web pages, print documents and open data all read: the corpus (national standards plus
any local ones), and the council's additions when there is a council.

The wheel carries the national edition as package data in builder/national_edition/ (mkdocs.yml, docs/, overrides/
and standards/, copied from the repository's top folder when the wheel is built; see pyproject.toml). A council
needs only its own folder and `pip install oap-standards==X.Y.Z`: the package version is the edition.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cost import Cost, payer_problem, pounds, rate_for, school_paid_roles, standard_cost, threshold
from .council import Council, Note, Service
from .model import Corpus, Provision, Rate, Standard, Vocabularies

if TYPE_CHECKING:
    from .changes import Changes
    from .school import School

COUNCIL_ENV = "OAP_COUNCIL"
"""The environment variable naming a council overlay folder, for when no --council is given."""
FIRST_DATE = dt.date(2026, 1, 1)
"""An edition's date when it has no standards to take one from."""


@dataclass(frozen=True)
class Edition:
    """What is being published: the corpus, the council's additions (None for the national baseline), and its label."""

    corpus: Corpus
    council: Council | None = None
    date: dt.date = FIRST_DATE
    title: str = "Ordinarily available provision"
    publisher: str = "the national baseline"
    version: str = __version__
    changes: Changes | None = None
    """What changed since the previous edition, when the build was given its data (builder.changes.compared)."""
    example_school: School | None = field(default=None, repr=False, compare=False)
    """The fictional example school, costed at national rates, for the "For schools" page's worked example
    (builder.school.example_school); None where the project has no example."""

    @classmethod
    def of(cls, national: Corpus, council: Council | None = None) -> Edition:
        """The national corpus, with the council's local standards merged in area-and-phase order; dated by its
        most recently reviewed standard."""
        corpus = national if council is None else Corpus.ordered(national.vocab, national.standards + council.local_standards)
        date = max((s.last_reviewed for s in corpus.standards), default=FIRST_DATE)
        return cls(corpus=corpus, council=council, date=date)

    @property
    def vocab(self) -> Vocabularies:
        return self.corpus.vocab

    @property
    def label(self) -> str:
        from .markup import long_date  # markup loads Jinja and Markdown, which `oap check` never needs

        return f"Edition {self.version}, content as of {long_date(self.date)}"

    @property
    def name(self) -> str:
        """Who publishes this edition, for titles: the council's name, or the national title."""
        return self.council.name if self.council else self.title

    @property
    def rates(self) -> dict[str, Rate]:
        """The staff time rates this edition prices provision with: the national rates, each replaced by the
        council's local rate with the same id where it sets one."""
        rates = dict(self.vocab.rates)
        if self.council is not None:
            rates.update((r.id, r) for r in self.council.local_rates)
        return rates

    def cost(self, standard: Standard) -> Cost | None:
        """The typical annual cost per pupil of a standard's provision at this edition's rates (builder/cost.py)."""
        return standard_cost(standard, self.rates)

    def rate_for(self, record: Provision) -> Rate | None:
        return rate_for(record, self.rates)

    def local_rate_warnings(self) -> list[str]:
        """A warning for each national standard whose typical cost per pupil the council's local rates push above
        the threshold when its payers cannot meet that: located at the local rate, naming the standard, its cost at
        the council's rates and the threshold. A warning, not an error: the national payers are not the council's
        to change, and a true local rate should still publish; the council can say how top-up works locally in a
        note. (The council's own local standards are checked at its rates, as errors, when the overlay loads.)"""
        if self.council is None or not self.council.local_rates:
            return []
        facts, out = self.vocab.facts, []
        limit = threshold(facts)
        for s in self.corpus.standards:
            school = school_paid_roles(s, self.vocab.providers, self.vocab.funding_streams)  # only time the school pays for
            local = standard_cost(s, self.rates, only=school)
            if s.local or local is None or payer_problem(s, local, facts) is None:
                continue
            national = standard_cost(s, self.vocab.rates, only=school)
            if national is not None and payer_problem(s, national, facts) is not None:
                continue  # refused at national rates already: `oap check` reports it as an error
            used = [r for r in dict.fromkeys(self.rate_for(p) for p in s.provision) if r is not None and r.local]
            for rate in used:
                hourly = f"£{rate.amount:,.2f}" if rate.amount != int(rate.amount) else pounds(int(rate.amount))
                out.append(
                    f"{rate.where}: at {hourly} an hour, the typical annual cost per pupil of national standard "
                    f"'{s.id}' ({s.source}) is {local.text()} in this edition, above the {pounds(limit) if limit is not None else 'set'} threshold a school "
                    f"meets from its own budget (nationally {national.text() if national else 'not worked out'}); its payers "
                    "name neither high-needs-top-up nor the EHC plan route, and a council cannot change them: say how "
                    f"top-up funding works locally for it in a note under notes.{s.id}, or check the rate"
                )
        return out

    def notes_for(self, standard_id: str) -> list[Note]:
        """The council's notes under a national standard; none in the national baseline."""
        return self.council.notes_for(standard_id) if self.council else []

    def services_for(self, area: str, phase: str) -> list[Service]:
        return self.council.services_for(area, phase) if self.council else []

    def services_in_phase(self, phase: str) -> list[Service]:
        return self.council.services_in_phase(phase) if self.council else []


def build_date() -> dt.date:
    """The date a build is as of: SOURCE_DATE_EPOCH's when set (so a build can be repeated byte for byte), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


class SettingsConflict(Exception):
    """A command-line flag and an environment variable name different things; the message says which."""


def choose_council(flag: Path | None, env: Mapping[str, str] | None = None) -> tuple[Path | None, str | None]:
    """The council folder to check and publish, and the OAP_COUNCIL value when that is where it came from."""
    return choose_setting(flag, "--council", COUNCIL_ENV, ("council folders", "folder"), env)


def choose_setting(
    flag: Path | None, option: str, name: str, things: tuple[str, str], env: Mapping[str, str] | None = None
) -> tuple[Path | None, str | None]:
    """A path from its flag or its environment variable, and the variable's value when that is where it came from.

    One rule for settings: the flag wins; without it the environment is used (and the caller says so); a flag and an
    environment variable naming different paths is an error rather than a silent choice. things: what the paths are,
    in the plural and one of them ("council folders", "folder").
    """
    value = (os.environ if env is None else env).get(name, "")
    if not value:
        return flag, None
    if flag is None:
        return Path(value), value
    if Path(value).resolve() != flag.resolve():
        raise SettingsConflict(
            f"{option} {flag} and {name}={value} name different {things[0]} (give one of them, or the same {things[1]} in both)"
        )
    return flag, None


# -- where the national edition is ---------------------------------------------------------------------------------------
PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "national_edition"
"""The national edition installed with the package (absent in a checkout, where it is the repository itself)."""
PROJECT_MARKERS = ("standards", "mkdocs.yml")
"""A folder holding either is a project: its own standards and site configuration are used, never the installed ones."""


def edition_root() -> Path:
    """The national edition this `oap` came with: the installed package data, else the checkout holding the package."""
    return INSTALLED if (INSTALLED / "standards").is_dir() else PACKAGE.parent


@dataclass(frozen=True)
class Project:
    """What a command reads and where it writes."""

    source: Path
    """The folder holding mkdocs.yml, docs/, overrides/ and standards/."""
    work: Path
    """Where the output (site/) and the caches (.oap-cache/) go by default: never inside the installed package."""
    installed: bool
    """True when the national edition is the installed one (no project folder was given or found)."""


def find(root: Path | None, council: Path | None) -> Project:
    """--root when given; else the current folder when it is a project; else the installed national edition, with the
    council's folder (or, without a council, the current folder) for the output and caches."""
    if root is not None:
        return Project(root, root, installed=False)
    here = Path(".")
    if any((here / marker).exists() for marker in PROJECT_MARKERS):
        return Project(here, here, installed=False)
    return Project(edition_root(), council if council is not None else here, installed=True)


def version_line() -> str:
    """'oap 0.1.0 (national edition 0.1.0, installed at /.../builder/national_edition)' for --version."""
    where = f"installed at {INSTALLED}" if edition_root() == INSTALLED else f"from the checkout at {PACKAGE.parent}"
    return f"oap {__version__} (national edition {__version__}, {where})"

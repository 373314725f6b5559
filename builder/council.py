"""What a council adds to the national baseline, as typed, frozen data (loaded and checked by builder.overlay)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from . import model
from .branding import HEADER_TEXT, contrast_ratio, ratio_text

ROLE_NAMES = {
    "send-team": "SEND team",
    "sendiass": "SEND information, advice and support service (SENDIASS)",
    "parent-carer-forum": "Parent carer forum",
    "local-offer": "Local Offer team",
    "early-years-send": "Early years SEND team",
    "educational-psychology": "Educational psychology service",
    "designated-clinical-officer": "Designated clinical officer (health)",
    "social-care": "Disabled children's social care",
    "preparing-for-adulthood": "Preparing for adulthood team",
    "other": "",
}
"""How each contact role is shown to families; the keys are the schema's role enum."""


@dataclass(frozen=True)
class Contact:
    """A team or service a family can contact."""

    name: str
    role: str = ""
    description: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""
    hours: str = ""

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, "")

    @property
    def role_label(self) -> str:
        """The role's name, unless the contact's own name already says it (e.g. 'Example SEND team')."""
        name, label = self.name.lower(), self.role_name
        short = label.split(" (")[0].lower()
        abbreviation = label[label.find("(") + 1 : -1] if label.endswith(")") else ""
        if not label or short in name or (abbreviation and abbreviation.lower() in name):
            return ""
        return label

    @property
    def mailto(self) -> str:
        return f"mailto:{self.email}" if self.email else ""

    @property
    def tel(self) -> str:
        return f"tel:{self.phone.replace(' ', '')}" if self.phone else ""


@dataclass(frozen=True)
class Service:
    """A local service, listed under the areas of need and phases it serves."""

    id: str
    name: str
    description: str
    html: Markup
    need_types: tuple[str, ...]
    phases: tuple[str, ...]
    url: str
    areas: tuple[str, ...]
    contacts: tuple[Contact, ...] = ()
    oruk_id: str = ""
    """The service's id in the council's Open Referral UK feed, when it has one (imported, or written with it)."""


@dataclass(frozen=True)
class FundingBand:
    """A local funding band, paid from a national funding stream."""

    name: str
    amount: str
    description: str
    funding_stream: str


@dataclass(frozen=True)
class Note:
    """A council's note under one national standard: added to it, never replacing it."""

    standard_id: str
    text: str
    html: Markup


@dataclass(frozen=True)
class Council:
    """Everything a council adds, loaded and checked."""

    name: str
    slug: str
    primary_colour: str
    source: str
    contacts: tuple[Contact, ...]
    services: tuple[Service, ...] = ()
    notes: tuple[Note, ...] = ()
    funding_bands: tuple[FundingBand, ...] = ()
    local_standards: tuple[model.Standard, ...] = ()
    local_rates: tuple[model.Rate, ...] = ()
    """The council's staff time rates, each replacing the national rate with its id in this edition's costs."""
    fictional: bool = False
    website: str = ""
    guide_name: str = ""
    logo_name: str = ""
    """The logo's published path under the site, e.g. assets/council-logo.png; empty without a logo."""
    logo: bytes = field(default=b"", repr=False)

    @property
    def contrast(self) -> float:
        return contrast_ratio(self.primary_colour, HEADER_TEXT)

    @property
    def contrast_text(self) -> str:
        return ratio_text(self.contrast)

    def notes_for(self, standard_id: str) -> list[Note]:
        return [n for n in self.notes if n.standard_id == standard_id]

    def services_for(self, area: str, phase: str) -> list[Service]:
        """The services for one area of need and phase, in the council's order."""
        return [s for s in self.services if area in s.areas and phase in s.phases]

    def services_in_phase(self, phase: str) -> list[Service]:
        return [s for s in self.services if phase in s.phases]

    def services_for_needs(self, phase: str, need_types: Iterable[str], areas: Iterable[str]) -> list[Service]:
        """The services in a phase for any of these need types; a service naming no need type, for any of the areas."""
        needs, wide = set(need_types), set(areas)
        return [s for s in self.services if phase in s.phases and (needs & set(s.need_types) if s.need_types else wide & set(s.areas))]

"""The simulated state behind each enterprise and store (never shown in any record)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ecredit.core.synth.model import SynthEnterprise
from ecredit.core.synth.places import City, District
from ecredit.core.synth.vocab import Industry


@dataclass(slots=True)
class Store:
    """A store on a demo platform: when it trades and what share of its operator's orders it takes."""

    subject_id: str
    platform: str
    name: str
    opened: int  # first month with metrics
    share: float
    cross_border: bool
    closed: int | None = None  # first month without


@dataclass(slots=True)
class Sent:
    """A row already queued, and the day its batch goes out (updates must come later)."""

    row: dict[str, str]
    sent: date


@dataclass(slots=True)
class Actor:
    """An enterprise as the simulation sees it: hidden propensities and what has happened so far."""

    ent: SynthEnterprise
    city: City | None  # None for foreign parties
    district: District | None
    industry: Industry
    zihao: str  # trade name, for store names
    logit: float  # logit of the hidden risk
    size: float  # orders a month across all stores
    goods: bool  # sells goods, so inspectors sample them
    registered_capital: str = ""
    business_scope: str = ""
    stores: list[Store] = field(default_factory=list)
    customs_code: str = ""
    customs_volume: float = 0.0
    import_share: float = 0.0
    customs_rating: str = ""
    episode: float = 0.0  # AR(1) swing: bad stretches come and go
    heat: float = 0.0  # decaying sum of recent adverse events
    dead_from: int | None = None  # first month with no activity (revoked or cancelled)
    suspended_until: int = -1  # no trading up to and including this month
    registration: Sent | None = None
    licences: list[Sent] = field(default_factory=list)
    irregularities_6m: list[int] = field(default_factory=list)
    serious_events: int = 0
    self_discipline_signed: bool = False

    @property
    def chinese(self) -> bool:
        return self.city is not None

    def alive(self, month: int) -> bool:
        return self.dead_from is None or month < self.dead_from

    def has_role(self, role: str) -> bool:
        return role in self.ent.roles

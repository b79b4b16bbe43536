"""How long a public record stays public: periods in days, per code of a field, ended by a removal.

A period of N days follows the Civil Code (art. 201): the day the fact happened is not counted, so a
record decided on D is public from D through D + N days. N = 0 means it is not published at all.
Publicity also ends at `end_field` when the record has it: a removal date (`removed_on`,
`concluded_on`) is the first day it is no longer public; an inclusive end (`valid_until`) is the last
day it still is. Whichever end comes first applies. A rule with no period and no end field keeps the
record public without end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

ONE_DAY = timedelta(days=1)


def as_date(value: object) -> date:
    """A normalised date value (``YYYY-MM-DD`` or a `date`) as a `date`."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"expected a date, got {value!r}")


@dataclass(frozen=True)
class PublicityPeriod:
    """At least `min_days` (credit repair may end it after that), at most `max_days`; None = no limit."""

    min_days: int | None = None
    max_days: int | None = None

    def last_day(self, occurred: date) -> date | None:
        """The last public day when nothing ends the period early; None when it has no end."""
        return _after(occurred, self.max_days)

    def earliest_end(self, occurred: date) -> date | None:
        """The last day the record must stay public at least; None when there is no minimum."""
        return _after(occurred, self.min_days)


def _after(occurred: date, days: int | None) -> date | None:
    if days is None:
        return None
    return occurred - ONE_DAY if days == 0 else occurred + timedelta(days=days)


@dataclass(frozen=True)
class Publicity:
    """The publicity rule of one public record type, as its data file states it."""

    period: PublicityPeriod = PublicityPeriod()
    periods_by: str | None = None
    periods: Mapping[str, PublicityPeriod] = field(default_factory=lambda: MappingProxyType({}))
    end_field: str | None = None
    end_field_inclusive: bool = False
    basis_zh: str = ""
    basis_en: str = ""

    def period_for(self, values: Mapping[str, object]) -> PublicityPeriod:
        """The period that applies to a record with these normalised values."""
        if self.periods_by is None:
            return self.period
        key = values.get(self.periods_by)
        if not isinstance(key, str) or key not in self.periods:
            raise ValueError(
                f"the publicity period depends on {self.periods_by}, and {key!r} is not one of "
                f"{', '.join(self.periods)}"
            )
        return self.periods[key]

    def last_day(self, occurred: date, values: Mapping[str, object]) -> date | None:
        """The last day the record is public; None = no end; a day before `occurred` = never."""
        last = self.period_for(values).last_day(occurred)
        end = values.get(self.end_field) if self.end_field is not None else None
        if end is not None and end != "":
            ended = as_date(end) if self.end_field_inclusive else as_date(end) - ONE_DAY
            last = ended if last is None else min(last, ended)
        return last

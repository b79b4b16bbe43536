"""Providers and their duties under the data-sharing responsibility list.

An obligation is a periodic feed: the data of each period (a day, an ISO week, a calendar month,
quarter or year) is due within `max_lag_days` after the period ends. A submission made at time t
counts as delivering every period that ended before t, so the next deadline is the end of the period
containing t plus the lag. Periods are China Standard Time calendar periods: aware datetimes are
converted to UTC+8, naive ones are taken as China time already.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "yearly"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly", "monthly", "quarterly", "yearly")
ProviderKind = Literal["department", "platform"]
PROVIDER_KINDS: tuple[ProviderKind, ...] = ("department", "platform")
CHINA_TIME = timezone(timedelta(hours=8), "CST")


def period_end(day: date, frequency: Frequency) -> date:
    """The last day of the period of `frequency` that contains `day`."""
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day + timedelta(days=6 - day.weekday())
    if frequency == "monthly":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if frequency == "quarterly":
        last_month = (day.month - 1) // 3 * 3 + 3
        return date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return date(day.year, 12, 31)


def period_start(day: date, frequency: Frequency) -> date:
    """The first day of the period of `frequency` that contains `day`."""
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "monthly":
        return day.replace(day=1)
    if frequency == "quarterly":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _china_day(moment: datetime) -> date:
    return (moment.astimezone(CHINA_TIME) if moment.tzinfo is not None else moment).date()


@dataclass(frozen=True)
class Obligation:
    """One duty of a provider: deliver `type_name` every `frequency`, at most `max_lag_days` late."""

    type_name: str
    frequency: Frequency
    max_lag_days: int
    description_zh: str
    description_en: str

    def due_by(self, last_submitted: datetime | None, now: datetime) -> datetime:
        """The last moment (23:59:59.999999 China time) by which the next period must be delivered.

        With no submission yet, the period before the one containing `now` is the one owed.
        Aware when `now` is aware (in China time), naive otherwise.
        """
        if last_submitted is None:
            owed_end = period_start(_china_day(now), self.frequency) - timedelta(days=1)
            owed_end = period_end(owed_end, self.frequency)
        else:
            owed_end = period_end(_china_day(last_submitted), self.frequency)
        deadline = datetime.combine(owed_end + timedelta(days=self.max_lag_days), time.max)
        return deadline.replace(tzinfo=CHINA_TIME) if now.tzinfo is not None else deadline

    def is_overdue(self, last_submitted: datetime | None, now: datetime) -> bool:
        """Whether the period owed should have arrived by `now`."""
        return now > self.due_by(last_submitted, now)


@dataclass(frozen=True)
class Provider:
    """A department or platform that submits records, the types it may submit, and its duties."""

    key: str
    name_zh: str
    name_en: str
    kind: ProviderKind
    types: tuple[str, ...]
    obligations: tuple[Obligation, ...]

"""The clock and the outbox of a simulation: months, random helpers, document numbers, batching.

A record is emitted with the day its provider learned of it; it then travels in the provider's next
batch for that record type. Batches follow the cadence of the provider's obligation in the
data-sharing responsibility list (weekly for daily and weekly duties, monthly, yearly), sent a few
days after the period ends. A small share of department records misses its batch and arrives
weeks or months later, which is what point-in-time evaluation has to cope with.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from statistics import NormalDist
from typing import Literal

from ecredit.core.synth.fields import make_row
from ecredit.core.synth.model import DemoBatch

Cadence = Literal["weekly", "monthly", "yearly"]

PLATFORMS = ("xishi", "dongfang", "zhibo")
PLATFORM_PROVIDERS = {p: f"platform-{p}" for p in PLATFORMS}

# (provider, type) -> cadence of its batches; anything else goes weekly.
CADENCE: dict[tuple[str, str], Cadence] = {
    ("market-regulation", "product_quality_inspection"): "monthly",
    ("market-regulation", "honor_or_reward"): "monthly",
    ("market-regulation", "credit_commitment"): "monthly",
    ("development-reform", "honor_or_reward"): "monthly",
    ("development-reform", "credit_commitment"): "monthly",
    ("customs", "customs_credit_rating"): "monthly",
    ("customs", "customs_declaration_summary"): "monthly",
    ("tax", "tax_credit_rating"): "yearly",
    **{(provider, "store_metrics"): "monthly" for provider in PLATFORM_PROVIDERS.values()},
}
# Days after the period ends that a batch is sent: (earliest, latest).
SEND_LAG: dict[Cadence, tuple[int, int]] = {
    "weekly": (1, 5),
    "monthly": (2, 9),
    "yearly": (95, 118),
}
LATE_SHARE = 0.02
# Standard normal quantiles at 4,096 evenly spaced probabilities: a normal draw for one uniform
# one, several times faster than random.gauss (generation draws about a million of them).
NORMALS = tuple(NormalDist().inv_cdf((i + 0.5) / 4096) for i in range(4096))


def month_of(day: date) -> int:
    """A month as one integer (year * 12 + month - 1), so months add and subtract."""
    return day.year * 12 + day.month - 1


@lru_cache(maxsize=4096)
def first_day(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


@lru_cache(maxsize=4096)
def last_day(month: int) -> date:
    year, mon = month // 12, month % 12 + 1
    return date(year, mon, calendar.monthrange(year, mon)[1])


@lru_cache(maxsize=4096)
def month_label(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def period_end(day: date, cadence: Cadence) -> date:
    if cadence == "weekly":
        return day + timedelta(days=6 - day.weekday())
    if cadence == "monthly":
        return last_day(month_of(day))
    return date(day.year, 12, 31)


def sigmoid(x: float) -> float:
    if x < -35.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def money(amount: float) -> str:
    """An amount of money as the dictionary wants it: two decimals."""
    return f"{max(amount, 0.0):.2f}"


class Simulation:
    """Shared state of one run: the random stream, the calendar, numbering and the outbox."""

    def __init__(self, seed: int, end: date, months: int) -> None:
        if months < 1:
            raise ValueError("months must be at least 1")
        self.seed = seed
        self.rng = random.Random(seed)
        self.end = end
        self.last_month = month_of(end)
        self.first_month = self.last_month - months + 1
        self.start = first_day(self.first_month)
        self._outbox: list[tuple[date, str, str, dict[str, str]]] = []
        self._numbers: dict[tuple[str, ...], int] = {}
        self._send_days: dict[tuple[str, str, date], date] = {}

    # random helpers -------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def normal(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """A normal draw (from a quantile table: fast, and plenty for synthetic data)."""
        return mu + sigma * NORMALS[int(self.rng.random() * 4096)]

    def day_in(self, month: int) -> date:
        """A random day of `month`, never after the end of the simulation."""
        last = last_day(month)
        if last > self.end:
            last = self.end
        return first_day(month) + timedelta(days=self.rng.randrange(last.day))

    def later(self, day: date, lo: int, hi: int) -> date:
        return day + timedelta(days=self.rng.randint(lo, hi))

    def poisson(self, mean: float) -> int:
        """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
        if mean <= 0.0:
            return 0
        if mean > 30.0:
            return max(0, round(self.normal(mean, math.sqrt(mean))))
        limit, k, p = math.exp(-mean), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def digits(self, n: int) -> str:
        return str(self.rng.randrange(10 ** (n - 1), 10**n))

    def number(self, *key: str, first: tuple[int, int] = (1, 60), step: int = 3) -> int:
        """The next number of a document series (per authority, kind and year): rising, never reused."""
        current = self._numbers.get(key)
        if current is None:
            current = self.rng.randint(*first)
        else:
            current += self.rng.randint(1, step)
        self._numbers[key] = current
        return current

    # outbox -----------------------------------------------------------------------------------
    def due(
        self,
        provider: str,
        type_name: str,
        known_on: date,
        *,
        late: bool = False,
        initial: bool = False,
    ) -> date:
        """The day the batch carrying a record the provider learned of on `known_on` is sent.

        `initial`: the record describes the state at the start (the first load of a provider).
        """
        cadence = CADENCE.get((provider, type_name), "weekly")
        if initial:
            pick = random.Random(f"{self.seed}|{provider}|{type_name}|initial")
            return self.start + timedelta(days=pick.randint(1, 6))
        end = period_end(known_on, cadence)
        if late:
            delay = self.rng.randint(3, 20) if cadence == "weekly" else self.rng.randint(1, 5)
            end = (
                end + timedelta(weeks=delay)
                if cadence == "weekly"
                else last_day(month_of(end) + delay)
            )
        key = (provider, type_name, end)
        sent = self._send_days.get(key)
        if sent is None:
            lo, hi = SEND_LAG[cadence]
            pick = random.Random(f"{self.seed}|{provider}|{type_name}|{end.isoformat()}")
            sent = end + timedelta(days=pick.randint(lo, hi))
            self._send_days[key] = sent
        return sent

    def emit(
        self,
        provider: str,
        type_name: str,
        values: dict[str, str],
        known_on: date,
        *,
        late: bool | None = None,
        initial: bool = False,
    ) -> date:
        """Queue a record; returns the day its batch is sent (after `end`: never sent)."""
        if late is None:
            late = (
                not initial
                and not provider.startswith("platform-")
                and self.rng.random() < LATE_SHARE
            )
        sent = self.due(provider, type_name, known_on, late=late, initial=initial)
        self._outbox.append((sent, provider, type_name, make_row(type_name, values)))
        return sent

    def emit_row(self, provider: str, type_name: str, row: dict[str, str], known_on: date) -> None:
        """`emit` for a platform's complete row (every header, in order): the hot path, unchecked."""
        self._outbox.append((self.due(provider, type_name, known_on), provider, type_name, row))

    def batches(self) -> list[DemoBatch]:
        """Everything sent by `end`, one batch per provider, type and sending day."""
        grouped: dict[tuple[date, str, str], list[dict[str, str]]] = defaultdict(list)
        for sent, provider, type_name, row in self._outbox:
            if sent <= self.end:
                grouped[(sent, provider, type_name)].append(row)
        return [
            DemoBatch(
                provider=provider,
                type_name=type_name,
                rows=rows,
                channel="api" if provider.startswith("platform-") else "file",
                received_on=sent,
            )
            for (sent, provider, type_name), rows in sorted(grouped.items(), key=lambda kv: kv[0])
        ]

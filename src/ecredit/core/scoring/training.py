"""Training tables from the platform's own history: features as of a date beside what happened next.

For each observation date t (every `step_months`, leaving a full horizon before the data ends) and
each enterprise known at t, the row holds the features computed from what was known at t and the
label "a serious event in (t, t + horizon]". Enterprises that had already suffered a serious event
by t are left out: the model predicts new events, not old ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ecredit.core.scoring.features import compute_features
from ecredit.core.scoring.records import RecordView
from ecredit.core.scoring.targets import Target


@dataclass(frozen=True)
class TrainingRow:
    enterprise: str
    as_of: date
    features: dict[str, float | None]
    label: int


def month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def observation_dates(
    first: date, last_known: date, target: Target, step_months: int = 3
) -> list[date]:
    """Month-ends from `first` on, every `step_months`, whose whole horizon ends by `last_known`."""
    if step_months < 1:
        raise ValueError("step_months must be at least 1")
    out: list[date] = []
    y, m = first.year, first.month
    while True:
        d = month_end(y, m)
        if target.window_end(d) > last_known:
            return out
        if d >= first:
            out.append(d)
        m += step_months
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1


def training_rows(
    records: Mapping[str, Sequence[RecordView]],
    dates: Sequence[date],
    target: Target,
) -> list[TrainingRow]:
    """One row per (enterprise, date) for enterprises known at the date and not already bad."""
    rows: list[TrainingRow] = []
    for t in dates:
        for enterprise, recs in records.items():
            known = [r for r in recs if r.occurred_on <= t and r.received_on <= t]
            if not known or target.had_event_before(known, t):
                continue
            rows.append(
                TrainingRow(
                    enterprise=enterprise,
                    as_of=t,
                    features=compute_features(known, t),
                    label=target.label(recs, t),
                )
            )
    return rows


def as_columns(rows: Sequence[TrainingRow], feature_keys: Sequence[str]) -> dict[str, Any]:
    """Rows as columns (feature -> list of values, plus `label`), ready for a DataFrame."""
    cols: dict[str, Any] = {k: [r.features.get(k) for r in rows] for k in feature_keys}
    cols["label"] = [r.label for r in rows]
    return cols

"""What the platform can check of a credit-repair application from records alone.

NDRC order No. 36: repair needs the minimum publicity period served, the breach corrected and a
public credit commitment. The first is a date; "no new serious record since" is read from the
records; the correction and the commitment come from the enterprise and are judged by a regulator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ecredit.core.lists.listtypes import Procedure


@dataclass(frozen=True)
class Condition:
    key: str
    ok: bool
    zh: str
    en: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "ok": self.ok, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class RepairCheck:
    """The conditions as of `today`, and the first day an application may be made."""

    earliest_on: date
    conditions: tuple[Condition, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.conditions)

    def to_json(self) -> dict[str, Any]:
        return {
            "earliest_on": self.earliest_on.isoformat(),
            "ok": self.ok,
            "conditions": [c.to_json() for c in self.conditions],
        }


def is_serious(type_name: str, values: Mapping[str, Any], procedure: Procedure) -> bool:
    """A serious record: a type the procedure names, or a penalty of severity `serious`."""
    return type_name in procedure.serious_records or (
        type_name == "administrative_penalty" and values.get("severity") == "serious"
    )


def check_repair(
    *,
    type_name: str,
    occurred_on: date,
    min_days: int | None,
    later: Iterable[tuple[str, date, Mapping[str, Any]]],
    today: date,
    procedure: Procedure,
) -> RepairCheck:
    """Check a record of `type_name` that happened on `occurred_on`, public at least `min_days`
    (None: the procedure's fallback for the type, or 0), against the enterprise's `later` records
    (type, occurred on, values)."""
    if min_days is None:
        min_days = procedure.repair_min_days.get(type_name, 0)
    earliest = occurred_on + timedelta(days=min_days + 1)
    repairable = type_name in procedure.repairable_records
    new_serious = sorted(
        {d for t, d, v in later if d > occurred_on and is_serious(t, v, procedure)}
    )
    conditions = (
        Condition(
            "repairable",
            repairable,
            "该类记录可以申请信用修复" if repairable else "该类记录不适用信用修复",
            "this kind of record can be repaired"
            if repairable
            else "this kind of record cannot be repaired",
        ),
        Condition(
            "minimum_period",
            today >= earliest,
            f"最短公示期已满（{earliest.isoformat()} 起可申请）",
            f"the minimum publicity period is served (applications from {earliest.isoformat()})",
        ),
        Condition(
            "no_new_serious",
            not new_serious,
            "此后没有新的严重失信记录"
            if not new_serious
            else f"此后有新的严重失信记录（{new_serious[0].isoformat()}）",
            "no new serious record since"
            if not new_serious
            else f"a new serious record since ({new_serious[0].isoformat()})",
        ),
    )
    return RepairCheck(earliest, conditions)

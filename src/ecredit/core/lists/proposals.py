"""Who should be proposed for a list, and who no longer meets its rule, from facts the app reads.

The app gathers, per enterprise, its current records, latest grade and pool stay; this module only
applies each list type's entry rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ecredit.core.lists.listtypes import ListType


@dataclass(frozen=True)
class RecordFact:
    """A current, not withdrawn record: its id, type, date, values and ledger leaf."""

    id: int
    type: str
    occurred_on: date
    values: dict[str, Any]
    ledger_index: int | None
    public_until: date | None = None


@dataclass(frozen=True)
class Standing:
    """What the rules read about one enterprise."""

    enterprise_id: int
    records: tuple[RecordFact, ...] = ()
    grade: str | None = None
    risk_class: str | None = None
    evaluation_ledger_index: int | None = None
    pool_ledger_index: int | None = None


@dataclass(frozen=True)
class Grounds:
    """Why an enterprise meets a list's rule: a reason and the evidence (record ids, leaves)."""

    reason: str
    records: tuple[int, ...] = ()
    leaves: tuple[int, ...] = field(default_factory=tuple)


def _still_in_force(r: RecordFact, today: date) -> bool:
    removed = r.values.get("removed_on")
    if removed:
        return False
    return r.public_until is None or r.public_until >= today


def grounds(lt: ListType, s: Standing, today: date) -> Grounds | None:
    """The grounds on which `s` meets `lt`'s entry rule today, or None."""
    rule = lt.entry
    if rule.records:
        hits = [r for r in s.records if r.type in rule.records and _still_in_force(r, today)]
        if hits:
            return Grounds(
                f"{hits[0].type} {hits[0].values.get('decision_no', '')}".strip(),
                tuple(r.id for r in hits),
                tuple(r.ledger_index for r in hits if r.ledger_index is not None),
            )
        return None
    if rule.pool:
        if s.pool_ledger_index is None:
            return None
        return Grounds("负面清单库 / negative-list pool", (), (s.pool_ledger_index,))
    leaves = (s.evaluation_ledger_index,) if s.evaluation_ledger_index is not None else ()
    by_grade = s.grade is not None and s.grade in rule.grades
    by_class = s.risk_class is not None and s.risk_class in rule.risk_classes
    if not (by_grade or by_class):
        return None
    if rule.no_records:
        since = today - timedelta(days=rule.lookback_days)
        if any(r.type in rule.no_records and r.occurred_on > since for r in s.records):
            return None
    reason = (
        f"信用等级 {s.grade} / grade {s.grade}"
        if by_grade
        else f"风险分类 {s.risk_class} / risk class {s.risk_class}"
    )
    return Grounds(reason, (), leaves)


def meets(lt: ListType, standings: Iterable[Standing], today: date) -> dict[int, Grounds]:
    """Per enterprise id, the grounds of those that meet `lt` today."""
    out = {}
    for s in standings:
        g = grounds(lt, s, today)
        if g is not None:
            out[s.enterprise_id] = g
    return out

"""What a model learns to predict, as data: serious adverse events within a horizon after a date.

`load_target()` reads `serious-events-v1.toml`; `label(records, as_of)` is 1 when any record of the
enterprise is such an event that happened in (as_of, as_of + horizon]. Labels use hindsight on
purpose (they are what happened next); the features beside them never do.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ecredit.core.scoring.records import RecordView

TARGETS_DIR = Path(__file__).resolve().parent


class TargetError(ValueError):
    """A malformed target file; the message names the file and key."""


@dataclass(frozen=True)
class EventRule:
    type_name: str
    where: Mapping[str, tuple[Any, ...]]
    label_zh: str
    label_en: str

    def matches(self, record: RecordView) -> bool:
        if record.type != self.type_name:
            return False
        return all(record.values.get(f) in allowed for f, allowed in self.where.items())


@dataclass(frozen=True)
class Target:
    name: str
    version: str
    label_zh: str
    label_en: str
    horizon_months: int
    events: tuple[EventRule, ...]

    def is_event(self, record: RecordView) -> bool:
        return any(rule.matches(record) for rule in self.events)

    def window_end(self, as_of: date) -> date:
        """The last day of the horizon after `as_of` (same day n months later, clamped to month end)."""
        month = as_of.month - 1 + self.horizon_months
        year, month = as_of.year + month // 12, month % 12 + 1
        for day in range(as_of.day, 27, -1):
            try:
                return date(year, month, day)
            except ValueError:
                continue
        return date(year, month, min(as_of.day, 28))

    def label(self, records: Iterable[RecordView], as_of: date) -> int:
        """1 when a serious event happened after `as_of` and within the horizon, else 0."""
        end = self.window_end(as_of)
        return int(any(as_of < r.occurred_on <= end and self.is_event(r) for r in records))

    def had_event_before(self, records: Iterable[RecordView], as_of: date) -> bool:
        """Whether a serious event already happened by `as_of` (and was known then)."""
        return any(
            r.occurred_on <= as_of and r.received_on <= as_of and self.is_event(r) for r in records
        )


def parse_event_rule(item: object, where: str, extra_keys: tuple[str, ...] = ()) -> EventRule:
    """One `{type, where, ...}` table of a data file as an `EventRule`; `where` prefixes errors.

    Shared by the target files and the grade policy's [[negative]] list.
    """
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise TargetError(f"{where}.type must be a record type name")
    extra = set(item) - {"type", "where", *extra_keys}
    if extra:
        raise TargetError(f"{where}: unknown keys {sorted(extra)}")
    conditions = item.get("where", {})
    if not isinstance(conditions, dict) or not all(
        isinstance(v, list) and v for v in conditions.values()
    ):
        raise TargetError(f"{where}.where maps fields to non-empty lists of values")
    return EventRule(
        type_name=item["type"],
        where={k: tuple(v) for k, v in conditions.items()},
        label_zh=str(item.get("label_zh", item["type"])),
        label_en=str(item.get("label_en", item["type"])),
    )


def load_target(name: str = "serious-events-v1", directory: Path = TARGETS_DIR) -> Target:
    path = directory / f"{name}.toml"
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError as exc:
        raise TargetError(f"{path}: no such target file") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"{path}: not valid TOML: {exc}") from exc
    known = {"name", "label_zh", "label_en", "horizon_months", "event"}
    unknown = set(data) - known
    if unknown:
        raise TargetError(f"{path}: unknown keys {sorted(unknown)}")
    horizon = data.get("horizon_months")
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= 60:
        raise TargetError(f"{path}: horizon_months must be a whole number of months from 1 to 60")
    events = [
        parse_event_rule(ev, f"{path}: event[{i}]", ("label_zh", "label_en"))
        for i, ev in enumerate(data.get("event", []))
    ]
    if not events:
        raise TargetError(f"{path}: a target needs at least one [[event]]")
    return Target(
        name=str(data.get("name", name)),
        version=f"{name}+sha256:{hashlib.sha256(raw).hexdigest()[:12]}",
        label_zh=str(data.get("label_zh", "")),
        label_en=str(data.get("label_en", "")),
        horizon_months=horizon,
        events=tuple(events),
    )

"""Inspection rules as data: ratios per risk class (default and per region) and must-inspect rules.

Loaded from `inspection-rules-v1.toml` beside this module and checked against the data dictionary:
a must-inspect rule names a record type, code fields of it and codes they have, so a typo stops
start-up instead of silently inspecting nobody.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ecredit.core.dictionary import Dictionary, load_dictionary
from ecredit.core.supervision.draw import CLASSES, DrawError, check_ratios

DEFAULT_PATH = Path(__file__).with_name("inspection-rules-v1.toml")
REGION = re.compile(r"^[0-9]{2,6}$")


class RulesError(ValueError):
    """The rules file is not valid; the message names the file and the key."""


@dataclass(frozen=True)
class MustInspectRule:
    """A record that puts its subject on a plan whatever the draw says."""

    name: str
    type_name: str
    where: tuple[tuple[str, tuple[str, ...]], ...]
    within_days: int
    reason_zh: str
    reason_en: str

    def matches(
        self, type_name: str, occurred_on: date, values: Mapping[str, Any], as_of: date
    ) -> bool:
        """True when a record (its type, the day it happened, its values) triggers the rule as of
        `as_of`: the record happened in the `within_days` days up to and including `as_of`."""
        if type_name != self.type_name:
            return False
        if not as_of - timedelta(days=self.within_days) < occurred_on <= as_of:
            return False
        for name, accepted in self.where:
            value = values.get(name)
            found = value if isinstance(value, list) else [value]
            if not any(v in accepted for v in found):
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type_name,
            "where": {k: list(v) for k, v in self.where},
            "within_days": self.within_days,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    ratios: dict[str, float]


@dataclass(frozen=True)
class InspectionRules:
    version: str
    basis_zh: str
    basis_en: str
    ratios: dict[str, float]
    regions: dict[str, Region]
    must_inspect: tuple[MustInspectRule, ...]

    def ratios_for(self, region: str = "") -> dict[str, float]:
        """The ratios of the most specific configured region containing `region` (a code
        prefix; "" for the whole platform), else the defaults."""
        best = ""
        for code in self.regions:
            if region.startswith(code) and len(code) > len(best):
                best = code
        return dict(self.regions[best].ratios) if best else dict(self.ratios)

    def reasons(
        self, records: Iterable[tuple[str, date, Mapping[str, Any]]], as_of: date
    ) -> list[str]:
        """The names of the rules that `records` (type, occurred on, values) of one enterprise
        trigger as of `as_of`, in the file's order."""
        rows = list(records)
        return [
            rule.name
            for rule in self.must_inspect
            if any(rule.matches(t, d, v, as_of) for t, d, v in rows)
        ]


def _text(where: str, table: Mapping[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}.{key}: expected non-empty text")
    return value


def _ratios(where: str, value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table of A, B, C, D")
    try:
        return check_ratios(value)
    except DrawError as exc:
        raise RulesError(f"{where}: {exc}") from None


def _unknown(where: str, table: Mapping[str, Any], known: set[str]) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise RulesError(f"{where}.{extra[0]}: unknown key; known: {', '.join(sorted(known))}")


def parse_rules(
    data: Mapping[str, Any], dictionary: Dictionary, source: str = "rules"
) -> InspectionRules:
    """Check and build the rules from a parsed TOML document."""
    _unknown(source, data, {"version", "basis_zh", "basis_en", "ratios", "regions", "must_inspect"})
    regions: dict[str, Region] = {}
    for code, table in dict(data.get("regions", {})).items():
        where = f"{source}: regions.{code}"
        if not REGION.match(code) or not isinstance(table, dict):
            raise RulesError(f"{where}: a region is 2 to 6 digits of a division code, with a table")
        _unknown(where, table, {"name_zh", "name_en", "ratios"})
        regions[code] = Region(
            code,
            _text(where, table, "name_zh"),
            _text(where, table, "name_en"),
            _ratios(f"{where}.ratios", table.get("ratios")),
        )
    rules: list[MustInspectRule] = []
    for n, table in enumerate(data.get("must_inspect", [])):
        where = f"{source}: must_inspect[{n}]"
        if not isinstance(table, dict):
            raise RulesError(f"{where}: expected a table")
        _unknown(where, table, {"name", "type", "where", "within_days", "reason_zh", "reason_en"})
        type_name = _text(where, table, "type")
        if type_name not in dictionary.types:
            raise RulesError(f"{where}.type: unknown record type {type_name!r}")
        rtype = dictionary.types[type_name]
        conditions: list[tuple[str, tuple[str, ...]]] = []
        for field_name, codes in dict(table.get("where", {})).items():
            fields = {f.name: f for f in rtype.fields}
            f = fields.get(field_name)
            if f is None or not f.codes:
                raise RulesError(f"{where}.where.{field_name}: not a code field of {type_name}")
            if not isinstance(codes, list) or not codes:
                raise RulesError(f"{where}.where.{field_name}: expected a list of codes")
            wrong = [c for c in codes if c not in f.code_values]
            if wrong:
                raise RulesError(
                    f"{where}.where.{field_name}: {wrong[0]!r} is not one of "
                    f"{', '.join(f.code_values)}"
                )
            conditions.append((field_name, tuple(codes)))
        days = table.get("within_days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise RulesError(f"{where}.within_days: expected whole days from 1 to 3650")
        rules.append(
            MustInspectRule(
                _text(where, table, "name"),
                type_name,
                tuple(conditions),
                days,
                _text(where, table, "reason_zh"),
                _text(where, table, "reason_en"),
            )
        )
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise RulesError(f"{source}: must_inspect names must be unique")
    return InspectionRules(
        version=_text(source, data, "version"),
        basis_zh=_text(source, data, "basis_zh"),
        basis_en=_text(source, data, "basis_en"),
        ratios=_ratios(f"{source}: ratios", data.get("ratios")),
        regions=regions,
        must_inspect=tuple(rules),
    )


def load_rules(path: str | Path | None = None) -> InspectionRules:
    """The rules in `path` (default: this package's file), checked against the dictionary."""
    if path is None:
        return _default()
    return _load(Path(path))


def _load(path: Path) -> InspectionRules:
    """The rules of a file; their version is the declared one plus a hash of the file, so an edit
    nobody versioned still names different rules."""
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: {exc}") from None
    rules = parse_rules(data, load_dictionary(), str(path))
    digest = hashlib.sha256(raw).hexdigest()[:12]
    return dataclasses.replace(rules, version=f"{rules.version}+sha256:{digest}")


@functools.cache
def _default() -> InspectionRules:
    return _load(DEFAULT_PATH)


__all__ = ["CLASSES", "InspectionRules", "MustInspectRule", "Region", "RulesError", "load_rules"]

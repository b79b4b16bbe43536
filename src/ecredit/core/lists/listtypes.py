"""List types and the due-process procedure, read strictly from this package's TOML files.

A problem in a file stops loading with a `ListTypeError` naming the file and the key.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parent
KINDS = ("black", "red", "watch")
DECIDERS = ("regulator", "rating-engine")
GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
RISK_CLASSES = ("A", "B", "C", "D")


class ListTypeError(ValueError):
    """A list-type or procedure file that does not say what it must."""

    def __init__(self, file: Path, key: str, message: str) -> None:
        super().__init__(f"{file.name}: {key}: {message}")


@dataclass(frozen=True)
class EntryRule:
    """When an enterprise is proposed: a current record of one of `records`; a latest grade in
    `grades` or risk class in `risk_classes`; an open negative-pool stay (`pool`); and, for red
    lists, no record of `no_records` in the last `lookback_days`."""

    records: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    risk_classes: tuple[str, ...] = ()
    pool: bool = False
    no_records: tuple[str, ...] = ()
    lookback_days: int = 0


@dataclass(frozen=True)
class ListType:
    """One list: who enters it and on what evidence, who decides, how long, and how one leaves."""

    key: str
    version: int
    kind: str
    label_zh: str
    label_en: str
    label_ru: str
    basis_zh: str
    basis_en: str
    criteria_zh: str
    criteria_en: str
    evidence_zh: str
    evidence_en: str
    exit_zh: str
    exit_en: str
    decided_by: str
    objection_days: int
    duration_days: int | None
    entry: EntryRule

    def label(self, lang: str) -> str:
        return {"zh": self.label_zh, "ru": self.label_ru}.get(lang[:2], self.label_en)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "kind": self.kind,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "label_ru": self.label_ru,
            "basis_zh": self.basis_zh,
            "basis_en": self.basis_en,
            "criteria_zh": self.criteria_zh,
            "criteria_en": self.criteria_en,
            "evidence_zh": self.evidence_zh,
            "evidence_en": self.evidence_en,
            "exit_zh": self.exit_zh,
            "exit_en": self.exit_en,
            "decided_by": self.decided_by,
            "objection_days": self.objection_days,
            "duration_days": self.duration_days,
        }


@dataclass(frozen=True)
class Procedure:
    """Deadlines and limits of objections and repair."""

    version: int
    objection_answer_days: int
    repair_decision_days: int
    expiry_warning_days: int
    attachment_max_bytes: int
    attachment_max_count: int
    attachment_types: tuple[str, ...]
    repairable_records: tuple[str, ...]
    serious_records: tuple[str, ...]
    repair_min_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


class _Reader:
    def __init__(self, data: Mapping[str, Any], file: Path, where: str = "") -> None:
        self.data, self.file, self.where = data, file, where
        self.asked: set[str] = set()

    def _key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, message: str) -> ListTypeError:
        return ListTypeError(self.file, self._key(name), message)

    def get(self, name: str, kind: type, default: Any = ...) -> Any:
        self.asked.add(name)
        if name not in self.data:
            if default is ...:
                raise self.fail(name, "is missing")
            return default
        value = self.data[name]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.fail(name, f"must be an integer, not {value!r}")
        if not isinstance(value, kind):
            raise self.fail(name, f"must be {kind.__name__}, not {type(value).__name__}")
        if isinstance(value, int) and value < 0:
            raise self.fail(name, "must not be negative")
        if isinstance(value, str) and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def strings(self, name: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        values = self.get(name, list, [])
        for v in values:
            if not isinstance(v, str) or (allowed is not None and v not in allowed):
                raise self.fail(name, f"{v!r} is not one of {', '.join(allowed or ())}")
        return tuple(values)

    def done(self) -> None:
        extra = sorted(set(self.data) - self.asked)
        if extra:
            raise self.fail(extra[0], "is not a known key")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ListTypeError(path, "", f"not valid TOML: {exc}") from None


def _list_type(path: Path) -> ListType:
    r = _Reader(_read(path), path)
    text = {
        name: r.get(name, str)
        for name in (
            "label_zh",
            "label_en",
            "label_ru",
            "basis_zh",
            "basis_en",
            "criteria_zh",
            "criteria_en",
            "evidence_zh",
            "evidence_en",
            "exit_zh",
            "exit_en",
        )
    }
    key = r.get("key", str)
    if key != path.stem:
        raise r.fail("key", f"must be the file's name {path.stem!r}")
    kind = r.get("kind", str)
    if kind not in KINDS:
        raise r.fail("kind", f"must be one of {', '.join(KINDS)}")
    decided_by = r.get("decided_by", str)
    if decided_by not in DECIDERS:
        raise r.fail("decided_by", f"must be one of {', '.join(DECIDERS)}")
    e = _Reader(r.get("entry", dict), path, "entry")
    entry = EntryRule(
        records=e.strings("records"),
        grades=e.strings("grades", GRADES),
        risk_classes=e.strings("risk_classes", RISK_CLASSES),
        pool=e.get("pool", bool, False),
        no_records=e.strings("no_records"),
        lookback_days=e.get("lookback_days", int, 0),
    )
    e.done()
    if not (entry.records or entry.grades or entry.risk_classes or entry.pool):
        raise e.fail("records", "an entry rule needs records, grades, risk_classes or pool")
    lt = ListType(
        key=key,
        version=r.get("version", int),
        kind=kind,
        decided_by=decided_by,
        objection_days=r.get("objection_days", int),
        duration_days=r.get("duration_days", int, None),
        entry=entry,
        **text,
    )
    r.done()
    return lt


@functools.cache
def load_list_types(path: Path = DEFAULT_PATH) -> Mapping[str, ListType]:
    """Every list type in `path/types/`, by key, in file-name order."""
    types = {lt.key: lt for lt in map(_list_type, sorted((path / "types").glob("*.toml")))}
    return MappingProxyType(types)


@functools.cache
def load_procedure(path: Path = DEFAULT_PATH) -> Procedure:
    file = path / "procedure.toml"
    r = _Reader(_read(file), file)
    mins = _Reader(r.get("repair_min_days", dict, {}), file, "repair_min_days")
    repair_min = {k: mins.get(k, int) for k in list(mins.data)}
    p = Procedure(
        version=r.get("version", int),
        objection_answer_days=r.get("objection_answer_days", int),
        repair_decision_days=r.get("repair_decision_days", int),
        expiry_warning_days=r.get("expiry_warning_days", int),
        attachment_max_bytes=r.get("attachment_max_bytes", int),
        attachment_max_count=r.get("attachment_max_count", int),
        attachment_types=r.strings("attachment_types"),
        repairable_records=r.strings("repairable_records"),
        serious_records=r.strings("serious_records"),
        repair_min_days=MappingProxyType(repair_min),
    )
    r.done()
    return p

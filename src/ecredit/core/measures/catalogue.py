"""Joint reward and punishment measures as data, and which of them apply to an enterprise.

A catalogue (`catalogue-v1.toml`) lists measures. Each names its legal basis, the department that
applies it, the contexts where a department meets it (subsidy, public procurement and bidding,
financing, customs clearance, honours, licensing), whether it rewards or punishes, and its trigger:
list memberships, grades, risk classes or the negative-list pool. A trigger holds when any of its
conditions does. `applicable` is a pure function from an enterprise's `Standing` to the measures
that apply in one context, each with the grounds (and their ledger leaves) that triggered it, so a
department can show the enterprise exactly why.

A punishment outweighs a reward in the same context: when any punishment applies, rewards in that
context are reported as withheld, with the punishment that withholds them (the "one place
dishonest, everywhere restricted" principle of State Council document 国发〔2016〕33号).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ecredit.core.scoring.system import GRADES

CATALOGUE_DIR = Path(__file__).resolve().parent
CONTEXTS = ("subsidy", "procurement", "financing", "customs", "honours", "licensing")
KINDS = ("reward", "penalty")
RISK_CLASSES = ("A", "B", "C", "D")


class CatalogueError(ValueError):
    """A malformed catalogue; the message names the measure and key."""


@dataclass(frozen=True)
class Trigger:
    """Conditions of a measure; it applies when any holds. Empty fields never hold."""

    lists: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    risk_classes: tuple[str, ...] = ()
    negative_pool: bool = False
    no_negative_records_days: int | None = None  # with grades: and nothing negative that long


@dataclass(frozen=True)
class Measure:
    id: str
    kind: str
    contexts: tuple[str, ...]
    label: Mapping[str, str]
    department: Mapping[str, str]
    basis: Mapping[str, str]
    trigger: Trigger

    def text(self, what: str, lang: str) -> str:
        values: Mapping[str, str] = getattr(self, what)
        return values.get(lang) or values.get("en") or next(iter(values.values()), "")


@dataclass(frozen=True)
class Catalogue:
    version: str
    measures: tuple[Measure, ...]
    sha256: str
    context_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def by_id(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)


@dataclass(frozen=True)
class Ground:
    """One fact about the enterprise that a trigger can rest on."""

    kind: str  # "list", "grade", "risk_class", "negative_pool"
    value: str  # list type key, grade, class or "in-pool"
    since: date | None
    ledger_index: int | None
    detail: str = ""


@dataclass(frozen=True)
class Standing:
    """What a credit check knows about an enterprise on a day."""

    subject_id: str
    as_of: date
    grade: str | None
    risk_class: str | None
    grade_ground: Ground | None = None
    lists: tuple[Ground, ...] = ()
    negative_pool: Ground | None = None
    last_negative_on: date | None = None

    def grounds_for(self, trigger: Trigger) -> list[Ground]:
        found: list[Ground] = [g for g in self.lists if g.value in trigger.lists]
        if self.negative_pool is not None and trigger.negative_pool:
            found.append(self.negative_pool)
        g = self.grade_ground
        if g is not None and self.grade is not None:
            quiet = trigger.no_negative_records_days
            calm = (
                quiet is None
                or self.last_negative_on is None
                or (self.as_of - self.last_negative_on).days > quiet
            )
            if self.grade in trigger.grades and calm:
                found.append(g)
            if self.risk_class in trigger.risk_classes:
                found.append(
                    Ground("risk_class", self.risk_class or "", g.since, g.ledger_index, g.detail)
                )
        return found


@dataclass(frozen=True)
class Applied:
    measure: Measure
    grounds: tuple[Ground, ...]
    withheld_by: tuple[str, ...] = ()  # for a reward: the punishments that withhold it


def applicable(catalogue: Catalogue, standing: Standing, context: str) -> list[Applied]:
    """The measures of `context` whose triggers hold for `standing`, punishments first."""
    if context not in CONTEXTS:
        raise CatalogueError(f"unknown context {context!r}; one of {', '.join(CONTEXTS)}")
    hits = [
        Applied(m, tuple(grounds))
        for m in catalogue.measures
        if context in m.contexts and (grounds := standing.grounds_for(m.trigger))
    ]
    penalties = [a for a in hits if a.measure.kind == "penalty"]
    rewards = [a for a in hits if a.measure.kind == "reward"]
    if penalties:
        ids = tuple(a.measure.id for a in penalties)
        rewards = [Applied(a.measure, a.grounds, withheld_by=ids) for a in rewards]
    return penalties + rewards


def _text_map(raw: Mapping[str, Any], stem: str, where: str) -> dict[str, str]:
    out = {lang: raw.get(f"{stem}_{lang}") for lang in ("zh", "en", "ru")}
    if not out["zh"] or not out["en"]:
        raise CatalogueError(f"{where}: {stem}_zh and {stem}_en are required")
    return {k: str(v) for k, v in out.items() if v}


def _strings(raw: Any, where: str, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise CatalogueError(f"{where}: expected a list of strings")
    if allowed is not None:
        bad = [x for x in raw if x not in allowed]
        if bad:
            raise CatalogueError(f"{where}: {', '.join(bad)} not one of {', '.join(allowed)}")
    return tuple(raw)


def parse_catalogue(text: str, source: str = "catalogue") -> Catalogue:
    """A catalogue from TOML text; `CatalogueError` names what is wrong and where."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{source}: not TOML: {exc}") from None
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise CatalogueError(f"{source}: version is required")
    contexts = raw.get("contexts", {})
    labels = {
        c: _text_map(contexts[c], "label", f"{source}: contexts.{c}")
        if c in contexts
        else {"zh": c, "en": c}
        for c in CONTEXTS
    }
    measures: list[Measure] = []
    seen: set[str] = set()
    for n, m in enumerate(raw.get("measures", []), 1):
        where = f"{source}: measure {m.get('id') or n}"
        mid = m.get("id")
        if not isinstance(mid, str) or not mid or mid in seen:
            raise CatalogueError(f"{where}: a unique id is required")
        seen.add(mid)
        kind = m.get("kind")
        if kind not in KINDS:
            raise CatalogueError(f"{where}: kind must be one of {', '.join(KINDS)}")
        t = m.get("trigger") or {}
        unknown = set(t) - {
            "lists",
            "grades",
            "risk_classes",
            "negative_pool",
            "no_negative_records_days",
        }
        if unknown:
            raise CatalogueError(f"{where}: unknown trigger keys {', '.join(sorted(unknown))}")
        days = t.get("no_negative_records_days")
        if days is not None and (not isinstance(days, int) or days < 0):
            raise CatalogueError(f"{where}: no_negative_records_days must be a whole number ≥ 0")
        trigger = Trigger(
            lists=_strings(t.get("lists"), f"{where}: trigger.lists"),
            grades=_strings(t.get("grades"), f"{where}: trigger.grades", GRADES),
            risk_classes=_strings(
                t.get("risk_classes"), f"{where}: trigger.risk_classes", RISK_CLASSES
            ),
            negative_pool=bool(t.get("negative_pool", False)),
            no_negative_records_days=days,
        )
        if not (trigger.lists or trigger.grades or trigger.risk_classes or trigger.negative_pool):
            raise CatalogueError(f"{where}: the trigger has no condition")
        ctx = _strings(m.get("contexts"), f"{where}: contexts", CONTEXTS)
        if not ctx:
            raise CatalogueError(f"{where}: at least one context is required")
        measures.append(
            Measure(
                id=mid,
                kind=kind,
                contexts=ctx,
                label=_text_map(m, "label", where),
                department=_text_map(m, "department", where),
                basis=_text_map(m, "basis", where),
                trigger=trigger,
            )
        )
    if not measures:
        raise CatalogueError(f"{source}: no measures")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Catalogue(version, tuple(measures), digest, labels)


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue shipped with ecredit (or the one at `path`)."""
    path = path or CATALOGUE_DIR / "catalogue-v1.toml"
    return parse_catalogue(path.read_text(encoding="utf-8"), path.name)

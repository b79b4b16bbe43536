"""Indicator systems: dimensions, weights, banded indicators, veto items and grade bands, as data.

A system is one TOML file in `systems/`; its version names the file and a hash of its bytes, so
every evaluation says exactly which rules produced it. The loader is strict: a file with an
unknown key, a weight sum other than 1, unordered bands or an unknown feature is refused with an
`IndicatorSystemError` that names the file and the key.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from ecredit.core.scoring.features import FEATURE_KEYS

GRADES: tuple[str, ...] = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
RISK_CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
RISK_CLASS_LABELS: dict[str, tuple[str, str]] = {
    "A": ("低风险", "low risk"),
    "B": ("一般风险", "general risk"),
    "C": ("较高风险", "higher risk"),
    "D": ("高风险", "high risk"),
}
SCORE_MAX = 1000
DIRECTIONS = ("lower_is_better", "higher_is_better")
SYSTEMS_DIR = Path(__file__).parent / "systems"


class IndicatorSystemError(ValueError):
    """An indicator system file that cannot be used; names the file and the key."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{path}: {key}: {message}")


@dataclass(frozen=True)
class Dimension:
    """One of the dimensions an evaluation is split into, with its share of the score."""

    key: str
    label_zh: str
    label_en: str
    weight: float


@dataclass(frozen=True)
class Indicator:
    """One feature mapped to points through bands.

    `lower_is_better`: bands are (upper bound, points) with rising bounds; the first band whose
    bound the value does not exceed gives the points. `higher_is_better`: bands are (lower bound,
    points) with falling bounds; the first band the value reaches gives the points. Values past
    the last band get `otherwise`; a missing value gets `missing` (the neutral points).
    """

    key: str
    dimension: str
    feature: str
    label_zh: str
    label_en: str
    direction: str
    bands: tuple[tuple[float, float], ...]
    otherwise: float
    missing: float
    reason_zh: str
    reason_en: str

    @property
    def max_points(self) -> float:
        return self.bands[0][1]

    def points(self, value: float | None) -> float:
        """The points a feature value earns."""
        if value is None:
            return self.missing
        for bound, points in self.bands:
            if value <= bound if self.direction == "lower_is_better" else value >= bound:
                return points
        return self.otherwise


@dataclass(frozen=True)
class VetoRule:
    """A condition that caps the grade whatever the score: feature value >= `at_least`."""

    key: str
    feature: str
    at_least: float
    cap_grade: str
    label_zh: str
    label_en: str
    reason_zh: str
    reason_en: str

    def applies(self, value: float | None) -> bool:
        return value is not None and value >= self.at_least


@dataclass(frozen=True)
class GradeBand:
    """A grade, the lowest score that reaches it, and the risk class it maps to."""

    grade: str
    min_score: int
    risk_class: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class IndicatorSystem:
    """A loaded, validated indicator system."""

    name: str
    version: str
    path: str
    title_zh: str
    title_en: str
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    vetoes: tuple[VetoRule, ...]
    grades: tuple[GradeBand, ...]

    def dimension(self, key: str) -> Dimension:
        for dim in self.dimensions:
            if dim.key == key:
                return dim
        raise KeyError(key)

    def grade_for(self, score: int) -> str:
        """The grade whose band holds `score`."""
        for band in self.grades:
            if score >= band.min_score:
                return band.grade
        return self.grades[-1].grade

    def risk_class_for(self, grade: str) -> str:
        for band in self.grades:
            if band.grade == grade:
                return band.risk_class
        raise KeyError(grade)

    @property
    def features_used(self) -> tuple[str, ...]:
        """The feature keys the indicators and vetoes read, in file order, without repeats."""
        keys = [i.feature for i in self.indicators] + [v.feature for v in self.vetoes]
        return tuple(dict.fromkeys(keys))


def available_systems(directory: Path = SYSTEMS_DIR) -> list[str]:
    """Names of the systems in `directory`, oldest first (v2 before v10)."""

    def order(path: Path) -> tuple[int, str]:
        match = re.fullmatch(r"v(\d+)", path.stem)
        return (int(match.group(1)) if match else -1, path.stem)

    return [p.stem for p in sorted(directory.glob("*.toml"), key=order)]


def load_indicator_system(source: str | Path | None = None) -> IndicatorSystem:
    """Load a system: the newest bundled one, a bundled one by name ("v1"), or a file by Path."""
    if isinstance(source, Path):
        return _load_file(source)
    if source is None:
        names = available_systems()
        if not names:
            raise IndicatorSystemError(SYSTEMS_DIR, "*", "no indicator system files")
        source = names[-1]
    return _load_bundled(source)


@lru_cache(maxsize=16)
def _load_bundled(name: str) -> IndicatorSystem:
    path = SYSTEMS_DIR / f"{name}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name) or not path.is_file():
        known = ", ".join(available_systems())
        raise IndicatorSystemError(
            path, "name", f"unknown indicator system {name!r}; known: {known}"
        )
    return _load_file(path)


def _load_file(path: Path) -> IndicatorSystem:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IndicatorSystemError(path, "*", f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IndicatorSystemError(path, "*", f"not valid TOML: {exc}") from exc
    return _Parser(path).system(data, hashlib.sha256(raw).hexdigest()[:12])


class _Parser:
    """Turns the TOML document into an IndicatorSystem, refusing anything it does not expect."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> IndicatorSystemError:
        return IndicatorSystemError(self.path, key, message)

    def table(self, value: Any, key: str, required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        unknown = sorted(set(value) - required)
        if unknown:
            allowed = ", ".join(sorted(required))
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0], f"unknown key; allowed: {allowed}"
            )
        for name in sorted(required):
            if name not in value:
                raise self.fail(f"{key}.{name}" if key else name, "missing")
        return value

    @staticmethod
    def where(section: str, n: int, item: Any, name_field: str = "key") -> str:
        """How an array entry is named in errors: by its key when it has one, else by position."""
        name = item.get(name_field) if isinstance(item, dict) else None
        return f"{section}[{name}]" if isinstance(name, str) and name else f"{section}[{n}]"

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def ident(self, value: Any, key: str) -> str:
        text = self.text(value, key)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
            raise self.fail(key, f"{text!r} must be lower_snake_case")
        return text

    def number(self, value: Any, key: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.fail(key, "must be a finite number")
        return float(value)

    def array(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty array")
        return value

    def system(self, data: dict[str, Any], digest: str) -> IndicatorSystem:
        doc = self.table(
            data,
            "",
            {"name", "title_zh", "title_en", "dimensions", "indicators", "vetoes", "grades"},
        )
        name = self.text(doc["name"], "name")
        if name != self.path.stem:
            raise self.fail("name", f"{name!r} must match the file name {self.path.stem!r}")
        dimensions = self.dimensions(self.array(doc["dimensions"], "dimensions"))
        indicators = self.indicators(
            self.array(doc["indicators"], "indicators"), {d.key for d in dimensions}
        )
        for dim in dimensions:
            if not any(i.dimension == dim.key for i in indicators):
                raise self.fail(f"dimensions[{dim.key}]", "has no indicators")
        vetoes = self.vetoes(doc["vetoes"])
        grades = self.grades(self.array(doc["grades"], "grades"))
        return IndicatorSystem(
            name=name,
            version=f"isys-{name}+sha256:{digest}",
            path=str(self.path),
            title_zh=self.text(doc["title_zh"], "title_zh"),
            title_en=self.text(doc["title_en"], "title_en"),
            dimensions=dimensions,
            indicators=indicators,
            vetoes=vetoes,
            grades=grades,
        )

    def dimensions(self, items: list[Any]) -> tuple[Dimension, ...]:
        out: list[Dimension] = []
        for n, item in enumerate(items):
            where = self.where("dimensions", n, item)
            t = self.table(item, where, {"key", "label_zh", "label_en", "weight"})
            key = self.ident(t["key"], f"{where}.key")
            if any(d.key == key for d in out):
                raise self.fail(f"{where}.key", "duplicate dimension")
            weight = self.number(t["weight"], f"{where}.weight")
            if not 0 < weight <= 1:
                raise self.fail(f"{where}.weight", f"{weight} must be in (0, 1]")
            out.append(
                Dimension(
                    key,
                    self.text(t["label_zh"], f"{where}.label_zh"),
                    self.text(t["label_en"], f"{where}.label_en"),
                    weight,
                )
            )
        total = sum((Fraction(str(d.weight)) for d in out), Fraction(0))
        if total != 1:
            raise self.fail("dimensions.weight", f"weights sum to {float(total):g}, not 1")
        return tuple(out)

    def indicators(self, items: list[Any], dimensions: set[str]) -> tuple[Indicator, ...]:
        out: list[Indicator] = []
        fields = {
            "key",
            "dimension",
            "feature",
            "label_zh",
            "label_en",
            "direction",
            "bands",
            "otherwise",
            "missing",
            "reason_zh",
            "reason_en",
        }
        for n, item in enumerate(items):
            where = self.where("indicators", n, item)
            t = self.table(item, where, fields)
            key = self.ident(t["key"], f"{where}.key")
            if any(i.key == key for i in out):
                raise self.fail(f"{where}.key", "duplicate indicator")
            dimension = self.text(t["dimension"], f"{where}.dimension")
            if dimension not in dimensions:
                raise self.fail(f"{where}.dimension", f"unknown dimension {dimension!r}")
            feature = self.text(t["feature"], f"{where}.feature")
            if feature not in FEATURE_KEYS:
                raise self.fail(f"{where}.feature", f"unknown feature {feature!r}")
            direction = self.text(t["direction"], f"{where}.direction")
            if direction not in DIRECTIONS:
                raise self.fail(f"{where}.direction", f"{direction!r} must be one of {DIRECTIONS}")
            bands = self.bands(t["bands"], f"{where}.bands", direction)
            otherwise = self.number(t["otherwise"], f"{where}.otherwise")
            if not 0 <= otherwise <= bands[-1][1]:
                raise self.fail(
                    f"{where}.otherwise", f"{otherwise:g} must be in [0, {bands[-1][1]:g}]"
                )
            missing = self.number(t["missing"], f"{where}.missing")
            if not 0 <= missing <= bands[0][1]:
                raise self.fail(f"{where}.missing", f"{missing:g} must be in [0, {bands[0][1]:g}]")
            out.append(
                Indicator(
                    key=key,
                    dimension=dimension,
                    feature=feature,
                    label_zh=self.text(t["label_zh"], f"{where}.label_zh"),
                    label_en=self.text(t["label_en"], f"{where}.label_en"),
                    direction=direction,
                    bands=bands,
                    otherwise=otherwise,
                    missing=missing,
                    reason_zh=self.text(t["reason_zh"], f"{where}.reason_zh"),
                    reason_en=self.text(t["reason_en"], f"{where}.reason_en"),
                )
            )
        return tuple(out)

    def bands(self, value: Any, where: str, direction: str) -> tuple[tuple[float, float], ...]:
        out: list[tuple[float, float]] = []
        for n, band in enumerate(self.array(value, where)):
            if not isinstance(band, list) or len(band) != 2:
                raise self.fail(f"{where}[{n}]", "must be [bound, points]")
            bound = self.number(band[0], f"{where}[{n}]")
            points = self.number(band[1], f"{where}[{n}]")
            if points < 0:
                raise self.fail(f"{where}[{n}]", "points must not be negative")
            if out:
                prev_bound, prev_points = out[-1]
                rising = bound > prev_bound
                if rising != (direction == "lower_is_better"):
                    order = "rise" if direction == "lower_is_better" else "fall"
                    raise self.fail(f"{where}[{n}]", f"bounds must strictly {order} ({direction})")
                if points > prev_points:
                    raise self.fail(f"{where}[{n}]", "points must not increase from band to band")
            out.append((bound, points))
        if out[0][1] <= 0:
            raise self.fail(f"{where}[0]", "the best band must give more than 0 points")
        return tuple(out)

    def vetoes(self, value: Any) -> tuple[VetoRule, ...]:
        if not isinstance(value, list):
            raise self.fail("vetoes", "must be an array of tables")
        out: list[VetoRule] = []
        fields = {
            "key",
            "feature",
            "at_least",
            "cap_grade",
            "label_zh",
            "label_en",
            "reason_zh",
            "reason_en",
        }
        for n, item in enumerate(value):
            where = self.where("vetoes", n, item)
            t = self.table(item, where, fields)
            key = self.ident(t["key"], f"{where}.key")
            if any(v.key == key for v in out):
                raise self.fail(f"{where}.key", "duplicate veto")
            feature = self.text(t["feature"], f"{where}.feature")
            if feature not in FEATURE_KEYS:
                raise self.fail(f"{where}.feature", f"unknown feature {feature!r}")
            cap = self.text(t["cap_grade"], f"{where}.cap_grade")
            if cap not in GRADES:
                raise self.fail(f"{where}.cap_grade", f"{cap!r} must be one of {GRADES}")
            out.append(
                VetoRule(
                    key=key,
                    feature=feature,
                    at_least=self.number(t["at_least"], f"{where}.at_least"),
                    cap_grade=cap,
                    label_zh=self.text(t["label_zh"], f"{where}.label_zh"),
                    label_en=self.text(t["label_en"], f"{where}.label_en"),
                    reason_zh=self.text(t["reason_zh"], f"{where}.reason_zh"),
                    reason_en=self.text(t["reason_en"], f"{where}.reason_en"),
                )
            )
        return tuple(out)

    def grades(self, items: list[Any]) -> tuple[GradeBand, ...]:
        out: list[GradeBand] = []
        fields = {"grade", "min_score", "risk_class", "label_zh", "label_en"}
        for n, item in enumerate(items):
            where = self.where("grades", n, item, "grade")
            t = self.table(item, where, fields)
            grade = self.text(t["grade"], f"{where}.grade")
            if n >= len(GRADES) or grade != GRADES[n]:
                expected = GRADES[n] if n < len(GRADES) else "nothing"
                raise self.fail(f"{where}.grade", f"{grade!r} out of order; expected {expected}")
            min_score = t["min_score"]
            if isinstance(min_score, bool) or not isinstance(min_score, int):
                raise self.fail(f"{where}.min_score", "must be an integer")
            if not 0 <= min_score <= SCORE_MAX:
                raise self.fail(f"{where}.min_score", f"{min_score} must be in [0, {SCORE_MAX}]")
            if out and min_score >= out[-1].min_score:
                raise self.fail(
                    f"{where}.min_score",
                    f"{min_score} must be below {out[-1].grade}'s {out[-1].min_score}",
                )
            risk = self.text(t["risk_class"], f"{where}.risk_class")
            if risk not in RISK_CLASSES:
                raise self.fail(f"{where}.risk_class", f"{risk!r} must be one of {RISK_CLASSES}")
            if out and RISK_CLASSES.index(risk) < RISK_CLASSES.index(out[-1].risk_class):
                raise self.fail(
                    f"{where}.risk_class", "a lower grade cannot have a lower risk class"
                )
            out.append(
                GradeBand(
                    grade,
                    min_score,
                    risk,
                    self.text(t["label_zh"], f"{where}.label_zh"),
                    self.text(t["label_en"], f"{where}.label_en"),
                )
            )
        if len(out) != len(GRADES):
            raise self.fail("grades", f"must list all of {', '.join(GRADES)}")
        if out[-1].min_score != 0:
            raise self.fail(
                f"grades[{out[-1].grade}].min_score", "the lowest grade must start at 0"
            )
        return tuple(out)

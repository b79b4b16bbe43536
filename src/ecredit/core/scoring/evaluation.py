"""Evaluate a features dict against an indicator system: score, grade, risk class and reasons.

The arithmetic is exact (fractions), so the same system and features always give the same
score, whatever the platform. Anything that produces a features dict (the rule-based features
today, a statistical model later) can be evaluated and explained the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ecredit.core.scoring.system import GRADES, SCORE_MAX, IndicatorSystem


@dataclass(frozen=True)
class Contribution:
    """What one indicator gave: its points out of `max_points` and the score points it cost.

    `score_loss` is the loss on the 0-1000 scale: (max_points - points) weighted by the
    indicator's share of its dimension and the dimension's weight.
    """

    indicator: str
    dimension: str
    label_zh: str
    label_en: str
    feature_value: float | None
    points: float
    max_points: float
    feature: str = ""
    score_loss: float = 0.0
    reason_zh: str = ""
    reason_en: str = ""

    @property
    def points_lost(self) -> float:
        return self.max_points - self.points


@dataclass(frozen=True)
class Veto:
    """A veto item that applied, and the grade it capped the result at."""

    key: str
    label_zh: str
    label_en: str
    cap_grade: str
    feature: str = ""
    feature_value: float | None = None
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class EvaluationResult:
    """The outcome of one evaluation; `uncapped_grade` is the grade before vetoes."""

    score: int
    grade: str
    risk_class: str
    dimension_scores: dict[str, float]
    contributions: list[Contribution]
    vetoes: list[Veto]
    system_version: str
    uncapped_grade: str = ""
    features: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict holding everything needed to show or reproduce the result."""
        return {
            "system_version": self.system_version,
            "score": self.score,
            "grade": self.grade,
            "uncapped_grade": self.uncapped_grade,
            "risk_class": self.risk_class,
            "dimension_scores": dict(self.dimension_scores),
            "contributions": [asdict(c) for c in self.contributions],
            "vetoes": [asdict(v) for v in self.vetoes],
            "features": dict(self.features),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvaluationResult:
        """The result `to_json` described."""
        return cls(
            score=int(data["score"]),
            grade=str(data["grade"]),
            risk_class=str(data["risk_class"]),
            dimension_scores={str(k): float(v) for k, v in data["dimension_scores"].items()},
            contributions=[Contribution(**c) for c in data["contributions"]],
            vetoes=[Veto(**v) for v in data["vetoes"]],
            system_version=str(data["system_version"]),
            uncapped_grade=str(data.get("uncapped_grade", "")),
            features=dict(data.get("features", {})),
        )


def evaluate(system: IndicatorSystem, features: Mapping[str, float | None]) -> EvaluationResult:
    """Score `features` with `system`; a feature that is absent counts as missing (None)."""
    used = {key: _feature_value(features, key) for key in system.features_used}
    earned: dict[str, Fraction] = {d.key: Fraction(0) for d in system.dimensions}
    possible: dict[str, Fraction] = {d.key: Fraction(0) for d in system.dimensions}
    points: list[float] = []
    for ind in system.indicators:
        got = ind.points(used[ind.feature])
        points.append(got)
        earned[ind.dimension] += _exact(got)
        possible[ind.dimension] += _exact(ind.max_points)

    weights = {d.key: _exact(d.weight) for d in system.dimensions}
    total = sum((weights[k] * earned[k] / possible[k] for k in weights), Fraction(0))
    score = min(SCORE_MAX, max(0, math.floor(total * SCORE_MAX + Fraction(1, 2))))

    contributions = []
    for ind, got in zip(system.indicators, points, strict=True):
        loss = SCORE_MAX * weights[ind.dimension] * (_exact(ind.max_points) - _exact(got))
        contributions.append(
            Contribution(
                indicator=ind.key,
                dimension=ind.dimension,
                label_zh=ind.label_zh,
                label_en=ind.label_en,
                feature_value=used[ind.feature],
                points=got,
                max_points=ind.max_points,
                feature=ind.feature,
                score_loss=float(round(loss / possible[ind.dimension], 4)),
                reason_zh=ind.reason_zh,
                reason_en=ind.reason_en,
            )
        )

    vetoes = [
        Veto(
            key=rule.key,
            label_zh=rule.label_zh,
            label_en=rule.label_en,
            cap_grade=rule.cap_grade,
            feature=rule.feature,
            feature_value=used[rule.feature],
            reason_zh=rule.reason_zh,
            reason_en=rule.reason_en,
        )
        for rule in system.vetoes
        if rule.applies(used[rule.feature])
    ]
    uncapped = system.grade_for(score)
    grade = max([uncapped, *(v.cap_grade for v in vetoes)], key=GRADES.index)
    return EvaluationResult(
        score=score,
        grade=grade,
        risk_class=system.risk_class_for(grade),
        dimension_scores={k: float(round(100 * earned[k] / possible[k], 2)) for k in earned},
        contributions=contributions,
        vetoes=vetoes,
        system_version=system.version,
        uncapped_grade=uncapped,
        features=used,
    )


def top_reasons(result: EvaluationResult, n: int = 3, lang: str = "zh") -> list[str]:
    """Up to `n` reasons for the grade: vetoes first, then the indicators that cost most points."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    sep = "：" if lang == "zh" else ": "
    reasons = [
        f"{v.label_zh if lang == 'zh' else v.label_en}{sep}"
        f"{v.reason_zh if lang == 'zh' else v.reason_en}"
        for v in result.vetoes
    ]
    # An indicator with no data earns neutral points; its reason text describes a bad value, which
    # would be false, so it is named as missing data, after the indicators that really lost points.
    losing = sorted(
        (c for c in result.contributions if c.score_loss > 0 and c.feature_value is not None),
        key=lambda c: -c.score_loss,  # stable: ties keep the system's order
    )
    missing = sorted(
        (c for c in result.contributions if c.score_loss > 0 and c.feature_value is None),
        key=lambda c: -c.score_loss,
    )
    reasons += [
        f"{c.label_zh if lang == 'zh' else c.label_en}{sep}"
        f"{c.reason_zh if lang == 'zh' else c.reason_en}"
        for c in losing
    ]
    reasons += [
        f"{c.label_zh}{sep}暂无相关记录，本项只得中性分。"
        if lang == "zh"
        else f"{c.label_en}{sep}no data on record yet, so this item earns neutral points only."
        for c in missing
    ]
    return reasons[: max(0, n)]


def _feature_value(features: Mapping[str, float | None], key: str) -> float | None:
    value = features.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"feature {key!r} must be a number or None, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"feature {key!r} must be finite, not {value!r}")
    return float(value)


@lru_cache(maxsize=65_536)
def _exact(value: float) -> Fraction:
    """The decimal a person wrote (0.15 is 3/20), not the binary float nearest to it.

    Cached: the same few hundred weights and points recur in every evaluation, and parsing them
    was most of an evaluation's cost.
    """
    return Fraction(repr(float(value)))

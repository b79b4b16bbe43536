"""Score and grade a whole features table with an indicator system, vectorised with numpy.

Gives what `ecredit.core.scoring.evaluate` gives per row (score, uncapped grade, grade, risk
class), bit for bit: the points of every band are scaled to integers and the weighted sum is
kept as an integer numerator over one common denominator, so the rounding of the total to the
0-1000 score is exact, as `evaluate`'s fractions are. Band lookup is compare-and-count: the
number of bounds a value passes is its band's index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ecredit.core.scoring.system import GRADES, SCORE_MAX, IndicatorSystem

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
INT64_HEADROOM = 2**62


def _exact(value: float) -> Fraction:
    """The decimal a person wrote (0.15 is 3/20), as `evaluate` reads it."""
    return Fraction(repr(float(value)))


@dataclass(frozen=True)
class _Indicator:
    feature: str
    lower_is_better: bool
    bounds: tuple[float, ...]
    points: Ints  # scaled points of each band, then `otherwise`
    missing: int
    dimension: int


@dataclass(frozen=True)
class _Compiled:
    indicators: tuple[_Indicator, ...]
    weights: tuple[int, ...]  # per dimension: the integer weight of its scaled points
    denominator: int  # score * denominator == sum of weight * scaled points (before rounding)
    min_scores: Ints  # per grade, best first
    risk_classes: tuple[str, ...]


@lru_cache(maxsize=8)
def _compile(system: IndicatorSystem) -> _Compiled:
    values = [
        _exact(p)
        for ind in system.indicators
        for p in (*(points for _, points in ind.bands), ind.otherwise, ind.missing)
    ]
    scale = math.lcm(*(v.denominator for v in values))
    dims = [d.key for d in system.dimensions]
    possible = {d: Fraction(0) for d in dims}
    for ind in system.indicators:
        possible[ind.dimension] += _exact(ind.max_points)
    per_point = [
        SCORE_MAX * _exact(d.weight) / (possible[d.key] * scale) for d in system.dimensions
    ]
    denominator = math.lcm(*(c.denominator for c in per_point))
    weights = tuple(int(c * denominator) for c in per_point)
    indicators = tuple(
        _Indicator(
            feature=ind.feature,
            lower_is_better=ind.direction == "lower_is_better",
            bounds=tuple(bound for bound, _ in ind.bands),
            points=np.array(
                [int(_exact(p) * scale) for p in (*(p for _, p in ind.bands), ind.otherwise)],
                dtype=np.int64,
            ),
            missing=int(_exact(ind.missing) * scale),
            dimension=dims.index(ind.dimension),
        )
        for ind in system.indicators
    )
    most = sum(weights[i.dimension] * max(int(i.points.max()), i.missing) for i in indicators)
    if 2 * most + denominator >= INT64_HEADROOM:
        raise ValueError(f"{system.version}: points too fine-grained for exact int64 scoring")
    return _Compiled(
        indicators=indicators,
        weights=weights,
        denominator=denominator,
        min_scores=np.array([g.min_score for g in system.grades], dtype=np.int64),
        risk_classes=tuple(g.risk_class for g in system.grades),
    )


def _column(features: pa.Table, key: str) -> Floats:
    """A feature as float64 with NaN for None; all NaN when the table lacks it."""
    if key not in features.column_names:
        return np.full(features.num_rows, np.nan)
    column = features.column(key).cast(pa.float64())
    return np.asarray(column.fill_null(np.nan).to_numpy(), dtype=np.float64)


def score_features(system: IndicatorSystem, features: pa.Table) -> Ints:
    """The 0-1000 score of every row, as `evaluate(system, row).score`."""
    compiled = _compile(system)
    cache: dict[str, Floats] = {}
    total = np.zeros(features.num_rows, dtype=np.int64)
    for ind in compiled.indicators:
        value = cache.get(ind.feature)
        if value is None:
            value = cache[ind.feature] = _column(features, ind.feature)
        band = np.zeros(value.shape, dtype=np.int64)
        for bound in ind.bounds:  # bounds rise (lower is better) or fall: count those passed
            band += (bound < value) if ind.lower_is_better else (bound > value)
        points = ind.points[band]
        points[np.isnan(value)] = ind.missing
        total += compiled.weights[ind.dimension] * points
    d = compiled.denominator
    scores: Ints = np.clip((2 * total + d) // (2 * d), 0, SCORE_MAX)
    return scores


def grade_scores(
    system: IndicatorSystem, scores: Ints, features: pa.Table
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Indexes into GRADES of the uncapped grade (the score's band) and of the capped grade."""
    compiled = _compile(system)
    uncapped = (compiled.min_scores[None, :] > scores[:, None]).sum(axis=1).astype(np.int8)
    grade = uncapped.copy()
    for rule in system.vetoes:
        value = _column(features, rule.feature)
        applies = ~np.isnan(value) & (value >= rule.at_least)
        np.maximum(grade, np.where(applies, GRADES.index(rule.cap_grade), 0), out=grade)
    return uncapped, grade


def evaluate_table(system: IndicatorSystem, features: pa.Table) -> pa.Table:
    """enterprise_key, score, uncapped_grade, grade and risk_class of every row of `features`."""
    compiled = _compile(system)
    scores = score_features(system, features)
    uncapped, grade = grade_scores(system, scores, features)
    names = pa.array(GRADES, pa.string())
    risks = pa.array(compiled.risk_classes, pa.string())

    def decode(index: npt.NDArray[np.int8], labels: pa.Array) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(index), labels).cast(pa.string())

    return pa.table(
        {
            "enterprise_key": features.column("enterprise_key"),
            "score": pa.array(scores.astype(np.int32)),
            "uncapped_grade": decode(uncapped, names),
            "grade": decode(grade, names),
            "risk_class": decode(grade, risks),
        }
    )

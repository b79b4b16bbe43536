"""Reasons and what-if guidance for any model family, computed in batches.

A model's reasons are found the same way for every family (scorecard, forest, network): for each
feature, replace the enterprise's value with the value typical of good enterprises (the median
among the training rows without a serious event, frozen with the model) and see how much the
published score would rise. The features whose substitution gains the most points are what pulled
the score down. A feature with no data whose substitution gains points is named as missing data,
never as a bad value. What-if guidance is greedy on the same substitutions, over the features an
enterprise can change by its own conduct, until the next better grade is reached.

Everything is vectorised: one `predict` call scores every enterprise for one substituted feature,
so explaining 5,000 enterprises with 34 features is 34 calls, not 170,000.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecredit.core.scoring.calibration import NormalScoreMap
from ecredit.core.scoring.features import FEATURES, FeatureSpec
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.whatif import NOT_ACTIONABLE, Suggestion, WhatIf

SPECS: dict[str, FeatureSpec] = {f.key: f for f in FEATURES}
# A substitution worth less than this many points is noise, not a reason.
MIN_POINTS = 0.5

Predict = Callable[[pd.DataFrame], np.ndarray]


def good_reference(X: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    """Per column, the median among rows with y == 0 (good), ignoring missing values; a column
    with no value among good rows is left out."""
    good = X[np.asarray(y) == 0]
    out: dict[str, float] = {}
    for c in X.columns:
        col = pd.to_numeric(good[c], errors="coerce").dropna()
        if len(col):
            out[str(c)] = float(np.median(col.to_numpy(dtype=np.float64)))
    return out


def fmt_value(feature: str, value: float | None, lang: str) -> str:
    """A feature's value in words a merchant reads: percent for rates, yes/no for flags."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "无记录" if lang == "zh" else "no record"
    unit = SPECS[feature].unit if feature in SPECS else ""
    if unit == "rate":
        return f"{value:.1%}"
    if unit == "flag":
        yes = value >= 0.5
        return ("是" if yes else "否") if lang == "zh" else ("yes" if yes else "no")
    if unit == "CNY":
        return f"¥{value:,.0f}"
    if unit in ("count", "months"):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{value:.4g}"


@dataclass(frozen=True)
class Reason:
    feature: str
    current: float | None
    typical: float
    points: float  # how many points the score would gain with the typical value

    def text(self, lang: str) -> str:
        spec = SPECS.get(self.feature)
        label = (spec.label_zh if lang == "zh" else spec.label_en) if spec else self.feature
        typical = fmt_value(self.feature, self.typical, lang)
        pts = max(1, round(self.points))
        if self.current is None:
            if lang == "zh":
                return (
                    f"{label}：暂无相关记录，本项无法加分（良好企业通常为 {typical}，约 {pts} 分）"
                )
            return (
                f"{label}: no data on record yet, so this item adds nothing "
                f"(good enterprises typically {typical}; about {pts} points)"
            )
        current = fmt_value(self.feature, self.current, lang)
        if lang == "zh":
            return f"{label}为 {current}，良好企业通常为 {typical}，使评分降低约 {pts} 分"
        return (
            f"{label} is {current}; good enterprises typically {typical}; costs about {pts} points"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "current": self.current,
            "typical": self.typical,
            "points": round(self.points, 2),
        }


def _with(
    X: pd.DataFrame, column: str, value: float, rows: np.ndarray | None = None
) -> pd.DataFrame:
    out = X.copy()
    if rows is None:
        out[column] = value
    else:
        col = out[column].to_numpy(dtype=np.float64, copy=True)
        col[rows] = value
        out[column] = col
    return out


def explain(
    predict: Predict,
    score_map: NormalScoreMap,
    X: pd.DataFrame,
    reference: Mapping[str, float],
    *,
    n: int = 3,
) -> list[list[Reason]]:
    """For each row of `X`, up to `n` reasons: features with a known value first, by points
    lost (largest first; ties keep column order), then missing ones."""
    base = score_map.score_array(predict(X))
    gains: dict[str, np.ndarray] = {}
    for c in X.columns:
        ref = reference.get(str(c))
        if ref is None:
            continue
        gains[str(c)] = score_map.score_array(predict(_with(X, str(c), ref))) - base
    out: list[list[Reason]] = []
    values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    index = {str(c): i for i, c in enumerate(X.columns)}
    for r in range(len(X)):
        known: list[Reason] = []
        missing: list[Reason] = []
        for c, g in gains.items():
            if g[r] < MIN_POINTS:
                continue
            v = values[r, index[c]]
            if math.isnan(v):
                missing.append(Reason(c, None, reference[c], float(g[r])))
            else:
                known.append(Reason(c, float(v), reference[c], float(g[r])))
        known.sort(key=lambda x: -x.points)
        missing.sort(key=lambda x: -x.points)
        out.append((known + missing)[: max(0, n)])
    return out


def what_if_batch(
    predict: Predict,
    score_map: NormalScoreMap,
    X: pd.DataFrame,
    reference: Mapping[str, float],
    grade_for: Callable[[float], str],
    grades: Sequence[str],
    *,
    max_steps: int = 4,
    not_actionable: frozenset[str] = NOT_ACTIONABLE,
) -> list[WhatIf]:
    """For each row, the fewest own changes (greedy, most points first) that lift its banded grade
    one step, each change moving one feature to the value typical of good enterprises.

    `grades` is each row's banded grade (its score's band, before vetoes: a row under a veto
    needs the veto lifted first, which the caller advises); a row at AAA gets no advice. A change is
    offered only where it raises the score. `reached` says whether the target grade is met.
    """
    state = X.copy()
    scores = score_map.score_array(predict(state))
    targets = [GRADES[GRADES.index(g) - 1] if g != GRADES[0] else None for g in grades]
    chosen: list[list[Suggestion]] = [[] for _ in range(len(X))]
    active = np.array(
        [
            t is not None and GRADES.index(grade_for(s)) > GRADES.index(t)
            for t, s in zip(targets, scores, strict=True)
        ]
    )
    reached = np.array([t is not None and not a for t, a in zip(targets, active, strict=True)])
    columns = [str(c) for c in X.columns if str(c) not in not_actionable and str(c) in reference]
    for _ in range(max_steps):
        rows = np.flatnonzero(active)
        if not len(rows):
            break
        sub = state.iloc[rows]
        best_gain = np.zeros(len(rows))
        best_col = np.full(len(rows), -1)
        for j, c in enumerate(columns):
            g = score_map.score_array(predict(_with(sub, c, reference[c]))) - scores[rows]
            better = g > np.maximum(best_gain, MIN_POINTS)
            best_gain[better] = g[better]
            best_col[better] = j
        for k, r in enumerate(rows):
            j = int(best_col[k])
            if j < 0:
                active[r] = False
                continue
            c = columns[j]
            cur = state.iat[r, state.columns.get_loc(c)]
            current = None if pd.isna(cur) else float(cur)
            spec = SPECS.get(c)
            chosen[r].append(
                Suggestion(
                    key=c,
                    feature=c,
                    label_zh=spec.label_zh if spec else c,
                    label_en=spec.label_en if spec else c,
                    current=current,
                    target=reference[c],
                    score_gain=max(1, round(float(best_gain[k]))),
                )
            )
        moved = rows[best_col >= 0]
        if not len(moved):
            break
        for c_index in set(int(j) for j in best_col if j >= 0):
            c = columns[c_index]
            which = rows[best_col == c_index]
            col = state[c].to_numpy(dtype=np.float64, copy=True)
            col[which] = reference[c]
            state[c] = col
        scores[moved] = score_map.score_array(predict(state.iloc[moved]))
        for r in moved:
            t = targets[r]
            if t is not None and GRADES.index(grade_for(float(scores[r]))) <= GRADES.index(t):
                reached[r] = True
                active[r] = False
    return [
        WhatIf(
            current_grade=g,
            target_grade=t,
            reached=bool(reached[i]),
            suggestions=tuple(chosen[i]) if t is not None else (),
        )
        for i, (g, t) in enumerate(zip(grades, targets, strict=True))
    ]

"""What-if guidance: the smallest changes in an enterprise's own indicators that lift it one grade.

Greedy and exact against the indicator system: each step tries, for every actionable indicator, the
nearest better band (and for a veto, the value that lifts it), re-evaluates, and keeps the change
that gains the most score; it stops when the next better grade is reached or after `max_steps`.
Indicators an enterprise cannot change by its own conduct (age, registered capital, other
enterprises' records) are never suggested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ecredit.core.scoring.evaluation import evaluate
from ecredit.core.scoring.system import GRADES, IndicatorSystem

NOT_ACTIONABLE = frozenset(
    {
        "years_since_established",
        "registered_capital_cny",
        "related_serious_dishonesty",
        "related_low_grade",
    }
)


@dataclass(frozen=True)
class Suggestion:
    key: str  # indicator or veto key
    feature: str
    label_zh: str
    label_en: str
    current: float | None
    target: float
    score_gain: int

    def text(self, lang: str) -> str:
        cur = (
            "无记录" if self.current is None and lang == "zh" else _fmt(self.current, self.feature)
        )
        tgt = _fmt(self.target, self.feature)
        if lang == "zh":
            return f"{self.label_zh}：从 {cur} 改善到 {tgt}（评分 +{self.score_gain}）"
        return f"{self.label_en}: improve from {cur} to {tgt} (score +{self.score_gain})"


@dataclass(frozen=True)
class WhatIf:
    current_grade: str
    target_grade: str | None
    reached: bool
    suggestions: tuple[Suggestion, ...]

    def texts(self, lang: str = "zh") -> list[str]:
        return [s.text(lang) for s in self.suggestions]


def _fmt(value: float | None, feature: str) -> str:
    if value is None:
        return "n/a"
    if (
        feature.endswith("_rate_6m")
        or feature.endswith("_rate_12m")
        or feature.endswith("_rate_36m")
    ):
        return f"{value:.1%}"
    return f"{value:g}"


def what_if(
    system: IndicatorSystem, features: Mapping[str, float | None], *, max_steps: int = 4
) -> WhatIf:
    """Changes that would lift `features` one grade under `system` (none for AAA)."""
    current = evaluate(system, features)
    rank = GRADES.index(current.grade)
    if rank == 0:
        return WhatIf(current.grade, None, False, ())
    target = GRADES[rank - 1]
    # The score is linear in each indicator's points (weight x 1000 x points / dimension maximum),
    # so a change's gain is known without re-evaluating; one evaluation per step checks the grade.
    weight = {d.key: d.weight for d in system.dimensions}
    dim_max: dict[str, float] = {}
    for ind in system.indicators:
        dim_max[ind.dimension] = dim_max.get(ind.dimension, 0.0) + ind.max_points
    by_key = {i.key: i for i in system.indicators}
    state = dict(features)
    chosen: list[Suggestion] = []
    result = current
    for _ in range(max_steps):
        best: tuple[float, Suggestion] | None = None
        for key, feature, label_zh, label_en, value in _candidates(system, state):
            indicator = by_key.get(key)
            if indicator is None:  # a veto: what lifting it is worth needs a real evaluation
                gain = (
                    float(evaluate(system, {**state, feature: value}).score - result.score) + 10_000
                )
            else:
                delta = indicator.points(value) - indicator.points(state.get(feature))
                gain = weight[indicator.dimension] * 1000 * delta / dim_max[indicator.dimension]
            if gain > 0 and (best is None or gain > best[0]):
                best = (
                    gain,
                    Suggestion(key, feature, label_zh, label_en, state.get(feature), value, 0),
                )
        if best is None:
            break
        suggestion = best[1]
        state[suggestion.feature] = suggestion.target
        after = evaluate(system, state)
        chosen.append(
            Suggestion(
                suggestion.key,
                suggestion.feature,
                suggestion.label_zh,
                suggestion.label_en,
                suggestion.current,
                suggestion.target,
                after.score - result.score,
            )
        )
        result = after
        if GRADES.index(result.grade) <= rank - 1:
            return WhatIf(current.grade, target, True, tuple(chosen))
    return WhatIf(current.grade, target, False, tuple(chosen))


def _candidates(
    system: IndicatorSystem, state: Mapping[str, float | None]
) -> list[tuple[str, str, str, str, float]]:
    out: list[tuple[str, str, str, str, float]] = []
    for veto in system.vetoes:
        if veto.feature not in NOT_ACTIONABLE and veto.applies(state.get(veto.feature)):
            out.append((veto.key, veto.feature, veto.label_zh, veto.label_en, 0.0))
    for ind in system.indicators:
        if ind.feature in NOT_ACTIONABLE:
            continue
        value = state.get(ind.feature)
        here = ind.points(value)
        # the nearest band that earns more than now: bands run best first, so scan from the end
        for bound, points in reversed(ind.bands):
            if points > here:
                out.append((ind.key, ind.feature, ind.label_zh, ind.label_en, float(bound)))
                break
    return out

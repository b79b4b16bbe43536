"""Reasons and what-if guidance for any model, checked against a transparent logistic model."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from ecredit.core.scoring.calibration import NormalScoreMap
from ecredit.core.scoring.explain import (
    MIN_POINTS,
    Reason,
    explain,
    fmt_value,
    good_reference,
    what_if_batch,
)
from ecredit.core.scoring.features import FEATURE_KEYS
from ecredit.core.scoring.system import GRADES
from ecredit.core.scoring.whatif import NOT_ACTIONABLE, Suggestion, WhatIf

PEN = "penalties_general_24m"  # count, raises risk
ODR = "order_defect_rate_6m"  # rate, raises risk
YEARS = "years_since_established"  # years, lowers risk, not actionable
TAX = "tax_rating_latest"  # ordinal A=4 ... D=0, lowers risk
CAP = "registered_capital_cny"  # CNY, lowers risk, not actionable
ACTIVE = "is_active"  # flag, lowers risk
COLS = [PEN, ODR, YEARS, TAX, CAP, ACTIVE]

# What the transparent model assumes when a value is missing (worse than typical for ODR, TAX)
FILL = {PEN: 0.0, ODR: 0.05, YEARS: 1.0, TAX: 1.0, CAP: 1e5, ACTIVE: 0.0}
# Values typical of good enterprises (close to good_reference of the population below)
REF = {PEN: 0.0, ODR: 0.01, YEARS: 8.0, TAX: 3.0, CAP: 1e6, ACTIVE: 1.0}

BANDS = [
    ("AAA", 800.0),
    ("AA", 740.0),
    ("A", 680.0),
    ("BBB", 620.0),
    ("BB", 560.0),
    ("B", 500.0),
    ("CCC", 440.0),
    ("CC", 380.0),
    ("C", 0.0),
]


def grade_for(score: float) -> str:
    for grade, floor in BANDS:
        if score >= floor:
            return grade
    return BANDS[-1][0]


def predict(X: pd.DataFrame) -> np.ndarray:
    """P(bad) = logistic of a known linear combination; every operation is element-wise, so a
    row's risk does not depend on which other rows are in the frame."""
    v = {c: np.nan_to_num(X[c].to_numpy(dtype=np.float64), nan=FILL[c]) for c in COLS}
    z = (
        -3.0
        + 0.5 * v[PEN]
        + 20.0 * v[ODR]
        - 0.1 * v[YEARS]
        - 0.5 * (v[TAX] - 3.0)
        - 0.5 * np.log10(v[CAP] / 1e6)
        - 1.5 * (v[ACTIVE] - 1.0)
    )
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def population(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            PEN: rng.poisson(0.7, n).astype(np.float64),
            ODR: rng.beta(1.0, 60.0, n),
            YEARS: rng.uniform(0.0, 20.0, n),
            TAX: rng.choice([0.0, 1.0, 2.0, 3.0, 4.0], n, p=[0.05, 0.1, 0.2, 0.35, 0.3]),
            CAP: 10 ** rng.uniform(4.5, 7.5, n),
            ACTIVE: (rng.random(n) < 0.95).astype(np.float64),
        }
    )
    X.loc[rng.random(n) < 0.1, ODR] = np.nan
    X.loc[rng.random(n) < 0.1, TAX] = np.nan
    return X


@pytest.fixture(scope="module")
def score_map() -> NormalScoreMap:
    return NormalScoreMap.fit(predict(population(3000, seed=0)).tolist())


def row(**changes: float) -> dict[str, float]:
    return {**REF, **changes}


def frame(*rows: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))[COLS]


def score_of(score_map: NormalScoreMap, values: dict[str, float]) -> float:
    return score_map.score(float(predict(frame(values))[0]))


def inside_knots(score_map: NormalScoreMap, X: pd.DataFrame) -> bool:
    """The rows' risks lie strictly between the first and last knot (scores are not clamped)."""
    p = predict(X)
    return bool(((p > score_map.risks[0]) & (p < score_map.risks[-1])).all())


# -- good_reference ------------------------------------------------------------------------------


def test_good_reference_is_the_median_of_good_rows_ignoring_missing_values() -> None:
    X = pd.DataFrame(
        {
            "a": [1.0, 2.0, np.nan, 10.0, 100.0, 4.0],
            "b": [np.nan, np.nan, np.nan, 5.0, 6.0, np.nan],  # known only among bad rows
            "c": [3.0, np.nan, 5.0, np.nan, 0.0, 4.0],
            "d": ["7", "x", "9", "1", "1", None],  # text: numbers kept, the rest missing
        }
    )
    y = np.array([0, 0, 0, 1, 1, 0])
    assert good_reference(X, y) == {"a": 2.0, "c": 4.0, "d": 8.0}


def test_good_reference_of_the_population_is_close_to_the_assumed_typical_values() -> None:
    X = population(3000, seed=1)
    rng = np.random.default_rng(1)
    y = (rng.random(len(X)) < predict(X)).astype(np.int64)
    ref = good_reference(X, y)
    assert set(ref) == set(COLS)
    assert all(isinstance(v, float) for v in ref.values())
    assert ref[PEN] == 0.0 and ref[ACTIVE] == 1.0 and ref[TAX] == 3.0
    assert ref[ODR] == pytest.approx(np.nanmedian(X.loc[y == 0, ODR]))


# -- fmt_value and Reason.text -------------------------------------------------------------------


@pytest.mark.parametrize(
    "feature, value, lang, text",
    [
        (ODR, 0.0512, "en", "5.1%"),
        (ODR, 0.0, "zh", "0.0%"),
        (CAP, 1234567.0, "en", "¥1,234,567"),
        (ACTIVE, 1.0, "en", "yes"),
        (ACTIVE, 0.0, "en", "no"),
        (ACTIVE, 1.0, "zh", "是"),
        (ACTIVE, 0.0, "zh", "否"),
        (PEN, 3.0, "en", "3"),
        (PEN, 2.5, "en", "2.5"),
        ("months_since_last_penalty", 12.0, "en", "12"),
        (TAX, 3.0, "en", "3"),
        ("not_a_feature", 0.123456, "en", "0.1235"),
        (PEN, None, "en", "no record"),
        (PEN, None, "zh", "无记录"),
        (ODR, math.nan, "en", "no record"),
        (ODR, np.float64("nan"), "zh", "无记录"),
    ],
)
def test_fmt_value(feature: str, value: float | None, lang: str, text: str) -> None:
    assert fmt_value(feature, value, lang) == text


def test_reason_text_names_the_label_and_both_values() -> None:
    rate = Reason(ODR, 0.05, 0.01, 28.7)
    assert rate.text("en") == (
        "Order defect rate, 6 months is 5.0%; good enterprises typically 1.0%; "
        "costs about 29 points"
    )
    assert rate.text("zh") == "近6个月订单缺陷率为 5.0%，良好企业通常为 1.0%，使评分降低约 29 分"
    capital = Reason(CAP, 100000.0, 1000000.0, 44.1)
    assert "Registered capital" in capital.text("en")
    assert "¥100,000" in capital.text("en") and "¥1,000,000" in capital.text("en")
    assert "注册资本" in capital.text("zh") and "¥100,000" in capital.text("zh")
    flag = Reason(ACTIVE, 0.0, 1.0, 141.7)
    assert flag.text("en").startswith("Registration status active is no; ")
    assert "typically yes" in flag.text("en") and "142 points" in flag.text("en")
    assert "登记状态为存续为 否" in flag.text("zh") and "通常为 是" in flag.text("zh")


def test_reason_text_of_missing_data_says_no_record_never_a_bad_value() -> None:
    missing = Reason(ODR, None, 0.01, 78.0)
    en, zh = missing.text("en"), missing.text("zh")
    assert en.startswith("Order defect rate, 6 months: no data on record yet")
    assert "1.0%" in en and "about 78 points" in en
    assert zh.startswith("近6个月订单缺陷率：暂无相关记录") and "1.0%" in zh and "78 分" in zh


def test_reason_text_rounds_small_gains_up_to_one_point_and_falls_back_to_the_key() -> None:
    assert "about 1 points" in Reason("custom_x", None, 2.0, 0.6).text("en")
    assert Reason("custom_x", 1.5, 2.0, 0.6).text("en").startswith("custom_x is 1.5; ")
    assert Reason(PEN, 2.0, 0.0, 12.345).to_json() == {
        "feature": PEN,
        "current": 2.0,
        "typical": 0.0,
        "points": 12.35,
    }


# -- explain -------------------------------------------------------------------------------------


def test_reasons_are_ordered_by_points_lost(score_map: NormalScoreMap) -> None:
    values = row(**{PEN: 2.0, ODR: 0.03, YEARS: 5.0, TAX: 2.0})
    X = frame(values)
    assert inside_knots(score_map, X)
    [reasons] = explain(predict, score_map, X, REF, n=10)
    # penalties (z -1.0), tax rating (-0.5), defect rate (-0.4), age (-0.3); capital and the
    # flag are at their typical values and cost nothing
    assert [r.feature for r in reasons] == [PEN, TAX, ODR, YEARS]
    assert [r.current for r in reasons] == [2.0, 2.0, 0.03, 5.0]
    assert [r.typical for r in reasons] == [REF[PEN], REF[TAX], REF[ODR], REF[YEARS]]
    base = score_of(score_map, values)
    for r in reasons:
        assert r.points == pytest.approx(
            score_of(score_map, {**values, r.feature: REF[r.feature]}) - base
        )
    points = [r.points for r in reasons]
    assert points == sorted(points, reverse=True)
    assert points[-1] >= MIN_POINTS


def test_a_feature_at_or_better_than_typical_gives_no_reason(score_map: NormalScoreMap) -> None:
    better = row(**{PEN: 0.0, ODR: 0.005, YEARS: 15.0, TAX: 4.0, CAP: 1e7})
    mixed = row(**{ODR: 0.005, TAX: 4.0, PEN: 3.0})  # better on two, worse on one
    X = frame(REF, better, mixed)
    assert inside_knots(score_map, X)
    at_typical, all_better, one_worse = explain(predict, score_map, X, REF, n=10)
    assert at_typical == []
    assert all_better == []
    assert [r.feature for r in one_worse] == [PEN]


def test_missing_data_is_named_as_missing_after_the_known_values(
    score_map: NormalScoreMap,
) -> None:
    # the missing defect rate (read as 5 %) costs more than the one penalty, yet comes last
    values = row(**{PEN: 1.0, ODR: math.nan})
    X = frame(values)
    assert inside_knots(score_map, X)
    [reasons] = explain(predict, score_map, X, REF, n=10)
    assert [(r.feature, r.current) for r in reasons] == [(PEN, 1.0), (ODR, None)]
    assert reasons[1].points > reasons[0].points
    assert reasons[1].typical == REF[ODR]
    assert "no data on record yet" in reasons[1].text("en")


def test_a_missing_value_that_costs_nothing_is_no_reason(score_map: NormalScoreMap) -> None:
    # a missing penalty count is read as 0, the typical value: nothing to say about it
    [reasons] = explain(predict, score_map, frame(row(**{PEN: math.nan, TAX: 2.0})), REF)
    assert [r.feature for r in reasons] == [TAX]


def test_n_caps_the_list_and_missing_reasons_are_cut_first(score_map: NormalScoreMap) -> None:
    values = row(**{PEN: 2.0, ODR: math.nan, YEARS: 5.0, TAX: 2.0})
    X = frame(values)
    full = explain(predict, score_map, X, REF, n=10)[0]
    assert [r.feature for r in full] == [PEN, TAX, YEARS, ODR]
    assert explain(predict, score_map, X, REF)[0] == full[:3]  # n=3 by default
    assert explain(predict, score_map, X, REF, n=1)[0] == full[:1]
    assert explain(predict, score_map, X, REF, n=0) == [[]]
    assert explain(predict, score_map, X, REF, n=-1) == [[]]


def test_a_feature_without_a_typical_value_is_never_a_reason(score_map: NormalScoreMap) -> None:
    X = frame(row(**{PEN: 2.0, TAX: 2.0}))
    reference = {k: v for k, v in REF.items() if k != PEN}
    [reasons] = explain(predict, score_map, X, reference, n=10)
    assert [r.feature for r in reasons] == [TAX]


def test_ties_keep_column_order() -> None:
    def symmetric(X: pd.DataFrame) -> np.ndarray:
        z = X["a"].to_numpy(dtype=np.float64) + X["b"].to_numpy(dtype=np.float64) - 3.0
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    m = NormalScoreMap.fit([1.0 / (1.0 + math.exp(-x / 10.0 + 3.0)) for x in range(-40, 41)])
    X = pd.DataFrame({"a": [1.0], "b": [1.0]})
    [ab] = explain(symmetric, m, X, {"a": 0.0, "b": 0.0})
    [ba] = explain(symmetric, m, X[["b", "a"]], {"a": 0.0, "b": 0.0})
    assert ab[0].points == ab[1].points > MIN_POINTS
    assert [r.feature for r in ab] == ["a", "b"]
    assert [r.feature for r in ba] == ["b", "a"]


def test_explain_in_a_batch_matches_a_scalar_oracle(score_map: NormalScoreMap) -> None:
    X = population(120, seed=2)
    X.index = X.index * 7 + 3  # a non-default index must not matter
    before = X.copy()
    batch = explain(predict, score_map, X, REF, n=4)
    pd.testing.assert_frame_equal(X, before)  # the input is not modified
    assert len(batch) == len(X)
    records: list[dict[str, Any]] = X.to_dict("records")
    for values, reasons in zip(records, batch, strict=True):
        base = score_of(score_map, values)
        known: list[tuple[str, float]] = []
        missing: list[tuple[str, float]] = []
        for c in COLS:
            gain = score_of(score_map, {**values, c: REF[c]}) - base
            if gain >= MIN_POINTS:
                (missing if math.isnan(values[c]) else known).append((c, gain))
        expected = sorted(known, key=lambda x: -x[1]) + sorted(missing, key=lambda x: -x[1])
        assert [r.feature for r in reasons] == [c for c, _ in expected][:4]
        for r, (_, gain) in zip(reasons, expected, strict=False):
            assert r.points == pytest.approx(gain, abs=1e-9)
            assert (
                r.current is None
                if math.isnan(values[r.feature])
                else r.current == values[r.feature]
            )


# -- what_if_batch -------------------------------------------------------------------------------


def advise(
    score_map: NormalScoreMap, X: pd.DataFrame, **kwargs: Any
) -> tuple[list[str], list[WhatIf]]:
    grades = [grade_for(float(s)) for s in score_map.score_array(predict(X))]
    return grades, what_if_batch(predict, score_map, X, REF, grade_for, grades, **kwargs)


def applied(values: dict[str, float], suggestions: Sequence[Suggestion]) -> dict[str, float]:
    out = dict(values)
    for s in suggestions:
        out[s.feature] = s.target
    return out


def test_aaa_gets_no_advice(score_map: NormalScoreMap) -> None:
    X = frame(row(**{ODR: 0.005, YEARS: 15.0, TAX: 4.0, CAP: 1e7}))
    grades, [advice] = advise(score_map, X)
    assert grades == ["AAA"]
    assert (advice.current_grade, advice.target_grade, advice.reached) == ("AAA", None, False)
    assert advice.suggestions == ()
    assert advice.texts("en") == []


def test_suggestions_reach_the_next_grade(score_map: NormalScoreMap) -> None:
    rows = [
        row(**{PEN: 2.0, ODR: 0.03, YEARS: 5.0, TAX: 2.0}),
        row(**{PEN: 1.0, ODR: math.nan}),
        row(**{CAP: 1e5, ACTIVE: 0.0}),
        row(**{PEN: 1.0, ODR: 0.03}),  # needs two changes
    ]
    X = frame(*rows)
    assert inside_knots(score_map, X)
    grades, advice = advise(score_map, X)
    assert max(len(a.suggestions) for a in advice) >= 2
    for values, grade, a in zip(rows, grades, advice, strict=True):
        assert a.current_grade == grade
        assert a.target_grade == GRADES[GRADES.index(grade) - 1]
        assert a.reached
        assert a.suggestions
        after = grade_for(score_of(score_map, applied(values, a.suggestions)))
        assert GRADES.index(after) <= GRADES.index(a.target_grade)
        # greedy: every change but the last still leaves the row short of the target
        short = grade_for(score_of(score_map, applied(values, a.suggestions[:-1])))
        assert GRADES.index(short) > GRADES.index(a.target_grade)
        for s in a.suggestions:
            assert s.score_gain > 0
            assert s.feature == s.key
            assert s.target == REF[s.feature]
            if math.isnan(values[s.feature]):
                assert s.current is None
            else:
                assert s.current == values[s.feature]
        assert len({s.feature for s in a.suggestions}) == len(a.suggestions)
    # the missing defect rate is what to fix, and it is said as "no record"
    assert [(s.feature, s.current) for s in advice[1].suggestions] == [(ODR, None)]
    assert advice[1].texts("zh")[0].startswith("近6个月订单缺陷率：从 无记录 改善到 1.0%")


def test_the_first_suggestion_is_the_change_worth_most(score_map: NormalScoreMap) -> None:
    values = row(**{PEN: 2.0, ODR: 0.03, YEARS: 5.0, TAX: 2.0})
    X = frame(values)
    _, [advice] = advise(score_map, X)
    [reasons] = explain(predict, score_map, X, REF, n=10)
    actionable = [r for r in reasons if r.feature not in NOT_ACTIONABLE]
    first = advice.suggestions[0]
    assert first.feature == actionable[0].feature == PEN
    assert first.score_gain == round(actionable[0].points)


def test_features_an_enterprise_cannot_change_are_never_suggested(
    score_map: NormalScoreMap,
) -> None:
    # age and capital would gain most, yet only the penalty count is the enterprise's own doing
    values = row(**{PEN: 1.0, YEARS: 0.0, CAP: 1e4})
    X = frame(values)
    [reasons] = explain(predict, score_map, X, REF, n=10)
    assert [r.feature for r in reasons] == [CAP, YEARS, PEN]
    _, [advice] = advise(score_map, X)
    assert [s.feature for s in advice.suggestions] == [PEN]
    assert {YEARS, CAP} <= NOT_ACTIONABLE
    # with no feature held back, capital is suggested first
    _, [free] = advise(score_map, X, not_actionable=frozenset())
    assert free.suggestions[0].feature == CAP
    # and a custom list is honoured
    _, [custom] = advise(score_map, X, not_actionable=frozenset({PEN, CAP}))
    assert [s.feature for s in custom.suggestions][:1] == [YEARS]


def test_a_row_nothing_helps_gets_no_suggestions(score_map: NormalScoreMap) -> None:
    # every actionable feature already at or better than typical; only age and capital are bad
    X = frame(row(**{ODR: 0.005, TAX: 4.0, YEARS: 0.0, CAP: 1e4}), REF)
    grades, advice = advise(score_map, X)
    for grade, a in zip(grades, advice, strict=True):
        assert grade != "AAA"
        assert a.target_grade == GRADES[GRADES.index(grade) - 1]
        assert not a.reached
        assert a.suggestions == ()


def test_max_steps_limits_the_changes(score_map: NormalScoreMap) -> None:
    X = frame(row(**{PEN: 1.0, ODR: 0.03}))
    _, [full] = advise(score_map, X)
    assert full.reached and len(full.suggestions) >= 2
    _, [one] = advise(score_map, X, max_steps=1)
    assert not one.reached
    assert one.suggestions == full.suggestions[:1]
    _, [none] = advise(score_map, X, max_steps=0)
    assert (none.reached, none.suggestions) == (False, ())


def test_batch_equals_one_row_at_a_time(score_map: NormalScoreMap) -> None:
    X = population(80, seed=3)
    X.index = pd.Index([f"e{i}" for i in range(len(X))])
    before = X.copy()
    grades, batch = advise(score_map, X)
    pd.testing.assert_frame_equal(X, before)  # the input is not modified
    assert len(batch) == len(X)
    assert any(a.reached for a in batch) and any(len(a.suggestions) >= 2 for a in batch)
    for i in range(len(X)):
        one = what_if_batch(predict, score_map, X.iloc[[i]], REF, grade_for, [grades[i]])
        assert one == [batch[i]]
    for a in batch:
        assert all(s.score_gain > 0 for s in a.suggestions)
        assert all(s.feature not in NOT_ACTIONABLE for s in a.suggestions)
        assert all(s.feature in FEATURE_KEYS for s in a.suggestions)
        assert a.reached <= bool(a.suggestions) or a.target_grade is None

"""Evaluation: scores, grade bands, vetoes, missing data, monotonicity, reasons, determinism."""

from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.scoring import (
    FEATURES,
    GRADES,
    RISK_CLASSES,
    EvaluationResult,
    IndicatorSystem,
    RecordView,
    compute_features,
    evaluate,
    load_indicator_system,
    top_reasons,
)

AS_OF = date(2026, 6, 30)


@pytest.fixture(scope="module")
def system() -> IndicatorSystem:
    return load_indicator_system("v1")


def clean(**overrides: float | None) -> dict[str, float | None]:
    """A shop with no adverse records and nothing else known."""
    features: dict[str, float | None] = dict.fromkeys(spec.key for spec in FEATURES)
    for key in (
        "valid_licenses",
        "licenses_revoked_36m",
        "penalties_general_24m",
        "penalties_serious_36m",
        "fine_total_24m",
        "abnormal_operation_current",
        "serious_dishonesty_current",
        "dishonest_debtor_current",
        "open_enforcement_amount",
        "court_lost_36m",
        "complaints_unresolved",
        "honors_current",
        "red_list_current",
        "commitments_fulfilled",
        "commitments_broken",
        "related_serious_dishonesty",
        "related_low_grade",
        "registration_terminated",
    ):
        features[key] = 0.0
    features["months_since_last_penalty"] = 60.0
    features.update(overrides)
    return features


def excellent(**overrides: float | None) -> dict[str, float | None]:
    """A shop that reaches the best band of every indicator."""
    features = clean(
        years_since_established=12.0,
        registered_capital_cny=20_000_000.0,
        is_active=1.0,
        valid_licenses=3.0,
        customs_rating_latest=2.0,
        tax_rating_latest=4.0,
        order_defect_rate_6m=0.003,
        refund_rate_6m=0.02,
        seller_rating_6m=4.9,
        complaints_per_1k_orders_12m=0.1,
        quality_fail_rate_36m=0.0,
        customs_irregularity_rate_12m=0.0,
        honors_current=2.0,
        red_list_current=1.0,
        late_shipment_rate_6m=0.01,
        cancellation_rate_6m=0.005,
        valid_tracking_rate_6m=0.99,
        gmv_12m=30_000_000.0,
        gmv_growth_12m=0.1,
    )
    features.update(overrides)
    return features


def typical(**overrides: float | None) -> dict[str, float | None]:
    """An ordinary shop: some room to improve, nothing adverse."""
    features = clean(
        years_since_established=5.5,
        registered_capital_cny=1_000_000.0,
        is_active=1.0,
        valid_licenses=1.0,
        tax_rating_latest=3.0,
        order_defect_rate_6m=0.008,
        refund_rate_6m=0.06,
        seller_rating_6m=4.7,
        complaints_per_1k_orders_12m=0.8,
        late_shipment_rate_6m=0.03,
        cancellation_rate_6m=0.015,
        valid_tracking_rate_6m=0.97,
        gmv_12m=2_000_000.0,
        gmv_growth_12m=0.05,
    )
    features.update(overrides)
    return features


# ------------------------------------------------------------------------------ scores


def test_the_best_band_everywhere_scores_1000(system: IndicatorSystem) -> None:
    result = evaluate(system, excellent())
    assert (result.score, result.grade, result.risk_class) == (1000, "AAA", "A")
    assert set(result.dimension_scores.values()) == {100.0}
    assert result.vetoes == []
    assert all(c.points == c.max_points and c.score_loss == 0 for c in result.contributions)


def test_a_typical_shop_scores_exactly(system: IndicatorSystem) -> None:
    result = evaluate(system, typical())
    assert (result.score, result.grade, result.risk_class) == (831, "AA", "A")
    assert result.dimension_scores == {
        "qualification": 84.21,  # (20 + 8 + 30 + 12 + 10) / 95
        "operation": 70.0,
        "credit_history": 87.62,  # 92 / 105
        "fulfilment": 88.0,
        "related_party": 100.0,
    }


def test_score_is_the_weighted_sum_of_exact_dimension_ratios(system: IndicatorSystem) -> None:
    features = typical()
    result = evaluate(system, features)
    total = Fraction(0)
    for dim in system.dimensions:
        mine = [i for i in system.indicators if i.dimension == dim.key]
        earned = sum(Fraction(str(i.points(features[i.feature]))) for i in mine)
        possible = sum(Fraction(str(i.max_points)) for i in mine)
        total += Fraction(str(dim.weight)) * earned / possible
    assert result.score == int(total * 1000 + Fraction(1, 2))


def test_contributions_follow_the_system_and_name_their_features(system: IndicatorSystem) -> None:
    result = evaluate(system, typical())
    assert [c.indicator for c in result.contributions] == [i.key for i in system.indicators]
    odr = next(c for c in result.contributions if c.indicator == "order_defect_rate")
    assert (odr.feature, odr.feature_value, odr.points, odr.max_points) == (
        "order_defect_rate_6m",
        0.008,
        15.0,
        20.0,
    )
    assert odr.points_lost == 5.0
    assert odr.score_loss == 15.0  # 1000 * 0.30 * 5 / 100


# ------------------------------------------------------------------------------ grade bands

BAND_EDGES = [
    (1000, "AAA"),
    (900, "AAA"),
    (899, "AA"),
    (820, "AA"),
    (819, "A"),
    (740, "A"),
    (739, "BBB"),
    (660, "BBB"),
    (659, "BB"),
    (580, "BB"),
    (579, "B"),
    (500, "B"),
    (499, "CCC"),
    (420, "CCC"),
    (419, "CC"),
    (340, "CC"),
    (339, "C"),
    (0, "C"),
]


@pytest.mark.parametrize(("score", "grade"), BAND_EDGES)
def test_grade_band_edges(system: IndicatorSystem, score: int, grade: str) -> None:
    assert system.grade_for(score) == grade


def test_grades_map_to_risk_classes(system: IndicatorSystem) -> None:
    assert {g: system.risk_class_for(g) for g in GRADES} == {
        "AAA": "A",
        "AA": "A",
        "A": "A",
        "BBB": "B",
        "BB": "B",
        "B": "C",
        "CCC": "C",
        "CC": "D",
        "C": "D",
    }
    assert set(RISK_CLASSES) == {"A", "B", "C", "D"}


# ------------------------------------------------------------------------------ vetoes

VETO_CASES = [
    ("serious_dishonesty_current", "serious_dishonesty_listed", "C", "D"),
    ("dishonest_debtor_current", "dishonest_debtor", "CC", "D"),
    ("registration_terminated", "registration_terminated", "C", "D"),
    ("licenses_revoked_36m", "license_revoked", "C", "D"),
    ("abnormal_operation_current", "abnormal_operation_listed", "B", "C"),
]


@pytest.mark.parametrize(("feature", "veto", "cap", "risk"), VETO_CASES)
def test_a_veto_caps_the_grade_of_an_otherwise_excellent_shop(
    system: IndicatorSystem, feature: str, veto: str, cap: str, risk: str
) -> None:
    result = evaluate(system, excellent(**{feature: 1.0}))
    assert result.score >= 900
    assert (result.uncapped_grade, result.grade, result.risk_class) == ("AAA", cap, risk)
    assert [(v.key, v.cap_grade, v.feature_value) for v in result.vetoes] == [(veto, cap, 1.0)]


def test_a_veto_never_raises_a_lower_grade(system: IndicatorSystem) -> None:
    poor = clean(
        abnormal_operation_current=1.0,
        penalties_serious_36m=3.0,
        penalties_general_24m=4.0,
        months_since_last_penalty=1.0,
        fine_total_24m=500_000.0,
        court_lost_36m=5.0,
        open_enforcement_amount=1_000_000.0,
        tax_rating_latest=0.0,
        is_active=1.0,
        order_defect_rate_6m=0.1,
        seller_rating_6m=3.5,
        complaints_per_1k_orders_12m=5.0,
    )
    result = evaluate(system, poor)
    assert result.score < 500
    assert result.grade == result.uncapped_grade == system.grade_for(result.score)


def test_the_strictest_of_several_vetoes_wins(system: IndicatorSystem) -> None:
    result = evaluate(
        system, excellent(abnormal_operation_current=2.0, dishonest_debtor_current=1.0)
    )
    assert result.grade == "CC"
    assert [v.key for v in result.vetoes] == ["dishonest_debtor", "abnormal_operation_listed"]


def test_a_missing_veto_feature_does_not_veto(system: IndicatorSystem) -> None:
    result = evaluate(system, excellent(registration_terminated=None))
    assert result.vetoes == []


# ------------------------------------------------------------------------------ missing data


def test_a_missing_feature_earns_the_indicators_neutral_points(system: IndicatorSystem) -> None:
    for indicator in system.indicators:
        result = evaluate(system, excellent(**{indicator.feature: None}))
        got = next(c for c in result.contributions if c.indicator == indicator.key)
        assert (got.feature_value, got.points) == (None, indicator.missing), indicator.key
        assert 0 <= indicator.missing <= indicator.max_points


def test_nothing_known_scores_the_neutral_points_exactly(system: IndicatorSystem) -> None:
    result = evaluate(system, {})
    assert all(
        c.points == next(i.missing for i in system.indicators if i.key == c.indicator)
        for c in result.contributions
    )
    assert (result.score, result.grade, result.risk_class) == (685, "BBB", "B")
    assert result.vetoes == []


def test_neutral_points_sit_between_good_and_bad_values(system: IndicatorSystem) -> None:
    for indicator in system.indicators:
        assert indicator.otherwise <= indicator.missing <= indicator.max_points, indicator.key


def test_features_that_are_not_numbers_are_refused(system: IndicatorSystem) -> None:
    with pytest.raises(ValueError, match="'gmv_12m' must be a number"):
        evaluate(system, typical(gmv_12m="lots"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'gmv_12m' must be finite"):
        evaluate(system, typical(gmv_12m=float("nan")))


# ------------------------------------------------------------------------------ monotonicity

FEATURE_VALUES: dict[str, Any] = {
    spec.key: st.one_of(st.none(), st.floats(min_value=0, max_value=1e8, allow_nan=False))
    for spec in FEATURES
}


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries(FEATURE_VALUES), st.integers(min_value=1, max_value=5))
def test_more_serious_penalties_never_raise_the_score(
    features: dict[str, float | None], more: int
) -> None:
    system = load_indicator_system("v1")
    base = {**features, "penalties_serious_36m": features["penalties_serious_36m"] or 0.0}
    worse = {**base, "penalties_serious_36m": base["penalties_serious_36m"] + more}  # type: ignore[operator]
    before, after = evaluate(system, base), evaluate(system, worse)
    assert after.score <= before.score
    assert GRADES.index(after.grade) >= GRADES.index(before.grade)


def _penalty(no: int, decided: date, severity: str, fine: int, kind: str) -> RecordView:
    values = {
        "authority": "杭州市市场监督管理局",
        "decision_no": f"杭市监罚〔{no}〕",
        "decision_date": decided.isoformat(),
        "severity": severity,
        "penalty_type": kind,
        "fine_amount_cny": str(fine),
    }
    return RecordView("administrative_penalty", decided, decided, values)


PENALTIES = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2000),
        st.sampled_from(["light", "general", "serious"]),
        st.integers(min_value=0, max_value=10**6),
        st.sampled_from(["fine", "warning", "license_revocation"]),
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(
    PENALTIES,
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["fine", "warning", "license_revocation"]),
)
def test_another_serious_penalty_record_never_raises_the_score(
    history: list[tuple[int, str, int, str]], days_ago: int, fine: int, kind: str
) -> None:
    system = load_indicator_system("v1")
    records = [
        _penalty(n, AS_OF - timedelta(days=d), sev, amount, k)
        for n, (d, sev, amount, k) in enumerate(history)
    ]
    extra = _penalty(999, AS_OF - timedelta(days=days_ago), "serious", fine, kind)
    before = evaluate(system, compute_features(records, AS_OF))
    after = evaluate(system, compute_features([*records, extra], AS_OF))
    assert after.score <= before.score
    assert GRADES.index(after.grade) >= GRADES.index(before.grade)


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries(FEATURE_VALUES))
def test_scores_and_dimension_scores_stay_in_range(features: dict[str, float | None]) -> None:
    result = evaluate(load_indicator_system("v1"), features)
    assert 0 <= result.score <= 1000
    assert all(0 <= s <= 100 for s in result.dimension_scores.values())
    assert result.grade in GRADES and result.risk_class in RISK_CLASSES


# ------------------------------------------------------------------------------ reasons


def test_top_reasons_name_the_indicators_that_cost_most(system: IndicatorSystem) -> None:
    result = evaluate(system, typical(complaints_unresolved=3.0))
    assert top_reasons(result, 3, "en") == [
        "Unresolved complaints: Some consumer complaints have been open for more than 30 days; "
        "answering and settling them restores this item.",  # 9 of 10 points lost: 27.0
        "Complaint rate: Complaints per 1,000 orders over 12 months are high; look at what the "
        "complaints have in common and fix it.",  # 8 of 15: 24.0
        "Seller rating: Buyers' ratings for description, service and logistics over 6 months are "
        "low.",  # 6 of 20: 18.0
    ]
    losses = sorted((c.score_loss for c in result.contributions), reverse=True)
    assert losses[:4] == [27.0, 24.0, 18.0, 15.0]
    assert top_reasons(result, 1) == [
        "未办结投诉：有超过30天仍未办结的消费者投诉；及时回应和处理投诉可恢复这一项。"
    ]


def test_missing_data_is_named_as_missing_never_as_a_bad_value(system: IndicatorSystem) -> None:
    # no quality inspection on record: neutral points, and the reason must not claim a failure
    result = evaluate(system, typical(quality_fail_rate_36m=None))
    reasons = top_reasons(result, 40, "zh")
    quality = [r for r in reasons if r.startswith("产品质量抽检")]
    assert quality == ["产品质量抽检：暂无相关记录，本项只得中性分。"]
    first_missing = next(i for i, r in enumerate(reasons) if "暂无相关记录" in r)
    assert first_missing > 0  # real losses come first
    assert all("暂无相关记录" in r for r in reasons[first_missing:])


def test_top_reasons_put_vetoes_first(system: IndicatorSystem) -> None:
    result = evaluate(system, typical(abnormal_operation_current=1.0))
    reasons = top_reasons(result, 2, "zh")
    assert reasons == [
        "列入经营异常名录：列入经营异常名录期间，信用等级最高为B；移出后即恢复。",
        "经营异常名录：目前被列入经营异常名录；补报年报或更正登记信息后可申请移出。",
    ]


def test_top_reasons_of_a_perfect_result_are_empty(system: IndicatorSystem) -> None:
    assert top_reasons(evaluate(system, excellent()), 3, "en") == []
    assert top_reasons(evaluate(system, typical()), 0) == []
    with pytest.raises(ValueError, match="lang"):
        top_reasons(evaluate(system, typical()), 3, "fr")


# ------------------------------------------------------------------------------ determinism


def test_same_inputs_give_identical_json(system: IndicatorSystem) -> None:
    first = evaluate(system, typical(court_lost_36m=1.0))
    second = evaluate(load_indicator_system(), typical(court_lost_36m=1.0))
    assert json.dumps(first.to_json(), sort_keys=True, ensure_ascii=False) == json.dumps(
        second.to_json(), sort_keys=True, ensure_ascii=False
    )


def test_to_json_is_json_and_round_trips(system: IndicatorSystem) -> None:
    result = evaluate(system, typical(abnormal_operation_current=1.0))
    data = json.loads(json.dumps(result.to_json(), ensure_ascii=False))
    assert data["system_version"] == system.version
    assert data["score"] == result.score and data["grade"] == "B"
    assert data["features"]["abnormal_operation_current"] == 1.0
    assert EvaluationResult.from_json(data) == result


def test_the_result_names_the_system_version(system: IndicatorSystem) -> None:
    assert evaluate(system, {}).system_version == system.version

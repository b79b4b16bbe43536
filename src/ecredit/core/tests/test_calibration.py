"""The normal score map: monotone, frozen, normal on its reference population."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecredit.core.scoring.calibration import NormalScoreMap, normality


def skewed_risks(n: int, seed: int = 1) -> list[float]:
    rnd = random.Random(seed)
    return [rnd.betavariate(0.6, 12) for _ in range(n)]  # like real default probabilities


def test_scores_of_the_reference_population_are_normal() -> None:
    ref = skewed_risks(5000)
    m = NormalScoreMap.fit(ref, mean=600, sd=110)
    scores = [m.score(r) for r in ref]
    report = normality(scores)
    assert abs(report.mean - 600) < 5
    assert abs(report.sd - 110) < 6
    assert abs(report.skewness) < 0.1
    assert abs(report.excess_kurtosis) < 0.2
    raw = normality([r * 1000 for r in ref])
    assert report.p_value > 0.05  # normality is not rejected after the map
    assert raw.p_value < 1e-6  # and is rejected for the raw probabilities


@given(st.lists(st.floats(0, 1), min_size=2, max_size=50))
def test_higher_risk_never_scores_higher(risks: list[float]) -> None:
    m = NormalScoreMap.fit(skewed_risks(500))
    ordered = sorted(risks)
    scores = [m.score(r) for r in ordered]
    assert all(a >= b for a, b in itertools.pairwise(scores))
    assert all(0 <= s <= 1000 for s in scores)


def test_the_map_is_frozen_and_round_trips() -> None:
    m = NormalScoreMap.fit(skewed_risks(1000))
    again = NormalScoreMap.from_json(m.to_json())
    assert [again.score(r) for r in (0.0, 0.01, 0.05, 0.2, 0.9)] == [
        m.score(r) for r in (0.0, 0.01, 0.05, 0.2, 0.9)
    ]


@pytest.mark.parametrize("ref, message", [([0.1] * 50, "equal"), ([0.1, 0.2], "at least 20")])
def test_a_reference_that_separates_nothing_is_refused(ref: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NormalScoreMap.fit(ref)


def test_normality_of_a_known_sample() -> None:
    report = normality([1, 2, 3, 4, 5, 6, 7, 8])
    assert report.skewness == 0
    assert round(report.excess_kurtosis, 6) == -1.238095
    assert round(report.jarque_bera, 6) == round(8 / 6 * (1.238095238095238**2 / 4), 6)


# -- score_array: the vectorised score -----------------------------------------------------------

_ARRAY_MAP = NormalScoreMap.fit(skewed_risks(500))

risks_anywhere = st.one_of(
    st.floats(0, 1),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),  # beyond the knots
    st.sampled_from(
        [*_ARRAY_MAP.risks[:3], *_ARRAY_MAP.risks[-3:], -0.0, 5e-324, 1.0 - 1e-16, 1e300, -1e300]
    ),
)


@given(st.lists(risks_anywhere, min_size=1, max_size=60))
def test_score_array_equals_score(risks: list[float]) -> None:
    scores = _ARRAY_MAP.score_array(risks)
    assert scores.shape == (len(risks),)
    assert scores.dtype == np.float64
    for r, s in zip(risks, scores, strict=True):
        assert abs(float(s) - _ARRAY_MAP.score(r)) <= 1e-9


def test_score_array_at_every_knot_and_between() -> None:
    rs = np.asarray(_ARRAY_MAP.risks)
    mids = (rs[1:] + rs[:-1]) / 2
    probe = np.concatenate([rs, mids, [rs[0] - 1, rs[-1] + 1, 0.0, 1.0]])
    expected = np.array([_ARRAY_MAP.score(float(r)) for r in probe])
    np.testing.assert_allclose(_ARRAY_MAP.score_array(probe), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(_ARRAY_MAP.score_array(rs), _ARRAY_MAP.scores, rtol=0, atol=1e-9)


@given(st.lists(risks_anywhere, min_size=2, max_size=60))
def test_score_array_never_rises_with_risk(risks: list[float]) -> None:
    scores = _ARRAY_MAP.score_array(np.sort(np.asarray(risks)))
    assert (np.diff(scores) <= 0).all()
    assert ((scores >= 0) & (scores <= 1000)).all()


def test_score_array_keeps_the_shape_and_takes_any_sequence() -> None:
    grid = np.linspace(0, 1, 12).reshape(3, 4)
    out = _ARRAY_MAP.score_array(grid)
    assert out.shape == (3, 4)
    assert out[1, 2] == pytest.approx(_ARRAY_MAP.score(float(grid[1, 2])), abs=1e-9)
    assert _ARRAY_MAP.score_array([]).shape == (0,)
    assert (
        _ARRAY_MAP.score_array((0.01, 0.2)).tolist()
        == _ARRAY_MAP.score_array(np.array([0.01, 0.2])).tolist()
    )
    assert float(_ARRAY_MAP.score_array(0.05)) == pytest.approx(_ARRAY_MAP.score(0.05), abs=1e-9)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_score_array_refuses_what_is_not_a_finite_risk(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        _ARRAY_MAP.score_array([0.01, bad, 0.2])
    with pytest.raises(ValueError, match="finite"):
        _ARRAY_MAP.score_array(np.array([bad]))
    with pytest.raises(ValueError, match="finite"):
        _ARRAY_MAP.score(bad)

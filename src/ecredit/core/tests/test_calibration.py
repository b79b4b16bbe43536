"""The normal score map: monotone, frozen, normal on its reference population."""

from __future__ import annotations

import itertools
import random

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

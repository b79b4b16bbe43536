"""Validation metrics against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecredit.core.scoring.models import (
    CalibrationGroup,
    GradeBadRate,
    auc,
    bad_rate_by_grade,
    brier,
    calibration_table,
    gini,
    ks,
    psi,
)


def test_auc_counts_the_pairs_a_bad_row_outranks() -> None:
    # bads 0.35 and 0.8 against goods 0.1 and 0.4: 0.35 beats 0.1, 0.8 beats both -> 3 of 4
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert gini([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.5


def test_auc_counts_a_tie_as_half() -> None:
    # bads 0.5 and 0.9, goods 0.5 and 0.2: 0.5 ties 0.5 (1/2) and beats 0.2, 0.9 beats both
    assert auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == 3.5 / 4
    assert auc([0, 1], [0.3, 0.3]) == 0.5
    assert auc([1, 0], [0.3, 0.7]) == 0.0


def test_ks_is_the_largest_gap_between_the_classes_cumulative_shares() -> None:
    # sorted: 0.1 good, 0.35 bad, 0.4 good, 0.8 bad; gaps 1/2, 0, 1/2, 0
    assert ks([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.5
    assert ks([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0


def test_ks_never_splits_tied_scores() -> None:
    # at score 1: 1 of 2 bads and 2 of 2 goods -> 1/2 (splitting the tie would give 1)
    assert ks([0, 0, 1, 1], [1, 1, 1, 2]) == 0.5


def test_brier_is_the_mean_squared_error_of_the_probability() -> None:
    assert brier([0, 1], [0.2, 0.6]) == pytest.approx(0.1, abs=1e-15)
    assert brier([0, 1, 1], [0.0, 1.0, 1.0]) == 0.0


def test_calibration_groups_are_equal_count_in_prediction_order() -> None:
    table = calibration_table([1, 0, 0, 1, 1], [0.9, 0.1, 0.3, 0.2, 0.8], groups=2)
    assert table == [
        CalibrationGroup(1, 3, 0.1, 0.3, table[0].predicted_mean, 1 / 3),
        CalibrationGroup(2, 2, 0.8, 0.9, table[1].predicted_mean, 1.0),
    ]
    assert table[0].predicted_mean == pytest.approx(0.2, abs=1e-15)
    assert table[1].predicted_mean == pytest.approx(0.85, abs=1e-15)


def test_calibration_by_deciles() -> None:
    p = np.arange(1, 101) / 101
    y = np.array([1 if i % 10 == 0 else 0 for i in range(100)])
    table = calibration_table(y, p)
    assert [g.n for g in table] == [10] * 10
    assert [g.observed_bad_rate for g in table] == [0.1] * 10
    assert table[0].predicted_min == 1 / 101 and table[-1].predicted_max == 100 / 101


def test_psi_by_hand() -> None:
    # edges 2 and 4: expected shares 1/4, 1/2, 1/4; actual 3/4, 0 (floored to 1e-4), 1/4
    got = psi([1, 2, 3, 4], [1, 1, 1, 4], edges=[2, 4])
    want = (0.75 - 0.25) * math.log(0.75 / 0.25) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert got == pytest.approx(want, abs=1e-12)


def test_psi_of_a_sample_against_itself_is_zero_and_deciles_come_from_the_reference() -> None:
    ref = np.arange(100.0)
    assert psi(ref, ref) == 0.0
    # deciles of 0..99 cut at 9.9, 19.8, ...; all of the new sample in the top decile
    got = psi(ref, np.full(50, 99.0))
    want = 9 * (1e-4 - 0.1) * math.log(1e-4 / 0.1) + (1.0 - 0.1) * math.log(1.0 / 0.1)
    assert got == pytest.approx(want, abs=1e-12)


def test_bad_rate_by_grade_uses_the_bands_like_the_indicator_system() -> None:
    bands = [("A", 700.0), ("B", 600.0), ("C", 400.0), ("CC", 300.0), ("D", 200.0)]
    scores = [750, 700, 650, 599, 100, -5]
    y = [0, 1, 0, 1, 1, 0]
    rows = bad_rate_by_grade(y, scores, bands)
    assert rows == [
        GradeBadRate("A", 700.0, 2, 1),
        GradeBadRate("B", 600.0, 1, 0),
        GradeBadRate("C", 400.0, 1, 1),
        GradeBadRate("CC", 300.0, 0, 0),
        GradeBadRate("D", 200.0, 2, 1),  # 100 and -5 are below every band: the last grade
    ]
    assert [r.bad_rate for r in rows] == [0.5, 0.0, 1.0, None, 0.5]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="both classes"):
        auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="only 0"):
        ks([0, 2], [0.2, 0.3])
    with pytest.raises(ValueError, match="same length"):
        brier([0, 1], [0.2])
    with pytest.raises(ValueError, match="finite"):
        auc([0, 1], [0.2, float("nan")])
    with pytest.raises(ValueError, match="strictly falling"):
        bad_rate_by_grade([0], [1.0], [("A", 1.0), ("B", 2.0)])

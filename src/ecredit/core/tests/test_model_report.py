"""A model's validation report and plots: monotone bad rates, figures equal to the metrics, PNGs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from ecredit.core.scoring.calibration import normality
from ecredit.core.scoring.models.metrics import (
    GradeBadRate,
    auc,
    bad_rate_by_grade,
    brier,
    calibration_table,
    gini,
    ks,
    psi,
)
from ecredit.core.scoring.models.report import (
    PLOTS,
    is_monotone,
    monotonicity,
    psi_label,
    validation_report,
    write_plots,
)

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
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def grades(*counts: tuple[int, int]) -> list[GradeBadRate]:
    """(n, bad) per grade, best grade first, named AAA, AA, ..."""
    names = [g for g, _ in BANDS]
    return [
        GradeBadRate(grade=names[i], min_score=BANDS[i][1], n=n, bad=bad)
        for i, (n, bad) in enumerate(counts)
    ]


def sample(
    n: int = 2000, seed: int = 0, shift: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores around 600 (higher is safer), P(bad) falling with the score, outcomes drawn from it."""
    rng = np.random.default_rng(seed)
    scores = np.clip(rng.normal(600.0 + shift, 110.0, n), 0.0, 1000.0)
    p_bad = 1.0 / (1.0 + np.exp((scores - 600.0) / 45.0 + 2.5))
    y = (rng.random(n) < p_bad).astype(np.int64)
    return y, p_bad, scores


# -- monotonicity --------------------------------------------------------------------------------


def test_a_bad_rate_falling_from_c_to_aaa_is_strictly_monotone() -> None:
    g = grades(
        (100, 0), (100, 1), (100, 2), (100, 4), (100, 8), (100, 12), (100, 20), (100, 30), (100, 40)
    )
    assert is_monotone(g)
    assert monotonicity(g) == {"strict": True, "significant": False, "violations": []}


def test_equal_rates_are_not_a_violation() -> None:
    g = grades((100, 2), (50, 1), (200, 4))
    assert is_monotone(g)
    assert monotonicity(g)["strict"]


def test_one_event_in_a_small_top_grade_is_a_rise_but_not_a_significant_one() -> None:
    g = grades((10, 1), (200, 4), (500, 15), (300, 30))  # AAA 10 % > AA 2 %
    assert not is_monotone(g)
    result = monotonicity(g)
    assert result["strict"] is False
    assert result["significant"] is False
    [v] = result["violations"]
    assert (v["better"], v["worse"]) == ("AAA", "AA")
    assert (v["better_rate"], v["worse_rate"]) == (0.1, 0.02)
    from scipy.stats import fisher_exact

    expected = fisher_exact([[1, 9], [4, 196]], alternative="greater").pvalue
    assert v["p_value"] == pytest.approx(expected)
    assert 0.05 < v["p_value"] < 1
    # with a lax enough alpha the same rise counts
    assert monotonicity(g, alpha=0.5)["significant"] is True


def test_a_big_rise_is_significant() -> None:
    g = grades((100, 50), (1000, 1), (1000, 30))
    result = monotonicity(g)
    assert (result["strict"], result["significant"]) == (False, True)
    [v] = result["violations"]
    assert (v["better"], v["worse"], v["better_rate"], v["worse_rate"]) == ("AAA", "AA", 0.5, 0.001)
    assert v["p_value"] < 1e-20


def test_every_rise_is_listed_from_worst_to_best() -> None:
    g = grades((100, 50), (1000, 1), (1000, 30), (100, 1), (100, 5))
    result = monotonicity(g)
    assert [(v["better"], v["worse"]) for v in result["violations"]] == [
        ("A", "BBB"),
        ("AAA", "AA"),
    ]


def test_empty_grades_are_skipped() -> None:
    g = grades((0, 0), (100, 0), (0, 0), (100, 5), (0, 0))
    assert is_monotone(g)
    assert monotonicity(g)["strict"]
    # a rise across an empty grade compares the grades on either side of it
    g = grades((100, 3), (0, 0), (100, 1))
    assert not is_monotone(g)
    [v] = monotonicity(g)["violations"]
    assert (v["better"], v["worse"]) == ("AAA", "A")
    assert is_monotone(grades((0, 0), (0, 0)))
    assert is_monotone([])
    assert monotonicity([]) == {"strict": True, "significant": False, "violations": []}


@pytest.mark.parametrize(
    "value, label",
    [
        (0.0, "stable"),
        (0.099, "stable"),
        (0.1, "some shift"),
        (0.2499, "some shift"),
        (0.25, "major shift"),
        (3.0, "major shift"),
    ],
)
def test_psi_label(value: float, label: str) -> None:
    assert psi_label(value) == label


# -- validation_report ---------------------------------------------------------------------------


def test_the_report_holds_the_metrics_exactly_and_is_json() -> None:
    y, p, s = sample()
    _, _, ref = sample(seed=1, shift=-30.0)
    report = validation_report(y, p, s, BANDS, reference_scores=ref, periods=("2024", "2025"))
    assert set(report) == {
        "n",
        "bad",
        "bad_rate",
        "auc",
        "ks",
        "gini",
        "brier",
        "calibration",
        "bad_rate_by_grade",
        "monotone_bad_rate",
        "monotonicity",
        "normality",
        "psi",
    }
    assert report["n"] == 2000
    assert report["bad"] == int(y.sum()) > 0
    assert report["bad_rate"] == y.mean()
    assert report["auc"] == auc(y, p) > 0.8
    assert report["ks"] == ks(y, p)
    assert report["gini"] == gini(y, p)
    assert report["brier"] == brier(y, p)
    assert report["calibration"] == [asdict(g) for g in calibration_table(y, p)]
    by_grade = bad_rate_by_grade(y, s, BANDS)
    assert report["bad_rate_by_grade"] == [{**asdict(g), "bad_rate": g.bad_rate} for g in by_grade]
    assert [g["grade"] for g in report["bad_rate_by_grade"]] == [g for g, _ in BANDS]
    assert sum(g["n"] for g in report["bad_rate_by_grade"]) == 2000
    assert report["monotone_bad_rate"] == is_monotone(by_grade)
    assert report["monotonicity"] == monotonicity(by_grade)
    assert report["normality"] == normality(s.tolist()).to_json()
    assert report["psi"] == {"from": "2024", "to": "2025", "value": psi(ref, s)}
    assert report["psi"]["value"] > 0
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text)["auc"] == report["auc"]


def test_the_report_takes_lists_and_leaves_psi_out_without_a_reference() -> None:
    y, p, s = sample(n=300, seed=2)
    report = validation_report(y.tolist(), p.tolist(), s.tolist(), BANDS)
    assert "psi" not in report
    assert report == validation_report(y, p, s, BANDS, reference_scores=np.array([]))
    assert report["auc"] == auc(y, p)
    json.dumps(report, allow_nan=False)


def test_the_report_of_a_tiny_sample_has_no_normality() -> None:
    y = np.array([0, 1, 0, 1, 0])
    p = np.array([0.1, 0.9, 0.2, 0.6, 0.3])
    s = np.array([800.0, 300.0, 700.0, 450.0, 650.0])
    report = validation_report(y, p, s, BANDS)
    assert report["normality"] is None
    assert report["auc"] == 1.0
    assert report["monotone_bad_rate"] is True
    json.dumps(report, allow_nan=False)
    # eight equal scores: no normality either, rather than an error
    same = validation_report([0, 1] * 4, [0.2, 0.3] * 4, [600.0] * 8, BANDS)
    assert same["normality"] is None


# -- write_plots ---------------------------------------------------------------------------------


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk of a PNG file, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert data[-8:-4] == b"IEND"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("with_reference", [False, True])
def test_write_plots_draws_four_pngs(tmp_path: Path, with_reference: bool) -> None:
    y, p, s = sample(n=500, seed=3)
    ref = sample(n=500, seed=4, shift=-20.0)[2] if with_reference else None
    directory = tmp_path / "nested" / "plots"  # created if missing
    out = write_plots(directory, y, p, s, BANDS, reference_scores=ref, title="v1")
    assert out == {name: f"{name}.png" for name in PLOTS}
    assert list(out) == ["roc", "scores", "calibration", "grades"]
    assert sorted(f.name for f in directory.iterdir()) == sorted(out.values())
    for name in out.values():
        path = directory / name
        assert path.stat().st_size > 5_000
        width, height = png_size(path)
        assert 400 <= width <= 1500 and 300 <= height <= 1000, (name, width, height)


def test_write_plots_without_any_event(tmp_path: Path) -> None:
    _, p, s = sample(n=200, seed=5)
    y = np.zeros(len(s), dtype=np.int64)
    out = write_plots(tmp_path, y, p, s, BANDS)
    assert list(out) == list(PLOTS)
    for name in out.values():
        png_size(tmp_path / name)

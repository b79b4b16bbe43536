"""Validation metrics for a binary target (1 = bad) and a predicted P(bad) or a score.

Every function takes plain arrays and returns plain numbers, and is exact: AUC counts ties as
half, KS is taken over distinct values only (tied rows are never split), deciles are equal-count
groups in a stable order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def _arrays(y: object, s: object) -> tuple[np.ndarray, np.ndarray]:
    yy = np.asarray(y, dtype=np.int64)
    ss = np.asarray(s, dtype=np.float64)
    if yy.ndim != 1 or yy.shape != ss.shape:
        raise ValueError("y and the scores must be 1-d arrays of the same length")
    if not np.isin(yy, (0, 1)).all():
        raise ValueError("y must hold only 0 (good) and 1 (bad)")
    if not np.isfinite(ss).all():
        raise ValueError("scores must be finite numbers")
    return yy, ss


def _both_classes(y: np.ndarray) -> tuple[int, int]:
    n_bad = int(y.sum())
    n_good = len(y) - n_bad
    if n_bad == 0 or n_good == 0:
        raise ValueError("AUC and KS need both classes in y")
    return n_bad, n_good


def auc(y: object, score: object) -> float:
    """P(score of a random bad > score of a random good), a tie counting one half
    (Mann-Whitney U / (n_bad * n_good)). Higher score = riskier."""
    yy, ss = _arrays(y, score)
    n_bad, n_good = _both_classes(yy)
    ranks = rankdata(ss)  # average ranks for ties
    u = float(ranks[yy == 1].sum()) - n_bad * (n_bad + 1) / 2
    return u / (n_bad * n_good)


def gini(y: object, score: object) -> float:
    """Gini (accuracy ratio) = 2 AUC - 1."""
    return 2 * auc(y, score) - 1


def ks(y: object, score: object) -> float:
    """Kolmogorov-Smirnov: max over thresholds t of |F_bad(t) - F_good(t)|, F the share of each
    class with score <= t, t running over the distinct scores."""
    yy, ss = _arrays(y, score)
    n_bad, n_good = _both_classes(yy)
    order = np.argsort(ss, kind="stable")
    s_sorted, y_sorted = ss[order], yy[order]
    cum_bad = np.cumsum(y_sorted) / n_bad
    cum_good = np.cumsum(1 - y_sorted) / n_good
    last_of_value = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    return float(np.max(np.abs(cum_bad - cum_good)[last_of_value]))


def brier(y: object, p_bad: object) -> float:
    """Mean squared difference between P(bad) and the outcome."""
    yy, pp = _arrays(y, p_bad)
    return float(np.mean((pp - yy) ** 2))


@dataclass(frozen=True)
class CalibrationGroup:
    """One group of rows with similar predictions: how bad they were predicted and turned out."""

    group: int  # 1 = lowest predicted P(bad)
    n: int
    predicted_min: float
    predicted_max: float
    predicted_mean: float
    observed_bad_rate: float


def calibration_table(y: object, p_bad: object, groups: int = 10) -> list[CalibrationGroup]:
    """Rows sorted by P(bad) (stable) and cut into `groups` groups of equal count (the first
    n % groups groups one row larger, as numpy.array_split); deciles by default."""
    yy, pp = _arrays(y, p_bad)
    if groups < 1:
        raise ValueError("groups must be at least 1")
    order = np.argsort(pp, kind="stable")
    out = []
    for i, idx in enumerate(np.array_split(order, min(groups, len(order))), start=1):
        out.append(
            CalibrationGroup(
                group=i,
                n=len(idx),
                predicted_min=float(pp[idx].min()),
                predicted_max=float(pp[idx].max()),
                predicted_mean=float(pp[idx].mean()),
                observed_bad_rate=float(yy[idx].mean()),
            )
        )
    return out


def psi(
    expected: object,
    actual: object,
    bins: int = 10,
    edges: Sequence[float] | None = None,
    floor: float = 1e-4,
) -> float:
    """Population stability index of `actual` against `expected` (the reference):
    sum over bins of (a - e) * ln(a / e), a and e each sample's share of the bin.

    Bins: `edges` if given, else the reference's deciles (its quantiles at 1/bins, ..., with
    duplicate edges dropped); a value goes to the bin numbered by how many edges are <= it, as
    in `ScorecardTable`. A share of zero counts as `floor` so that an empty bin stays finite.
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.size == 0 or a.size == 0:
        raise ValueError("PSI needs two non-empty samples")
    if not (np.isfinite(e).all() and np.isfinite(a).all()):
        raise ValueError("scores must be finite numbers")
    if edges is None:
        cuts = np.unique(np.quantile(e, np.arange(1, bins) / bins))
    else:
        cuts = np.asarray(sorted(edges), dtype=np.float64)
    n_bins = len(cuts) + 1
    e_share = np.bincount(np.searchsorted(cuts, e, side="right"), minlength=n_bins) / e.size
    a_share = np.bincount(np.searchsorted(cuts, a, side="right"), minlength=n_bins) / a.size
    e_share = np.maximum(e_share, floor)
    a_share = np.maximum(a_share, floor)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))


@dataclass(frozen=True)
class GradeBadRate:
    """How many rows fell in a grade and how many of them were bad."""

    grade: str
    min_score: float
    n: int
    bad: int

    @property
    def bad_rate(self) -> float | None:
        """Share of bad rows; None for an empty grade."""
        return self.bad / self.n if self.n else None


def bad_rate_by_grade(
    y: object, score: object, bands: Sequence[tuple[str, float]]
) -> list[GradeBadRate]:
    """Bad rate per grade. `bands` are (grade, lowest score that reaches it), best grade first
    with strictly falling minimums, as `IndicatorSystem.grades`; a score below every minimum
    takes the last grade (as `IndicatorSystem.grade_for`). Higher score = safer."""
    yy, ss = _arrays(y, score)
    if not bands:
        raise ValueError("give at least one grade band")
    mins = [float(m) for _, m in bands]
    if any(not b < a for a, b in itertools.pairwise(mins)):
        raise ValueError("grade bands must be ordered best first with strictly falling minimums")
    grade_index = np.full(len(ss), len(bands) - 1)
    for i in reversed(range(len(bands))):
        grade_index[ss >= mins[i]] = i
    return [
        GradeBadRate(
            grade=g,
            min_score=m,
            n=int((grade_index == i).sum()),
            bad=int(yy[grade_index == i].sum()),
        )
        for i, (g, m) in enumerate(zip([g for g, _ in bands], mins, strict=True))
    ]

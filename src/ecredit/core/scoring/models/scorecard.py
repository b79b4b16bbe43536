"""WoE scorecard: optbinning bins each variable under a monotonic trend, logistic regression weighs
the WoE, and the points export as a `ScorecardTable`."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
from optbinning import BinningProcess
from sklearn.linear_model import LogisticRegression

from ecredit.core.scoring.models.base import (
    ModelFamily,
    as_target,
    categorical_columns,
    check_fitted,
)
from ecredit.core.scoring.models.scaling import Scaling
from ecredit.core.scoring.table import CategoricalVariable, NumericVariable, ScorecardTable

# A category no training fold can contain: probing with it reads the WoE optbinning gives to
# categories it has not seen.
_UNSEEN = "\x00ecredit-unseen-category\x00"


@dataclass(frozen=True)
class _Bins:
    """One variable's bins and the WoE of each, read back from the fitted optbinning object."""

    name: str
    kind: str  # "numeric" | "categorical"
    splits: tuple[float, ...]  # numeric
    categories: dict[str, int]  # categorical: category -> bin
    woe: tuple[float, ...]
    missing_woe: float
    other_woe: float  # categorical: unseen category
    iv: float


class ScorecardFamily(ModelFamily):
    """Binning (fitted per variable, trend chosen per variable) + logistic regression on WoE.

    Defaults were chosen once on public data (German credit, see bench/german_credit.py) and are
    ordinary scorecard practice: trend "auto" (optbinning picks ascending, descending, peak or
    valley per variable), at most 10 pre-bins, no bin under 5% of rows, variables with IV < 0.02
    left out, L2 with C = 0.3, and a variable whose coefficient comes out with the wrong sign
    (points rising with risk) dropped and the regression refitted, so points always follow the
    bins' event rates.
    """

    name = "scorecard"

    def __init__(
        self,
        seed: int = 0,
        *,
        base_points: float = 600.0,
        base_odds: float = 50.0,
        pdo: float = 20.0,
        monotonic_trend: str | None = "auto",
        max_n_prebins: int = 10,
        min_prebin_size: float = 0.05,
        max_n_bins: int | None = None,
        min_bin_size: float | None = 0.05,
        min_iv: float = 0.02,
        C: float = 0.3,
        drop_wrong_sign: bool = True,
    ) -> None:
        super().__init__(seed)
        self.scaling = Scaling(base_points=base_points, base_odds=base_odds, pdo=pdo)
        self.monotonic_trend = monotonic_trend
        self.max_n_prebins = max_n_prebins
        self.min_prebin_size = min_prebin_size
        self.max_n_bins = max_n_bins
        self.min_bin_size = min_bin_size
        self.min_iv = min_iv
        self.C = C
        self.drop_wrong_sign = drop_wrong_sign
        self._binning: Any = None
        self._bins: dict[str, _Bins] = {}
        self.variables: tuple[str, ...] = ()
        self.coefficients: tuple[float, ...] = ()
        self.intercept: float = 0.0
        self._fitted = False

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "base_points": self.scaling.base_points,
            "base_odds": self.scaling.base_odds,
            "pdo": self.scaling.pdo,
            "monotonic_trend": self.monotonic_trend,
            "max_n_prebins": self.max_n_prebins,
            "min_prebin_size": self.min_prebin_size,
            "max_n_bins": self.max_n_bins,
            "min_bin_size": self.min_bin_size,
            "min_iv": self.min_iv,
            "C": self.C,
            "drop_wrong_sign": self.drop_wrong_sign,
        }

    # --- fitting ------------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        target = as_target(y)
        # A column with no value in the training rows cannot be binned: it is left out, as a
        # variable with no information.
        names = [str(c) for c in X.columns if X[c].notna().any()]
        cats = [c for c in categorical_columns(X) if c in names]
        fit_params = {n: {"monotonic_trend": self.monotonic_trend} for n in names}
        binning = BinningProcess(
            names,
            categorical_variables=cats or None,
            max_n_prebins=self.max_n_prebins,
            min_prebin_size=self.min_prebin_size,
            max_n_bins=self.max_n_bins,
            min_bin_size=self.min_bin_size,
            binning_fit_params=fit_params,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binning.fit(_frame(X, names, cats), target)
            bins = {n: _read_bins(binning.get_binned_variable(n), n, n in cats) for n in names}
        self._binning, self._bins = binning, bins
        candidates = [n for n in names if self._bins[n].iv >= self.min_iv]
        woe = self._woe(X, candidates)
        while True:
            self._fit_regression(woe, candidates, target)
            wrong = [n for n, c in zip(candidates, self.coefficients, strict=True) if c > 0]
            if not (self.drop_wrong_sign and wrong):
                break
            # optbinning's WoE is ln(%good / %bad): a positive coefficient would give more points
            # to riskier bins. Drop those variables and refit.
            candidates = [n for n in candidates if n not in wrong]
            woe = woe[:, [i for i, n in enumerate(self.variables) if n not in wrong]]
        self._fitted = True
        return self

    def _fit_regression(self, woe: np.ndarray, names: list[str], y: np.ndarray) -> None:
        self.variables = tuple(names)
        if not names:
            rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
            self.coefficients, self.intercept = (), math.log(rate / (1 - rate))
            return
        lr = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)
        lr.fit(woe, y)
        self.coefficients = tuple(float(c) for c in lr.coef_[0])
        self.intercept = float(lr.intercept_[0])

    def _woe(self, X: pd.DataFrame, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """WoE of each row for `names`, as optbinning transforms it (missing: the WoE of the
        training missing bin; unseen category: the WoE of the overall rate)."""
        cols = []
        for n in names:
            optb = self._binning.get_binned_variable(n)
            x = _column(X, n, self._bins[n].kind == "categorical")
            cols.append(
                np.asarray(
                    optb.transform(x, metric="woe", metric_missing="empirical"), dtype=np.float64
                )
            )
        if not cols:
            return np.zeros((len(X), 0))
        return np.column_stack(cols)

    # --- scoring ------------------------------------------------------------------------------

    def points(self, X: pd.DataFrame) -> np.ndarray:
        """The score of each row: base points plus each variable's points, summed in the
        table's order (so `table().score_row` gives the same floats)."""
        check_fitted(self._fitted, self.name)
        woe = self._woe(X, self.variables)
        total = np.full(len(X), self.base_points)
        for i, coef in enumerate(self.coefficients):
            total = total + (-self.scaling.factor * coef) * woe[:, i]
        return total

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.probability_from_points(self.points(X))

    def probability_from_points(self, points: np.ndarray) -> np.ndarray:
        """P(bad) for a score: strictly decreasing, the inverse of the scaling."""
        return self.scaling.probability(points)

    @property
    def base_points(self) -> float:
        """The intercept's share of every score."""
        return float(self.scaling.points_from_log_odds_bad(np.array(self.intercept)))

    def table(self) -> ScorecardTable:
        """The fitted scorecard as bins and points, scoring every row as `points` does."""
        check_fitted(self._fitted, self.name)
        variables: list[NumericVariable | CategoricalVariable] = []
        for name, coef in zip(self.variables, self.coefficients, strict=True):
            b = self._bins[name]
            scale = -self.scaling.factor * coef
            pts = tuple(scale * w for w in b.woe)
            if b.kind == "numeric":
                variables.append(
                    NumericVariable(
                        name=name,
                        splits=b.splits,
                        points=pts,
                        missing_points=scale * b.missing_woe,
                    )
                )
            else:
                variables.append(
                    CategoricalVariable(
                        name=name,
                        categories=dict(b.categories),
                        points=pts,
                        missing_points=scale * b.missing_woe,
                        other_points=scale * b.other_woe,
                    )
                )
        return ScorecardTable(variables=tuple(variables), base_points=self.base_points)

    def information_values(self) -> dict[str, float]:
        """IV of every variable on the training data, selected or not."""
        check_fitted(self._fitted, self.name)
        return {n: b.iv for n, b in self._bins.items()}


def _column(X: pd.DataFrame, name: str, categorical: bool) -> np.ndarray:
    col = X[name]
    if categorical:
        return np.asarray(col.astype(object).where(col.notna(), np.nan), dtype=object)
    return np.asarray(col, dtype=np.float64)


def _frame(X: pd.DataFrame, names: list[str], cats: list[str]) -> pd.DataFrame:
    return pd.DataFrame({n: _column(X, n, n in cats) for n in names}, index=X.index)


def _read_bins(optb: Any, name: str, categorical: bool) -> _Bins:
    """Read bins and WoE back by transforming one value from each bin: the WoE values are then
    the very floats `transform` gives for data."""

    def woe_of(values: list[Any], dtype: Any) -> list[float]:
        arr = np.array(values, dtype=dtype)
        out = optb.transform(arr, metric="woe", metric_missing="empirical")
        return [float(v) for v in np.asarray(out, dtype=np.float64)]

    iv = float(optb.binning_table.build()["IV"].iloc[-1])
    if not categorical:
        splits = tuple(float(s) for s in optb.splits)
        probes = [float(np.nextafter(splits[0], -np.inf)) if splits else 0.0, *splits]
        values = woe_of([*probes, np.nan], np.float64)
        return _Bins(name, "numeric", splits, {}, tuple(values[:-1]), values[-1], 0.0, iv)
    groups = [list(g) for g in optb.splits]
    categories = {str(c): i for i, g in enumerate(groups) for c in g}
    values = woe_of([g[0] for g in groups] + [_UNSEEN, np.nan], object)
    return _Bins(
        name, "categorical", (), categories, tuple(values[:-2]), values[-1], values[-2], iv
    )

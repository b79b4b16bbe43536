"""Model families: learning, determinism, the scorecard's table and scaling, CV without leakage."""

from __future__ import annotations

import json
import math
from typing import Any, Self

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from ecredit.core.scoring.models import (
    FAMILIES,
    ModelFamily,
    Scaling,
    ScorecardFamily,
    auc,
    cross_validate,
    cross_validate_families,
    fold_indices,
    make_family,
)
from ecredit.core.scoring.table import CategoricalVariable, NumericVariable, ScorecardTable

REGION_RISK = {"north": 1.5, "south": -1.0, "east": 0.0, "west": -0.5}


def synthetic(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Income lowers risk, a region raises or lowers it, age a little, `noise` not at all;
    some income and region values are missing."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50.0, 15.0, n)
    age = rng.integers(18, 70, n).astype(np.float64)
    region = rng.choice(list(REGION_RISK), n)
    noise = rng.normal(size=n)
    z = -0.8 - 0.15 * (income - 50.0) + np.array([REGION_RISK[r] for r in region])
    z += 0.02 * (age - 40.0)
    y = (rng.random(n) < expit(z)).astype(np.int64)
    income[rng.random(n) < 0.05] = np.nan
    regions = pd.Series(region, dtype=object)
    regions[rng.random(n) < 0.05] = np.nan
    X = pd.DataFrame({"income": income, "age": age, "region": regions, "noise": noise})
    return X, y


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray]:
    return synthetic()


@pytest.fixture(scope="module")
def scorecard(data: tuple[pd.DataFrame, np.ndarray]) -> ScorecardFamily:
    X, y = data
    return ScorecardFamily(seed=0).fit(X, y)


def test_the_registry_names_every_family() -> None:
    assert list(FAMILIES) == ["scorecard", "logistic", "random_forest", "mlp", "gradient_boosting"]
    assert all(cls.name == name for name, cls in FAMILIES.items())


def test_an_unknown_family_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown model family 'svm'; choose from scorecard"):
        make_family("svm")


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_family_learns_the_signal_and_is_deterministic(
    name: str, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    train, test = slice(0, 300), slice(300, None)
    first = make_family(name, seed=7).fit(X.iloc[train], y[train])
    again = make_family(name, seed=7).fit(X.iloc[train], y[train])
    p = first.predict_proba(X.iloc[test])
    assert p.shape == (100,)
    assert ((p > 0) & (p < 1)).all()
    assert auc(y[test], p) > 0.75  # the true model reaches 0.84 on these rows
    assert np.array_equal(p, again.predict_proba(X.iloc[test]))  # bit for bit


@pytest.mark.parametrize("name", list(FAMILIES))
def test_params_are_json_and_rebuild_the_family(name: str) -> None:
    model = make_family(name, seed=3)
    params = model.params()
    assert json.loads(json.dumps(params)) == params
    assert params["seed"] == 3
    rebuilt = FAMILIES[name](**_from_json(params))
    assert rebuilt.params() == params


def _from_json(params: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_unseen_categories_and_missing_values_are_scored(
    name: str, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    model = make_family(name).fit(X, y)
    odd = pd.DataFrame(
        {
            "income": [np.nan, 40.0],
            "age": [30.0, np.nan],
            "region": pd.Series(["atlantis", np.nan], dtype=object),
            "noise": [0.0, 0.0],
        }
    )
    p = model.predict_proba(odd)
    assert np.isfinite(p).all() and ((p > 0) & (p < 1)).all()


# --- the scorecard and its table -----------------------------------------------------------------


def test_the_table_scores_every_row_as_the_scorecard_does(
    scorecard: ScorecardFamily, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    extra = pd.DataFrame(
        {
            "income": [np.nan, -1e9, 1e9],
            "age": [np.nan, 18.0, 90.0],
            "region": pd.Series([np.nan, "atlantis", "north"], dtype=object),
            "noise": [0.0, 1.0, np.nan],
        }
    )
    rows = pd.concat([X, extra], ignore_index=True)
    table = scorecard.table()
    points = scorecard.points(rows)
    from_table = np.array([table.score_row(r) for r in rows.to_dict("records")])
    assert np.array_equal(points, from_table)
    again = ScorecardTable.from_json(json.loads(json.dumps(table.to_json())))
    assert again.digest == table.digest
    assert np.array_equal(np.array([again.score_row(r) for r in rows.to_dict("records")]), points)


def test_the_table_holds_the_chosen_variables_with_their_bins(scorecard: ScorecardFamily) -> None:
    table = scorecard.table()
    assert [v.name for v in table.variables] == list(scorecard.variables)
    iv = scorecard.information_values()
    assert max(iv, key=iv.__getitem__) == "income"
    region = next(v for v in table.variables if v.name == "region")
    assert isinstance(region, CategoricalVariable)
    assert set(region.categories) == set(REGION_RISK)
    assert table.base_points == scorecard.base_points


def _bin_bad_rates(table: ScorecardTable, X: pd.DataFrame, y: np.ndarray) -> dict[str, list[float]]:
    """Training bad rate of each bin of each variable, bins assigned by the table's rules."""
    out: dict[str, list[float]] = {}
    for v in table.variables:
        col = X[v.name]
        filled = col.notna().to_numpy()
        if isinstance(v, NumericVariable):
            idx = np.searchsorted(np.array(v.splits), col.to_numpy(dtype=np.float64), side="right")
        else:
            idx = np.array([v.categories.get(str(c), -1) for c in col])
        out[v.name] = [float(y[filled & (idx == b)].mean()) for b in range(len(v.points))]
    return out


def test_points_fall_as_the_bins_bad_rate_rises(
    scorecard: ScorecardFamily, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = data
    table = scorecard.table()
    rates = _bin_bad_rates(table, X, y)
    for v in table.variables:
        order = np.argsort(rates[v.name])
        points = np.array(v.points)[order]
        assert (np.diff(points) < 0).all(), v.name
        assert all(c < 0 for c in scorecard.coefficients)


def test_with_an_ascending_or_descending_trend_numeric_points_are_monotone(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = data
    model = ScorecardFamily(monotonic_trend="auto_asc_desc").fit(X, y)
    income = next(v for v in model.table().variables if v.name == "income")
    assert isinstance(income, NumericVariable) and len(income.splits) >= 2
    assert (np.diff(income.points) > 0).all()  # more income, more points


def test_probability_is_a_decreasing_function_of_points(
    scorecard: ScorecardFamily, data: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = data
    points = scorecard.points(X)
    p = scorecard.predict_proba(X)
    assert np.array_equal(p, scorecard.probability_from_points(points))
    grid = np.linspace(300.0, 900.0, 601)
    assert (np.diff(scorecard.probability_from_points(grid)) < 0).all()
    assert np.allclose(scorecard.scaling.points(p), points, rtol=0, atol=1e-9)


def test_scaling_gives_base_points_at_base_odds_and_pdo_more_at_double_odds() -> None:
    s = Scaling(base_points=600.0, base_odds=50.0, pdo=20.0)
    p_at = {odds: 1.0 / (1.0 + odds) for odds in (12.5, 25.0, 50.0, 100.0, 200.0)}
    points = {odds: float(s.points(np.array(p))) for odds, p in p_at.items()}
    assert points[50.0] == pytest.approx(600.0, abs=1e-9)
    assert points[100.0] == pytest.approx(620.0, abs=1e-9)
    assert points[200.0] == pytest.approx(640.0, abs=1e-9)
    assert points[25.0] == pytest.approx(580.0, abs=1e-9)
    assert points[12.5] == pytest.approx(560.0, abs=1e-9)
    assert s.factor == 20.0 / math.log(2.0)
    assert float(s.probability(np.array(600.0))) == pytest.approx(1.0 / 51.0, abs=1e-15)


def test_the_scorecard_scales_with_its_configured_base_points_odds_and_pdo(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = data
    default = ScorecardFamily().fit(X, y)
    custom = ScorecardFamily(base_points=500.0, base_odds=20.0, pdo=40.0).fit(X, y)
    assert custom.coefficients == default.coefficients  # scaling does not touch the fit
    p = default.predict_proba(X)
    odds = (1 - p) / p
    expected = 500.0 + 40.0 * np.log2(odds / 20.0)
    assert np.allclose(custom.points(X), expected, rtol=0, atol=1e-9)
    assert custom.params()["base_points"] == 500.0
    assert custom.table().base_points == custom.base_points


def test_a_scorecard_with_nothing_informative_predicts_the_base_rate() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"noise": rng.normal(size=200)})
    y = np.array([1] * 50 + [0] * 150)
    model = ScorecardFamily(min_iv=1.0).fit(X, y)
    assert model.variables == ()
    assert np.allclose(model.predict_proba(X), 0.25, rtol=0, atol=1e-12)
    assert model.table().variables == ()


def test_predicting_before_fitting_says_so() -> None:
    with pytest.raises(RuntimeError, match="call fit"):
        ScorecardFamily().predict_proba(pd.DataFrame({"x": [1.0]}))


# --- cross-validation --------------------------------------------------------------------------


class _Spy(ModelFamily):
    """Remembers which rows it was fitted on and asked about; predicts noise."""

    name = "spy"
    seen: list[tuple[frozenset[int], frozenset[int]]] = []

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        self._train = frozenset(int(i) for i in X["row"])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        _Spy.seen.append((self._train, frozenset(int(i) for i in X["row"])))
        return np.random.default_rng(0).random(len(X))

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed}


def test_every_fold_is_fitted_on_its_training_rows_only() -> None:
    X, y = synthetic(120)
    X = X.assign(row=np.arange(120))
    _Spy.seen = []
    result = cross_validate(X, y, lambda: _Spy(), folds=4, repeats=2, seed=5)
    assert len(result.scores) == 8 and len(_Spy.seen) == 8
    everyone = frozenset(range(120))
    for train, test in _Spy.seen:
        assert train.isdisjoint(test) and train | test == everyone
    for repeat in range(2):
        tests = [t for _, t in _Spy.seen[repeat * 4 : repeat * 4 + 4]]
        assert frozenset().union(*tests) == everyone and sum(map(len, tests)) == 120


def test_the_scorecard_bins_again_in_each_fold(data: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = data
    result = cross_validate(X, y, "scorecard", folds=3, repeats=1, seed=0, keep_models=True)
    models = [m for m in result.models if isinstance(m, ScorecardFamily)]
    assert len(models) == 3
    assert len({id(m._binning) for m in models}) == 3
    assert len({m.table().digest for m in models}) == 3


def test_a_column_that_only_identifies_rows_does_not_score_in_cross_validation() -> None:
    rng = np.random.default_rng(2)
    n = 200
    X = pd.DataFrame({"row_id": pd.Series([f"r{i}" for i in range(n)], dtype=object)})
    y = (rng.random(n) < 0.3).astype(np.int64)
    in_sample = make_family("logistic").fit(X, y).predict_proba(X)
    assert auc(y, in_sample) == 1.0  # fitted on the rows it is scored on: memorised
    result = cross_validate(X, y, "logistic", folds=4, repeats=2, seed=0)
    assert result.auc_mean == 0.5  # every test row is an unseen category: no signal


def test_cross_validation_is_reproducible_and_summarised(
    data: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = data
    a, b = cross_validate_families(X, y, ["logistic", "logistic"], folds=3, repeats=2, seed=4)
    assert a == b
    aucs = [s.auc for s in a.scores]
    assert a.auc_mean == float(np.mean(aucs)) and a.auc_std == float(np.std(aucs))
    assert a.summary() == {
        "family": "logistic",
        "auc_mean": round(a.auc_mean, 4),
        "auc_std": round(a.auc_std, 4),
        "ks_mean": round(a.ks_mean, 4),
        "ks_std": round(a.ks_std, 4),
    }
    assert [(s.repeat, s.fold) for s in a.scores] == [(r, f) for r in range(2) for f in range(3)]


def test_folds_are_stratified_and_the_same_for_every_family() -> None:
    y = np.array([1] * 30 + [0] * 90)
    splits = fold_indices(y, folds=3, repeats=2, seed=9)
    assert len(splits) == 6
    assert [int(y[test].sum()) for _, test in splits] == [10] * 6
    again = fold_indices(y, folds=3, repeats=2, seed=9)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))

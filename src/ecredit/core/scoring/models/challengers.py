"""The scikit-learn families: logistic regression, random forest, neural network (MLP) and
gradient boosting. Each is one pipeline whose every step is fitted in `fit`."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

from ecredit.core.scoring.models.base import (
    ModelFamily,
    as_target,
    categorical_columns,
    check_fitted,
    numeric_columns,
)

MISSING = "(missing)"
# Below this many rows gradient boosting runs on one thread: OpenMP threads cost more than they
# save on small tables (0.2 s instead of 0.5 s for 400 rows here), and many times more when the
# machine is busy.
SINGLE_THREAD_ROWS = 20_000


def _text(X: pd.DataFrame, cats: list[str]) -> pd.DataFrame:
    """Categorical columns as plain strings, a missing value as its own category."""
    out = X.copy()
    for c in cats:
        col = X[c]
        out[c] = pd.Series(
            [MISSING if pd.isna(v) else str(v) for v in col], index=X.index, dtype=object
        )
    return out


class _PipelineFamily(ModelFamily):
    """A family whose model is a scikit-learn pipeline built from the columns seen in `fit`."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self._model: Any = None
        self._cats: list[str] = []
        self._columns: list[str] = []

    def _pipeline(self, numeric: list[str], cats: list[str]) -> Any:
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        target = as_target(y)
        self._columns = [str(c) for c in X.columns]
        self._cats = categorical_columns(X)
        self._model = self._pipeline(numeric_columns(X), self._cats)
        self._model.fit(_text(X[self._columns], self._cats), target)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_fitted(self._model is not None, self.name)
        proba = self._model.predict_proba(_text(X[self._columns], self._cats))
        return np.asarray(proba[:, 1], dtype=np.float64)


def _one_hot_standardised(numeric: list[str], cats: list[str]) -> ColumnTransformer:
    """Median-impute (with a was-missing flag) and standardise numbers; one-hot categories."""
    return ColumnTransformer(
        [
            (
                "num",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats),
        ]
    )


class LogisticFamily(_PipelineFamily):
    """Impute, one-hot, standardise, then L2 logistic regression."""

    name = "logistic"

    def __init__(self, seed: int = 0, *, C: float = 0.1) -> None:
        super().__init__(seed)
        self.C = C

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "C": self.C}

    def _pipeline(self, numeric: list[str], cats: list[str]) -> Any:
        return Pipeline(
            [
                ("prepare", _one_hot_standardised(numeric, cats)),
                ("model", LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)),
            ]
        )


class RandomForestFamily(_PipelineFamily):
    """Median-impute numbers, one-hot categories, then a random forest."""

    name = "random_forest"

    def __init__(
        self,
        seed: int = 0,
        *,
        n_estimators: int = 500,
        min_samples_leaf: int = 3,
        max_features: str | float = "sqrt",
    ) -> None:
        super().__init__(seed)
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "n_estimators": self.n_estimators,
            "min_samples_leaf": self.min_samples_leaf,
            "max_features": self.max_features,
        }

    def _pipeline(self, numeric: list[str], cats: list[str]) -> Any:
        prepare = ColumnTransformer(
            [
                ("num", SimpleImputer(strategy="median", add_indicator=True), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats),
            ]
        )
        forest = RandomForestClassifier(
            n_estimators=self.n_estimators,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            random_state=self.seed,
            n_jobs=1,
        )
        return Pipeline([("prepare", prepare), ("model", forest)])


class MLPFamily(_PipelineFamily):
    """Impute, one-hot, standardise, then a small neural network with early stopping."""

    name = "mlp"

    def __init__(
        self,
        seed: int = 0,
        *,
        hidden_layer_sizes: tuple[int, ...] = (16,),
        alpha: float = 3.0,
        learning_rate_init: float = 0.01,
        max_iter: int = 500,
        n_iter_no_change: int = 50,
    ) -> None:
        super().__init__(seed)
        self.n_iter_no_change = n_iter_no_change
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "hidden_layer_sizes": list(self.hidden_layer_sizes),
            "alpha": self.alpha,
            "learning_rate_init": self.learning_rate_init,
            "max_iter": self.max_iter,
            "n_iter_no_change": self.n_iter_no_change,
        }

    def _pipeline(self, numeric: list[str], cats: list[str]) -> Any:
        mlp = MLPClassifier(
            hidden_layer_sizes=self.hidden_layer_sizes,
            alpha=self.alpha,
            learning_rate_init=self.learning_rate_init,
            max_iter=self.max_iter,
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=self.n_iter_no_change,
            random_state=self.seed,
        )
        return Pipeline([("prepare", _one_hot_standardised(numeric, cats)), ("model", mlp)])


class GradientBoostingFamily(_PipelineFamily):
    """Histogram gradient boosting (the challenger): categories ordinal-coded and split natively,
    missing numbers handled by the trees."""

    name = "gradient_boosting"

    def __init__(
        self,
        seed: int = 0,
        *,
        learning_rate: float = 0.03,
        max_iter: int = 300,
        max_leaf_nodes: int = 8,
        min_samples_leaf: int = 20,
        l2_regularization: float = 1.0,
    ) -> None:
        super().__init__(seed)
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "learning_rate": self.learning_rate,
            "max_iter": self.max_iter,
            "max_leaf_nodes": self.max_leaf_nodes,
            "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization,
        }

    def _pipeline(self, numeric: list[str], cats: list[str]) -> Any:
        prepare = ColumnTransformer(
            [
                (
                    "cat",
                    OrdinalEncoder(
                        handle_unknown="use_encoded_value",
                        unknown_value=np.nan,
                        encoded_missing_value=np.nan,
                        max_categories=250,  # the trees split at most 255 categories
                    ),
                    cats,
                ),
                ("num", "passthrough", numeric),
            ]
        )
        boosting = HistGradientBoostingClassifier(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            categorical_features=list(range(len(cats))),
            early_stopping=False,
            random_state=self.seed,
        )
        return Pipeline([("prepare", prepare), ("model", boosting)])

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        with threadpool_limits(1 if len(X) < SINGLE_THREAD_ROWS else None, user_api="openmp"):
            return super().fit(X, y)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(1 if len(X) < SINGLE_THREAD_ROWS else None, user_api="openmp"):
            return super().predict_proba(X)

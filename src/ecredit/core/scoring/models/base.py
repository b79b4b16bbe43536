"""The interface every model family implements, and how a frame's columns are split by kind."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd


class ModelFamily(ABC):
    """A model that learns P(bad) from a frame of numeric and categorical columns.

    `fit` does every data-dependent step itself (binning, imputation, encoding, scaling), so a
    family fitted on a training fold has seen nothing of the test fold. Given the same seed and
    data, `fit` gives the same model and `predict_proba` the same numbers, bit for bit.
    """

    name: ClassVar[str]

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    @abstractmethod
    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        """Learn from `X` and `y` (1 = bad, the positive class; 0 = good)."""

    @abstractmethod
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(bad) for each row of `X`, shape (n,)."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters that, with the same data, reproduce this model (JSON-able)."""


def categorical_columns(X: pd.DataFrame) -> list[str]:
    """Columns that are not numbers (strings, categories, booleans), in frame order."""
    return [str(c) for c in X.columns if not _is_numeric(X[c])]


def numeric_columns(X: pd.DataFrame) -> list[str]:
    """Columns of numbers (not booleans), in frame order."""
    return [str(c) for c in X.columns if _is_numeric(X[c])]


def _is_numeric(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column))


def as_target(y: Any) -> np.ndarray:
    """`y` as an int array of 0/1; anything else is a programming error."""
    arr = np.asarray(y).astype(np.int64)
    if arr.ndim != 1 or not np.isin(arr, (0, 1)).all():
        raise ValueError("y must be a 1-d array of 0 (good) and 1 (bad)")
    return arr


def check_fitted(fitted: bool, name: str) -> None:
    if not fitted:
        raise RuntimeError(f"{name}: call fit() before predicting")

"""Repeated stratified K-fold cross-validation: every fit happens on a training fold only."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold

from ecredit.core.scoring.models.base import ModelFamily, as_target
from ecredit.core.scoring.models.families import make_family
from ecredit.core.scoring.models.metrics import auc, ks


@dataclass(frozen=True)
class FoldScore:
    repeat: int
    fold: int
    auc: float
    ks: float


@dataclass(frozen=True)
class CrossValidation:
    """One family's test-fold figures: mean and (population) standard deviation over all
    folds x repeats."""

    family: str
    folds: int
    repeats: int
    seed: int
    scores: tuple[FoldScore, ...]
    models: tuple[ModelFamily, ...] = field(default=(), repr=False, compare=False)

    @property
    def auc_mean(self) -> float:
        return float(np.mean([s.auc for s in self.scores]))

    @property
    def auc_std(self) -> float:
        return float(np.std([s.auc for s in self.scores]))

    @property
    def ks_mean(self) -> float:
        return float(np.mean([s.ks for s in self.scores]))

    @property
    def ks_std(self) -> float:
        return float(np.std([s.ks for s in self.scores]))

    def summary(self, digits: int = 4) -> dict[str, str | float]:
        """{"family", "auc_mean", "auc_std", "ks_mean", "ks_std"}, rounded."""
        return {
            "family": self.family,
            "auc_mean": round(self.auc_mean, digits),
            "auc_std": round(self.auc_std, digits),
            "ks_mean": round(self.ks_mean, digits),
            "ks_std": round(self.ks_std, digits),
        }


def fold_indices(
    y: np.ndarray, folds: int, repeats: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row positions for each fold of each repeat: the same for every family
    given the seed, so families are compared on the same splits."""
    if folds < 2:
        raise ValueError("folds must be at least 2")
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def cross_validate(
    X: pd.DataFrame,
    y: np.ndarray,
    family: str | Callable[[], ModelFamily],
    *,
    folds: int = 5,
    repeats: int = 5,
    seed: int = 0,
    keep_models: bool = False,
    on_fold: Callable[[int, int], None] | None = None,
) -> CrossValidation:
    """Fit a fresh model on each training fold and score it on the held-out fold.

    `family` is a family name (a fresh model with default parameters and the seed is made for
    each fold) or a factory returning a fresh, unfitted model. `on_fold(done, total)` is called
    after each fold (for progress).
    """
    target = as_target(y)
    if isinstance(family, str):
        name = family
        make: Callable[[], ModelFamily] = lambda: make_family(name, seed)  # noqa: E731
    else:
        make = family
        name = ""
    X = X.reset_index(drop=True)
    splits = fold_indices(target, folds, repeats, seed)
    scores: list[FoldScore] = []
    models: list[ModelFamily] = []
    for i, (train, test) in enumerate(splits):
        model = make()
        name = name or model.name
        model.fit(X.iloc[train], target[train])
        p = model.predict_proba(X.iloc[test])
        scores.append(
            FoldScore(
                repeat=i // folds, fold=i % folds, auc=auc(target[test], p), ks=ks(target[test], p)
            )
        )
        if keep_models:
            models.append(model)
        if on_fold is not None:
            on_fold(i + 1, len(splits))
    return CrossValidation(
        family=name,
        folds=folds,
        repeats=repeats,
        seed=seed,
        scores=tuple(scores),
        models=tuple(models),
    )


def cross_validate_families(
    X: pd.DataFrame,
    y: np.ndarray,
    families: Sequence[str],
    *,
    folds: int = 5,
    repeats: int = 5,
    seed: int = 0,
    on_fold: Callable[[str, int, int], None] | None = None,
) -> list[CrossValidation]:
    """`cross_validate` for each named family, on the same splits."""
    results = []
    for name in families:
        progress = None
        if on_fold is not None:
            progress = functools.partial(on_fold, name)
        results.append(
            cross_validate(X, y, name, folds=folds, repeats=repeats, seed=seed, on_fold=progress)
        )
    return results

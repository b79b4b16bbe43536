"""The model families by name."""

from __future__ import annotations

from ecredit.core.scoring.models.base import ModelFamily
from ecredit.core.scoring.models.challengers import (
    GradientBoostingFamily,
    LogisticFamily,
    MLPFamily,
    RandomForestFamily,
)
from ecredit.core.scoring.models.scorecard import ScorecardFamily

FAMILIES: dict[str, type[ModelFamily]] = {
    f.name: f
    for f in (
        ScorecardFamily,
        LogisticFamily,
        RandomForestFamily,
        MLPFamily,
        GradientBoostingFamily,
    )
}


def make_family(name: str, seed: int = 0) -> ModelFamily:
    """A fresh, unfitted model of the named family with its default parameters."""
    try:
        cls = FAMILIES[name]
    except KeyError:
        raise ValueError(
            f"unknown model family {name!r}; choose from {', '.join(FAMILIES)}"
        ) from None
    return cls(seed=seed)

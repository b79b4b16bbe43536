"""Points from odds: base points at base odds, PDO more points each time the odds of good double."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit


@dataclass(frozen=True)
class Scaling:
    """score = offset + factor * ln(odds good:bad), factor = pdo / ln 2, offset so that
    odds == base_odds scores base_points. Higher points = safer."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if not (self.base_odds > 0 and math.isfinite(self.base_odds)):
            raise ValueError(f"base_odds must be a positive number, not {self.base_odds}")
        if not (self.pdo > 0 and math.isfinite(self.pdo)):
            raise ValueError(f"pdo must be a positive number, not {self.pdo}")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def points_from_log_odds_bad(self, z: np.ndarray) -> np.ndarray:
        """Points for log(P(bad) / P(good)) = z."""
        return self.offset - self.factor * np.asarray(z, dtype=np.float64)

    def points(self, p_bad: np.ndarray) -> np.ndarray:
        """Points for probabilities of bad (0 < p < 1)."""
        p = np.asarray(p_bad, dtype=np.float64)
        return self.offset + self.factor * (np.log1p(-p) - np.log(p))

    def probability(self, points: np.ndarray) -> np.ndarray:
        """P(bad) for points: the inverse of `points`, strictly decreasing in points."""
        z = (self.offset - np.asarray(points, dtype=np.float64)) / self.factor
        return np.asarray(expit(z), dtype=np.float64)

"""A scorecard as a plain table of bins and points: what a trained scorecard exports and what the
fast scorer (`core.scoring.fastscore`) compiles. Pure data, JSON round-trippable, versioned by hash.

Binning semantics follow optbinning: a numeric variable with ascending `splits` s0 < s1 < … has bins
(-inf, s0), [s0, s1), …, [s_last, +inf); the bin of x is the number of splits <= x. A missing value
(None or NaN) gets `missing_points`. A categorical variable maps each known category to a bin index;
an unseen category gets `other_points`, a missing one `missing_points`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class NumericVariable:
    name: str
    splits: tuple[float, ...]
    points: tuple[float, ...]  # len(splits) + 1
    missing_points: float

    def __post_init__(self) -> None:
        if len(self.points) != len(self.splits) + 1:
            raise ValueError(
                f"{self.name}: {len(self.splits)} splits need {len(self.splits) + 1} points"
            )
        if any(b <= a for a, b in zip(self.splits, self.splits[1:], strict=False)):
            raise ValueError(f"{self.name}: splits must be strictly ascending")


@dataclass(frozen=True)
class CategoricalVariable:
    name: str
    categories: dict[str, int]  # category -> bin index into points
    points: tuple[float, ...]
    missing_points: float
    other_points: float

    def __post_init__(self) -> None:
        if any(not 0 <= i < len(self.points) for i in self.categories.values()):
            raise ValueError(f"{self.name}: a category points outside the bins")


@dataclass(frozen=True)
class ScorecardTable:
    """Score = base_points + sum of each variable's points for its bin."""

    variables: tuple[NumericVariable | CategoricalVariable, ...]
    base_points: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "base_points": self.base_points,
            "variables": [
                {
                    "kind": "numeric" if isinstance(v, NumericVariable) else "categorical",
                    **asdict(v),
                }
                for v in self.variables
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ScorecardTable:
        variables: list[NumericVariable | CategoricalVariable] = []
        for v in data["variables"]:
            v = dict(v)
            kind = v.pop("kind")
            if kind == "numeric":
                variables.append(
                    NumericVariable(
                        name=v["name"],
                        splits=tuple(float(s) for s in v["splits"]),
                        points=tuple(float(p) for p in v["points"]),
                        missing_points=float(v["missing_points"]),
                    )
                )
            else:
                variables.append(
                    CategoricalVariable(
                        name=v["name"],
                        categories={str(k): int(i) for k, i in v["categories"].items()},
                        points=tuple(float(p) for p in v["points"]),
                        missing_points=float(v["missing_points"]),
                        other_points=float(v["other_points"]),
                    )
                )
        return cls(variables=tuple(variables), base_points=float(data.get("base_points", 0.0)))

    @property
    def digest(self) -> str:
        blob = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def score_row(self, row: dict[str, Any]) -> float:
        """Reference scorer for one row (slow, obviously right); the fast scorer must agree."""
        total = self.base_points
        for v in self.variables:
            x = row.get(v.name)
            if x is None or (isinstance(x, float) and x != x):
                total += v.missing_points
            elif isinstance(v, NumericVariable):
                total += v.points[sum(1 for s in v.splits if s <= float(x))]
            else:
                idx = v.categories.get(str(x))
                total += v.other_points if idx is None else v.points[idx]
        return total

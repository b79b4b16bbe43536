"""Read-side helpers for the model registry pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecredit.core.scoring.features import FEATURES
from ecredit.core.scoring.models.report import PLOTS
from ecredit.ratings.models import EvaluationRun, ModelVersion

SPECS = {f.key: f for f in FEATURES}


@dataclass(frozen=True)
class Bin:
    range: str
    points: float


@dataclass(frozen=True)
class CardVariable:
    key: str
    label_zh: str
    label_en: str
    bins: tuple[Bin, ...]


def registry() -> list[ModelVersion]:
    """Every registered model: champions first, then the newest."""
    entries = list(ModelVersion.objects.order_by("-created_at", "-id"))
    return sorted(entries, key=lambda e: e.status != ModelVersion.CHAMPION)


def get_model(version: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(version=version).first()


def feature_labels(entry: ModelVersion) -> list[dict[str, str]]:
    out = []
    for key in entry.features:
        spec = SPECS.get(key)
        out.append(
            {
                "key": key,
                "label_zh": spec.label_zh if spec else key,
                "label_en": spec.label_en if spec else key,
                "typical": entry.reference.get(key),
            }
        )
    return out


def scorecard(entry: ModelVersion) -> tuple[float, list[CardVariable]] | None:
    """A scorecard model's base points and its points per bin, for reading; None for other
    families or when the artefact cannot be loaded (the page says so)."""
    if entry.family != "scorecard":
        return None
    from ecredit.core.scoring.models import ScorecardFamily
    from ecredit.core.scoring.table import NumericVariable
    from ecredit.ratings.training import load

    try:
        model = load(entry).model
    except ValueError:
        return None
    if not isinstance(model, ScorecardFamily):
        return None
    table = model.table()
    variables = []
    for v in table.variables:
        spec = SPECS.get(v.name)
        bins: list[Bin] = []
        if isinstance(v, NumericVariable):
            edges = list(v.splits)
            for i, pts in enumerate(v.points):
                if not edges:
                    rng = "all"
                elif i == 0:
                    rng = f"< {edges[0]:g}"
                elif i == len(edges):
                    rng = f"≥ {edges[-1]:g}"
                else:
                    rng = f"[{edges[i - 1]:g}, {edges[i]:g})"
                bins.append(Bin(rng, round(pts, 1)))
        else:
            by_bin: dict[int, list[str]] = {}
            for cat, i in v.categories.items():
                by_bin.setdefault(i, []).append(cat)
            for i, pts in enumerate(v.points):
                bins.append(Bin(", ".join(sorted(by_bin.get(i, []))) or "—", round(pts, 1)))
        bins.append(Bin("missing", round(v.missing_points, 1)))
        variables.append(
            CardVariable(
                v.name,
                spec.label_zh if spec else v.name,
                spec.label_en if spec else v.name,
                tuple(bins),
            )
        )
    return round(table.base_points, 1), variables


def latest_run(entry: ModelVersion) -> EvaluationRun | None:
    return entry.runs.order_by("-as_of", "-id").first()


def plot_file(entry: ModelVersion, name: str) -> Path | None:
    """The PNG of plot `name` of `entry`, if it is one of the known plots and on disk."""
    from ecredit.ratings.training import models_dir

    if name not in PLOTS or name not in (entry.plots or {}):
        return None
    path = models_dir() / entry.version / f"{name}.png"
    return path if path.is_file() else None


def comparison(entry: ModelVersion) -> list[dict[str, Any]]:
    """The other models of the same indicator system with their test metrics, for comparing."""
    rows = []
    others = ModelVersion.objects.filter(system_version=entry.system_version)
    for other in sorted(others, key=lambda o: -(o.metrics.get("auc") or 0.0)):
        m = other.metrics
        rows.append(
            {
                "version": other.version,
                "family": other.family,
                "status": other.status,
                "auc": m.get("auc"),
                "ks": m.get("ks"),
                "brier": m.get("brier"),
                "monotone": m.get("monotone_bad_rate"),
                "this": other.pk == entry.pk,
            }
        )
    return rows

"""A model's validation report on held-out data, and its plots as PNG files.

The report holds what a validator asks for: AUC, KS, Gini, Brier score, a calibration table, the
bad rate by grade (which must fall from C to AAA), PSI of the score between periods, and the
normality of the published score. `write_plots` draws ROC, score distributions, calibration and
bad rate by grade with matplotlib (Agg backend, no display needed).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ecredit.core.scoring.calibration import normality
from ecredit.core.scoring.models.metrics import (
    GradeBadRate,
    auc,
    bad_rate_by_grade,
    brier,
    calibration_table,
    gini,
    ks,
    psi,
)

PLOTS = ("roc", "scores", "calibration", "grades")


def is_monotone(grades: Sequence[GradeBadRate]) -> bool:
    """Whether the bad rate never rises from the worst grade to the best (grades given best
    first); grades with no rows are skipped."""
    rates = [g.bad_rate for g in reversed(grades) if g.bad_rate is not None]
    return all(b <= a for a, b in itertools.pairwise(rates))


def monotonicity(grades: Sequence[GradeBadRate], alpha: float = 0.05) -> dict[str, Any]:
    """How the bad rate moves from the worst grade to the best (grades given best first).

    `strict`: it never rises. Each rise is a violation, with the one-sided Fisher exact p-value of
    "the better grade really is riskier"; `significant` is whether any violation has p < `alpha`.
    Near the top grades a sample holds a handful of events, so a rise of one event is noise that
    `strict` reports and `significant` does not.
    """
    from scipy.stats import fisher_exact

    filled = [g for g in reversed(grades) if g.n]
    violations: list[dict[str, Any]] = []
    for worse, better in itertools.pairwise(filled):
        if better.bad * worse.n > worse.bad * better.n:  # better.bad_rate > worse.bad_rate
            table = [[better.bad, better.n - better.bad], [worse.bad, worse.n - worse.bad]]
            p = float(fisher_exact(table, alternative="greater").pvalue)
            violations.append(
                {
                    "better": better.grade,
                    "worse": worse.grade,
                    "better_rate": better.bad_rate,
                    "worse_rate": worse.bad_rate,
                    "p_value": p,
                }
            )
    return {
        "strict": not violations,
        "significant": any(v["p_value"] < alpha for v in violations),
        "violations": violations,
    }


def validation_report(
    y: Any,
    p_bad: Any,
    scores: Any,
    bands: Sequence[tuple[str, float]],
    *,
    reference_scores: Any = None,
    periods: tuple[str, str] = ("reference", "test"),
) -> dict[str, Any]:
    """Every figure of the report as JSON-able data. `scores` are published scores (higher is
    safer); `reference_scores`, if given, is the earlier period for PSI."""
    yy = np.asarray(y, dtype=np.int64)
    pp = np.asarray(p_bad, dtype=np.float64)
    ss = np.asarray(scores, dtype=np.float64)
    grades = bad_rate_by_grade(yy, ss, bands)
    report: dict[str, Any] = {
        "n": len(yy),
        "bad": int(yy.sum()),
        "bad_rate": float(yy.mean()) if len(yy) else 0.0,
        "auc": auc(yy, pp),
        "ks": ks(yy, pp),
        "gini": gini(yy, pp),
        "brier": brier(yy, pp),
        "calibration": [asdict(g) for g in calibration_table(yy, pp)],
        "bad_rate_by_grade": [{**asdict(g), "bad_rate": g.bad_rate} for g in grades],
        "monotone_bad_rate": is_monotone(grades),
        "monotonicity": monotonicity(grades),
        "normality": normality(ss.tolist()).to_json() if len(ss) >= 8 and np.ptp(ss) > 0 else None,
    }
    if reference_scores is not None and len(reference_scores):
        report["psi"] = {
            "from": periods[0],
            "to": periods[1],
            "value": psi(np.asarray(reference_scores, dtype=np.float64), ss),
        }
    return report


def psi_label(value: float) -> str:
    """The usual reading of a PSI: < 0.1 stable, < 0.25 some shift, else a major shift."""
    return "stable" if value < 0.1 else "some shift" if value < 0.25 else "major shift"


def write_plots(
    directory: Path,
    y: Any,
    p_bad: Any,
    scores: Any,
    bands: Sequence[tuple[str, float]],
    *,
    reference_scores: Any = None,
    title: str = "",
) -> dict[str, str]:
    """Draw the four plots into `directory`; returns name -> file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    yy = np.asarray(y, dtype=np.int64)
    pp = np.asarray(p_bad, dtype=np.float64)
    ss = np.asarray(scores, dtype=np.float64)
    out: dict[str, str] = {}

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        fig.savefig(directory / f"{name}.png", dpi=110, metadata={"Software": None})
        plt.close(fig)
        out[name] = f"{name}.png"

    # ROC: true-positive rate (bad caught) against false-positive rate (good flagged)
    order = np.argsort(-pp, kind="stable")
    tp = np.r_[0, np.cumsum(yy[order])] / max(1, yy.sum())
    fp = np.r_[0, np.cumsum(1 - yy[order])] / max(1, (1 - yy).sum())
    fig, ax = plt.subplots(figsize=(5, 4.2))
    both = 0 < yy.sum() < len(yy)  # AUC needs both outcomes
    ax.plot(fp, tp, color="#1f5fa8", label=f"model (AUC {auc(yy, pp):.3f})" if both else "model")
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", label="chance")
    ax.set_xlabel("good enterprises flagged (false-positive rate)")
    ax.set_ylabel("bad enterprises caught (true-positive rate)")
    ax.set_title(f"ROC {title}".strip())
    ax.legend(loc="lower right")
    save(fig, "roc")

    # Score distribution by outcome, and the reference period's
    fig, ax = plt.subplots(figsize=(6, 4.2))
    bins = np.linspace(0, 1000, 51).tolist()
    if reference_scores is not None and len(reference_scores):
        ax.hist(
            np.asarray(reference_scores, dtype=np.float64),
            bins=bins,
            density=True,
            histtype="step",
            color="#555",
            label="reference population",
        )
    ax.hist(ss[yy == 0], bins=bins, density=True, alpha=0.5, color="#2a9d58", label="no event")
    if yy.sum():
        ax.hist(ss[yy == 1], bins=bins, density=True, alpha=0.5, color="#c0392b", label="event")
    for _, floor in bands:
        ax.axvline(floor, color="#ccc", linewidth=0.7)
    ax.set_xlabel("published score")
    ax.set_ylabel("density")
    ax.set_title(f"Score distribution {title}".strip())
    ax.legend()
    save(fig, "scores")

    # Calibration: predicted against observed bad rate by decile of prediction
    groups = calibration_table(yy, pp)
    pred = [g.predicted_mean for g in groups]
    obs = [g.observed_bad_rate for g in groups]
    top = max([*pred, *obs, 0.01]) * 1.1
    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.plot([0, top], [0, top], color="#999", linestyle="--", label="perfect")
    ax.plot(pred, obs, marker="o", color="#1f5fa8", label="deciles")
    ax.set_xlabel("predicted probability of a serious event")
    ax.set_ylabel("observed rate")
    ax.set_title(f"Calibration (Brier {brier(yy, pp):.4f})")
    ax.legend(loc="upper left")
    save(fig, "calibration")

    # Bad rate by grade, worst to best
    grades = list(reversed(bad_rate_by_grade(yy, ss, bands)))
    fig, ax = plt.subplots(figsize=(6, 4.2))
    names = [g.grade for g in grades]
    rates = [g.bad_rate or 0.0 for g in grades]
    bars = ax.bar(names, rates, color="#1f5fa8")
    for bar, g in zip(bars, grades, strict=True):
        ax.annotate(
            f"n={g.n}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_xlabel("grade")
    ax.set_ylabel("observed rate of serious events")
    ax.set_title("Bad rate by grade (must fall from C to AAA)")
    save(fig, "grades")
    return out

"""The full `make run` demo: a scorecard champion trained on its history grades every enterprise,
and its grades order the real outcomes (bad rate falling from C to AAA)."""

from __future__ import annotations

from typing import Any

import pytest

from ecredit.core.scoring.models import GradeBadRate
from ecredit.core.scoring.models.report import monotonicity
from ecredit.core.scoring.policy import load_policy
from ecredit.demo import DEMO_FAMILIES, load_demo
from ecredit.ratings.models import EvaluationRun, ModelVersion

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def by_class(grades: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    """Rows and events pooled per risk class, A (best) first."""
    policy = load_policy()
    pooled: dict[str, list[int]] = {}
    for g in grades:
        c = policy.risk_class(g["grade"])
        n, bad = pooled.setdefault(c, [0, 0])
        pooled[c] = [n + g["n"], bad + g["bad"]]
    return [(c, n, bad) for c, (n, bad) in sorted(pooled.items())]


def test_the_demo_champion_grades_order_real_outcomes(client: Any) -> None:
    load_demo(echo=lambda s: None)  # the same population `make run` loads
    champion = ModelVersion.objects.get(status="champion")
    assert champion.family == "scorecard"
    assert ModelVersion.objects.filter(status="challenger").count() == len(DEMO_FAMILIES) - 1
    m = champion.metrics
    assert m["auc"] > 0.75, m["auc"]

    # Bad rate by grade on the out-of-time test months. Near the top a grade holds a handful of
    # events, so a single event can make one step rise by chance: no rise may be significant,
    # and pooled by risk class the rate must fall strictly from D to A.
    grades = m["bad_rate_by_grade"]
    mono = monotonicity(
        [GradeBadRate(g["grade"], g["min_score"], g["n"], g["bad"]) for g in grades]
    )
    assert mono == m["monotonicity"]
    assert not mono["significant"], mono["violations"]
    classes = by_class(grades)
    rates = [bad / n for _, n, bad in classes if n]
    assert rates == sorted(rates), classes
    assert len(set(rates)) == len(rates), classes
    worst = next(g for g in reversed(grades) if g["n"])
    top = [g for g in grades if g["grade"] in ("AAA", "AA", "A")]
    top_rate = sum(g["bad"] for g in top) / max(1, sum(g["n"] for g in top))
    assert worst["bad"] / worst["n"] > 10 * top_rate

    # The run: every enterprise by the champion, scores close to N(600, 110), grades not top-heavy
    run = EvaluationRun.objects.get()
    assert run.model_version == champion
    assert run.evaluations.filter(model_version=champion).count() == run.evaluated
    norm = run.normality
    assert abs(norm["mean"] - 600) < 15 and abs(norm["sd"] - 110) < 15
    assert abs(norm["skewness"]) < 0.2 and abs(norm["excess_kurtosis"]) < 0.5
    good = sum(n for g, n in run.grade_counts.items() if g in ("AAA", "AA", "A"))
    assert 0.12 < good / run.evaluated < 0.35, run.grade_counts

    # What a visitor sees: the grade by the champion with reasons, and the model page
    ev = run.evaluations.exclude(grade="AAA").filter(vetoes=[]).order_by("score").first()
    page = client.get(f"/en/enterprises/{ev.enterprise.subject_id}/")
    html = page.content.decode()
    assert champion.version in html
    assert ev.reasons_en[0].split(" is ")[0] in html
    model_page = client.get(f"/models/{champion.version}/").content.decode()
    assert 'data-testid="scorecard"' in model_page and "roc.png" in model_page

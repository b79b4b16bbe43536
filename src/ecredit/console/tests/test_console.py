"""The regulator console: only for regulators; distributions, transitions and checks add up."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.accounts.models import Membership
from ecredit.console import queries
from ecredit.ratings.actions import evaluate_all
from ecredit.ratings.models import Evaluation, EvaluationRun
from ecredit.ratings.tests.population import load_population

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_runs(admin_actor, tmp_path):
    load_population(enterprises=80, months=8, seed=3, end=date(2026, 6, 30))
    first = evaluate_all(admin_actor, date(2026, 5, 31), use_model=False)
    second = evaluate_all(admin_actor, date(2026, 6, 30), use_model=False)
    return first, second


def test_distributions_and_transitions_count_every_enterprise(two_runs):
    first, second = two_runs
    dist = queries.by_class_and_grade(second)
    assert dist["total"] == second.evaluated == sum(n for _c, n, _s in dist["classes"])
    regions = queries.by_region(second, "zh")
    assert sum(r.total for r in regions) == second.evaluated
    assert any(r.label.endswith("市") for r in regions)
    moves = queries.transitions(second, first)
    both = Evaluation.objects.filter(run=second, enterprise__evaluations__run=first).count()
    assert moves["up"] + moves["down"] + moves["same"] == both
    assert sum(total for _g, total, _cells in moves["rows"]) == both
    # the diagonal is what stayed
    assert sum(cells[i][1] for i, (_g, _t, cells) in enumerate(moves["rows"])) == moves["same"]


def test_only_regulators_see_the_console(two_runs, market_regulation):
    c = Client()
    assert c.get("/console/").status_code == 401
    User = get_user_model()
    reader = User.objects.create_user("reader", password="a-long-test-password-1")
    c.force_login(reader)
    assert c.get("/console/").status_code == 403
    regulator = User.objects.create_user("li", password="a-long-test-password-1")
    Membership.objects.create(user=regulator, organisation=market_regulation, role="regulator")
    c.force_login(regulator)
    first, second = two_runs
    r = c.get("/en/console/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Grade transitions from 2026-05-31 to 2026-06-30" in body
    assert f"{second.evaluated}</span>" in body
    # a run id that is not a number, or unknown, falls back to the latest
    assert c.get("/en/console/", {"run": "x' OR 1", "previous": "9" * 40}).status_code == 200
    only_first = c.get("/en/console/", {"run": first.pk}).content.decode()
    assert "Grade transitions" not in only_first  # nothing earlier to compare with
    assert EvaluationRun.objects.count() == 2


def test_the_console_follows_inspection_plans(two_runs, admin_actor):
    from django.utils import timezone

    from ecredit.supervision.demo import run_demo_plan

    today = timezone.localdate()
    plan = run_demo_plan(admin_actor, today, seed=3, echo=lambda s: None)
    assert plan is not None
    rows = queries.inspection_plans(today)
    assert [r["id"] for r in rows] == [plan.public_id]
    assert rows[0]["results_count"] == rows[0]["selected_count"] == len(plan.selected)
    assert sum(n for _o, n in rows[0]["outcomes"]) == len(plan.selected)
    late = queries.inspection_plans(plan.due_on + timedelta(days=1))
    assert late[0]["overdue"] is (plan.status != plan.CLOSED)

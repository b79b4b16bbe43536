"""The demo's inspection plan: one plan run to the end through the same actions as the API."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.ratings.models import Evaluation
from ecredit.supervision import actions
from ecredit.supervision.models import InspectionPlan, Inspector

INSPECTORS = (
    ("hz-insp-01", "王明"),
    ("hz-insp-02", "李静"),
    ("hz-insp-03", "张伟"),
    ("hz-insp-04", "刘洋"),
    ("hz-insp-05", "陈芳"),
    ("hz-insp-06", "赵磊"),
)
OUTCOMES = (  # result, weight, findings
    ("no_issue", 80, ""),
    ("corrected", 10, "未按规定在网店首页公示营业执照信息，已责令限期改正。"),
    ("referred", 5, "涉嫌销售不符合标准的商品，已移交立案查处。"),
    ("not_operating", 3, ""),
    ("refused", 2, ""),
)


def run_demo_plan(
    actor: Actor, today: date, seed: int = 42, echo: Callable[[str], None] = print
) -> InspectionPlan | None:
    """Create inspectors (one with a declared conflict), then create, commit and draw a plan over
    every rated enterprise and record a result for each selected one; None if nobody is rated."""
    if not Evaluation.objects.filter(is_latest=True).exists():
        echo("  no inspection plan: no enterprise has a risk class")
        return None
    for code, name in INSPECTORS:
        if not Inspector.objects.filter(code=code).exists():
            actions.add_inspector(actor, code=code, name=name)
    first_d = (
        Evaluation.objects.filter(is_latest=True, risk_class="D")
        .order_by("enterprise__subject_id")
        .values_list("enterprise__subject_id", flat=True)
        .first()
    )
    if first_d:
        actions.declare_conflict(
            actor, inspector="hz-insp-01", subject_id=first_d, reason="检查人员近亲属在该企业任职"
        )
    plan = actions.create_plan(
        actor,
        name=f"{today.year}年第{(today.month - 1) // 3 + 1}季度网络交易“双随机、一公开”抽查",
        inspectors=[code for code, _ in INSPECTORS],
        due_on=today + timedelta(days=30),
    )
    plan = actions.commit_plan(actor, plan.public_id)
    plan = actions.draw_plan(actor, plan.public_id)
    # inspected on the day of the draw: a demo that started before local midnight may draw after it
    assert plan.drawn_at is not None
    inspected_on = max(today, timezone.localtime(plan.drawn_at).date())
    rng = random.Random(seed)
    weights = [w for _, w, _ in OUTCOMES]
    results = []
    for key in plan.selected:
        result, _, findings = rng.choices(OUTCOMES, weights)[0]
        results.append(
            {
                "subject_id": key,
                "result": result,
                "inspected_on": inspected_on,
                "findings": findings,
            }
        )
    actions.record_results(actor, plan.public_id, results)
    plan = actions.close_plan(actor, plan.public_id)
    echo(
        f"  inspection plan {plan.public_id}: {len(plan.population):,} enterprises, "
        f"{len(plan.must_inspect):,} must-inspect, {len(plan.selected):,} selected and inspected; "
        f"verify with `ecredit inspections verify {plan.public_id}`"
    )
    return plan

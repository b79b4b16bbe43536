"""A plan from draft to closed, through the real write paths, and what each step publishes."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from ecredit.audit.models import AuditEntry
from ecredit.core.ledger.leaves import decode
from ecredit.core.supervision import commitment, holds, verify_plan
from ecredit.ledger.audit import run_audit
from ecredit.ledger.models import Leaf
from ecredit.records.actions import ingest_batch
from ecredit.records.models import CreditRecord
from ecredit.supervision import actions, queries
from ecredit.supervision.models import InspectionPlan
from ecredit.supervision.tests.conftest import due, key, rate, results_for

pytestmark = pytest.mark.django_db

RATIOS = {"A": 0.1, "B": 0.2, "C": 0.5, "D": 0.9}


def published(plan: InspectionPlan) -> dict:
    plan.refresh_from_db()
    return json.loads(json.dumps(queries.published(plan), default=str))


def leaf(index: int) -> dict:
    return decode(bytes(Leaf.objects.get(index=index).data))


def test_a_plan_runs_from_draft_to_closed(actor, pool):
    keys = rate(40)
    rate(5, region="440305", start=100)  # another region: not in the plan's population
    plan = actions.create_plan(
        actor,
        name="2026年第四季度抽查",
        inspectors=pool,
        due_on=due(),
        region="3301",
        ratios=RATIOS,
    )
    assert (plan.status, plan.public_id) == ("draft", f"IP{plan.pk:06d}")

    plan = actions.commit_plan(actor, plan.public_id)
    out = published(plan)
    assert out["status"] == "committed"
    assert [p["key"] for p in out["population"]] == sorted(keys)
    assert out["seed"] is None and out["selected"] == [] and out["assignments"] == {}
    assert out["seed_commitment"] == commitment(bytes(plan.seed))
    assert leaf(plan.commitment_ledger_index) == {
        "leaf": "inspection-commit/v1",
        "plan": plan.public_id,
        "name": "2026年第四季度抽查",
        "region": "3301",
        "as_of": out["as_of"],
        "rules_version": out["rules_version"],
        "ratios": RATIOS,
        "population_size": 40,
        "population_hash": out["population_hash"],
        "must_inspect": [],
        "inspectors": pool,
        "conflicts": [],
        "seed_commitment": out["seed_commitment"],
        "due_on": out["due_on"],
    }

    plan = actions.draw_plan(actor, plan.public_id)
    out = published(plan)
    assert out["status"] == "drawn" and out["seed"] == bytes(plan.seed).hex()
    assert holds(verify_plan(out))
    draw_leaf = leaf(plan.draw_ledger_index)
    assert (draw_leaf["seed"], draw_leaf["selected"]) == (out["seed"], out["selected"])
    assert out["selected"] and set(out["assignments"]) == set(out["selected"])

    done = actions.record_results(actor, plan.public_id, results_for(plan))
    assert (done.stored, done.unchanged, done.plan.status) == (len(plan.selected), 0, "reported")
    record = CreditRecord.objects.get(type_name="inspection_result", subject_id=plan.selected[0])
    assert record.values["inspectors"] == ";".join(plan.assignments[plan.selected[0]])
    assert record.disclosure_level == "public" and record.category == "supervision"
    result = done.plan.results.get(key=plan.selected[0], is_current=True)
    assert leaf(result.ledger_index)["record_index"] == record.ledger_index

    again = actions.record_results(actor, plan.public_id, results_for(plan))
    assert (again.stored, again.unchanged) == (0, len(plan.selected))

    plan = actions.close_plan(actor, plan.public_id)
    assert plan.status == "closed"
    assert list(
        AuditEntry.objects.filter(object_type="InspectionPlan").values_list("action", flat=True).order_by("id")
    ) == [
        "inspection.plan", "inspection.commit", "inspection.draw", "inspection.results",
        "inspection.results", "inspection.close",
    ]  # fmt: skip
    report = run_audit()
    assert report.ok, [p.message for p in report.problems]
    assert report.inspections == 2 + len(plan.selected)

    # the next evaluation reads the results among the enterprises' records
    from ecredit.ratings.actions import evaluate_all

    run = evaluate_all(actor, timezone.localdate(), use_model=False)
    assert run.evaluated == 40 + 5


def test_the_selection_is_exactly_the_published_rule(actor, pool):
    rate(200)
    plan = actions.create_plan(actor, name="p", inspectors=pool, due_on=due(), ratios=RATIOS)
    actions.commit_plan(actor, plan.public_id)
    plan = actions.draw_plan(actor, plan.public_id)
    seed = bytes(plan.seed)
    expected = sorted(
        p["key"]
        for p in plan.population
        if int.from_bytes(
            hmac.new(seed, f"{plan.public_id}:{p['key']}".encode(), hashlib.sha256).digest()[:8],
            "big",
        )
        / 2**64
        < RATIOS[p["class"]]
    )
    assert plan.selected == expected


def test_a_correction_of_a_result_is_a_new_version_and_a_new_leaf(actor, pool):
    rate(12)
    plan = actions.create_plan(
        actor, name="p", inspectors=pool, due_on=due(), ratios={"A": 1, "B": 1, "C": 1, "D": 1}
    )
    actions.commit_plan(actor, plan.public_id)
    plan = actions.draw_plan(actor, plan.public_id)
    first = plan.selected[0]
    actions.record_results(actor, plan.public_id, results_for(plan)[:1])
    done = actions.record_results(
        actor, plan.public_id, [{**results_for(plan)[0], "result": "corrected"}]
    )
    assert done.stored == 1
    versions = CreditRecord.objects.filter(type_name="inspection_result", subject_id=first)
    assert sorted(versions.values_list("version", "is_current")) == [(1, False), (2, True)]
    assert sorted(
        done.plan.results.filter(key=first).values_list("version", "is_current", "result")
    ) == [
        (1, False, "no_issue"),
        (2, True, "corrected"),
    ]
    report = run_audit()  # both versions keep their leaves, each claimed by its row
    assert report.ok, [p.message for p in report.problems]
    assert report.inspections == 2 + 2
    assert done.plan.status == "drawn"  # the other eleven still lack results


def test_the_seed_stays_secret_until_the_draw(actor, pool, client):
    rate(8)
    plan = actions.create_plan(actor, name="p", inspectors=pool, due_on=due())
    plan = actions.commit_plan(actor, plan.public_id)
    seed = bytes(plan.seed).hex()
    body = client.get(f"/api/v1/inspections/plans/{plan.public_id}").content.decode()
    listing = client.get("/api/v1/inspections/plans").content.decode()
    page = client.get(f"/inspections/{plan.public_id}/").content.decode()
    leaf_data = bytes(Leaf.objects.get(index=plan.commitment_ledger_index).data).decode()
    for text in (body, listing, page, leaf_data):
        assert seed not in text
    assert json.loads(body)["seed"] is None
    assert not AuditEntry.objects.filter(detail__icontains=seed).exists()


def test_changing_the_seed_after_the_commitment_is_detected(actor, pool):
    rate(30)
    plan = actions.create_plan(actor, name="p", inspectors=pool, due_on=due())
    actions.commit_plan(actor, plan.public_id)
    InspectionPlan.objects.filter(pk=plan.pk).update(seed=b"\x01" * 32)  # behind the app's back
    with pytest.raises(actions.InspectionError, match="no longer matches its commitment"):
        actions.draw_plan(actor, plan.public_id)

    plan = actions.create_plan(actor, name="q", inspectors=pool, due_on=due())
    actions.commit_plan(actor, plan.public_id)
    plan = actions.draw_plan(actor, plan.public_id)
    InspectionPlan.objects.filter(pk=plan.pk).update(seed=b"\x02" * 32)  # after the draw
    checks = verify_plan(published(plan))
    assert not holds(checks)
    assert next(c for c in checks if c.ok is False).name == "commitment"


def test_a_conflicted_inspector_is_never_assigned(actor, pool):
    keys = rate(30)
    for k in keys:  # insp-a and insp-b declared conflicts with every enterprise
        actions.declare_conflict(actor, inspector="insp-a", subject_id=k, reason="亲属关系")
        actions.declare_conflict(actor, inspector="insp-b", subject_id=k, reason="曾任职")
    plan = actions.create_plan(
        actor, name="p", inspectors=pool, due_on=due(), ratios={"A": 1, "B": 1, "C": 1, "D": 1}
    )
    plan = actions.commit_plan(actor, plan.public_id)
    assert len(plan.conflicts) == 60
    plan = actions.draw_plan(actor, plan.public_id)
    assert {tuple(sorted(v)) for v in plan.assignments.values()} == {("insp-c", "insp-d")}


def test_a_pool_too_small_for_the_conflicts_cannot_be_committed(actor, pool):
    keys = rate(4)
    actions.declare_conflict(actor, inspector="insp-a", subject_id=keys[2], reason="亲属关系")
    plan = actions.create_plan(actor, name="p", inspectors=pool[:2], due_on=due())
    with pytest.raises(actions.InspectionError, match=f"{keys[2]}: only 1 inspector"):
        actions.commit_plan(actor, plan.public_id)
    assert InspectionPlan.objects.get(pk=plan.pk).status == "draft"


def test_must_inspect_enterprises_are_selected_and_named(actor, pool):
    keys = rate(20)
    recent = (timezone.localdate() - timedelta(days=10)).isoformat()
    old = (timezone.localdate() - timedelta(days=400)).isoformat()
    penalty = {
        "decision_date": recent, "authority": "杭州市市场监督管理局", "violation": "销售假冒商品",
        "penalty_type": "warning", "severity": "serious",
    }  # fmt: skip
    report = ingest_batch(
        actor,
        type_name="administrative_penalty",
        provider="market-regulation",
        records=[
            {**penalty, "subject_id": keys[0], "decision_no": "1"},
            {**penalty, "subject_id": keys[1], "decision_no": "2", "severity": "general"},
            {**penalty, "subject_id": keys[2], "decision_no": "3", "decision_date": old},
        ],
    )
    assert report.rejected == 0, report.errors
    nobody = {"A": 0, "B": 0, "C": 0, "D": 0}
    plan = actions.create_plan(actor, name="p", inspectors=pool, due_on=due(), ratios=nobody)
    plan = actions.commit_plan(actor, plan.public_id)
    assert plan.must_inspect == [{"key": keys[0], "rules": ["serious_penalty"]}]
    plan = actions.draw_plan(actor, plan.public_id)
    assert plan.selected == [keys[0]]
    assert holds(verify_plan(published(plan)))


def test_steps_out_of_order_are_refused(actor, pool):
    rate(4)
    plan = actions.create_plan(actor, name="p", inspectors=pool, due_on=due())
    with pytest.raises(actions.WrongState, match="must be committed to draw it"):
        actions.draw_plan(actor, plan.public_id)
    with pytest.raises(actions.WrongState):
        actions.record_results(actor, plan.public_id, [{"subject_id": key(0)}])
    actions.commit_plan(actor, plan.public_id)
    with pytest.raises(actions.WrongState, match="must be draft to commit it"):
        actions.commit_plan(actor, plan.public_id)
    with pytest.raises(actions.NotFound):
        actions.commit_plan(actor, "IP999999")


def test_bad_results_are_refused_whole(actor, pool):
    rate(8)
    plan = actions.create_plan(
        actor, name="p", inspectors=pool, due_on=due(), ratios={"A": 1, "B": 1, "C": 1, "D": 1}
    )
    actions.commit_plan(actor, plan.public_id)
    plan = actions.draw_plan(actor, plan.public_id)
    good = results_for(plan)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    cases = [
        ([*good[:2], {**good[2], "result": "corrected", "findings": ""}], "result 3: findings"),
        ([{**good[0], "inspected_on": tomorrow}], "result 1: inspected_on"),
        ([{**good[0], "subject_id": key(999)}], "was not selected"),
        ([good[0], good[0]], "appears twice"),
        (
            [{**good[0], "inspected_on": timezone.localdate() - timedelta(days=1)}],
            "before the plan was drawn",
        ),
        (
            [{**good[0], "inspected_on": "2001-01-01"}],
            "result 1: inspected_on 2001-01-01 is before",
        ),
        ([{**good[0], "subject_id": "nonsense"}], "result 1: subject_id"),
    ]
    for rows, message in cases:
        with pytest.raises(actions.InspectionError, match=message):
            actions.record_results(actor, plan.public_id, rows)
    assert not CreditRecord.objects.filter(type_name="inspection_result").exists()


def test_only_regulators_run_inspections(pool):
    from ecredit.accounts.principals import Actor

    rate(4)
    for role in ("submitter", "reader", "enterprise", "evaluator", "public"):
        with pytest.raises(actions.NotAllowed):
            actions.create_plan(Actor("x", role), name="p", inspectors=pool, due_on=due())


def test_the_demo_plan_runs_to_the_end(actor):
    from ecredit.supervision.demo import run_demo_plan

    keys = rate(60)
    lines: list[str] = []
    plan = run_demo_plan(actor, timezone.localdate(), echo=lines.append)
    assert plan is not None and plan.status == "closed"
    assert plan.results.filter(is_current=True).count() == len(plan.selected) > 0
    assert plan.conflicts == [
        {"inspector": "hz-insp-01", "key": sorted(k for i, k in enumerate(keys) if i % 4 == 3)[0]}
    ]
    assert holds(verify_plan(published(plan)))
    assert lines == [
        f"  inspection plan {plan.public_id}: 60 enterprises, 0 must-inspect, "
        f"{len(plan.selected)} selected and inspected; verify with "
        f"`ecredit inspections verify {plan.public_id}`"
    ]


def test_a_demo_started_before_midnight_inspects_on_the_day_of_the_draw(actor):
    """The demo's `today` is taken when it starts; if local midnight passes before the draw, the
    results are dated the day of the draw, never before it (CI once crossed midnight here)."""
    from datetime import timedelta

    from ecredit.supervision.demo import run_demo_plan

    rate(30)
    yesterday = timezone.localdate() - timedelta(days=1)
    plan = run_demo_plan(actor, yesterday, echo=lambda s: None)
    assert plan is not None and plan.status == "closed"
    days = set(plan.results.values_list("inspected_on", flat=True))
    assert days == {timezone.localtime(plan.drawn_at).date()}

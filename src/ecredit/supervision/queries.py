"""Reads of inspection plans that the API, the pages, the CLI and the ledger audit share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from ecredit.supervision import leaves
from ecredit.supervision.models import InspectionPlan, InspectionResult

FORMAT = "ecredit-inspection-plan/1"


def plans() -> QuerySet[InspectionPlan]:
    """Every plan, newest first, with its count of results; without the big JSON columns."""
    return (
        InspectionPlan.objects.defer("population", "seed", "assignments")
        .annotate(results_count=Count("results", filter=Q(results__is_current=True)))
        .order_by("-created_at", "-id")
    )


def get_plan(plan_id: str) -> InspectionPlan | None:
    return InspectionPlan.objects.filter(public_id=plan_id[:40]).first()


def results_of(plan: InspectionPlan) -> list[InspectionResult]:
    """The current result of each inspection (corrections replace earlier versions)."""
    rows = plan.results.filter(is_current=True).select_related("enterprise", "record")
    return list(rows.order_by("key"))


def summary(plan: InspectionPlan) -> dict[str, Any]:
    """What a list of plans shows of each."""
    return {
        "id": plan.public_id,
        "name": plan.name,
        "status": plan.status,
        "region": plan.region,
        "authority": plan.authority,
        "due_on": plan.due_on,
        "ratios": plan.ratios,
        "population_hash": plan.population_hash or None,
        "seed_commitment": plan.seed_commitment or None,
        "selected_count": len(plan.selected) if plan.is_drawn else None,
        "results_count": getattr(plan, "results_count", None),
        "created_at": plan.created_at,
        "commitment_ledger_index": plan.commitment_ledger_index,
        "draw_ledger_index": plan.draw_ledger_index,
    }


def published(plan: InspectionPlan) -> dict[str, Any]:
    """Everything needed to recompute the plan's draw (`ecredit inspections verify`), and its
    results. The seed is null until the plan is drawn."""
    drawn = plan.is_drawn
    return {
        "format": FORMAT,
        "id": plan.public_id,
        "name": plan.name,
        "status": plan.status,
        "region": plan.region,
        "provider": plan.provider,
        "authority": plan.authority,
        "due_on": plan.due_on,
        "rules_version": plan.rules_version,
        "must_inspect_rules": plan.must_inspect_rules,
        "ratios": plan.ratios,
        "ratios_source": plan.ratios_source,
        "as_of": plan.as_of,
        "population_size": len(plan.population),
        "population_hash": plan.population_hash or None,
        "population": plan.population,
        "must_inspect": plan.must_inspect,
        "inspectors": plan.inspectors,
        "conflicts": plan.conflicts,
        "seed_commitment": plan.seed_commitment or None,
        "seed": leaves.seed_hex(plan),
        "selected": plan.selected if drawn else [],
        "assignments": plan.assignments if drawn else {},
        "results": [
            {
                "subject_id": r.key,
                "result": r.result,
                "inspected_on": r.inspected_on,
                "findings": r.findings,
                "inspectors": r.inspectors,
                "record_ledger_index": r.record.ledger_index,
                "ledger_index": r.ledger_index,
            }
            for r in results_of(plan)
        ],
        "ledger": {
            "commitment": plan.commitment_ledger_index,
            "draw": plan.draw_ledger_index,
        },
        "created_at": plan.created_at,
        "committed_at": plan.committed_at,
        "drawn_at": plan.drawn_at,
        "closed_at": plan.closed_at,
    }


def ledger_claims(
    lo: int, hi: int
) -> Iterator[tuple[int, str, int, str, str, str, dict[str, Any]]]:
    """Rows claiming leaves in [lo, hi), for `ledger.audit`: (index, kind, id, subject, label,
    leaf kind, leaf fields)."""
    for column, leaf_kind, fields in (
        ("commitment_ledger_index", leaves.COMMITMENT, leaves.commitment_fields),
        ("draw_ledger_index", leaves.DRAW, leaves.draw_fields),
    ):
        for plan in InspectionPlan.objects.filter(**{f"{column}__gte": lo, f"{column}__lt": hi}):
            label = f"inspection plan {plan.public_id} ({leaf_kind})"
            yield getattr(plan, column), "inspection", plan.pk, "", label, leaf_kind, fields(plan)
    results = InspectionResult.objects.filter(ledger_index__gte=lo, ledger_index__lt=hi)
    for r in results.select_related("plan", "record"):
        label = f"inspection result {r.pk} (plan {r.plan.public_id}, subject {r.key})"
        fields = leaves.result_fields(r, r.plan.public_id, r.record.ledger_index)
        assert r.ledger_index is not None
        yield r.ledger_index, "inspection", r.pk, r.key, label, leaves.RESULT, fields

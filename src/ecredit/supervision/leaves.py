"""The ledger leaves of a plan and its results (`core/ledger/leaves.py`), from the stored rows.

The same functions serve the writes (`actions`) and the audit (`ledger.audit`), so a leaf and the
row that claims it are compared field by field.
"""

from __future__ import annotations

from typing import Any

from ecredit.supervision.models import InspectionPlan, InspectionResult

COMMITMENT = "inspection-commit/v1"
DRAW = "inspection-draw/v1"
RESULT = "inspection-result/v1"


def seed_hex(plan: InspectionPlan) -> str | None:
    """The seed in hex once drawn; None before (it is secret until the draw)."""
    if not plan.is_drawn or plan.seed is None:
        return None
    return bytes(plan.seed).hex()


def commitment_fields(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "plan": plan.public_id,
        "name": plan.name,
        "region": plan.region,
        "as_of": plan.as_of,
        "rules_version": plan.rules_version,
        "ratios": plan.ratios,
        "population_size": len(plan.population),
        "population_hash": plan.population_hash,
        "must_inspect": plan.must_inspect,
        "inspectors": plan.inspectors,
        "conflicts": plan.conflicts,
        "seed_commitment": plan.seed_commitment,
        "due_on": plan.due_on,
    }


def draw_fields(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "plan": plan.public_id,
        "seed": seed_hex(plan),
        "seed_commitment": plan.seed_commitment,
        "selected": plan.selected,
        "assignments": plan.assignments,
    }


def result_fields(
    result: InspectionResult, plan_id: str, record_index: int | None
) -> dict[str, Any]:
    return {
        "plan": plan_id,
        "subject_id": result.key,
        "result": result.result,
        "inspected_on": result.inspected_on,
        "inspectors": result.inspectors,
        "record_index": record_index,
    }

"""Credit checks: what applies to an enterprise in a context, logged; and the department's answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.measures import CONTEXTS, applicable, load_catalogue
from ecredit.entities.models import Enterprise
from ecredit.measures import queries
from ecredit.measures.models import CheckFeedback, CreditCheck

CHECKERS = ("operator", "department", "bank", "platform", "evaluator")


class CheckError(ValueError):
    """A check or feedback that cannot be done; the message says why and what to do."""


class CheckForbidden(PermissionError):
    pass


def may_check(actor: Actor) -> bool:
    return actor.is_admin or (actor.organisation_kind in CHECKERS and actor.role != "enterprise")


def run_check(actor: Actor, enterprise: Enterprise, context: str, purpose: str = "") -> CreditCheck:
    """Which measures apply to `enterprise` in `context` today; the check is logged."""
    if not may_check(actor):
        raise CheckForbidden(
            "credit checks are for departments, banks, platforms and evaluators; an enterprise "
            "sees its own standing on its page"
        )
    if context not in CONTEXTS:
        raise CheckError(f"unknown context {context!r}; choose one of {', '.join(CONTEXTS)}")
    catalogue = load_catalogue()
    standing = queries.standing_of(enterprise)
    applied = applicable(catalogue, standing, context)
    with transaction.atomic():
        check = CreditCheck.objects.create(
            enterprise=enterprise,
            organisation_id=actor.organisation_id,
            checked_by=actor.label,
            context=context,
            purpose=purpose.strip()[:300],
            as_of=standing.as_of,
            catalogue_version=catalogue.version,
            catalogue_sha256=catalogue.sha256,
            standing=standing_json(standing),
            measures=[queries.applied_json(a) for a in applied],
        )
        audit.record(
            actor,
            "measures.check",
            "credit_check",
            check.pk,
            subject_id=enterprise.subject_id,
            context=context,
            measures=[a.measure.id for a in applied],
        )
    return check


def standing_json(s: Any) -> dict[str, Any]:
    return {
        "grade": s.grade,
        "risk_class": s.risk_class,
        "evaluation": None if s.grade_ground is None else queries.ground_json(s.grade_ground),
        "lists": [queries.ground_json(g) for g in s.lists],
        "negative_pool": None if s.negative_pool is None else queries.ground_json(s.negative_pool),
        "last_negative_on": s.last_negative_on.isoformat() if s.last_negative_on else None,
    }


def give_feedback(
    actor: Actor,
    check: CreditCheck,
    outcome: str,
    measures_applied: Sequence[str] = (),
    note: str = "",
) -> CheckFeedback:
    """Record what the checking organisation did; only it (or an operator) may answer."""
    if not actor.is_admin and (
        actor.organisation_id is None or actor.organisation_id != check.organisation_id
    ):
        raise CheckForbidden("only the organisation that ran the check can say what it did")
    if outcome not in CheckFeedback.Outcome.values:
        raise CheckError(
            f"outcome {outcome!r} is not one of {', '.join(CheckFeedback.Outcome.values)}"
        )
    offered = {m["id"] for m in check.measures}
    unknown = [m for m in measures_applied if m not in offered]
    if unknown:
        raise CheckError(
            f"measures {', '.join(unknown)} did not apply in check #{check.pk}; "
            f"it offered {', '.join(sorted(offered)) or 'none'}"
        )
    if len(note) > 1000:
        raise CheckError("the note is longer than 1,000 characters")
    with transaction.atomic():
        fb = CheckFeedback.objects.create(
            check_ref=check,
            outcome=outcome,
            measures_applied=list(dict.fromkeys(measures_applied)),
            note=note,
            given_by=actor.label,
        )
        audit.record(
            actor,
            "measures.feedback",
            "credit_check",
            check.pk,
            outcome=outcome,
            measures=fb.measures_applied,
        )
    return fb

"""API: the measures catalogue, credit checks (信用核查) and the departments' feedback."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.core.measures import CONTEXTS, load_catalogue
from ecredit.entities.queries import get_enterprise
from ecredit.measures import actions
from ecredit.measures.models import CheckFeedback, CreditCheck
from ecredit.web.auth import TokenAuth, actor_of
from ecredit.web.schemas import responses

router = Router(tags=["measures"])

Context = Enum("CheckContext", {c: c for c in CONTEXTS}, type=str)  # type: ignore[misc]
Outcome = Enum("CheckOutcome", {o: o for o in CheckFeedback.Outcome.values}, type=str)  # type: ignore[misc]


class GroundOut(Schema):
    kind: str = Field(description="list, grade, risk_class or negative_pool")
    value: str
    since: date | None
    ledger_index: int | None = Field(description="the leaf of the decision this ground rests on")
    detail: str
    reason_zh: str
    reason_en: str


class MeasureOut(Schema):
    id: str
    kind: str = Field(description="reward or penalty")
    label: dict[str, str]
    department: dict[str, str]
    basis: dict[str, str] = Field(description="legal basis")
    grounds: list[GroundOut] = Field(description="why it applies")
    withheld_by: list[str] = Field(description="a reward withheld by these penalties")


class StandingOut(Schema):
    grade: str | None
    risk_class: str | None
    evaluation: GroundOut | None
    lists: list[GroundOut]
    negative_pool: GroundOut | None
    last_negative_on: date | None


class CheckOut(Schema):
    check_id: int
    subject_id: str
    name: str
    context: str
    purpose: str
    as_of: date
    catalogue_version: str
    standing: StandingOut
    verdict: str = Field(description="restricted, rewarded or none: the short answer")
    measures: list[MeasureOut]
    feedback_url: str


class FeedbackIn(Schema):
    outcome: Outcome  # type: ignore[valid-type]
    measures_applied: list[str] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=1000)


class FeedbackOut(Schema):
    check_id: int
    outcome: str
    measures_applied: list[str]
    note: str
    given_by: str
    given_at: datetime


class CheckLogOut(Schema):
    check_id: int
    context: str
    purpose: str
    checked_by: str
    organisation: str | None
    checked_at: datetime
    measures: list[str]
    feedback: FeedbackOut | None


class CatalogueMeasureOut(Schema):
    id: str
    kind: str
    contexts: list[str]
    label: dict[str, str]
    department: dict[str, str]
    basis: dict[str, str]
    trigger: dict[str, Any]


class CatalogueOut(Schema):
    version: str
    sha256: str
    contexts: dict[str, dict[str, str]]
    measures: list[CatalogueMeasureOut]


def verdict(measures: list[dict[str, Any]]) -> str:
    if any(m["kind"] == "penalty" for m in measures):
        return "restricted"
    return "rewarded" if measures else "none"


def check_json(check: CreditCheck) -> dict[str, Any]:
    return {
        "check_id": check.pk,
        "subject_id": check.enterprise.subject_id,
        "name": check.enterprise.name,
        "context": check.context,
        "purpose": check.purpose,
        "as_of": check.as_of,
        "catalogue_version": check.catalogue_version,
        "standing": check.standing,
        "verdict": verdict(check.measures),
        "measures": check.measures,
        "feedback_url": f"/api/v1/credit-check/{check.pk}/feedback",
    }


def feedback_json(fb: CheckFeedback) -> dict[str, Any]:
    return {
        "check_id": fb.check_ref_id,
        "outcome": fb.outcome,
        "measures_applied": fb.measures_applied,
        "note": fb.note,
        "given_by": fb.given_by,
        "given_at": fb.given_at,
    }


@router.get(
    "/measures",
    response=responses(CatalogueOut),
    summary="The joint reward and punishment measures catalogue",
)
def catalogue(request: HttpRequest) -> dict[str, Any]:
    cat = load_catalogue()
    return {
        "version": cat.version,
        "sha256": cat.sha256,
        "contexts": {k: dict(v) for k, v in cat.context_labels.items()},
        "measures": [
            {
                "id": m.id,
                "kind": m.kind,
                "contexts": list(m.contexts),
                "label": dict(m.label),
                "department": dict(m.department),
                "basis": dict(m.basis),
                "trigger": {
                    "lists": list(m.trigger.lists),
                    "grades": list(m.trigger.grades),
                    "risk_classes": list(m.trigger.risk_classes),
                    "negative_pool": m.trigger.negative_pool,
                    "no_negative_records_days": m.trigger.no_negative_records_days,
                },
            }
            for m in cat.measures
        ],
    }


@router.get(
    "/credit-check",
    auth=TokenAuth(),
    response=responses(CheckOut),
    summary="Credit check (信用核查): the enterprise's standing and the measures that apply",
    description=(
        "For departments, banks, platforms and evaluators (a bearer token). Every check is "
        "logged; say what you did with it by POSTing to `feedback_url`."
    ),
)
def credit_check(
    request: HttpRequest,
    subject_id: str = Query(..., min_length=1, max_length=200),
    context: Context = Query(..., description="where the answer is used"),  # type: ignore[valid-type]  # noqa: B008
    purpose: str = Query("", max_length=300, description="e.g. the subsidy programme"),
) -> dict[str, Any]:
    actor = actor_of(request)
    assert actor is not None  # TokenAuth
    enterprise = get_enterprise(subject_id)
    if enterprise is None:
        raise HttpError(404, f"no enterprise with subject id {subject_id[:200]!r}")
    try:
        check = actions.run_check(actor, enterprise, context.value, purpose)
    except actions.CheckForbidden as exc:
        raise HttpError(403, str(exc)) from None
    return check_json(check)


@router.post(
    "/credit-check/{check_id}/feedback",
    auth=TokenAuth(),
    response=responses(FeedbackOut),
    summary="What your organisation did with a credit check (closes the loop)",
)
def feedback(request: HttpRequest, check_id: int, body: FeedbackIn) -> dict[str, Any]:
    actor = actor_of(request)
    assert actor is not None
    check = CreditCheck.objects.filter(pk=check_id).first() if 0 < check_id < 2**62 else None
    if check is None:
        raise HttpError(404, f"no credit check #{check_id}")
    try:
        fb = actions.give_feedback(
            actor, check, body.outcome.value, body.measures_applied, body.note
        )
    except actions.CheckForbidden as exc:
        raise HttpError(403, str(exc)) from None
    except actions.CheckError as exc:
        raise HttpError(422, str(exc)) from None
    return feedback_json(fb)


@router.get(
    "/credit-checks",
    auth=TokenAuth(),
    response=responses(list[CheckLogOut]),
    summary="Who checked an enterprise, for what, and what they did (regulators and the enterprise)",
)
def check_log(
    request: HttpRequest,
    subject_id: str = Query(..., min_length=1, max_length=200),
    limit: int = Query(50, ge=1, le=500),
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    assert actor is not None
    enterprise = get_enterprise(subject_id)
    if enterprise is None:
        raise HttpError(404, f"no enterprise with subject id {subject_id[:200]!r}")
    if not (actor.sees_restricted or actor.enterprise_id == enterprise.pk):
        raise HttpError(403, "the check log is for regulators and the enterprise itself")
    out = []
    for c in CreditCheck.objects.filter(enterprise=enterprise).select_related("organisation")[
        :limit
    ]:
        fb = c.feedback.first()
        out.append(
            {
                "check_id": c.pk,
                "context": c.context,
                "purpose": c.purpose,
                "checked_by": c.checked_by,
                "organisation": c.organisation.name if c.organisation else None,
                "checked_at": c.checked_at,
                "measures": [m["id"] for m in c.measures],
                "feedback": None if fb is None else feedback_json(fb),
            }
        )
    return out

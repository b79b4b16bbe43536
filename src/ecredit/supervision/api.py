"""API: inspection plans ("double random, one public"), published so anyone can recompute a draw.

Reads are public. Creating, committing, drawing and recording results need a regulator's (or an
operator's) token; others get 403. A plan's seed is served only once the plan is drawn.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.supervision import actions, queries
from ecredit.web.auth import TokenAuth, actor_of
from ecredit.web.schemas import ErrorOut, responses

router = Router(tags=["inspections"])

PLAN_ID = Path(
    ..., max_length=40, pattern="^[A-Za-z0-9-]+$", description="the plan's public id, e.g. IP000001"
)
CODE = "^[a-z0-9][a-z0-9_-]{0,39}$"
Result = Literal["no_issue", "corrected", "referred", "not_operating", "refused"]


def _responses(ok: Any) -> dict[Any, Any]:
    """`responses(ok)` and 409 for a step the plan's state does not allow."""
    return {**responses(ok), 409: ErrorOut}


class RatiosIn(Schema):
    A: float = Field(ge=0, le=1, allow_inf_nan=False)
    B: float = Field(ge=0, le=1, allow_inf_nan=False)
    C: float = Field(ge=0, le=1, allow_inf_nan=False)
    D: float = Field(ge=0, le=1, allow_inf_nan=False)


class PlanIn(Schema):
    name: str = Field(min_length=1, max_length=200, pattern=actions.LINE)
    inspectors: list[str] = Field(
        min_length=2, max_length=actions.MAX_POOL, description="inspector codes: the pool"
    )
    due_on: date
    region: str = Field("", pattern="^[0-9]{0,6}$", description="division-code prefix; '' for all")
    ratios: RatiosIn | None = Field(None, description="default: the rules' ratios for the region")
    authority: str = Field(
        "", max_length=100, pattern=f"^$|{actions.LINE}", description="default: the provider's name"
    )


class ResultIn(Schema):
    subject_id: str = Field(max_length=200)
    result: Result
    inspected_on: date
    findings: str = Field("", max_length=2000, description="required when corrected or referred")


class ResultsIn(Schema):
    results: list[ResultIn] = Field(min_length=1, max_length=actions.MAX_RESULTS)


class InspectorIn(Schema):
    code: str = Field(pattern=CODE, max_length=40)
    name: str = Field(min_length=1, max_length=100, pattern=actions.LINE)


class InspectorOut(Schema):
    code: str
    name: str
    active: bool


class ConflictIn(Schema):
    inspector: str = Field(pattern=CODE, max_length=40)
    subject_id: str = Field(max_length=200)
    reason: str = Field(min_length=1, max_length=300, pattern=actions.LINE)


class ConflictOut(Schema):
    inspector: str
    subject_id: str
    reason: str
    declared_at: datetime


class PlanSummaryOut(Schema):
    id: str
    name: str
    status: str
    region: str
    authority: str
    due_on: date
    ratios: dict[str, float]
    population_hash: str | None
    seed_commitment: str | None
    selected_count: int | None
    results_count: int | None
    created_at: datetime
    commitment_ledger_index: int | None
    draw_ledger_index: int | None


class PlanResultOut(Schema):
    subject_id: str
    result: str
    inspected_on: date
    findings: str
    inspectors: list[str]
    record_ledger_index: int | None
    ledger_index: int | None


class PlanOut(Schema):
    format: str
    id: str
    name: str
    status: str
    region: str
    provider: str
    authority: str
    due_on: date
    rules_version: str
    must_inspect_rules: list[dict[str, Any]]
    ratios: dict[str, float] = Field(description="risk class -> share drawn")
    ratios_source: str
    as_of: date | None = Field(description="the day the population was frozen")
    population_size: int
    population_hash: str | None = Field(
        description="SHA-256 of the RFC 8785 JSON of `population` (sorted by key)"
    )
    population: list[dict[str, str]] = Field(description='[{"key", "class"}], sorted by key')
    must_inspect: list[dict[str, Any]] = Field(
        description='[{"key", "rules"}]: selected whatever u'
    )
    inspectors: list[str]
    conflicts: list[dict[str, str]] = Field(description='[{"inspector", "key"}]: never assigned')
    seed_commitment: str | None = Field(
        description="SHA-256 of the seed, published before the draw"
    )
    seed: str | None = Field(description="the 32-byte seed in hex, null until the draw")
    selected: list[str]
    assignments: dict[str, list[str]] = Field(description="key -> two inspector codes")
    results: list[PlanResultOut]
    ledger: dict[str, int | None] = Field(description="leaf indexes of the commitment and draw")
    created_at: datetime
    committed_at: datetime | None
    drawn_at: datetime | None
    closed_at: datetime | None


class RecordedOut(Schema):
    plan: PlanOut
    stored: int
    unchanged: int


def _actor(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor is None:  # TokenAuth let no anonymous request through
        raise HttpError(401, "a bearer token is needed")
    return actor


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except actions.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc
    except actions.NotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except actions.WrongState as exc:
        raise HttpError(409, str(exc)) from exc
    except actions.InspectionError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get(
    "/inspections/plans",
    response=responses(list[PlanSummaryOut]),
    summary="Inspection plans, newest first",
)
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    return [queries.summary(p) for p in queries.plans()[:200]]


@router.get(
    "/inspections/plans/{plan_id}",
    response=responses(PlanOut),
    summary="One plan with everything needed to recompute its draw",
)
def get_plan(request: HttpRequest, plan_id: str = PLAN_ID) -> dict[str, Any]:
    """The population and its hash, the ratios, the seed's commitment and (once drawn) the seed,
    the must-inspect enterprises, the inspector pool and declared conflicts, the selection, the
    assignments and the results. `ecredit inspections verify plan.json` checks it offline."""
    plan = queries.get_plan(plan_id)
    if plan is None:
        raise HttpError(404, f"no inspection plan {plan_id!r}; GET /api/v1/inspections/plans")
    return queries.published(plan)


@router.post(
    "/inspections/plans",
    auth=TokenAuth(),
    response=_responses(PlanOut),
    summary="Create a draft plan (regulators)",
)
def create_plan(request: HttpRequest, body: PlanIn) -> dict[str, Any]:
    plan = _call(
        actions.create_plan,
        _actor(request),
        name=body.name,
        inspectors=body.inspectors,
        due_on=body.due_on,
        region=body.region,
        ratios=body.ratios.dict() if body.ratios else None,
        authority=body.authority,
    )
    return queries.published(plan)


@router.post(
    "/inspections/plans/{plan_id}/commit",
    auth=TokenAuth(),
    response=_responses(PlanOut),
    summary="Freeze the population and publish the seed's commitment (regulators)",
)
def commit_plan(request: HttpRequest, plan_id: str = PLAN_ID) -> dict[str, Any]:
    return queries.published(_call(actions.commit_plan, _actor(request), plan_id))


@router.post(
    "/inspections/plans/{plan_id}/draw",
    auth=TokenAuth(),
    response=_responses(PlanOut),
    summary="Reveal the seed, select and assign (regulators)",
)
def draw_plan(request: HttpRequest, plan_id: str = PLAN_ID) -> dict[str, Any]:
    return queries.published(_call(actions.draw_plan, _actor(request), plan_id))


@router.post(
    "/inspections/plans/{plan_id}/results",
    auth=TokenAuth(),
    response=_responses(RecordedOut),
    summary="Record inspection results as public credit records (regulators)",
)
def record_results(request: HttpRequest, body: ResultsIn, plan_id: str = PLAN_ID) -> dict[str, Any]:
    done = _call(
        actions.record_results,
        _actor(request),
        plan_id,
        [r.dict() for r in body.results],
    )
    return {
        "plan": queries.published(done.plan),
        "stored": done.stored,
        "unchanged": done.unchanged,
    }


@router.post(
    "/inspections/plans/{plan_id}/close",
    auth=TokenAuth(),
    response=_responses(PlanOut),
    summary="Close a plan whose results are all recorded (regulators)",
)
def close_plan(request: HttpRequest, plan_id: str = PLAN_ID) -> dict[str, Any]:
    return queries.published(_call(actions.close_plan, _actor(request), plan_id))


@router.post(
    "/inspections/inspectors",
    auth=TokenAuth(),
    response=_responses(InspectorOut),
    summary="Add an inspector to the pool (regulators)",
)
def add_inspector(request: HttpRequest, body: InspectorIn) -> Any:
    return _call(actions.add_inspector, _actor(request), code=body.code, name=body.name)


@router.post(
    "/inspections/conflicts",
    auth=TokenAuth(),
    response=_responses(ConflictOut),
    summary="Declare an inspector's conflict of interest with an enterprise (regulators)",
)
def declare_conflict(request: HttpRequest, body: ConflictIn) -> dict[str, Any]:
    c = _call(
        actions.declare_conflict,
        _actor(request),
        inspector=body.inspector,
        subject_id=body.subject_id,
        reason=body.reason,
    )
    return {
        "inspector": c.inspector.code,
        "subject_id": c.enterprise.subject_id,
        "reason": c.reason,
        "declared_at": c.declared_at,
    }

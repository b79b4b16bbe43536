"""API: evaluation runs and the model registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from ecredit.ratings.models import EvaluationRun, ModelVersion, NegativePoolEntry
from ecredit.web.schemas import responses

router = Router(tags=["ratings"])


class RunOut(Schema):
    id: int
    as_of: date
    system_version: str
    dictionary_version: str
    started_at: datetime
    finished_at: datetime | None
    evaluated: int
    grade_counts: dict[str, int]
    model_version: str | None
    normality: dict[str, float] | None
    challengers: dict[str, dict[str, Any]]

    @staticmethod
    def resolve_model_version(obj: EvaluationRun) -> str | None:
        return obj.model_version.version if obj.model_version else None


class PoolEntryOut(Schema):
    subject_id: str
    name: str
    entered_on: date
    reason: str
    run: int
    ledger_index: int | None
    left_on: date | None
    left_run: int | None
    left_ledger_index: int | None

    @staticmethod
    def resolve_subject_id(obj: NegativePoolEntry) -> str:
        return obj.enterprise.subject_id

    @staticmethod
    def resolve_name(obj: NegativePoolEntry) -> str:
        return obj.enterprise.display_name

    @staticmethod
    def resolve_run(obj: NegativePoolEntry) -> int:
        return obj.entered_by.run_id

    @staticmethod
    def resolve_left_run(obj: NegativePoolEntry) -> int | None:
        return obj.left_by.run_id if obj.left_by else None


class ModelOut(Schema):
    version: str
    family: str
    status: str
    as_of: date
    system_version: str
    target: str
    policy_version: str
    features: list[str]
    params: dict[str, Any]
    artefact_sha256: str
    training_data_sha256: str
    split: dict[str, Any]
    created_at: datetime
    promoted_at: datetime | None


class ModelDetailOut(ModelOut):
    metrics: dict[str, Any]
    score_map: dict[str, Any]
    reference: dict[str, float]


@router.get(
    "/evaluation-runs", response=responses(list[RunOut]), summary="The latest evaluation runs"
)
def list_runs(request: HttpRequest) -> list[EvaluationRun]:
    return list(EvaluationRun.objects.select_related("model_version").order_by("-id")[:50])


@router.get(
    "/models",
    response=responses(list[ModelOut]),
    summary="Registered rating models, the champion first",
)
def list_models(request: HttpRequest) -> list[ModelVersion]:
    from ecredit.ratings.queries import registry

    return registry()


@router.get(
    "/models/{version}",
    response=responses(ModelDetailOut),
    summary="One model with its validation report, frozen score map and typical values",
)
def get_model(request: HttpRequest, version: str) -> ModelVersion:
    entry = ModelVersion.objects.filter(version=version[:80]).first()
    if entry is None:
        raise HttpError(404, f"no model {version[:80]!r}; see GET /api/v1/models")
    return entry


@router.get(
    "/negative-pool",
    response=responses(list[PoolEntryOut]),
    summary="The negative-list pool: who is in it and why, and who left (each decision a leaf)",
)
def negative_pool(
    request: HttpRequest,
    current: bool = True,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> list[NegativePoolEntry]:
    qs = NegativePoolEntry.objects.select_related("enterprise", "entered_by", "left_by")
    if current:
        qs = qs.filter(left_on__isnull=True)
    return list(qs.order_by("-entered_on", "-id")[offset : offset + limit])

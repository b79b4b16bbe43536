"""API: search enterprises, read one with its latest grade and the records the caller may see."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.entities import queries
from ecredit.entities.models import Enterprise
from ecredit.ratings.models import Evaluation
from ecredit.records.models import CreditRecord
from ecredit.web.auth import OptionalTokenAuth, actor_of
from ecredit.web.schemas import responses

router = Router(tags=["enterprises"], auth=OptionalTokenAuth())


class GradeOut(Schema):
    as_of: date
    score: int
    grade: str
    risk_class: str
    dimension_scores: dict[str, float]
    reasons_zh: list[str]
    reasons_en: list[str]
    system_version: str
    model_version: str | None = Field(
        None, description="the champion model that set the score; null: the indicator system's own"
    )
    probability: float | None = Field(
        None, description="the model's probability of a serious event within 12 months"
    )
    policy_version: str
    rule: str = Field(description="the grade-policy rule that set the grade")
    what_if_zh: list[str] = Field(description="changes that would lift the grade one step")
    what_if_en: list[str]
    ledger_index: int | None = Field(None, description="its leaf in the ledger (evaluation/v1)")


class EnterpriseSummaryOut(Schema):
    subject_id: str
    name: str
    entity_type: str
    region_code: str
    provisional: bool
    grade: GradeOut | None


class EnterpriseOut(EnterpriseSummaryOut):
    name_en: str
    roles: list[str]
    status: str
    identifiers: list[str]


class SearchOut(Schema):
    total: int
    results: list[EnterpriseSummaryOut]


class RecordOut(Schema):
    id: int
    type: str
    category: str
    disclosure_level: str
    provider: str
    natural_key: str
    version: int
    occurred_on: date
    received_at: Any
    public_until: date | None
    content_hash: str
    values: dict[str, Any]
    subject_id: str = Field(description="the subject as written in the record")
    ledger_index: int | None = Field(
        None,
        description="its leaf in the ledger: GET /api/v1/ledger/bundle?index= proves it; the leaf "
        "(record/v1) is rebuilt from type, provider, natural_key, version, subject_id, "
        "occurred_on, received_at, content_hash and values",
    )
    withdrawn_on: date | None = Field(
        None,
        description="for its subject and regulators: the day it was withdrawn (objection upheld "
        "or credit repair approved); from then on it is not public and does not count in grades",
    )


class SearchParams(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="a code or store id, or a name in Chinese, pinyin (full or initials) or "
        "English; typos are tolerated. Empty lists the enterprises passing the filters.",
    )
    region: str = Field("", pattern=r"^[0-9]{0,6}$", description="region code or its prefix")
    grade: Literal["", "AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"] = ""
    risk_class: Literal["", "A", "B", "C", "D"] = Field("", alias="class")
    platform: str = Field("", pattern=r"^[A-Za-z0-9_.-]{0,64}$", description="a store's platform")
    role: str = Field("", description="an e-commerce role, e.g. merchant, livestream_seller")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


def _grade(ev: Evaluation | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    return {
        "as_of": ev.as_of,
        "score": ev.score,
        "grade": ev.grade,
        "risk_class": ev.risk_class,
        "dimension_scores": ev.dimension_scores,
        "reasons_zh": ev.reasons_zh,
        "reasons_en": ev.reasons_en,
        "system_version": ev.system_version,
        "model_version": ev.model_version.version if ev.model_version else None,
        "probability": ev.risk,
        "policy_version": ev.policy_version,
        "rule": ev.rule,
        "what_if_zh": list((ev.what_if or {}).get("zh", [])),
        "what_if_en": list((ev.what_if or {}).get("en", [])),
        "ledger_index": ev.ledger_index,
    }


def _summary(e: Enterprise) -> dict[str, Any]:
    return {
        "subject_id": e.subject_id,
        "name": e.name,
        "entity_type": e.entity_type,
        "region_code": e.region_code,
        "provisional": e.provisional,
        "grade": _grade(queries.latest_evaluation(e)),
    }


@router.get(
    "/enterprises", response=responses(SearchOut), summary="Search enterprises by name or code"
)
def search_enterprises(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    filters = queries.SearchFilters(
        region=params.region,
        grade=params.grade,
        risk_class=params.risk_class,
        platform=params.platform.lower(),
        role=params.role,
    )
    # nothing asked, nothing found (every enterprise would be a list nobody reads)
    page, total = queries.search(
        params.q, limit=params.limit, offset=params.offset, filters=filters
    )
    return {"total": total, "results": [_summary(e) for e in page]}


def _get(subject_id: str) -> Enterprise:
    e = queries.get_enterprise(subject_id)
    if e is None:
        raise HttpError(404, f"no enterprise holds the identifier {subject_id[:200]!r}")
    return e


@router.get(
    "/enterprises/{path:subject_id}/records",
    response=responses(list[RecordOut]),
    summary="Records about an enterprise that the caller may see",
)
def enterprise_records(
    request: HttpRequest,
    subject_id: str,
    category: str | None = None,
    type: str | None = None,
    limit: int = Query(100, ge=1, le=1000),  # type: ignore[arg-type]
    offset: int = Query(0, ge=0),  # type: ignore[arg-type]
) -> list[dict[str, Any]]:
    """Anonymous callers see public records within their publicity period only; the enterprise
    itself and regulators see its whole archive."""
    e = _get(subject_id)
    qs = queries.visible_records(e, actor_of(request), timezone.localdate())
    if category:
        qs = qs.filter(category=category)
    if type:
        qs = qs.filter(type_name=type)
    rows: list[CreditRecord] = list(qs.order_by("-occurred_on", "-id")[offset : offset + limit])
    return [
        {
            "id": r.pk,
            "type": r.type_name,
            "category": r.category,
            "disclosure_level": r.disclosure_level,
            "provider": r.provider,
            "natural_key": r.natural_key,
            "version": r.version,
            "occurred_on": r.occurred_on,
            "received_at": r.received_at,
            "public_until": r.public_until,
            "content_hash": r.content_hash,
            "values": r.values,
            "subject_id": r.subject_id,
            "ledger_index": r.ledger_index,
            "withdrawn_on": _withdrawn_on(r),
        }
        for r in rows
    ]


class GradePointOut(Schema):
    as_of: date
    grade: str
    risk_class: str
    score: int


@router.get(
    "/enterprises/{path:subject_id}/grades",
    response=responses(list[GradePointOut]),
    summary="An enterprise's grade history, as the portal charts it",
)
def enterprise_grades(
    request: HttpRequest,
    subject_id: str,
    limit: int = Query(24, ge=1, le=120),  # type: ignore[arg-type]
) -> list[dict[str, Any]]:
    """One point per evaluation date (the latest run's), oldest first."""
    return [
        {"as_of": ev.as_of, "grade": ev.grade, "risk_class": ev.risk_class, "score": ev.score}
        for ev in queries.grade_history(_get(subject_id), limit)
    ]


@router.get(
    "/enterprises/{path:subject_id}",
    response=responses(EnterpriseOut),
    summary="One enterprise and its grade",
)
def get_enterprise(request: HttpRequest, subject_id: str) -> dict[str, Any]:
    e = _get(subject_id)
    return {
        **_summary(e),
        "name_en": e.name_en,
        "roles": e.roles,
        "status": e.status,
        "identifiers": list(e.identifiers.values_list("value", flat=True)),
    }


def _withdrawn_on(record: CreditRecord) -> date | None:
    try:
        return record.withdrawal.effective_on  # loaded with the record by visible_records
    except ObjectDoesNotExist:
        return None

"""API: evaluation runs."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Router, Schema

from ecredit.ratings.models import EvaluationRun
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


@router.get(
    "/evaluation-runs", response=responses(list[RunOut]), summary="The latest evaluation runs"
)
def list_runs(request: HttpRequest) -> list[EvaluationRun]:
    return list(EvaluationRun.objects.order_by("-id")[:50])

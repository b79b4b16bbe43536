"""API: submit records, read submissions and the data-sharing responsibility list."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.core.dictionary import load_dictionary
from ecredit.records import actions, queries
from ecredit.records.models import Submission
from ecredit.web.auth import OptionalTokenAuth, TokenAuth, actor_of
from ecredit.web.schemas import responses

router = Router(tags=["records"])


# The dictionary's types and providers as enums, so the OpenAPI schema lists what is accepted.
_dictionary = load_dictionary()
RecordTypeName = Enum("RecordTypeName", {n: n for n in _dictionary.types}, type=str)  # type: ignore[misc]
ProviderKey = Enum("ProviderKey", {k: k for k in _dictionary.providers}, type=str)  # type: ignore[misc]


class RecordBatchIn(Schema):
    type: RecordTypeName = Field(description="record type, e.g. administrative_penalty")
    source: ProviderKey | None = Field(
        None, description="provider key; defaults to the token's provider"
    )
    records: list[Any] = Field(
        description="up to 10,000 objects of field values (CSV headers as keys)"
    )
    received_at: datetime | None = Field(
        None,
        description="backfill only (operator tokens): when the data originally reached the platform",
    )


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class IngestReportOut(Schema):
    received: int
    stored: int
    duplicates: int
    corrected: int
    rejected: int
    errors: list[RowErrorOut]
    errors_truncated: bool
    submission_id: int | None


class ObligationOut(Schema):
    provider: str
    provider_name_zh: str
    provider_name_en: str
    type_name: str
    frequency: str
    max_lag_days: int
    last_submitted: datetime | None
    due_by: datetime
    overdue: bool


@router.post(
    "/records",
    auth=TokenAuth(),
    response=responses(IngestReportOut),
    summary="Submit a batch of records of one type",
)
def submit_records(request: HttpRequest, batch: RecordBatchIn) -> dict[str, Any]:
    """Validate and store records; every rejected record is reported with its number and field.

    Needs a submitter token of a provider that the data-sharing responsibility list allows to send
    this type. A re-sent identical record is a duplicate; a changed one is a correction.
    """
    actor = actor_of(request)
    assert actor is not None
    provider = batch.source.value if batch.source else actor.provider_key
    if not provider:
        raise HttpError(400, "no source given and the token belongs to no provider")
    if len(batch.records) > actions.MAX_BATCH:
        raise HttpError(
            413,
            f"a batch holds at most {actions.MAX_BATCH:,} records; this one has {len(batch.records):,}",
        )
    try:
        report = actions.ingest_batch(
            actor,
            type_name=batch.type.value,
            provider=provider,
            records=batch.records,
            received_at=batch.received_at,
        )
    except actions.PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    except actions.IngestError as exc:
        raise HttpError(400, str(exc)) from exc
    return report.to_json()


class SubmissionOut(Schema):
    id: int
    provider: str
    type_name: str
    channel: str
    filename: str
    received_at: datetime
    finished_at: datetime | None
    received: int
    stored: int
    duplicates: int
    corrected: int
    rejected: int
    errors: list[RowErrorOut]


@router.get("/submissions/{submission_id}", auth=TokenAuth(), response=responses(SubmissionOut))
def get_submission(request: HttpRequest, submission_id: int) -> Submission:
    """A submission's outcome; visible to its own organisation and to operators."""
    actor = actor_of(request)
    assert actor is not None
    sub = Submission.objects.filter(pk=submission_id).first()
    if sub is None or not (actor.is_admin or sub.organisation_id == actor.organisation_id):
        raise HttpError(404, f"no submission {submission_id} visible to this token")
    return sub


@router.get(
    "/obligations",
    auth=OptionalTokenAuth(),
    response=responses(list[ObligationOut]),
    summary="The data-sharing responsibility list and who is overdue",
)
def list_obligations(request: HttpRequest, overdue: bool | None = None) -> list[Any]:
    rows = queries.obligations(timezone.now())
    if overdue is not None:
        rows = [r for r in rows if r.overdue == overdue]
    return rows

"""API: an enterprise's consents to banks, banks' reads under consent, and the enterprise's log.

`POST /consents` and `DELETE /consents/{id}` take the enterprise's own token;
`GET /reports/{subject_id}` a bank's (or a logistics or payment provider's) token, and answers
403 without a current consent; `GET /reports/{subject_id}/access-log` is for the enterprise
itself (and operators and regulators).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.accounts.principals import Actor
from ecredit.entities.models import Enterprise
from ecredit.entities.queries import get_enterprise
from ecredit.reports import actions, queries
from ecredit.reports.models import Consent, ReportType
from ecredit.web.auth import TokenAuth, actor_of
from ecredit.web.schemas import ErrorOut, responses

router = Router(tags=["reports"])

ConsentReportType = Enum(
    "ConsentReportType", {t.replace("-", "_"): t for t in ReportType.values}, type=str
)  # type: ignore[misc]
ConsentPurpose = Enum("ConsentPurpose", {p: p for p in Consent.Purpose.values}, type=str)  # type: ignore[misc]
ReportLang = Enum("ReportLang", {"zh": "zh", "en": "en"}, type=str)  # type: ignore[misc]
ReportFormat = Enum("ReportFormat", {"json": "json", "pdf": "pdf"}, type=str)  # type: ignore[misc]


class ConsentIn(Schema):
    org: str = Field(min_length=1, max_length=64, description="the bank's organisation key")
    report_type: ConsentReportType  # type: ignore[valid-type]
    purpose: ConsentPurpose  # type: ignore[valid-type]
    valid_until: date = Field(description="the last day the bank may read")


class ConsentOut(Schema):
    id: int
    subject_id: str
    org: str
    org_name: str
    report_type: str
    purpose: str
    granted_on: date
    valid_until: date
    revoked_at: datetime | None
    current: bool
    ledger_index: int | None = Field(description="the consent/v1 leaf of the grant")
    revoke_ledger_index: int | None


class ReadOut(Schema):
    id: int
    read_at: datetime
    org: str
    org_name: str
    reader: str
    purpose: str
    format: str
    consent: int
    report: str = Field(description="the report number read")
    report_type: str


class ReportOut(Schema):
    number: str
    subject_id: str
    report_type: str
    lang: str
    audience: str
    as_of: date
    issued_at: datetime
    content_hash: str = Field(description="SHA-256 of the content's RFC 8785 JSON (report/v1 leaf)")
    ledger_index: int | None
    verify_url: str
    bundle_url: str
    pdf_url: str
    content: dict[str, Any]


def _enterprise_actor(request: HttpRequest) -> Actor:
    actor = actor_of(request)
    assert actor is not None  # TokenAuth
    if actor.role != "enterprise" or actor.enterprise_id is None:
        raise HttpError(403, "only an enterprise's own token grants, lists or revokes consents")
    return actor


@router.post(
    "/consents",
    auth=TokenAuth(),
    response={**responses(ConsentOut), 409: ErrorOut},
    summary="Let a bank or service provider read a report type (the enterprise's token)",
    description="404 for an unknown bank; 409 for a day in the past or more than 3 years ahead.",
)
def grant(request: HttpRequest, data: ConsentIn) -> dict[str, Any]:
    actor = _enterprise_actor(request)
    try:
        consent = actions.grant_consent(
            actor,
            org_key=data.org,
            report_type=data.report_type.value,
            purpose=data.purpose.value,
            valid_until=data.valid_until,
        )
    except LookupError as exc:
        raise HttpError(404, str(exc)) from None
    except ValueError as exc:
        raise HttpError(409, str(exc)) from None
    return queries.consent_json(consent, timezone.localdate())


@router.get(
    "/consents",
    auth=TokenAuth(),
    response=responses(list[ConsentOut]),
    summary="The enterprise's consents, current and past (the enterprise's token)",
)
def list_consents(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _enterprise_actor(request)
    e = Enterprise.objects.get(pk=actor.enterprise_id)
    today = timezone.localdate()
    return [queries.consent_json(c, today) for c in queries.consents_of(e)[:500]]


@router.delete(
    "/consents/{consent_id}",
    auth=TokenAuth(),
    response=responses(ConsentOut),
    summary="Revoke a consent at once (the enterprise's token)",
)
def revoke(request: HttpRequest, consent_id: int) -> dict[str, Any]:
    actor = _enterprise_actor(request)
    if not 0 < consent_id < 2**63:
        raise HttpError(404, f"no consent {consent_id} of this enterprise")
    try:
        consent = actions.revoke_consent(actor, consent_id)
    except LookupError as exc:
        raise HttpError(404, str(exc)) from None
    return queries.consent_json(consent, timezone.localdate())


@router.get(
    "/reports/{path:subject_id}/access-log",
    auth=TokenAuth(),
    response=responses(list[ReadOut]),
    summary="Who read the enterprise's reports, when and why (the enterprise's own token)",
)
def access_log(request: HttpRequest, subject_id: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    assert actor is not None
    enterprise = get_enterprise(subject_id[:200])
    if enterprise is None:
        raise HttpError(404, f"no enterprise with subject id {subject_id[:200]!r}")
    if not (actor.sees_restricted or actor.enterprise_id == enterprise.pk):
        raise HttpError(403, "only the enterprise itself and regulators read its access log")
    return [queries.read_json(r) for r in queries.reads_of(enterprise)]


@router.get(
    "/reports/{path:subject_id}",
    auth=TokenAuth(),
    response=responses(ReportOut),
    summary="A credit report the enterprise authorised (a bank's token); every read is logged",
    description=(
        "403 unless the enterprise has given your organisation a current consent for this "
        "report type. JSON by default; the PDF with `format=pdf` or `Accept: application/pdf`."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "the report (JSON), or its PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def read(
    request: HttpRequest,
    subject_id: str,
    type: ConsentReportType = Query("standard"),  # type: ignore[valid-type]  # noqa: B008
    lang: ReportLang = Query("zh"),  # type: ignore[valid-type]  # noqa: B008
    format: ReportFormat | None = Query(None),  # type: ignore[valid-type]  # noqa: B008
) -> Any:
    actor = actor_of(request)
    assert actor is not None  # TokenAuth
    report_type, language, fmt = (str(getattr(v, "value", v)) for v in (type, lang, format))
    if len(subject_id) > 200:
        raise HttpError(404, "no enterprise with this subject id")
    enterprise = get_enterprise(subject_id)
    if enterprise is None:
        raise HttpError(404, f"no enterprise with subject id {subject_id[:200]!r}")
    wants_pdf = fmt == "pdf" or (
        format is None and "application/pdf" in request.headers.get("Accept", "")
    )
    try:
        report, _read = actions.read_under_consent(
            actor, enterprise, report_type, language, "pdf" if wants_pdf else "json"
        )
    except actions.ConsentRefused as exc:
        raise HttpError(403, str(exc)) from None
    if wants_pdf:
        response = HttpResponse(actions.pdf_of(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.number}.pdf"'
        return response
    out = queries.report_json(report)
    out["pdf_url"] = (
        f"/api/v1/reports/{enterprise.subject_id}?type={report_type}&lang={language}&format=pdf"
    )
    return out

"""API: issue, read and revoke credit certificates; the issuer's keys and the status list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.credentials import actions
from ecredit.credentials.models import Certificate
from ecredit.entities.queries import get_enterprise
from ecredit.web.auth import TokenAuth, actor_of
from ecredit.web.schemas import responses

router = Router(tags=["credentials"])
VC_JWT = "application/vc+jwt"


class IssueIn(Schema):
    subject_id: str = Field(min_length=1, max_length=200)
    valid_days: int = Field(actions.DEFAULT_DAYS, ge=1, le=actions.MAX_DAYS)


class RevokeIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class CertificateOut(Schema):
    id: str = Field(description="urn:uuid of the credential")
    subject_id: str
    grade: str
    risk_class: str
    score: int
    as_of: date
    valid_from: datetime
    valid_until: datetime
    status: str = Field(description="valid, expired or revoked")
    revoked_at: datetime | None
    revoke_reason: str
    status_index: int
    token: str = Field(description="the credential, application/vc+jwt")
    jwks_url: str
    status_list_url: str


def out(cert: Certificate) -> dict[str, Any]:
    now = timezone.now()
    status = "revoked" if cert.revoked_at else ("expired" if cert.valid_until < now else "valid")
    return {
        "id": cert.credential_id,
        "subject_id": cert.enterprise.subject_id,
        "grade": cert.grade,
        "risk_class": cert.risk_class,
        "score": cert.score,
        "as_of": cert.as_of,
        "valid_from": cert.valid_from,
        "valid_until": cert.valid_until,
        "status": status,
        "revoked_at": cert.revoked_at,
        "revoke_reason": cert.revoke_reason,
        "status_index": cert.status_index,
        "token": cert.token,
        "jwks_url": "/api/v1/credentials/jwks",
        "status_list_url": actions.status_list_url(),
    }


def _get(credential_id: str) -> Certificate:
    cert = (
        Certificate.objects.select_related("enterprise")
        .filter(credential_id=credential_id[:60])
        .first()
    )
    if cert is None:
        raise HttpError(404, f"no certificate {credential_id[:60]!r}")
    return cert


@router.get(
    "/credentials/jwks",
    response=responses(dict[str, Any]),
    summary="The issuer's public keys (JWK set): verify certificates offline with them",
)
def jwks(request: HttpRequest) -> dict[str, Any]:
    return actions.published_keys()


@router.get(
    "/credentials/status/1",
    response=responses(str),
    summary="The revocation status list (a signed BitstringStatusListCredential, vc+jwt)",
    openapi_extra={
        "responses": {
            200: {
                "description": "the status-list credential, compact JWS",
                "content": {VC_JWT: {"schema": {"type": "string"}}},
            }
        }
    },
)
def status_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse(actions.status_list_token(), content_type=VC_JWT)


@router.post(
    "/credentials",
    auth=TokenAuth(),
    response=responses(CertificateOut),
    summary="Issue a certificate of the latest grade (the enterprise's own token, or an operator)",
)
def issue(request: HttpRequest, body: IssueIn) -> dict[str, Any]:
    actor = actor_of(request)
    assert actor is not None
    enterprise = get_enterprise(body.subject_id)
    if enterprise is None:
        raise HttpError(404, f"no enterprise with subject id {body.subject_id!r}")
    try:
        cert = actions.issue(actor, enterprise, body.valid_days)
    except actions.NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    except actions.CertificateError as exc:
        raise HttpError(409, str(exc)) from None
    return out(cert)


@router.get(
    "/credentials/{credential_id}",
    response=responses(CertificateOut),
    summary="A certificate, its token and whether it is still valid",
)
def get_certificate(request: HttpRequest, credential_id: str) -> dict[str, Any]:
    return out(_get(credential_id))


@router.post(
    "/credentials/{credential_id}/revoke",
    auth=TokenAuth(),
    response=responses(CertificateOut),
    summary="Revoke a certificate (regulators, operators, the enterprise itself)",
)
def revoke(request: HttpRequest, credential_id: str, body: RevokeIn) -> dict[str, Any]:
    actor = actor_of(request)
    assert actor is not None
    cert = _get(credential_id)
    try:
        cert = actions.revoke(actor, cert, body.reason)
    except actions.NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    except actions.CertificateError as exc:
        raise HttpError(409, str(exc)) from None
    return out(cert)

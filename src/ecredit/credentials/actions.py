"""Issue, revoke and sweep credit certificates; the issuer key and the status list."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.credentials import (
    MIN_ENTRIES,
    certificate,
    encode_list,
    generate_key,
    public_jwks,
    set_bit,
    sign,
    status_list_credential,
)
from ecredit.credentials.models import Certificate
from ecredit.entities.models import Enterprise
from ecredit.ratings.models import Evaluation
from ecredit.web.keyfiles import create_once

DEFAULT_DAYS = 90
MAX_DAYS = 366


class CertificateError(ValueError):
    """A certificate that cannot be issued or revoked; the message says why and what to do."""


class NotAllowed(PermissionError):
    pass


def issuer() -> dict[str, str]:
    return {"id": settings.CONFIG.public_url, "name": "ecredit"}


def status_list_url() -> str:
    return f"{settings.CONFIG.public_url}/api/v1/credentials/status/1"


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "credentials" / "issuer.jwk"


def signing_key() -> dict[str, Any]:
    """The issuer's Ed25519 key (a private JWK), created (0600) on first use."""

    def make() -> str:
        kid = f"{settings.CONFIG.public_url}#{secrets.token_hex(8)}"
        return json.dumps(generate_key(kid))

    return dict(json.loads(create_once(key_path(), make)))


def published_keys() -> dict[str, Any]:
    return public_jwks([signing_key()])


def _may_hold(actor: Actor, enterprise: Enterprise) -> bool:
    return actor.is_admin or actor.enterprise_id == enterprise.pk


def issue(
    actor: Actor, enterprise: Enterprise, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> Certificate:
    """A certificate of the enterprise's latest published grade, for the enterprise itself (or
    issued by an operator)."""
    if not _may_hold(actor, enterprise):
        raise NotAllowed("a certificate is issued to the enterprise itself (or by an operator)")
    if not 1 <= days <= MAX_DAYS:
        raise CertificateError(f"a certificate is valid for 1 to {MAX_DAYS} days, not {days}")
    ev = Evaluation.objects.filter(enterprise=enterprise, is_latest=True).first()
    if ev is None:
        raise CertificateError(
            f"{enterprise.subject_id} has no published grade yet; run an evaluation first"
        )
    now = now or timezone.now()
    key = signing_key()
    for _attempt in range(20):
        index = secrets.randbelow(MIN_ENTRIES)  # random: the index says nothing of the order
        if Certificate.objects.filter(status_index=index).exists():
            continue
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        doc = certificate(
            credential_id=credential_id,
            issuer=issuer(),
            subject=_subject(enterprise, ev),
            valid_from=now,
            valid_until=now + timedelta(days=days),
            status_list_url=status_list_url(),
            status_index=index,
        )
        try:
            with transaction.atomic():
                cert = Certificate.objects.create(
                    credential_id=credential_id,
                    enterprise=enterprise,
                    evaluation=ev,
                    grade=ev.grade,
                    risk_class=ev.risk_class,
                    score=ev.score,
                    as_of=ev.as_of,
                    valid_from=now,
                    valid_until=now + timedelta(days=days),
                    status_index=index,
                    token=sign(doc, key),
                    issued_by=actor.label,
                )
                audit.record(
                    actor,
                    "credentials.issue",
                    "certificate",
                    credential_id,
                    subject_id=enterprise.subject_id,
                    grade=ev.grade,
                    days=days,
                )
            return cert
        except IntegrityError:
            continue
    raise CertificateError("the status list is too full to draw a free entry; add a second list")


def _subject(enterprise: Enterprise, ev: Evaluation) -> dict[str, Any]:
    return {
        "id": f"urn:subject:{enterprise.subject_id}",
        "subjectId": enterprise.subject_id,
        "name": enterprise.name,
        "grade": ev.grade,
        "riskClass": ev.risk_class,
        "score": ev.score,
        "asOf": ev.as_of.isoformat(),
        "indicatorSystem": ev.system_version,
        "gradePolicy": ev.policy_version,
        "model": ev.model_version.version if ev.model_version_id else None,
        "evaluationLedgerIndex": ev.ledger_index,
    }


def revoke(actor: Actor, cert: Certificate, reason: str) -> Certificate:
    """Revoke: its status-list entry is set from now on. Regulators, operators and the holder."""
    if not (actor.sees_restricted or actor.enterprise_id == cert.enterprise_id):
        raise NotAllowed("regulators, operators and the enterprise itself may revoke")
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise CertificateError("say why, in at most 300 characters")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=cert.pk)
        if locked.revoked_at is not None:
            raise CertificateError(
                f"{cert.credential_id} was revoked on {locked.revoked_at:%Y-%m-%d}"
            )
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor.label
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record(actor, "credentials.revoke", "certificate", cert.credential_id, reason=reason)
    return locked


def sweep(actor: Actor) -> int:
    """Revoke every current certificate whose enterprise now has another grade: a certificate
    states one evaluation's grade and must not outlive it. Returns how many were revoked."""
    now = timezone.now()
    revoked = 0
    current = Certificate.objects.filter(revoked_at__isnull=True, valid_until__gt=now)
    latest = dict(
        Evaluation.objects.filter(
            is_latest=True, enterprise_id__in=current.values("enterprise_id")
        ).values_list("enterprise_id", "grade")
    )
    for cert in current.select_related("enterprise"):
        grade = latest.get(cert.enterprise_id)
        if grade is not None and grade != cert.grade:
            revoke(actor, cert, f"superseded: the grade is now {grade}")
            revoked += 1
    return revoked


def status_list_token(now: datetime | None = None) -> str:
    """The signed status-list credential as it is now."""
    bits = bytearray(MIN_ENTRIES // 8)
    for index in Certificate.objects.filter(revoked_at__isnull=False).values_list(
        "status_index", flat=True
    ):
        set_bit(bits, index)
    doc = status_list_credential(
        url=status_list_url(),
        issuer=issuer(),
        encoded_list=encode_list(bits),
        valid_from=now or timezone.now(),
    )
    return sign(doc, signing_key())

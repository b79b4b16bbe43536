"""Issuing credit reports, granting and revoking consents, and reading reports under a consent.

Every write is one transaction with its ledger leaf and audit entry. A report is issued in two
steps: the row, its `report/v1` leaf and audit entry commit together (a checkpoint is signed
after the commit); then the PDF is rendered with the leaf's proof against that checkpoint and
stored under `ECREDIT_DATA_DIR/reports/`. A PDF that failed to render is rendered again when it
is first asked for (`pdf_of`).
"""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ecredit.accounts.models import Organisation, OrganisationKind
from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.reports.embedded import content_hash
from ecredit.entities.models import Enterprise
from ecredit.ledger import actions as ledger
from ecredit.reports.content import AUDIENCES, LANGS, TYPES, build_content
from ecredit.reports.models import Consent, IssuedReport, ReportRead

CONSENT_ORG_KINDS = (OrganisationKind.BANK,)  # banks, logistics and payment providers
MAX_CONSENT_DAYS = 3 * 366


class ConsentRefused(PermissionError):
    """No current consent lets this organisation read this report; the message says why."""


def verify_url(number: str) -> str:
    return f"{settings.PUBLIC_URL}/verify/{number}/"


def report_leaf(r: IssuedReport) -> dict[str, Any]:
    return {
        "number": r.number,
        "subject_id": r.subject_id,
        "report_type": r.report_type,
        "lang": r.lang,
        "audience": r.audience,
        "as_of": r.as_of,
        "issued_at": r.issued_at,
        "content_hash": r.content_hash,
    }


def consent_leaf(c: Consent, action: str) -> dict[str, Any]:
    revoked = action == "revoked"
    return {
        "consent": c.pk,
        "subject_id": c.enterprise.subject_id,
        "org": c.organisation.key,
        "report_type": c.report_type,
        "purpose": c.purpose,
        "action": action,
        "on": timezone.localdate(c.revoked_at) if revoked and c.revoked_at else c.granted_on,
        "valid_until": c.valid_until,
        "by": c.revoked_by if revoked else c.granted_by,
    }


def reports_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports"


def issue_report(
    actor: Actor,
    enterprise: Enterprise,
    *,
    report_type: str,
    lang: str = "zh",
    audience: str = "public",
    as_of: date | None = None,
    render: bool = True,
) -> IssuedReport:
    """Issue a report: store it with its `report/v1` leaf, then render and store its PDF."""
    if report_type not in TYPES:
        raise ValueError(f"unknown report type {report_type!r}; choose {', '.join(TYPES)}")
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}; choose {', '.join(LANGS)}")
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; choose {', '.join(AUDIENCES)}")
    today = timezone.localdate()
    as_of = as_of or today
    if as_of > today:
        raise ValueError(f"as-of date {as_of} is in the future")
    now = timezone.now()
    with transaction.atomic():
        report = IssuedReport.objects.create(
            number=f"tmp-{os.getpid()}-{now.timestamp()}",
            enterprise=enterprise,
            subject_id=enterprise.subject_id,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=as_of,
            issued_at=now,
            issued_by=actor.label,
            content={},
            content_hash="",
        )
        report.number = f"CR{now:%Y%m%d}{report.pk:07d}"
        content = build_content(
            enterprise,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=as_of,
            number=report.number,
            issued_at=now,
            verify_url=verify_url(report.number),
        )
        report.content = content
        report.content_hash = content_hash(content)
        report.ledger_index = ledger.append("report/v1", [report_leaf(report)])
        report.save()
        audit.record(
            actor,
            "report.issue",
            "IssuedReport",
            report.pk,
            number=report.number,
            subject_id=enterprise.subject_id,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=as_of.isoformat(),
            content_hash=report.content_hash,
        )
    if render:
        pdf_of(report)
    return report


def pdf_of(report: IssuedReport) -> bytes:
    """The report's PDF: the stored file, or rendered now (with the proof of its leaf against
    the latest checkpoint) and stored."""
    from ecredit.ledger.api import build_bundle
    from ecredit.reports.render import render_pdf

    if report.pdf_path:
        path = reports_dir() / report.pdf_path
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == report.pdf_sha256:
                return data
    assert report.ledger_index is not None
    ledger.issue_checkpoint()  # the leaf is committed; within a caller's transaction too
    pdf = render_pdf(report.content, build_bundle(report.ledger_index))
    directory = reports_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{report.number}.pdf"
    tmp = directory / f".{name}.{os.getpid()}"
    tmp.write_bytes(pdf)
    os.replace(tmp, directory / name)
    IssuedReport.objects.filter(pk=report.pk).update(
        pdf_path=name, pdf_sha256=hashlib.sha256(pdf).hexdigest()
    )
    report.pdf_path, report.pdf_sha256 = name, hashlib.sha256(pdf).hexdigest()
    return pdf


def todays_report(
    enterprise: Enterprise, *, report_type: str, lang: str, audience: str
) -> IssuedReport:
    """The report of this type, language and audience issued today as of today, or a new one:
    readers who ask again the same day get the same report (one leaf a day, not one a click)."""
    today = timezone.localdate()
    report = (
        IssuedReport.objects.filter(
            enterprise=enterprise,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=today,
        )
        .order_by("-issued_at", "-id")
        .first()
    )
    if report is None:
        report = issue_report(
            Actor.system(f"{audience}-report"),
            enterprise,
            report_type=report_type,
            lang=lang,
            audience=audience,
            as_of=today,
            render=False,
        )
    return report


# --- consents ------------------------------------------------------------------------------


def _enterprise_of(actor: Actor) -> Enterprise:
    if actor.role != "enterprise" or actor.enterprise_id is None:
        raise PermissionError("only an enterprise's own representative grants or revokes consents")
    return Enterprise.objects.get(pk=actor.enterprise_id)


def grant_consent(
    actor: Actor,
    *,
    org_key: str,
    report_type: str,
    purpose: str,
    valid_until: date,
) -> Consent:
    """The actor's enterprise lets the organisation `org_key` read `report_type` until a day."""
    enterprise = _enterprise_of(actor)
    org = Organisation.objects.filter(key=org_key).first()
    if org is None or org.kind not in CONSENT_ORG_KINDS:
        raise LookupError(f"no bank or service provider with key {org_key[:64]!r}")
    if report_type not in TYPES:
        raise ValueError(f"unknown report type {report_type!r}; choose {', '.join(TYPES)}")
    if purpose not in Consent.Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}; choose {', '.join(Consent.Purpose.values)}")
    today = timezone.localdate()
    if valid_until < today:
        raise ValueError(f"valid_until {valid_until} is in the past")
    if (valid_until - today).days > MAX_CONSENT_DAYS:
        raise ValueError(f"a consent lasts at most {MAX_CONSENT_DAYS} days; valid_until is later")
    with transaction.atomic():
        consent = Consent.objects.create(
            enterprise=enterprise,
            organisation=org,
            report_type=report_type,
            purpose=purpose,
            granted_on=today,
            valid_until=valid_until,
            granted_by=actor.label,
        )
        consent.ledger_index = ledger.append("consent/v1", [consent_leaf(consent, "granted")])
        consent.save(update_fields=["ledger_index"])
        audit.record(
            actor,
            "consent.grant",
            "Consent",
            consent.pk,
            org=org.key,
            report_type=report_type,
            purpose=purpose,
            valid_until=valid_until.isoformat(),
        )
    return consent


def revoke_consent(actor: Actor, consent_id: int) -> Consent:
    """Revoke one of the actor's enterprise's consents (again: nothing changes)."""
    enterprise = _enterprise_of(actor)
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .select_related("enterprise", "organisation")
            .filter(pk=consent_id, enterprise=enterprise)
            .first()
        )
        if consent is None:
            raise LookupError(f"no consent {consent_id} of this enterprise")
        if consent.revoked_at is not None:
            return consent
        consent.revoked_at = timezone.now()
        consent.revoked_by = actor.label
        consent.revoke_ledger_index = ledger.append(
            "consent/v1", [consent_leaf(consent, "revoked")]
        )
        consent.save(update_fields=["revoked_at", "revoked_by", "revoke_ledger_index"])
        audit.record(actor, "consent.revoke", "Consent", consent.pk, org=consent.organisation.key)
    return consent


def current_consent(enterprise: Enterprise, org_id: int | None, report_type: str) -> Consent | None:
    today = timezone.localdate()
    return (
        Consent.objects.filter(
            enterprise=enterprise,
            organisation_id=org_id,
            report_type=report_type,
            revoked_at__isnull=True,
            granted_on__lte=today,
            valid_until__gte=today,
        )
        .order_by("-valid_until", "-id")
        .first()
    )


def read_under_consent(
    actor: Actor, enterprise: Enterprise, report_type: str, lang: str, fmt: str
) -> tuple[IssuedReport, ReportRead]:
    """A bank's read: refused without a current consent; otherwise today's report of that type
    (issued now if there is none yet), and the read logged for the enterprise."""
    if actor.organisation_kind not in CONSENT_ORG_KINDS or actor.organisation_id is None:
        raise ConsentRefused("only banks and service providers read reports under consent")
    consent = current_consent(enterprise, actor.organisation_id, report_type)
    if consent is None:
        raise ConsentRefused(
            f"{enterprise.subject_id} has not given your organisation a current consent to read "
            f"its {report_type} report"
        )
    report = todays_report(enterprise, report_type=report_type, lang=lang, audience="archive")
    with transaction.atomic():
        read = ReportRead.objects.create(
            consent=consent,
            report=report,
            organisation_id=actor.organisation_id,
            reader=actor.label,
            purpose=consent.purpose,
            format=fmt,
        )
        audit.record(
            actor,
            "report.read",
            "IssuedReport",
            report.pk,
            consent=consent.pk,
            number=report.number,
            format=fmt,
        )
    return report, read

"""Reads of reports, consents and reads that pages and the API share."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ecredit.core.ledger.leaves import LeafError, encode
from ecredit.core.reports.embedded import EmbeddedError, content_hash, read_embedded
from ecredit.entities.models import Enterprise
from ecredit.ledger.api import blob
from ecredit.ledger.models import Leaf
from ecredit.reports.actions import report_leaf
from ecredit.reports.models import Consent, IssuedReport, ReportRead


@dataclass(frozen=True)
class Standing:
    """What the verification page says about an issued report."""

    report: IssuedReport
    genuine: bool  # the row's leaf is in the ledger and rebuilds from the row
    unchanged: bool  # the stored content still hashes to the hash in the leaf
    superseded_by: IssuedReport | None


def get_report(number: str) -> IssuedReport | None:
    return IssuedReport.objects.filter(number=number[:32]).select_related("enterprise").first()


def superseded_by(report: IssuedReport) -> IssuedReport | None:
    """The first newer report of the same subject, type and language, if any."""
    return (
        IssuedReport.objects.filter(
            enterprise_id=report.enterprise_id,
            report_type=report.report_type,
            lang=report.lang,
            issued_at__gt=report.issued_at,
        )
        .order_by("issued_at", "id")
        .first()
    )


def standing(report: IssuedReport) -> Standing:
    data = None
    if report.ledger_index is not None:
        data = Leaf.objects.filter(index=report.ledger_index).values_list("data", flat=True).first()
    try:
        genuine = data is not None and blob(data) == encode("report/v1", report_leaf(report))
    except LeafError:
        genuine = False
    unchanged = genuine and content_hash(report.content) == report.content_hash
    return Standing(report, genuine, unchanged, superseded_by(report))


@dataclass(frozen=True)
class UploadCheck:
    """An uploaded PDF against the issued report."""

    same_file: bool  # byte for byte the PDF the platform issued
    content_ok: bool | None  # its embedded content hashes to the report's content hash
    detail: str


def check_upload(report: IssuedReport, pdf: bytes) -> UploadCheck:
    same = bool(report.pdf_sha256) and hashlib.sha256(pdf).hexdigest() == report.pdf_sha256
    try:
        content, _bundle = read_embedded(pdf)
    except EmbeddedError as exc:
        return UploadCheck(same, None, str(exc))
    ok = content_hash(content) == report.content_hash and content.get("number") == report.number
    return UploadCheck(same, ok, content_hash(content))


def consents_of(enterprise: Enterprise) -> QuerySet[Consent]:
    return Consent.objects.filter(enterprise=enterprise).select_related("organisation")


def reads_of(enterprise: Enterprise, limit: int = 200) -> QuerySet[ReportRead]:
    return ReportRead.objects.filter(report__enterprise=enterprise).select_related(
        "organisation", "report", "consent"
    )[:limit]


def consent_json(c: Consent, today: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "subject_id": c.enterprise.subject_id,
        "org": c.organisation.key,
        "org_name": c.organisation.name,
        "report_type": c.report_type,
        "purpose": c.purpose,
        "granted_on": c.granted_on,
        "valid_until": c.valid_until,
        "revoked_at": c.revoked_at,
        "current": c.current(today),
        "ledger_index": c.ledger_index,
        "revoke_ledger_index": c.revoke_ledger_index,
    }


def read_json(r: ReportRead) -> dict[str, Any]:
    return {
        "id": r.pk,
        "read_at": r.read_at,
        "org": r.organisation.key,
        "org_name": r.organisation.name,
        "reader": r.reader,
        "purpose": r.purpose,
        "format": r.format,
        "consent": r.consent_id,
        "report": r.report.number,
        "report_type": r.report.report_type,
    }


def report_json(r: IssuedReport) -> dict[str, Any]:
    return {
        "number": r.number,
        "subject_id": r.subject_id,
        "report_type": r.report_type,
        "lang": r.lang,
        "audience": r.audience,
        "as_of": r.as_of,
        "issued_at": r.issued_at,
        "content_hash": r.content_hash,
        "ledger_index": r.ledger_index,
        "verify_url": f"/verify/{r.number}/",
        "bundle_url": f"/api/v1/ledger/bundle?index={r.ledger_index}",
        "content": json.loads(json.dumps(r.content)),
    }

"""What `ecredit ledger audit` checks of reports: every issued report and every consent grant
and revocation, rebuilt from its row and compared with its leaf. A report's row is also checked
against its own content: the stored content must still hash to the stored content hash."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecredit.core.reports.embedded import content_hash
from ecredit.reports.actions import consent_leaf, report_leaf
from ecredit.reports.models import Consent, IssuedReport

TABLES: list[tuple[str, Any, str]] = [
    ("report", IssuedReport.objects, "ledger_index"),
    ("consent", Consent.objects, "ledger_index"),
    ("consent", Consent.objects, "revoke_ledger_index"),
]

Claim = tuple[int, str, int, str, str, str, dict[str, Any]]


def claims(lo: int, hi: int) -> Iterator[Claim]:
    """Every report and consent row claiming a leaf in [lo, hi)."""
    for r in IssuedReport.objects.filter(ledger_index__gte=lo, ledger_index__lt=hi):
        fields = report_leaf(r)
        if content_hash(r.content) != r.content_hash:
            # the content was edited behind the application's back: rebuild the leaf from it
            fields["content_hash"] = content_hash(r.content)
        assert r.ledger_index is not None
        yield (
            r.ledger_index,
            "report",
            r.pk,
            r.subject_id,
            f"report {r.number}",
            "report/v1",
            fields,
        )
    for column, action in (("ledger_index", "granted"), ("revoke_ledger_index", "revoked")):
        rows = Consent.objects.filter(**{f"{column}__gte": lo, f"{column}__lt": hi}).select_related(
            "enterprise", "organisation"
        )
        for c in rows:
            yield (
                getattr(c, column),
                "consent",
                c.pk,
                c.enterprise.subject_id,
                f"consent {c.pk} ({action}, {c.organisation.key})",
                "consent/v1",
                consent_leaf(c, action),
            )

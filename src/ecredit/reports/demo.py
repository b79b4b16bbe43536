"""The demo's consent: the demo merchant lets the demo bank read its standard report for a
credit line, and the bank reads it once (JSON, so no PDF is rendered: the demo stays fast)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ecredit.accounts.models import Organisation
from ecredit.accounts.principals import Actor
from ecredit.reports import actions


def load_consent_demo(today: date, echo: Callable[[str], None]) -> None:
    merchant = Organisation.objects.filter(key="demo-merchant").first()
    bank = Organisation.objects.filter(key="demo-bank").first()
    if merchant is None or merchant.enterprise is None or bank is None:
        return
    owner = Actor(
        label="user:merchant",
        role="enterprise",
        organisation_id=merchant.pk,
        organisation_kind=merchant.kind,
        enterprise_id=merchant.enterprise_id,
    )
    consent = actions.grant_consent(
        owner,
        org_key=bank.key,
        report_type="standard",
        purpose="credit_line",
        valid_until=today + timedelta(days=365),
    )
    reader = Actor(
        label="api:demo-bank", role="reader", organisation_id=bank.pk, organisation_kind=bank.kind
    )
    report, _read = actions.read_under_consent(
        reader, merchant.enterprise, "standard", "zh", "json"
    )
    echo(
        f"  consent {consent.pk}: {merchant.enterprise.display_name} lets {bank.name} read its "
        f"standard report; the bank read {report.number} once"
    )

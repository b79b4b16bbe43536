"""Two enterprises with records, a regulator and a merchant of each, written through the real
paths (ingestion, evaluation, accounts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ecredit.accounts.actions import (
    authenticate_token,
    create_organisation,
    create_token,
    create_user,
)
from ecredit.accounts.principals import Actor
from ecredit.entities.models import Enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.records.actions import ingest_batch
from ecredit.records.models import CreditRecord
from ecredit.records.tests.penalties import penalty_row

PASSWORD = "a-long-password-1"


def ingest(actor: Actor, type_name: str, rows: list[dict[str, Any]]) -> None:
    report = ingest_batch(actor, type_name=type_name, provider="market-regulation", records=rows)
    assert report.rejected == 0, report.errors


def registration(sid: str, name: str) -> dict[str, Any]:
    return {
        "subject_id": sid,
        "name": name,
        "entity_type": "company",
        "legal_representative": name[:3],
        "established_on": "2018-03-04",
        "status": "active",
    }


@dataclass
class Town:
    a: Enterprise
    b: Enterprise
    today: date
    recent: CreditRecord  # general penalty 2 months ago (public)
    old: CreditRecord  # general penalty 2 years ago (no longer public)
    listing: CreditRecord  # a serious-dishonesty listing of B
    regulator: Actor
    merchant: Actor  # of A
    other: Actor  # merchant of B
    tokens: dict[str, str]


def days_ago(today: date, n: int) -> str:
    return (today - timedelta(days=n)).isoformat()


@pytest.fixture
def town(db, admin_actor) -> Town:
    today = timezone.localdate()
    sa, sb = penalty_row(1)["subject_id"], penalty_row(2)["subject_id"]
    ingest(
        admin_actor,
        "registration",
        [
            registration(sa, "杭州西湖好物电子商务有限公司"),
            registration(sb, "宁波北仑跨境贸易有限公司"),
        ],
    )
    ingest(
        admin_actor,
        "administrative_penalty",
        [
            penalty_row(1, severity="general", decision_date=days_ago(today, 60)),
            penalty_row(401, severity="general", decision_date=days_ago(today, 730)),
        ],
    )
    ingest(
        admin_actor,
        "serious_dishonesty_listing",
        [
            {
                "subject_id": sb,
                "decision_no": "甬市监严重〔2026〕1号",
                "listed_on": days_ago(today, 30),
                "authority": "宁波市市场监督管理局",
                "reason": "提供虚假材料取得许可",
            }
        ],
    )
    evaluate_all(admin_actor, today)
    a, b = (
        Enterprise.objects.get(identifiers__value=sa),
        Enterprise.objects.get(identifiers__value=sb),
    )
    tokens = {}
    dept = create_organisation(admin_actor, kind="department", name="市场监管局", key="amr")
    create_user(admin_actor, username="reg", password=PASSWORD, organisation=dept, role="regulator")
    tokens["regulator"] = create_token(admin_actor, dept, "regulator")[1]
    for key, e in (("merchant", a), ("other", b)):
        org = create_organisation(
            admin_actor, kind="enterprise", name=e.name, key=key, enterprise=e
        )
        create_user(
            admin_actor, username=key, password=PASSWORD, organisation=org, role="enterprise"
        )
        tokens[key] = create_token(admin_actor, org, "enterprise")[1]
    records = CreditRecord.objects.filter(type_name="administrative_penalty").order_by(
        "occurred_on"
    )
    return Town(
        a=a,
        b=b,
        today=today,
        recent=records.get(occurred_on=today - timedelta(days=60)),
        old=records.get(occurred_on=today - timedelta(days=730)),
        listing=CreditRecord.objects.get(type_name="serious_dishonesty_listing"),
        regulator=authenticate_token(tokens["regulator"]),
        merchant=authenticate_token(tokens["merchant"]),
        other=authenticate_token(tokens["other"]),
        tokens=tokens,
    )

"""Two enterprises with a penalty and a grade, a bank, another bank, and each enterprise's
representative, written through the real paths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecredit.accounts.actions import authenticate_token, create_organisation, create_token
from ecredit.entities.models import Enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.records.actions import ingest_batch
from ecredit.records.tests.penalties import penalty_row


def _ingest(actor, type_name, rows):  # type: ignore[no-untyped-def]
    report = ingest_batch(actor, type_name=type_name, provider="market-regulation", records=rows)
    assert report.rejected == 0, report.errors


def _registration(sid: str, name: str) -> dict[str, str]:
    return {
        "subject_id": sid,
        "name": name,
        "entity_type": "company",
        "legal_representative": name[:3],
        "established_on": "2018-03-04",
        "status": "active",
    }


@pytest.fixture
def world(db, tmp_path, admin_actor, settings):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    settings.PUBLIC_URL = "https://credit.example"
    today = timezone.localdate()
    sa, sb = penalty_row(1)["subject_id"], penalty_row(2)["subject_id"]
    _ingest(
        admin_actor,
        "registration",
        [
            _registration(sa, "杭州西湖好物电子商务有限公司"),
            _registration(sb, "宁波北仑跨境贸易有限公司"),
        ],
    )
    _ingest(
        admin_actor,
        "administrative_penalty",
        [
            penalty_row(
                1, severity="general", decision_date=(today - timedelta(days=60)).isoformat()
            ),
            penalty_row(
                2, severity="general", decision_date=(today - timedelta(days=90)).isoformat()
            ),
        ],
    )
    evaluate_all(admin_actor, today)
    a = Enterprise.objects.get(identifiers__value=sa)
    b = Enterprise.objects.get(identifiers__value=sb)
    bank = create_organisation(admin_actor, kind="bank", name="示例银行杭州分行", key="bank")
    bank2 = create_organisation(admin_actor, kind="bank", name="另一银行", key="bank2")
    org_a = create_organisation(
        admin_actor, kind="enterprise", name=a.name, key="ent-a", enterprise=a
    )
    org_b = create_organisation(
        admin_actor, kind="enterprise", name=b.name, key="ent-b", enterprise=b
    )
    tokens = {
        "bank": create_token(admin_actor, bank, "reader")[1],
        "bank2": create_token(admin_actor, bank2, "reader")[1],
        "a": create_token(admin_actor, org_a, "enterprise")[1],
        "b": create_token(admin_actor, org_b, "enterprise")[1],
    }
    return {
        "a": a,
        "b": b,
        "today": today,
        "auth": {k: {"HTTP_AUTHORIZATION": f"Bearer {t}"} for k, t in tokens.items()},
        "actor": {k: authenticate_token(t) for k, t in tokens.items()},
    }

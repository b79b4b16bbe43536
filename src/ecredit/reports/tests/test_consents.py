"""Consent-based sharing: a bank reads a report only under the enterprise's current consent, and
every read is in the enterprise's log."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from ecredit.core.ledger.leaves import decode
from ecredit.ledger.api import blob
from ecredit.ledger.models import Leaf
from ecredit.reports.models import Consent, ReportRead

pytestmark = pytest.mark.django_db


def _grant(c, world, org="bank", report_type="standard", days=30):  # type: ignore[no-untyped-def]
    body = {
        "org": org,
        "report_type": report_type,
        "purpose": "credit_line",
        "valid_until": (world["today"] + timedelta(days=days)).isoformat(),
    }
    return c.post(
        "/api/v1/consents", json.dumps(body), content_type="application/json", **world["auth"]["a"]
    )


def _read(c, world, who="bank", **params):  # type: ignore[no-untyped-def]
    sid = world["a"].subject_id
    return c.get(f"/api/v1/reports/{sid}", {"type": "standard", **params}, **world["auth"][who])


def test_a_bank_reads_only_under_a_current_consent_and_each_read_is_logged(world):
    c = Client()
    assert _read(c, world).status_code == 403
    r = _grant(c, world)
    assert r.status_code == 200, r.content
    consent = r.json()
    assert consent["current"] is True and consent["org"] == "bank"
    leaf = decode(blob(Leaf.objects.get(index=consent["ledger_index"]).data))
    assert (leaf["leaf"], leaf["action"], leaf["org"]) == ("consent/v1", "granted", "bank")

    r = _read(c, world)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["report_type"] == "standard" and body["audience"] == "archive"
    assert body["content"]["subject"]["subject_id"] == world["a"].subject_id
    pdf = _read(c, world, format="pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-"
    assert _read(c, world, who="bank2").status_code == 403
    assert _read(c, world, who="b").status_code == 403  # another enterprise, never a reader

    sid = world["a"].subject_id
    log = c.get(f"/api/v1/reports/{sid}/access-log", **world["auth"]["a"])
    assert log.status_code == 200
    assert [(x["org"], x["purpose"], x["format"], x["report"]) for x in log.json()] == [
        ("bank", "credit_line", "pdf", body["number"]),
        ("bank", "credit_line", "json", body["number"]),
    ]
    assert c.get(f"/api/v1/reports/{sid}/access-log", **world["auth"]["b"]).status_code == 403
    assert c.get(f"/api/v1/reports/{sid}/access-log", **world["auth"]["bank"]).status_code == 403

    r = c.delete(f"/api/v1/consents/{consent['id']}", **world["auth"]["a"])
    assert r.status_code == 200 and r.json()["current"] is False
    assert _read(c, world).status_code == 403
    assert ReportRead.objects.count() == 2


def test_an_expired_consent_or_another_type_reads_nothing(world):
    c = Client()
    consent_id = _grant(c, world, report_type="basic").json()["id"]
    assert _read(c, world).status_code == 403  # consent for basic, not standard
    assert _read(c, world, type="basic").status_code == 200
    Consent.objects.filter(pk=consent_id).update(valid_until=world["today"] - timedelta(days=1))
    assert _read(c, world, type="basic").status_code == 403


def test_only_the_enterprise_revokes_its_own_consents(world):
    c = Client()
    consent_id = _grant(c, world).json()["id"]
    assert c.delete(f"/api/v1/consents/{consent_id}", **world["auth"]["b"]).status_code == 404
    assert c.delete(f"/api/v1/consents/{consent_id}", **world["auth"]["bank"]).status_code == 403
    assert Consent.objects.get(pk=consent_id).revoked_at is None


@pytest.mark.parametrize(
    "body",
    [
        {
            "org": "nobody",
            "report_type": "standard",
            "purpose": "credit_line",
            "valid_until": "2099-01-01",
        },
        {
            "org": "bank",
            "report_type": "secret",
            "purpose": "credit_line",
            "valid_until": "2099-01-01",
        },
        {
            "org": "bank",
            "report_type": "standard",
            "purpose": "x" * 5000,
            "valid_until": "2099-01-01",
        },
        {
            "org": "bank",
            "report_type": "standard",
            "purpose": "credit_line",
            "valid_until": "2001-01-01",
        },
        {
            "org": "bank",
            "report_type": "standard",
            "purpose": "credit_line",
            "valid_until": "2099-01-01",
        },
        {
            "org": "ent-b",
            "report_type": "standard",
            "purpose": "credit_line",
            "valid_until": "2027-01-01",
        },
        {"org": "\x00", "report_type": "standard", "purpose": "credit_line"},
    ],
)
def test_bad_consents_are_refused_with_a_4xx(world, body):
    r = Client().post(
        "/api/v1/consents", json.dumps(body), content_type="application/json", **world["auth"]["a"]
    )
    assert r.status_code in (404, 409, 422), r.content
    assert Consent.objects.count() == 0


def test_a_bank_cannot_grant_and_garbage_is_refused(world):
    c = Client()
    r = c.post(
        "/api/v1/consents", "{not json", content_type="application/json", **world["auth"]["a"]
    )
    assert 400 <= r.status_code < 500
    r = _grant(c, {**world, "auth": {"a": world["auth"]["bank"]}})
    assert r.status_code == 403
    assert c.get("/api/v1/reports/" + "9" * 500, **world["auth"]["bank"]).status_code == 404
    assert _read(c, world, type="nope").status_code == 422

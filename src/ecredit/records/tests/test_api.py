"""POST /api/v1/records: authorisation, batches, and malformed or hostile bodies (never a 500)."""

from __future__ import annotations

import json

import pytest

from ecredit.records.models import CreditRecord
from ecredit.records.tests.penalties import penalty_row

pytestmark = pytest.mark.django_db
URL = "/api/v1/records"


def post(client, body, token=None, raw=False):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if raw else json.dumps(body, ensure_ascii=False)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def test_a_provider_submits_a_batch_and_gets_the_report(client, submitter_token):
    rows = [penalty_row(i) for i in range(1, 4)] + [penalty_row(4, severity="fatal")]
    resp = post(client, {"type": "administrative_penalty", "records": rows}, submitter_token)
    assert resp.status_code == 200
    body = resp.json()
    assert {k: body[k] for k in ("received", "stored", "duplicates", "corrected", "rejected")} == {
        "received": 4,
        "stored": 3,
        "duplicates": 0,
        "corrected": 0,
        "rejected": 1,
    }
    assert body["errors"][0]["row"] == 4
    assert body["errors"][0]["field"] == "severity"
    resp = post(client, {"type": "administrative_penalty", "records": rows[:3]}, submitter_token)
    assert (resp.json()["stored"], resp.json()["duplicates"]) == (0, 3)


def test_json_numbers_and_code_lists_are_accepted(client, submitter_token):
    row = penalty_row(1)
    row["fine_amount_cny"] = 2500
    resp = post(client, {"type": "administrative_penalty", "records": [row]}, submitter_token)
    assert resp.json()["stored"] == 1
    assert CreditRecord.objects.get().values["fine_amount_cny"] == "2500.00"


def test_submitting_needs_a_token(client):
    resp = post(client, {"type": "administrative_penalty", "records": [penalty_row(1)]})
    assert resp.status_code == 401


def test_a_bad_token_is_refused(client):
    resp = post(client, {"type": "administrative_penalty", "records": [penalty_row(1)]}, "ecr_nope")
    assert resp.status_code == 401


def test_a_provider_cannot_submit_as_another(client, submitter_token):
    resp = post(
        client,
        {"type": "court_judgment", "source": "court", "records": [{"subject_id": "x"}]},
        submitter_token,
    )
    assert resp.status_code == 403
    assert "court" in resp.json()["detail"]


def test_a_type_not_on_the_responsibility_list_is_refused(client, submitter_token):
    resp = post(
        client, {"type": "court_judgment", "records": [{"subject_id": "x"}]}, submitter_token
    )
    assert resp.status_code == 403


def test_backfilling_the_time_received_needs_an_operator(client, submitter_token):
    resp = post(
        client,
        {
            "type": "administrative_penalty",
            "records": [penalty_row(1)],
            "received_at": "2025-01-01T00:00:00Z",
        },
        submitter_token,
    )
    assert resp.status_code == 403
    assert CreditRecord.objects.count() == 0


def test_over_ten_thousand_records_is_refused_whole(client, submitter_token):
    resp = post(
        client, {"type": "administrative_penalty", "records": [{}] * 10_001}, submitter_token
    )
    assert resp.status_code == 413
    assert CreditRecord.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"type": "administrative_penalty"}',
        '{"type": 5, "records": []}',
        '{"type": "administrative_penalty", "records": "all of them"}',
        '{"type": "' + "x" * 100_000 + '", "records": []}',
        "\x00\x01\x02",
    ],
)
def test_malformed_bodies_are_client_errors(client, submitter_token, body):
    resp = post(client, body, submitter_token, raw=True)
    assert 400 <= resp.status_code < 500
    assert CreditRecord.objects.count() == 0


def test_hostile_items_are_rejected_one_by_one(client, submitter_token):
    records = [
        "not an object",
        {"subject_id": {"$gt": ""}},
        {"subject_id": "91330106MA2H3K4P0X'; DROP TABLE records_creditrecord; --"},
        penalty_row(1, violation="<script>alert(1)</script>"),
        penalty_row(2, violation="a\x00b"),
        None,
        penalty_row(3, fine_amount_cny="NaN"),
        penalty_row(4, fine_amount_cny="1e400"),
        {**penalty_row(5), "evil\x00key": "x"},
    ]
    resp = post(client, {"type": "administrative_penalty", "records": records}, submitter_token)
    assert resp.status_code == 200
    body = resp.json()
    assert (body["received"], body["stored"], body["rejected"]) == (9, 1, 8)
    assert sorted({e["row"] for e in body["errors"]}) == [1, 2, 3, 5, 6, 7, 8, 9]
    # the stored one keeps its text exactly; pages escape it
    assert CreditRecord.objects.get().values["violation"] == "<script>alert(1)</script>"


def test_a_body_over_the_upload_limit_is_refused(client, submitter_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    resp = post(
        client,
        {"type": "administrative_penalty", "records": [penalty_row(i) for i in range(20)]},
        submitter_token,
    )
    assert resp.status_code in (400, 413)
    assert CreditRecord.objects.count() == 0

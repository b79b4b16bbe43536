"""The lists API: public reads, an enterprise's own standing, filing with files, decisions, and
clear 4xx on bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecredit.accounts.principals import Actor
from ecredit.lists import actions
from ecredit.lists.models import Objection
from ecredit.records.models import CreditRecord

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def auth(town, who):
    return {"Authorization": f"Bearer {town.tokens[who]}"}


def test_types_and_public_entries(client, town, django_assert_max_num_queries):
    types = client.get("/api/v1/lists/types").json()
    assert [t["key"] for t in types] == [
        "abnormal_operation",
        "negative_pool",
        "red",
        "serious_dishonesty",
        "watch",
    ]
    assert types[3]["label_ru"] and types[3]["objection_days"] == 10
    e = actions.propose(town.regulator, town.b, "serious_dishonesty", reason="listing")
    assert client.get("/api/v1/lists/types/serious_dishonesty/entries").json() == []
    e = actions.advance(town.regulator, e, "notify", reason="x", on=town.today - timedelta(0))
    from ecredit.lists.models import ListEntry

    ListEntry.objects.filter(pk=e.pk).update(objection_until=town.today - timedelta(days=1))
    e.refresh_from_db()
    actions.advance(
        town.regulator,
        actions.advance(town.regulator, e, "list", reason="x"),
        "publish",
        reason="x",
    )
    with django_assert_max_num_queries(2):
        rows = client.get("/api/v1/lists/types/serious_dishonesty/entries").json()
    assert [(r["subject_id"], r["state"]) for r in rows] == [(town.b.subject_id, "published")]
    assert client.get("/api/v1/lists/types/nope/entries").status_code == 422


def test_own_standing_only(client, town):
    url = f"/api/v1/lists/subjects/{town.a.subject_id}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth(town, "other")).status_code == 403
    body = client.get(url, headers=auth(town, "merchant")).json()
    assert set(body) == {"subject_id", "memberships", "entries", "objections", "repairs"}
    assert client.get(url, headers=auth(town, "regulator")).status_code == 200
    assert (
        client.get(
            "/api/v1/lists/subjects/91330106000000019X", headers=auth(town, "regulator")
        ).status_code
        == 404
    )


def test_object_with_a_file_then_regulator_upholds(client, town):
    resp = client.post(
        "/api/v1/lists/objections",
        {
            "target": f"record:{town.recent.pk}",
            "reason": "annulled",
            "files": [SimpleUploadedFile("r.pdf", PDF)],
        },
        headers=auth(town, "merchant"),
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert (body["target"], body["state"], body["attachments"][0]["content_type"]) == (
        f"record:{town.recent.pk}",
        "open",
        "application/pdf",
    )
    url = f"/api/v1/lists/objections/{body['id']}/answer"
    data = {"uphold": True, "answer": "annulled"}
    assert (
        client.post(
            url, data, content_type="application/json", headers=auth(town, "merchant")
        ).status_code
        == 403
    )
    resp = client.post(url, data, content_type="application/json", headers=auth(town, "regulator"))
    assert resp.json()["outcome"] == "withdrawn"
    again = client.post(url, data, content_type="application/json", headers=auth(town, "regulator"))
    assert again.status_code == 409 and "already upheld" in again.json()["detail"]


def test_bad_objections_get_clear_4xx(client, town):
    post = lambda data, who="merchant": client.post(  # noqa: E731
        "/api/v1/lists/objections", data, headers=auth(town, who)
    )
    assert post({"target": f"record:{town.recent.pk}", "reason": "x"}, "other").status_code == 403
    assert post({"target": "record:99999999", "reason": "x"}).status_code == 404
    assert post({"target": "entry:99999999", "reason": "x"}).status_code == 404
    assert post({"reason": "x"}).status_code == 422
    assert post({"target": "record:abc", "reason": "x"}).status_code == 422
    assert post({"target": f"record:{town.recent.pk}", "reason": " "}).status_code == 422
    assert post({"target": f"record:{town.recent.pk}", "reason": "x" * 5001}).status_code == 422
    exe = post(
        {
            "target": f"record:{town.recent.pk}",
            "reason": "x",
            "files": [SimpleUploadedFile("a.exe", b"MZ\x00\x01")],
        }
    )
    assert exe.status_code == 400 and "not a file type" in exe.json()["detail"]
    big = post(
        {
            "target": f"record:{town.recent.pk}",
            "reason": "x",
            "files": [SimpleUploadedFile("a.txt", b"a" * (5 * 2**20 + 1))],
        }
    )
    assert big.status_code == 413
    assert Objection.objects.count() == 0


def test_repair_check_apply_and_decide(client, town):
    from ecredit.records.tests.penalties import penalty_row

    from .conftest import days_ago, ingest

    ingest(
        Actor.system("t"),
        "administrative_penalty",
        [penalty_row(801, severity="general", decision_date=days_ago(town.today, 100))],
    )
    rec = CreditRecord.objects.get(natural_key__contains="801号")
    check = client.get(
        f"/api/v1/lists/repairs/check?record={town.recent.pk}", headers=auth(town, "merchant")
    ).json()
    assert (check["ok"], check["earliest_on"]) == (
        False,
        (town.today + timedelta(days=31)).isoformat(),
    )
    assert (
        client.get(
            f"/api/v1/lists/repairs/check?record={rec.pk}", headers=auth(town, "other")
        ).status_code
        == 403
    )
    too_early = client.post(
        "/api/v1/lists/repairs",
        {"record": town.recent.pk, "correction": "x", "commitment": "y"},
        headers=auth(town, "merchant"),
    )
    assert too_early.status_code == 409 and "applications from" in too_early.json()["detail"]
    resp = client.post(
        "/api/v1/lists/repairs",
        {
            "record": rec.pk,
            "correction": "paid",
            "commitment": "承诺",
            "files": [SimpleUploadedFile("p.pdf", PDF)],
        },
        headers=auth(town, "merchant"),
    )
    assert resp.status_code == 200, resp.content
    app = resp.json()
    resp = client.post(
        f"/api/v1/lists/repairs/{app['id']}/decision",
        {"approve": True, "reason": "ok"},
        content_type="application/json",
        headers=auth(town, "regulator"),
    )
    assert resp.json()["state"] == "approved"
    public = client.get(
        f"/api/v1/enterprises/{town.a.subject_id}/records?type=administrative_penalty"
    ).json()
    assert rec.pk not in [r["id"] for r in public]


def test_regulator_proposes_and_steps(client, town):
    h = auth(town, "regulator")
    resp = client.post(
        "/api/v1/lists/entries",
        {"subject_id": town.a.subject_id, "list_type": "watch", "reason": "many complaints"},
        content_type="application/json",
        headers=h,
    )
    assert resp.status_code == 200, resp.content
    entry = resp.json()
    step = lambda action, who="regulator": client.post(  # noqa: E731
        f"/api/v1/lists/entries/{entry['id']}/steps",
        {"action": action, "reason": "r"},
        content_type="application/json",
        headers=auth(town, who),
    )
    assert step("notify", "merchant").status_code == 403
    bad = step("publish")
    assert bad.status_code == 409 and "it can: notify, dismiss" in bad.json()["detail"]
    assert step("burn").status_code == 422
    assert step("notify").json()["state"] == "notified"
    assert (
        client.post(
            "/api/v1/lists/entries",
            {"subject_id": town.a.subject_id, "list_type": "watch", "reason": "x"},
            content_type="application/json",
            headers=auth(town, "merchant"),
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/lists/entries/999999/steps",
            {"action": "notify", "reason": "r"},
            content_type="application/json",
            headers=h,
        ).status_code
        == 404
    )


def test_standing_reads_a_fixed_number_of_queries(client, town, django_assert_num_queries):
    from ecredit.lists.attachments import Upload

    for record in (town.recent, town.old):
        actions.file_objection(
            town.merchant, record=record, reason="x", files=[Upload("a.txt", b"x")]
        )
    actions.propose(town.regulator, town.a, "watch", reason="x")
    with django_assert_num_queries(8):
        body = client.get(
            f"/api/v1/lists/subjects/{town.a.subject_id}", headers=auth(town, "merchant")
        ).json()
    assert len(body["objections"]) == 2 and len(body["entries"]) == 1


def test_the_archive_api_marks_withdrawn_records(client, town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="x")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="annulled", regrade=False)
    rows = client.get(
        f"/api/v1/enterprises/{town.a.subject_id}/records?type=administrative_penalty",
        headers=auth(town, "merchant"),
    ).json()
    assert {r["id"]: r["withdrawn_on"] for r in rows} == {
        town.recent.pk: town.today.isoformat(),
        town.old.pk: None,
    }
    with pytest.raises(actions.ListsError, match="already withdrawn"):
        actions.file_objection(town.merchant, record=town.recent, reason="again")

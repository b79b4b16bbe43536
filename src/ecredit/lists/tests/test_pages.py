"""List pages: public lists, the merchant's own section and forms, the regulator's workbench."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecredit.lists import actions
from ecredit.lists.models import ListEntry, Objection, RepairApplication

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def _published(town):
    day0 = town.today - timedelta(days=20)
    e = actions.propose(
        town.regulator, town.b, "serious_dishonesty", reason="甬市监严重〔2026〕1号", on=day0
    )
    e = actions.advance(town.regulator, e, "notify", reason="sent", on=day0)
    e = actions.advance(town.regulator, e, "list", reason="no objection")
    return actions.advance(town.regulator, e, "publish", reason="publish")


def test_public_list_pages(client, town, django_assert_max_num_queries):
    _published(town)
    html = client.get("/lists/").content.decode()
    assert "严重违法失信名单" in html and 'data-list="red"' in html
    with django_assert_max_num_queries(3):
        html = client.get("/lists/serious_dishonesty/").content.decode()
    assert town.b.subject_id in html and "甬市监严重〔2026〕1号" in html
    assert town.b.subject_id not in client.get("/lists/red/").content.decode()
    assert client.get("/lists/nope/").status_code == 404
    assert client.get("/ru/lists/").status_code == 200


def test_own_pages_need_the_right_login(client, town):
    assert client.get("/lists/mine/").status_code == 302
    client.login(username="reg", password=PASSWORD)
    assert client.get("/lists/mine/").status_code == 403
    client.logout()
    client.login(username="merchant", password=PASSWORD)
    assert client.get("/lists/workbench/").status_code == 403
    # another enterprise's record is not found, never shown
    assert client.get(f"/lists/mine/object/?record={town.listing.pk}").status_code == 404
    assert client.get(f"/lists/mine/repair/{town.listing.pk}/").status_code == 404


def test_login_page_logs_a_merchant_in(client, town):
    resp = client.post(
        "/lists/login/", {"username": "merchant", "password": PASSWORD, "next": "/lists/mine/"}
    )
    assert resp.status_code == 302 and resp["Location"] == "/lists/mine/"
    assert "杭州西湖好物电子商务有限公司" in client.get("/lists/mine/").content.decode()
    bad = client.post("/lists/login/", {"username": "merchant", "password": "nope"})
    assert bad.status_code == 200


def test_merchant_objects_with_a_file_and_regulator_answers(client, town):
    client.login(username="merchant", password=PASSWORD)
    assert (
        "Why is it wrong"
        in client.get(f"/en/lists/mine/object/?record={town.recent.pk}").content.decode()
    )
    resp = client.post(
        "/lists/mine/object/",
        {
            "record": town.recent.pk,
            "reason": "annulled",
            "files": [SimpleUploadedFile("r.pdf", PDF)],
        },
    )
    assert resp.status_code == 302
    obj = Objection.objects.get()
    bad = client.post(
        "/lists/mine/object/",
        {
            "record": town.recent.pk,
            "reason": "x",
            "files": [SimpleUploadedFile("a.exe", b"MZ\x00")],
        },
    )
    assert bad.status_code == 200 and "not a file type" in bad.content.decode()
    a = obj.attachments.get()
    assert client.get(f"/lists/attachments/{a.pk}/").status_code == 200
    client.logout()
    client.login(username="other", password=PASSWORD)
    assert client.get(f"/lists/attachments/{a.pk}/").status_code == 404
    client.logout()
    client.login(username="reg", password=PASSWORD)
    html = client.get("/lists/workbench/").content.decode()
    assert f'data-objection="{obj.pk}"' in html
    resp = client.post(
        f"/lists/workbench/objections/{obj.pk}/",
        {"decision": "uphold", "outcome": "withdrawn", "answer": "annulled"},
    )
    assert resp.status_code == 302
    obj.refresh_from_db()
    assert obj.state == "upheld"


def test_repair_page_shows_the_earliest_day_and_refuses_early(client, town):
    client.login(username="merchant", password=PASSWORD)
    html = client.get(f"/en/lists/mine/repair/{town.recent.pk}/").content.decode()
    earliest = (town.today + timedelta(days=31)).isoformat()
    assert f"Applications from {earliest}" in html and "repair-form" not in html
    resp = client.post(
        f"/lists/mine/repair/{town.recent.pk}/", {"correction": "x", "commitment": "y"}
    )
    assert resp.status_code == 200 and RepairApplication.objects.count() == 0


def test_workbench_steps_and_sweep(client, town):
    client.login(username="reg", password=PASSWORD)
    assert client.post("/lists/workbench/sweep/").status_code == 302
    entry = ListEntry.objects.get(list_type="serious_dishonesty")
    html = client.get("/en/lists/workbench/").content.decode()
    assert f'data-entry="{entry.pk}"' in html
    waiting = ListEntry.objects.exclude(state__in=["published", "dismissed", "removed", "revoked"])
    assert f'data-testid="pending">{waiting.count()} entries wait' in html
    only_red = client.get("/lists/workbench/?list=red").content.decode()
    assert f'data-entry="{entry.pk}"' not in only_red
    client.post(f"/lists/workbench/entries/{entry.pk}/", {"action": "notify", "reason": "letter"})
    entry.refresh_from_db()
    assert entry.state == "notified"
    resp = client.post(
        f"/lists/workbench/entries/{entry.pk}/", {"action": "list", "reason": "x"}, follow=True
    )
    assert "objection window runs to" in resp.content.decode()
    assert client.get("/lists/workbench/sweep/").status_code == 405


def test_the_public_enterprise_page_shows_published_memberships(client, town):
    _published(town)
    html = client.get(f"/enterprises/{town.b.subject_id}/").content.decode()
    assert 'data-list="serious_dishonesty"' in html and "严重违法失信名单" in html
    assert 'data-list="' not in client.get(f"/enterprises/{town.a.subject_id}/").content.decode()


def test_pages_read_a_fixed_number_of_queries(client, town, django_assert_num_queries):
    from ecredit.lists.attachments import Upload

    _published(town)
    for record in (town.recent, town.old):
        actions.file_objection(
            town.merchant, record=record, reason="x", files=[Upload("a.txt", b"x")]
        )
    client.login(username="merchant", password=PASSWORD)
    with django_assert_num_queries(10):
        assert client.get("/lists/mine/").status_code == 200
    client.logout()
    client.login(username="reg", password=PASSWORD)
    with django_assert_num_queries(9):
        html = client.get("/lists/workbench/").content.decode()
    assert html.count("data-objection=") == 2


def test_the_workbench_flags_overdue_answers(client, town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="x")
    Objection.objects.filter(pk=obj.pk).update(answer_due=town.today - timedelta(days=1))
    client.login(username="reg", password=PASSWORD)
    html = client.get("/en/lists/workbench/").content.decode()
    assert 'class="card overdue"' in html and "overdue</span>" in html


def test_regulator_corrects_a_record_from_the_workbench(client, town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="the fine was 500")
    client.login(username="reg", password=PASSWORD)
    resp = client.post(
        f"/lists/workbench/objections/{obj.pk}/",
        {
            "decision": "uphold",
            "outcome": "corrected",
            "corrections": "fine_amount_cny: 500.00",
            "answer": "corrected",
        },
    )
    assert resp.status_code == 302
    obj.refresh_from_db()
    assert (obj.state, obj.outcome) == ("upheld", "corrected")
    from ecredit.records.models import CreditRecord

    assert CreditRecord.objects.get(supersedes=town.recent).values["fine_amount_cny"] == "500.00"


def test_merchant_objects_to_a_list_entry_from_its_page(client, town):
    e = actions.propose(town.regulator, town.b, "serious_dishonesty", reason="listing")
    e = actions.advance(town.regulator, e, "notify", reason="sent")
    client.login(username="other", password=PASSWORD)
    assert f"?entry={e.pk}" in client.get("/lists/mine/").content.decode()
    resp = client.post("/lists/mine/object/", {"entry": e.pk, "reason": "annulled on appeal"})
    assert resp.status_code == 302
    assert Objection.objects.get().entry_id == e.pk


def test_the_merchant_sees_its_open_cases_on_its_enterprise_page(client, town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="x")
    url = f"/enterprises/{town.a.subject_id}/"
    assert 'data-testid="own-lists"' not in client.get(url).content.decode()
    client.login(username="merchant", password=PASSWORD)
    html = client.get("/en" + url).content.decode()
    assert 'data-testid="own-lists"' in html and f"Objection #{obj.pk}" in html
    assert f"answer due {obj.answer_due.isoformat()}" in html
    client.logout()
    client.login(username="other", password=PASSWORD)
    assert 'data-testid="own-lists"' not in client.get(url).content.decode()


def test_a_regulator_proposes_from_the_workbench(client, town):
    client.login(username="reg", password=PASSWORD)
    url = "/lists/workbench/propose/"
    client.post(
        url, {"subject_id": town.a.subject_id, "list_type": "watch", "reason": "complaints"}
    )
    entry = ListEntry.objects.get(list_type="watch", enterprise=town.a)
    assert (entry.state, entry.reason, entry.proposed_by) == ("proposed", "complaints", "user:reg")
    again = client.post(
        url, {"subject_id": town.a.subject_id, "list_type": "watch", "reason": "x"}, follow=True
    )
    assert "already has an open entry" in again.content.decode()
    nobody = client.post(
        "/en" + url,
        {"subject_id": "nobody", "list_type": "watch", "reason": "x"},
        follow=True,
    )
    assert "No enterprise holds this identifier" in nobody.content.decode()
    client.logout()
    client.login(username="merchant", password=PASSWORD)
    assert (
        client.post(url, {"subject_id": town.a.subject_id, "list_type": "red"}).status_code == 403
    )

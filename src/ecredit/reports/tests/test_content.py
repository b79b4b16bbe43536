"""What each report type and audience holds: a public report leaves out shared records and the
address; an archive report (the enterprise's own, or a bank's under its consent) holds them."""

from __future__ import annotations

import pytest
from django.test import Client

from ecredit.records.actions import ingest_batch
from ecredit.reports import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(world, admin_actor):  # type: ignore[no-untyped-def]
    row = {
        "subject_id": world["a"].subject_id,
        "year": 2025,
        "rating": "B",
        "authority": "国家税务总局杭州市税务局",
    }
    report = ingest_batch(admin_actor, type_name="tax_credit_rating", provider="tax", records=[row])
    assert report.rejected == 0, report.errors
    return world


def _types(content: dict) -> set[str]:  # type: ignore[type-arg]
    return {r["type"] for g in content["records"] for r in g["records"]}


def test_public_and_archive_reports_differ_by_disclosure(shared, admin_actor):
    a = shared["a"]
    public = actions.issue_report(admin_actor, a, report_type="standard", render=False)
    archive = actions.issue_report(
        admin_actor, a, report_type="standard", audience="archive", render=False
    )
    assert _types(public.content) == {"registration", "administrative_penalty"}
    assert _types(archive.content) == {
        "registration",
        "administrative_penalty",
        "tax_credit_rating",
    }
    assert {r["disclosure"] for g in public.content["records"] for r in g["records"]} == {"public"}
    assert [g["key"] for g in public.content["records"]] == [
        "entity",
        "operation",
        "supervision",
        "service",
        "reward_penalty",
        "complaint",
    ]


def test_the_three_types_hold_more_and_more(world, admin_actor):
    a = world["a"]
    basic, standard, deep = (
        actions.issue_report(admin_actor, a, report_type=t, lang="en", render=False).content
        for t in ("basic", "standard", "in-depth")
    )
    assert "records" not in basic and "history" not in basic and basic["rating"]["grade"]
    assert "credit_checks" not in standard and "what_if" not in standard["rating"]
    assert "what_if" in deep["rating"] and deep["credit_checks"] == {"total": 0, "by_context": {}}
    penalty = next(
        r for g in deep["records"] for r in g["records"] if r["type"] == "administrative_penalty"
    )
    assert penalty["ledger_index"] is not None and len(penalty["content_hash"]) == 64
    assert deep["title"] == "In-depth credit report" and deep["rating"]["system_version"]


def test_bad_arguments_are_refused(world, admin_actor):
    for kwargs in (
        {"report_type": "x"},
        {"report_type": "basic", "lang": "fr"},
        {"report_type": "basic", "audience": "all"},
    ):
        with pytest.raises(ValueError):
            actions.issue_report(admin_actor, world["a"], render=False, **kwargs)


def test_the_access_log_costs_a_fixed_number_of_queries(
    world, admin_actor, django_assert_num_queries
):
    from datetime import timedelta

    actions.grant_consent(
        world["actor"]["a"],
        org_key="bank",
        report_type="basic",
        purpose="loan",
        valid_until=world["today"] + timedelta(days=5),
    )
    for _ in range(3):
        actions.read_under_consent(world["actor"]["bank"], world["a"], "basic", "zh", "json")
    c = Client()
    url = f"/api/v1/reports/{world['a'].subject_id}/access-log"
    with django_assert_num_queries(3):  # token, enterprise, reads with their joins
        r = c.get(url, **world["auth"]["a"])
    assert len(r.json()) == 3


def test_a_hostile_upload_is_answered_not_a_server_error(world, admin_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = actions.issue_report(admin_actor, world["a"], report_type="basic", render=False)
    for data in (
        b"%PDF-1.7\n" + b"\x00" * 5000,
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Names 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF",
    ):
        r = Client().post(f"/verify/{report.number}/", {"pdf": SimpleUploadedFile("x.pdf", data)})
        assert r.status_code == 200 and b'data-result="different"' in r.content

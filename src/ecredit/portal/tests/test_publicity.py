"""Issue 5's acceptance test: a general penalty leaves the public page and API after its
publicity period (decision date + 365 days is the last public day), and stays in the
enterprise's own archive; serious and light penalties at their boundaries too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ecredit.accounts.actions import create_organisation, create_user
from ecredit.accounts.principals import Actor
from ecredit.entities.models import Enterprise
from ecredit.records.actions import ingest_batch
from ecredit.records.models import CreditRecord
from ecredit.records.tests.penalties import penalty_row

pytestmark = pytest.mark.django_db

# (row number, severity, days before today it was decided, public today?)
CASES = [
    (1, "general", 730, False),  # two years ago
    (401, "general", 61, True),  # two months ago
    (801, "general", 365, True),  # decision date + 365 is today: the last public day
    (1201, "general", 366, False),  # the day after the last public day
    (1601, "serious", 1095, True),
    (2001, "serious", 1096, False),
    (2401, "light", 0, False),  # light penalties are never published
]


@pytest.fixture
def penalties(admin_actor):
    today = timezone.localdate()
    rows = [
        penalty_row(n, severity=sev, decision_date=(today - timedelta(days=ago)).isoformat())
        for n, sev, ago, _ in CASES
    ]
    report = ingest_batch(
        admin_actor, type_name="administrative_penalty", provider="market-regulation", records=rows
    )
    assert report.stored == len(CASES)
    enterprise = Enterprise.objects.get()
    by_case = {
        n: CreditRecord.objects.get(natural_key__endswith=f"〔2025〕{n}号").pk for n, *_ in CASES
    }
    return enterprise, by_case


def _merchant(client, enterprise):
    actor = Actor.system("test")
    org = create_organisation(actor, kind="enterprise", name="好物", key="m", enterprise=enterprise)
    create_user(
        actor,
        username="merchant",
        password="a-long-password-1",
        organisation=org,
        role="enterprise",
    )
    assert client.login(username="merchant", password="a-long-password-1")


def _page_ids(client, enterprise) -> set[int]:
    import re

    html = client.get(f"/enterprises/{enterprise.subject_id}/").content.decode()
    return {int(i) for i in re.findall(r'data-type="administrative_penalty" data-id="(\d+)"', html)}


def _api_ids(client, enterprise) -> set[int]:
    rows = client.get(
        f"/api/v1/enterprises/{enterprise.subject_id}/records", {"type": "administrative_penalty"}
    ).json()
    return {r["id"] for r in rows}


def test_public_page_and_api_show_only_penalties_inside_their_period(client, penalties):
    enterprise, ids = penalties
    public = {ids[n] for n, _, _, shown in CASES if shown}
    assert _page_ids(client, enterprise) == public
    assert _api_ids(client, enterprise) == public
    assert ids[1] not in public and ids[401] in public  # the two cases


def test_the_enterprise_sees_its_whole_archive(client, penalties):
    enterprise, ids = penalties
    _merchant(client, enterprise)
    assert _page_ids(client, enterprise) == set(ids.values())
    assert {ids[1], ids[401]} <= _page_ids(client, enterprise)


def test_public_until_is_the_last_public_day(penalties):
    _, ids = penalties
    today = timezone.localdate()
    assert CreditRecord.objects.get(pk=ids[801]).public_until == today
    assert CreditRecord.objects.get(pk=ids[1201]).public_until == today - timedelta(days=1)
    assert CreditRecord.objects.get(pk=ids[2401]).public_until == today - timedelta(days=1)

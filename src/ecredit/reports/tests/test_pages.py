"""The enterprise's own section: issue a report, grant and revoke a consent, see the reads; and
another enterprise never opens its archive report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from ecredit.accounts.actions import create_user
from ecredit.accounts.models import Organisation
from ecredit.reports import actions
from ecredit.reports.models import Consent, IssuedReport

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-1"


@pytest.fixture
def users(world, admin_actor):  # type: ignore[no-untyped-def]
    for name, key in (("ma", "ent-a"), ("mb", "ent-b")):
        org = Organisation.objects.get(key=key)
        create_user(
            admin_actor, username=name, password=PASSWORD, organisation=org, role="enterprise"
        )
    return world


def _login(name: str) -> Client:
    c = Client()
    assert c.login(username=name, password=PASSWORD)
    return c


def test_the_section_needs_an_enterprise_login(users):
    assert Client().get("/reports/mine/").status_code == 302


def test_grant_read_revoke_from_the_page(users, django_assert_max_num_queries):
    c = _login("ma")
    until = (users["today"] + timedelta(days=90)).isoformat()
    r = c.post(
        "/reports/mine/consents/",
        {
            "org": "bank",
            "report_type": "standard",
            "purpose": "payment_terms",
            "valid_until": until,
        },
    )
    assert r.status_code == 302
    consent = Consent.objects.get()
    assert (consent.enterprise, consent.organisation.key, consent.purpose) == (
        users["a"],
        "bank",
        "payment_terms",
    )
    actions.read_under_consent(users["actor"]["bank"], users["a"], "standard", "zh", "json")
    with django_assert_max_num_queries(12):
        page = c.get("/reports/mine/").content.decode()
    assert f'data-consent="{consent.pk}"' in page
    assert "示例银行杭州分行" in page and 'data-testid="reads"' in page
    c.post(f"/reports/mine/consents/{consent.pk}/revoke/")
    assert Consent.objects.get().revoked_at is not None
    with pytest.raises(actions.ConsentRefused):
        actions.read_under_consent(users["actor"]["bank"], users["a"], "standard", "zh", "json")
    # another enterprise cannot revoke or see it
    other = _login("mb")
    assert "示例银行杭州分行</td>" not in other.get("/reports/mine/").content.decode()
    assert other.post(f"/reports/mine/consents/{consent.pk}/revoke/").status_code == 302


def test_an_issued_archive_report_is_for_its_enterprise_only(users):
    c = _login("ma")
    assert c.post("/reports/mine/issue/", {"report_type": "basic", "lang": "zh"}).status_code == 302
    report = IssuedReport.objects.get()
    assert report.audience == "archive"
    r = c.get(f"/reports/{report.number}.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert "企业信用基本信息报告" in c.get(f"/reports/{report.number}/").content.decode()
    other = _login("mb")
    assert other.get(f"/reports/{report.number}.pdf").status_code == 404
    assert other.get(f"/reports/{report.number}/").status_code == 404
    assert Client().get(f"/reports/{report.number}/").status_code == 404


def test_a_bad_form_changes_nothing(users):
    c = _login("ma")
    r = c.post(
        "/reports/mine/consents/",
        {"org": "bank", "report_type": "standard", "purpose": "credit_line", "valid_until": "x"},
    )
    assert r.status_code == 302 and Consent.objects.count() == 0
    assert (
        c.post("/reports/mine/issue/", {"report_type": "secret", "lang": "zh"}).status_code == 302
    )
    assert IssuedReport.objects.count() == 0


def test_the_enterprise_page_links_the_own_section_for_its_enterprise_only(users):
    url = f"/enterprises/{users['a'].subject_id}/"
    assert 'data-testid="own-reports"' in _login("ma").get(url).content.decode()
    assert 'data-testid="own-reports"' not in _login("mb").get(url).content.decode()
    assert 'href="/reports/mine/"' in _login("ma").get("/lists/mine/").content.decode()

"""Reports in a real Chromium: the merchant issues and downloads its report, grants the bank a
consent, and anyone checks the downloaded PDF on the verification page in three languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser import MARKS

pytestmark = MARKS
PASSWORD = "a-long-password-1"


@pytest.fixture
def shop(transactional_db, settings, tmp_path):
    from django.utils import timezone

    from ecredit.accounts.actions import create_organisation, create_user
    from ecredit.accounts.principals import Actor
    from ecredit.entities.models import Enterprise
    from ecredit.ratings.actions import evaluate_all
    from ecredit.records.actions import ingest_batch
    from ecredit.records.tests.penalties import penalty_row

    settings.DATA_DIR = tmp_path / "data"
    actor = Actor.system("test")
    today = timezone.localdate()
    sid = penalty_row(1)["subject_id"]
    reg = {
        "subject_id": sid,
        "name": "杭州西湖好物电子商务有限公司",
        "entity_type": "company",
        "legal_representative": "王小明",
        "established_on": "2019-05-06",
        "status": "active",
    }
    ingest_batch(actor, type_name="registration", provider="market-regulation", records=[reg])
    row = penalty_row(1, severity="general", decision_date=str(today - timedelta(days=60)))
    ingest_batch(
        actor, type_name="administrative_penalty", provider="market-regulation", records=[row]
    )
    evaluate_all(actor, today)
    enterprise = Enterprise.objects.get(identifiers__value=sid)
    org = create_organisation(
        actor, kind="enterprise", name=reg["name"], key="m", enterprise=enterprise
    )
    create_user(actor, username="merchant", password=PASSWORD, organisation=org, role="enterprise")
    create_organisation(actor, kind="bank", name="示例商业银行杭州分行", key="demo-bank")
    return {"enterprise": enterprise, "today": today}


def test_issue_download_grant_and_verify(shop, live_server, browser, tmp_path):
    from ecredit.reports.models import Consent, IssuedReport

    url = live_server.url
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    page.goto(f"{url}/lists/login/?next=/reports/mine/")
    page.fill("input[name=username]", "merchant")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/reports/mine/")

    page.select_option("select#report_type", "standard")
    page.select_option("select#lang", "zh")
    page.click("[data-testid=issue]")
    page.wait_for_selector("[data-testid=message-success]")
    report = IssuedReport.objects.get()
    with page.expect_download() as download:
        page.click(f"a[href='/reports/{report.number}.pdf']")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"

    until = (shop["today"] + timedelta(days=180)).isoformat()
    page.select_option("select#org", "demo-bank")
    page.select_option("select#c_type", "standard")
    page.select_option("select#purpose", "credit_line")
    page.fill("input#valid_until", until)
    page.click("[data-testid=grant] button[type=submit]")
    page.wait_for_selector("[data-testid=consents]")
    consent = Consent.objects.get()
    assert (consent.organisation.key, str(consent.valid_until)) == ("demo-bank", until)
    page.screenshot(path=str(tmp_path / "reports-mine.png"), full_page=True)

    for locale, lang, prefix in (
        ("zh-CN", "zh-hans", ""),
        ("en-GB", "en", "/en"),
        ("ru-RU", "ru", "/ru"),
    ):
        anyone = browser.new_context(locale=locale).new_page()
        anyone.goto(f"{url}{prefix}/verify/{report.number}/")
        assert anyone.get_attribute("html", "lang") == lang
        assert anyone.get_attribute("[data-testid=verdict]", "data-verdict") == "genuine"
        anyone.set_input_files("input#pdf", str(pdf))
        anyone.click("[data-testid=upload-form] button[type=submit]")
        anyone.wait_for_selector("[data-testid=upload]")
        assert anyone.get_attribute("[data-testid=upload]", "data-result") == "same"
        anyone.screenshot(path=str(tmp_path / f"verify-{lang}.png"), full_page=True)
        anyone.context.close()

"""The portal in a real Chromium: search, open an enterprise, switch language."""

from __future__ import annotations

import os

import pytest

from ecredit.records.tests.penalties import penalty_row, write_penalties
from tests.browser import CHROMIUM, FLAGS, MARKS

pytestmark = MARKS


@pytest.fixture
def world(transactional_db, tmp_path):
    from ecredit.accounts.principals import Actor
    from ecredit.core.ingest import write_rows
    from ecredit.ratings.actions import evaluate_all
    from ecredit.records.imports import import_file

    actor = Actor.system("test")
    sid = penalty_row(1)["subject_id"]
    reg = {
        "subject_id": sid,
        "name": "杭州西湖好物电子商务有限公司",
        "entity_type": "company",
        "legal_representative": "王小明",
        "established_on": "2019-05-06",
        "status": "active",
        "region_code": "330106",
    }
    import_file(
        actor,
        write_rows(tmp_path / "r.csv", "csv", list(reg), [reg]),
        type_name="registration",
        provider="market-regulation",
    )
    rows = [penalty_row(1, severity="serious", decision_date="2026-06-01")]
    import_file(
        actor,
        write_penalties(tmp_path / "p.csv", rows),
        type_name="administrative_penalty",
        provider="market-regulation",
    )
    from django.utils import timezone

    evaluate_all(actor, timezone.localdate())
    return sid


@pytest.fixture
def page():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(locale="zh-CN")
        yield page
        browser.close()


def test_search_then_enterprise_page_then_english(world, live_server, page, tmp_path):
    page.goto(live_server.url + "/")
    # typing shows matches as you go (htmx), before any button is pressed
    page.locator("input[name=q]").press_sequentially("西湖", delay=50)
    page.wait_for_selector("#live-results table.results a")
    assert page.locator("#live-results table.results tbody tr").count() == 1
    page.fill("input[name=q]", "西湖好物")
    page.click("form.search button")
    page.wait_for_url("**/enterprises/**")
    assert page.inner_text("h1") == "杭州西湖好物电子商务有限公司"
    assert page.locator("[data-testid=grade] .grade").inner_text() in {
        "AAA",
        "AA",
        "A",
        "BBB",
        "BB",
        "B",
        "CCC",
        "CC",
        "C",
    }
    penalties = page.locator("li.record[data-type=administrative_penalty]")
    assert penalties.count() == 1
    assert "虚假宣传" in penalties.inner_text()
    page.screenshot(path=str(tmp_path / "enterprise-zh.png"), full_page=True)
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert "Credit records" in page.inner_text("main")
    page.click("form.lang button[value=ru]")
    page.wait_for_load_state()
    assert "Кредитные записи" in page.inner_text("main")

"""Objection and credit repair end to end in a real Chromium: the merchant objects to a record with
an attachment, a regulator upholds it, the record is withdrawn and the grade recomputed; the
merchant applies for repair of another penalty, the regulator approves, and the penalty leaves the
public page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser import MARKS

pytestmark = MARKS
PASSWORD = "a-long-password-1"


@pytest.fixture
def shop(transactional_db):
    from django.utils import timezone

    from ecredit.accounts.actions import create_organisation, create_user
    from ecredit.accounts.principals import Actor
    from ecredit.entities.models import Enterprise
    from ecredit.ratings.actions import evaluate_all
    from ecredit.records.actions import ingest_batch
    from ecredit.records.models import CreditRecord
    from ecredit.records.tests.penalties import penalty_row

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
    rows = [
        penalty_row(1, severity="general", decision_date=str(today - timedelta(days=60))),
        penalty_row(401, severity="general", decision_date=str(today - timedelta(days=120))),
    ]
    ingest_batch(
        actor, type_name="administrative_penalty", provider="market-regulation", records=rows
    )
    evaluate_all(actor, today)
    enterprise = Enterprise.objects.get(identifiers__value=sid)
    org = create_organisation(
        actor, kind="enterprise", name=reg["name"], key="m", enterprise=enterprise
    )
    create_user(actor, username="merchant", password=PASSWORD, organisation=org, role="enterprise")
    dept = create_organisation(actor, kind="department", name="市场监管局", key="amr")
    create_user(actor, username="regulator", password=PASSWORD, organisation=dept, role="regulator")
    penalties = CreditRecord.objects.filter(type_name="administrative_penalty")
    return {
        "enterprise": enterprise,
        "wrong": penalties.get(occurred_on=today - timedelta(days=60)),
        "repairable": penalties.get(occurred_on=today - timedelta(days=120)),
    }


def login(browser, url, username):
    page = browser.new_context(locale="en-GB").new_page()
    # English pages: the URL carries the language (an unprefixed page is Chinese)
    page.goto(
        f"{url}/en/lists/login/?next=/en/lists/{'mine' if username == 'merchant' else 'workbench'}/"
    )
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_load_state()
    return page


def public_penalties(browser, url, subject_id):
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{url}/enterprises/{subject_id}/")
    ids = page.locator("li.record[data-type=administrative_penalty]").evaluate_all(
        "els => els.map(e => Number(e.dataset.id))"
    )
    page.context.close()
    return set(ids)


def test_objection_then_repair_in_a_browser(shop, live_server, browser, tmp_path):
    from ecredit.lists.models import Objection, RepairApplication
    from ecredit.ratings.models import Evaluation

    url, e = live_server.url, shop["enterprise"]
    wrong, repairable = shop["wrong"], shop["repairable"]
    assert public_penalties(browser, url, e.subject_id) == {wrong.pk, repairable.pk}
    grades_before = Evaluation.objects.filter(enterprise=e).count()

    # the merchant objects to the wrong penalty, attaching the court's ruling
    ruling = tmp_path / "ruling.pdf"
    ruling.write_bytes(b"%PDF-1.4\n% the court annulled the decision\n%%EOF\n")
    merchant = login(browser, url, "merchant")
    assert merchant.url.endswith("/lists/mine/")
    merchant.click(f"[data-testid=object-{wrong.pk}]")
    merchant.fill("textarea[name=reason]", "The decision was annulled by the court.")
    merchant.set_input_files("input[name=files]", str(ruling))
    merchant.click("[data-testid=object-form] button[type=submit]")
    merchant.wait_for_selector("[data-testid=message-success]")
    objection = Objection.objects.get()
    assert merchant.locator(f"tr[data-objection='{objection.pk}']").inner_text().count("open") == 1
    assert objection.attachments.get().name == "ruling.pdf"

    # the regulator upholds it: the record is withdrawn and the grade recomputed
    regulator = login(browser, url, "regulator")
    card = regulator.locator(f"section[data-objection='{objection.pk}']")
    assert "ruling.pdf" in card.inner_text()
    card.locator("input[value=uphold]").check()
    card.locator("select[name=outcome]").select_option("withdrawn")
    card.locator("textarea[name=answer]").fill("The court annulled the decision.")
    card.locator("button[type=submit]").click()
    regulator.wait_for_selector("[data-testid=message-success]")
    objection.refresh_from_db()
    assert (objection.state, objection.outcome) == ("upheld", "withdrawn")
    assert Evaluation.objects.filter(enterprise=e).count() == grades_before + 1
    assert public_penalties(browser, url, e.subject_id) == {repairable.pk}
    merchant.goto(f"{url}/en/lists/mine/")
    assert merchant.locator(f"li.record[data-id='{wrong.pk}'] [data-testid=withdrawn]").count() == 1

    # the merchant applies to repair the other penalty (its 90-day minimum has passed)
    merchant.click(f"[data-testid=repair-{repairable.pk}]")
    assert "the minimum publicity period is served" in merchant.inner_text(
        "[data-testid=conditions]"
    )
    merchant.fill("textarea[name=correction]", "Fine paid; the false claims were taken down.")
    merchant.set_input_files("input[name=files]", str(ruling))
    merchant.fill("textarea[name=commitment]", "We commit to operate honestly.")
    merchant.click("[data-testid=repair-form] button[type=submit]")
    merchant.wait_for_selector("[data-testid=message-success]")
    application = RepairApplication.objects.get()

    # the regulator approves: the penalty leaves the public page, the grade is recomputed
    regulator.goto(f"{url}/en/lists/workbench/")
    card = regulator.locator(f"section[data-repair='{application.pk}']")
    card.locator("input[value=approve]").check()
    card.locator("textarea[name=reason]").fill("Corrected and committed.")
    card.locator("button[type=submit]").click()
    regulator.wait_for_selector("[data-testid=message-success]")
    application.refresh_from_db()
    assert application.state == "approved"
    assert Evaluation.objects.filter(enterprise=e).count() == grades_before + 2
    assert public_penalties(browser, url, e.subject_id) == set()
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{url}/enterprises/{e.subject_id}/")
    assert public.locator("li.record[data-type=credit_commitment]").count() == 1
    merchant.goto(f"{url}/en/lists/mine/")
    assert "approved" in merchant.inner_text(f"tr[data-repair='{application.pk}']")
    merchant.screenshot(path=str(tmp_path / "mine.png"), full_page=True)

"""The portal in a real Chromium, in Chinese, English and Russian: search every way, open an
enterprise, switch language on the same page, read it on a phone; screenshots kept as artefacts.

Screenshots go to `ECREDIT_TEST_ARTEFACTS` (default `var/test-artefacts/`), one folder per test.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser import MARKS
from tests.factories import register, uscc

pytestmark = MARKS
ROOT = Path(__file__).resolve().parents[1]
WEST_LAKE, PORT_CITY, HAIXIN = uscc(201), uscc(202, region="330203"), uscc(203, region="370212")


@pytest.fixture
def artefacts(request) -> Path:
    base = Path(os.environ.get("ECREDIT_TEST_ARTEFACTS") or ROOT / "var" / "test-artefacts")
    folder = base / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def town(transactional_db, tmp_path):
    from django.utils import timezone

    from ecredit.accounts.principals import Actor
    from ecredit.entities.queries import forget_search_index
    from ecredit.ratings.actions import evaluate_all

    actor = Actor.system("test")
    forget_search_index()
    register(
        actor,
        tmp_path,
        WEST_LAKE,
        "杭州西湖好物电子商务有限公司",
        name_en="Hangzhou West Lake Goods E-commerce Co., Ltd.",
        region_code="330106",
        ecommerce_roles="merchant;livestream_seller",
    )
    register(
        actor,
        tmp_path,
        PORT_CITY,
        "宁波港城跨境贸易有限公司",
        name_en="Ningbo Port City Cross-border Trade Co., Ltd.",
        region_code="330203",
        ecommerce_roles="cross_border",
    )
    register(actor, tmp_path, HAIXIN, "青岛海信直播科技有限公司", region_code="370212")
    evaluate_all(actor, timezone.localdate())


def search(page, base: str, q: str) -> None:
    page.goto(f"{base}/")
    page.fill("input[name=q]", q)
    page.click("form.search button")
    page.wait_for_load_state()


@pytest.mark.parametrize(
    "prefix, query, heading",
    [
        ("", "西湖好物", "杭州西湖好物电子商务有限公司"),  # Chinese characters
        ("", "xihu haowu", "杭州西湖好物电子商务有限公司"),  # pinyin
        ("/en", "west lake goods", "杭州西湖好物电子商务有限公司"),  # English name
        ("/ru", "ningbo prot city", "宁波港城跨境贸易有限公司"),  # a typo, on a Russian page
        ("/en", "qdhx", "青岛海信直播科技有限公司"),  # pinyin initials
    ],
    ids=["zh-characters", "zh-pinyin", "en-english-name", "ru-typo", "en-initials"],
)
def test_each_way_of_searching_opens_the_enterprise(
    town, live_server, browser, artefacts, prefix, query, heading
):
    page = browser.new_page(locale="zh-CN")
    search(page, live_server.url + prefix, query)
    page.wait_for_url("**/enterprises/**")
    assert page.inner_text("h1") == heading
    assert re.search(rf"{re.escape(live_server.url + prefix)}/enterprises/", page.url)
    page.screenshot(path=str(artefacts / "enterprise.png"), full_page=True)


def test_walk_the_portal_in_three_languages(town, live_server, browser, artefacts):
    page = browser.new_page(locale="zh-CN")
    base = live_server.url
    # several matches: a list to choose from, live as one types (htmx), then the full page
    page.goto(f"{base}/")
    page.locator("input[name=q]").press_sequentially("有限公司", delay=30)
    page.wait_for_selector("#live-results table.results a")
    assert page.locator("#live-results table.results tbody tr").count() == 3
    search(page, base, "有限公司")
    assert "3" in page.inner_text("#result-count")
    page.fill("input[name=region]", "3302")
    page.click("form.filters button")
    page.wait_for_load_state()
    assert page.locator("table.results tbody tr").count() == 1
    page.screenshot(path=str(artefacts / "search-zh.png"), full_page=True)
    page.click("table.results a")
    page.wait_for_url(f"**/enterprises/{PORT_CITY}/")
    assert page.locator("[data-testid=grade] .grade").count() == 1
    assert page.locator("[data-testid=radar] svg[role=img]").count() == 1
    assert page.locator("[data-testid=grade-history-table] tbody tr").count() == 1
    page.screenshot(path=str(artefacts / "enterprise-zh.png"), full_page=True)

    # the language switch keeps the page, and the URL says the language
    page.click("form.lang button[value=en]")
    page.wait_for_url(f"{base}/en/enterprises/{PORT_CITY}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Credit records" in page.inner_text("main")
    assert "Cross-border seller" in page.inner_text("main")  # a code list, in English
    page.screenshot(path=str(artefacts / "enterprise-en.png"), full_page=True)
    page.click("form.lang button[value=ru]")
    page.wait_for_url(f"{base}/ru/enterprises/{PORT_CITY}/")
    assert "Кредитные записи" in page.inner_text("main")
    assert "Трансграничный продавец" in page.inner_text("main")  # a code list, in Russian
    page.screenshot(path=str(artefacts / "enterprise-ru.png"), full_page=True)
    page.click("form.lang button[value=zh-hans]")
    page.wait_for_url(f"{base}/enterprises/{PORT_CITY}/")
    assert "信用记录" in page.inner_text("main")

    # the dictionary and the lists, read by a person in each language
    for prefix, word in (("", "登记注册信息"), ("/en", "Registration"), ("/ru", "Регистрация")):
        page.goto(f"{base}{prefix}/dictionary/")
        assert word in page.inner_text("main")
        page.goto(f"{base}{prefix}/lists/")
        assert page.locator("main h1").count() == 1
    page.screenshot(path=str(artefacts / "lists-ru.png"), full_page=True)

    # download the enterprise's report from its page, then verify it in each language
    from ecredit.reports.models import IssuedReport

    page.goto(f"{base}/en/enterprises/{PORT_CITY}/")
    with page.expect_download() as download:
        page.click("[data-testid=report-basic]")
    pdf = artefacts / "report-basic-en.pdf"
    download.value.save_as(str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    report = IssuedReport.objects.get(report_type="basic", lang="en")
    for prefix, lang in (("", "zh-hans"), ("/en", "en"), ("/ru", "ru")):
        page.goto(f"{base}{prefix}/verify/{report.number}/")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("[data-testid=verdict]", "data-verdict") == "genuine"
        page.set_input_files("input#pdf", str(pdf))
        page.click("[data-testid=upload-form] button[type=submit]")
        page.wait_for_selector("[data-testid=upload]")
        assert page.get_attribute("[data-testid=upload]", "data-result") == "same"
        page.screenshot(path=str(artefacts / f"verify-{lang}.png"), full_page=True)


def test_keyboard_and_phone(town, live_server, browser, artefacts):
    phone = browser.new_page(viewport={"width": 375, "height": 740}, locale="zh-CN")
    phone.goto(f"{live_server.url}/en/enterprises/{WEST_LAKE}/")
    # the first Tab reaches the skip link, which moves focus to the main content
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip"
    phone.keyboard.press("Enter")
    assert phone.evaluate("location.hash") == "#main"
    # nothing wider than the screen: the page does not scroll sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artefacts / "enterprise-phone-en.png"), full_page=True)
    phone.goto(f"{live_server.url}/search/?q=有限公司")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=str(artefacts / "search-phone-zh.png"), full_page=True)

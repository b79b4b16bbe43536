"""Public pages: what they show, what they hide, and how many queries they cost."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ecredit.core.ingest import write_rows
from ecredit.ratings.actions import evaluate_all
from ecredit.records.imports import import_file
from ecredit.records.tests.penalties import penalty_row, write_penalties

pytestmark = pytest.mark.django_db


def registration(sid: str, name: str) -> dict[str, str]:
    return {
        "subject_id": sid,
        "name": name,
        "entity_type": "company",
        "legal_representative": "李四",
        "established_on": "2018-03-04",
        "status": "active",
        "region_code": "330106",
    }


@pytest.fixture
def world(tmp_path, admin_actor):
    sid = penalty_row(1)["subject_id"]
    regs = [
        registration(sid, "杭州好物电子商务有限公司"),
        registration(penalty_row(2)["subject_id"], "杭州好店商贸有限公司"),
    ]
    import_file(
        admin_actor,
        write_rows(tmp_path / "r.csv", "csv", list(regs[0]), regs),
        type_name="registration",
        provider="market-regulation",
    )
    today = timezone.localdate()
    rows = [
        penalty_row(
            1, severity="serious", decision_date=f"{today.year - 1}-06-01", violation="销售假冒商品"
        ),
        penalty_row(
            4,
            subject_id=sid,
            severity="light",
            decision_date=f"{today.year - 1}-07-01",
            violation="轻微违规",
        ),
        penalty_row(
            5,
            subject_id=sid,
            severity="general",
            decision_date=f"{today.year - 4}-07-01",
            violation="早已过期",
        ),
    ]
    import_file(
        admin_actor,
        write_penalties(tmp_path / "p.csv", rows),
        type_name="administrative_penalty",
        provider="market-regulation",
    )
    tax = [
        {
            "subject_id": sid,
            "year": str(today.year - 1),
            "rating": "B",
            "authority": "国家税务总局杭州市税务局",
        }
    ]
    import_file(
        admin_actor,
        write_rows(tmp_path / "t.csv", "csv", list(tax[0]), tax),
        type_name="tax_credit_rating",
        provider="tax",
    )
    evaluate_all(admin_actor, today)
    return sid


def test_home_shows_counts_and_grade_distribution(client, world):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "2 家企业" in html
    assert "信用等级分布" in html


def test_search_by_name_lists_matches(client, world, django_assert_num_queries):
    from ecredit.entities.queries import forget_search_index

    forget_search_index()
    # cold: the index's version, the names to index, the page, its grades, the store platforms
    with django_assert_num_queries(5):
        resp = client.get("/search/", {"q": "杭州好"})
    assert resp.status_code == 200
    assert resp.content.decode().count('href="/enterprises/') == 2
    # warm: the index's version, the page and its grades
    with django_assert_num_queries(3):
        resp = client.get("/search/", {"q": "杭州好"})
    assert resp.content.decode().count('href="/enterprises/') == 2


def test_search_by_code_goes_to_the_enterprise(client, world):
    resp = client.get("/search/", {"q": world.lower()})
    assert resp.status_code == 302
    assert resp["Location"] == f"/enterprises/{world}/"


def test_enterprise_page_shows_only_public_records_in_publicity(
    client, world, django_assert_num_queries
):
    with django_assert_num_queries(12):  # + list memberships, + grade history
        resp = client.get(f"/enterprises/{world}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "销售假冒商品" in html  # serious, within 3 years
    assert "轻微违规" not in html  # light penalties are not published
    assert "早已过期" not in html  # general, publicity ended
    assert "国家税务总局杭州市税务局" not in html  # tax ratings are shared, not public
    assert 'data-testid="grade"' in html
    assert "如何升到" in html  # what-if guidance for a grade below AAA


def test_a_regulator_sees_the_whole_archive(client, world, admin_actor, django_user_model):
    from ecredit.accounts.actions import create_organisation, create_user

    org = create_organisation(admin_actor, kind="department", name="监管局", key="reg")
    create_user(
        admin_actor,
        username="reg",
        password="a-long-password-1",
        organisation=org,
        role="regulator",
    )
    client.login(username="reg", password="a-long-password-1")
    html = client.get(f"/enterprises/{world}/").content.decode()
    assert "轻微违规" in html and "国家税务总局杭州市税务局" in html


@pytest.mark.parametrize(
    "lang, text", [("en", "Credit records"), ("ru", "Кредитные записи"), ("zh-hans", "信用记录")]
)
def test_enterprise_page_in_three_languages(client, world, lang, text):
    prefix = "" if lang == "zh-hans" else f"/{lang}"
    resp = client.get(f"{prefix}/enterprises/{world}/")
    assert text in resp.content.decode()


def test_store_id_redirects_to_the_enterprise(client, world):
    resp = client.get(f"/enterprises/{world.lower()}/")
    assert resp.status_code == 302


@pytest.mark.parametrize(
    "subject", ["nope", "91330106000000019X", "store:", "%00", "x" * 500, "lei:1"]
)
def test_unknown_or_invalid_subjects_are_404(client, db, subject):
    assert client.get(f"/enterprises/{subject}/").status_code == 404


@pytest.mark.parametrize("q", ["", " ", "%", "_", "x" * 10_000, "' OR 1=1 --", "<script>", "\x00"])
def test_hostile_search_queries_are_handled(client, world, q):
    resp = client.get("/search/", {"q": q, "page": "-5"})
    assert resp.status_code == 200
    assert "<script>" not in resp.content.decode().replace("&lt;script&gt;", "")


def test_dictionary_and_obligations_pages(client, db):
    assert "administrative_penalty" in client.get("/dictionary/").content.decode()
    assert "fine_amount_cny" in client.get("/dictionary/administrative_penalty/").content.decode()
    assert client.get("/dictionary/nope/").status_code == 404
    html = client.get("/en/obligations/").content.decode()
    assert "market-regulation" in html and "overdue" in html


def test_unknown_api_paths_answer_json_and_pages_answer_html(client, db):
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api["Content-Type"].startswith("application/json")
    assert "api/v1/docs" in api.json()["detail"]
    page = client.get("/en/no/such/page/")
    assert page.status_code == 404
    assert "Search by name" in page.content.decode()


def test_enterprise_page_draws_its_charts_with_text_alternatives(client, world):
    html = client.get(f"/en/enterprises/{world}/").content.decode()
    # the radar: an SVG image named by its title and description, beside the table of values
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert 'role="img" aria-labelledby="radar-t radar-d"' in html
    assert html.count('<polygon class="area"') == 1
    # the grade history: one point per evaluation, and the same numbers in a table
    assert 'data-testid="grade-history"' in html and html.count('<circle class="dot"') == 1
    assert 'data-testid="grade-history-table"' in html
    assert '<title id="grade-history-t">Grade history</title>' in html
    # room for the reports app, and a skip link and landmarks for keyboards and screen readers
    assert 'class="skip" href="#main"' in html and '<main id="main"' in html


@pytest.mark.parametrize(
    "prefix, words",
    [
        ("", ["登记注册信息", "存续（在营、开业、在册）", "主体信息"]),
        ("/en", ["Registration", "Active", "Entity (", "public"]),
        ("/ru", ["Регистрация", "Действующий", "Субъект (", "Статус"]),
    ],
)
def test_dictionary_pages_speak_three_languages(client, db, prefix, words):
    html = client.get(f"{prefix}/dictionary/").content.decode()
    html += client.get(f"{prefix}/dictionary/registration/").content.decode()
    missing = [w for w in words if w not in html]
    assert missing == []


def test_russian_pages_show_russian_labels_where_the_dictionary_has_them(client, world):
    html = client.get(f"/ru/enterprises/{world}/").content.decode()
    assert "Компания" in html  # entity type, from the dictionary's code list
    assert 'lang="ru"' in html and "Кредитные записи" in html


def test_the_language_switch_keeps_the_page_and_its_query(client, world):
    html = client.get(f"/en/enterprises/{world}/").content.decode()
    for prefix in ("", "/ru", "/en"):
        assert f'<input name="next" type="hidden" value="{prefix}/enterprises/{world}/">' in html
        assert f'hreflang="{prefix[1:] or "zh-hans"}" href="{prefix}/enterprises/{world}/"' in html
    html = client.get("/ru/search/", {"q": "杭州", "grade": "AAA"}).content.decode()
    assert 'value="/en/search/?q=%E6%9D%AD%E5%B7%9E&amp;grade=AAA"' in html
    # the switch itself: from an English page to the same page in Russian
    moved = client.post("/i18n/setlang/", {"language": "ru", "next": f"/ru/enterprises/{world}/"})
    assert moved.status_code == 302 and moved["Location"] == f"/ru/enterprises/{world}/"

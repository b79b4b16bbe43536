"""Search: names in three scripts, codes and store ids, typos, filters, pages; API and page agree."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.factories import register, uscc

from ecredit.entities.models import Enterprise, Identifier
from ecredit.entities.queries import SearchFilters, forget_search_index, search
from ecredit.ratings.actions import evaluate_all

pytestmark = pytest.mark.django_db

A, B, C = uscc(101), uscc(102, region="330203"), uscc(103, region="370212")


@pytest.fixture
def town(admin_actor, tmp_path):
    forget_search_index()
    register(
        admin_actor,
        tmp_path,
        A,
        "杭州西湖好物电子商务有限公司",
        name_en="Hangzhou West Lake Goods E-commerce Co., Ltd.",
        region_code="330106",
        ecommerce_roles="merchant;livestream_seller",
    )
    register(
        admin_actor,
        tmp_path,
        B,
        "宁波港城跨境贸易有限公司",
        name_en="Ningbo Port City Cross-border Trade Co., Ltd.",
        region_code="330203",
        ecommerce_roles="cross_border",
    )
    register(admin_actor, tmp_path, C, "青岛海信直播科技有限公司", region_code="370212")
    Identifier.objects.create(
        enterprise=Enterprise.objects.get(subject_id=A), scheme="store", value="store:taobao:xh-1"
    )
    evaluate_all(admin_actor, timezone.localdate())
    return {e.subject_id: e for e in Enterprise.objects.all()}


def ids(q: str, **filters: str) -> list[str]:
    page, total = search(q, filters=SearchFilters(**filters))
    assert total == len(page)
    return [e.subject_id for e in page]


@pytest.mark.parametrize(
    "q",
    [
        "西湖好物",
        "xihuhaowu",
        "xi hu hao wu",
        "hzxhhw",
        "west lake goods",
        "西湖好务",  # a homophone
        "xihuhaowo",  # a wrong letter
        "store:taobao:xh-1",
        "store:TAOBAO:xh-1",
    ],
)
def test_every_way_of_naming_the_enterprise_finds_it_first(town, q):
    assert ids(q)[0] == A


def test_a_registration_stores_the_names_pinyin_for_the_index(town):
    assert town[A].name_pinyin == ("hangzhouxihuhaowudianzishangwuyouxiangongsi hzxhhwdzswyxgs")
    assert town[C].name_pinyin.startswith("qingdaohaixinzhibo")


def test_a_code_finds_exactly_its_holder_and_a_prefix_of_it_finds_it_too(town):
    assert ids(B.lower()) == [B]
    assert ids(B[:10]) == [B]


def test_filters_narrow_a_search_and_list_without_one(town):
    assert sorted(ids("有限公司")) == sorted([A, B, C])
    assert sorted(ids("有限公司", region="3302")) == [B]
    assert ids("", region="33") == sorted([A, B], key=lambda s: town[s].name)
    assert ids("", role="livestream_seller") == [A]
    assert ids("", role="merchant") == [A]
    assert ids("", platform="taobao") == [A]
    assert ids("", platform="jd") == []
    grade = town[C].evaluations.get(is_latest=True).grade
    assert C in ids("", grade=grade)
    risk = town[C].evaluations.get(is_latest=True).risk_class
    assert C in ids("有限公司", risk_class=risk)
    assert search("", filters=SearchFilters()) == ([], 0)


def test_results_come_in_pages(town):
    first, total = search("有限公司", limit=2, offset=0)
    second, _ = search("有限公司", limit=2, offset=2)
    assert total == 3 and len(first) == 2 and len(second) == 1
    assert {e.subject_id for e in first + second} == {A, B, C}


def test_the_api_and_the_page_filter_alike(client, town):
    api = client.get("/api/v1/enterprises", {"q": "有限公司", "region": "3302"}).json()
    assert [r["subject_id"] for r in api["results"]] == [B]
    assert client.get("/api/v1/enterprises", {"role": "cross_border"}).json()["total"] == 1
    assert client.get("/api/v1/enterprises", {"region": "33x"}).status_code == 422
    html = client.get("/en/search/", {"q": "有限公司", "region": "33"}).content.decode()
    assert "2 enterprises found" in html and B in html and A in html and C not in html
    html = client.get("/ru/search/", {"role": "cross_border"}).content.decode()
    assert B in html and A not in html and 'lang="ru"' in html
    # a pinyin name with one match goes straight to the enterprise
    assert client.get("/search/", {"q": "ningbo port"})["Location"] == f"/enterprises/{B}/"
    assert client.get("/en/search/", {"q": "ningbo port"})["Location"] == f"/en/enterprises/{B}/"


def test_the_api_mirrors_the_pages_grade_history(client, town):
    points = client.get(f"/api/v1/enterprises/{A}/grades").json()
    latest = town[A].evaluations.get(is_latest=True)
    assert points == [
        {
            "as_of": latest.as_of.isoformat(),
            "grade": latest.grade,
            "risk_class": latest.risk_class,
            "score": latest.score,
        }
    ]
    assert client.get(f"/api/v1/enterprises/{A}/grades", {"limit": "0"}).status_code == 422
    assert client.get("/api/v1/enterprises/91330106000000019X/grades").status_code == 404

"""Credit checks through the API: standing, measures with their leaves, the log and feedback."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import register, uscc

from ecredit.accounts.actions import create_organisation, create_token
from ecredit.core.ingest import write_rows
from ecredit.ratings.actions import evaluate_all
from ecredit.records.imports import import_file
from ecredit.records.models import CreditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, admin_actor, market_regulation):
    listed = register(
        admin_actor, tmp_path, uscc(1), "杭州失信示例电子商务有限公司", date(2024, 1, 5)
    )
    clean = register(
        admin_actor, tmp_path, uscc(2), "杭州守信示例电子商务有限公司", date(2024, 1, 5)
    )
    listed_on = (timezone.localdate() - timedelta(days=40)).isoformat()
    listing = {
        "subject_id": listed,
        "decision_no": "杭市监列严〔2026〕3号",
        "listed_on": listed_on,
        "authority": "杭州市市场监督管理局",
        "reason": "销售假冒伪劣商品",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "l.csv", "csv", list(listing), [listing]),
        type_name="serious_dishonesty_listing",
        provider="market-regulation",
    )
    evaluate_all(admin_actor, timezone.localdate())
    dept_token = create_token(admin_actor, market_regulation, "regulator")[1]
    bank = create_organisation(admin_actor, kind="bank", name="示例银行杭州分行", key="bank")
    bank_token = create_token(admin_actor, bank, "reader")[1]
    from ecredit.entities.queries import get_enterprise

    ent_org = create_organisation(
        admin_actor,
        kind="enterprise",
        name="杭州失信示例电子商务有限公司",
        key="listed",
        enterprise=get_enterprise(listed),
    )
    ent_token = create_token(admin_actor, ent_org, "enterprise")[1]
    return {
        "listed": listed,
        "clean": clean,
        "dept": {"HTTP_AUTHORIZATION": f"Bearer {dept_token}"},
        "bank": {"HTTP_AUTHORIZATION": f"Bearer {bank_token}"},
        "ent": {"HTTP_AUTHORIZATION": f"Bearer {ent_token}"},
    }


def test_a_listed_enterprise_is_barred_from_subsidies_with_the_listing_leaf_as_ground(world):
    c = Client()
    r = c.get(
        "/api/v1/credit-check",
        {"subject_id": world["listed"], "context": "subsidy", "purpose": "2026 跨境电商补贴"},
        **world["dept"],
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["verdict"] == "restricted"
    assert [m["id"] for m in body["measures"]] == ["P01"]
    listing = CreditRecord.objects.get(type_name="serious_dishonesty_listing")
    grounds = body["measures"][0]["grounds"]
    assert grounds[0]["kind"] == "list" and grounds[0]["value"] == "serious_dishonesty"
    assert grounds[0]["ledger_index"] == listing.ledger_index is not None
    assert "严重违法失信名单" in grounds[0]["reason_zh"]
    assert body["standing"]["grade"] == "C"
    assert body["standing"]["evaluation"]["ledger_index"] is not None
    # the same enterprise in procurement: barred by law
    r = c.get(
        "/api/v1/credit-check",
        {"subject_id": world["listed"], "context": "procurement"},
        **world["bank"],
    )
    assert "P02" in [m["id"] for m in r.json()["measures"]]


def test_feedback_closes_the_loop_and_only_the_checker_may_give_it(world):
    c = Client()
    check = c.get(
        "/api/v1/credit-check",
        {"subject_id": world["listed"], "context": "subsidy"},
        **world["dept"],
    ).json()
    url = check["feedback_url"]
    bad = c.post(
        url,
        {"outcome": "refused", "measures_applied": ["R01"]},
        content_type="application/json",
        **world["dept"],
    )
    assert bad.status_code == 422 and "R01 did not apply" in bad.json()["detail"]
    other = c.post(url, {"outcome": "refused"}, content_type="application/json", **world["bank"])
    assert other.status_code == 403
    ok = c.post(
        url,
        {"outcome": "refused", "measures_applied": ["P01"], "note": "不予补贴"},
        content_type="application/json",
        **world["dept"],
    )
    assert ok.status_code == 200 and ok.json()["measures_applied"] == ["P01"]
    assert (
        c.post(
            url, {"outcome": "maybe"}, content_type="application/json", **world["dept"]
        ).status_code
        == 422
    )
    assert (
        c.post(
            "/api/v1/credit-check/999999/feedback",
            {"outcome": "granted"},
            content_type="application/json",
            **world["dept"],
        ).status_code
        == 404
    )
    # the enterprise sees who checked it and what they did; a bank does not
    log = c.get("/api/v1/credit-checks", {"subject_id": world["listed"]}, **world["ent"])
    assert log.status_code == 200
    assert log.json()[0]["feedback"]["outcome"] == "refused"
    assert log.json()[0]["organisation"] == "杭州市市场监督管理局"
    assert (
        c.get("/api/v1/credit-checks", {"subject_id": world["listed"]}, **world["bank"]).status_code
        == 403
    )


def test_a_clean_enterprise_meets_no_penalty(world):
    body = (
        Client()
        .get(
            "/api/v1/credit-check",
            {"subject_id": world["clean"], "context": "subsidy"},
            **world["bank"],
        )
        .json()
    )
    assert body["verdict"] in ("none", "rewarded")
    assert all(m["kind"] == "reward" for m in body["measures"])
    assert body["standing"]["lists"] == [] and body["standing"]["negative_pool"] is None


@pytest.mark.parametrize(
    ("params", "who", "status"),
    [
        ({"subject_id": "x", "context": "subsidy"}, None, 401),
        ({"subject_id": "LISTED", "context": "subsidy"}, "ent", 403),
        ({"subject_id": "91330106MA0000000X", "context": "subsidy"}, "dept", 404),
        ({"subject_id": "LISTED", "context": "tax"}, "dept", 422),
        ({"subject_id": "LISTED"}, "dept", 422),
        ({"subject_id": "9" * 5000, "context": "subsidy"}, "dept", 422),
        ({"subject_id": "' OR 1=1 --", "context": "subsidy"}, "dept", 404),
        ({"subject_id": "LISTED", "context": "subsidy", "purpose": "p" * 301}, "dept", 422),
    ],
)
def test_bad_checks_get_clear_errors(world, params, who, status):
    params = {k: world["listed"] if v == "LISTED" else v for k, v in params.items()}
    headers = world[who] if who else {}
    r = Client().get("/api/v1/credit-check", params, **headers)
    assert r.status_code == status, r.content
    assert r.json()["detail"]


def test_the_catalogue_is_public(db):
    body = Client().get("/api/v1/measures").json()
    assert body["version"] == "measures-v1"
    assert {m["kind"] for m in body["measures"]} == {"reward", "penalty"}
    assert body["contexts"]["subsidy"]["zh"] == "财政补贴与专项资金"


def test_a_published_red_list_entry_is_a_ground_with_its_decision_leaf(world, admin_actor):
    from ecredit.entities.queries import get_enterprise
    from ecredit.lists import actions as lists

    ent = get_enterprise(world["clean"])
    day0 = timezone.localdate() - timedelta(days=5)
    entry = lists.propose(admin_actor, ent, "red", reason="守信示范企业", on=day0)
    entry = lists.advance(admin_actor, entry, "notify", reason="notice", on=day0)
    entry = lists.advance(admin_actor, entry, "list", reason="decided", on=day0)
    entry = lists.advance(admin_actor, entry, "publish", reason="publish")
    body = (
        Client()
        .get(
            "/api/v1/credit-check",
            {"subject_id": world["clean"], "context": "honours"},
            **world["bank"],
        )
        .json()
    )
    assert body["verdict"] == "rewarded"
    [red] = [g for g in body["standing"]["lists"] if g["value"] == "red"]
    assert red["ledger_index"] == entry.decision_ledger_index is not None
    assert "R05" in [m["id"] for m in body["measures"]]
    # the department's listing record and no platform entry: the record is the ground
    listed = (
        Client()
        .get(
            "/api/v1/credit-check",
            {"subject_id": world["listed"], "context": "honours"},
            **world["bank"],
        )
        .json()
    )
    assert [g["value"] for g in listed["standing"]["lists"]] == ["serious_dishonesty"]

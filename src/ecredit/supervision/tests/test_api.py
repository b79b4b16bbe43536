"""The inspections API: what it publishes, who may write, and how it refuses bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecredit.core.supervision import holds, verify_plan
from ecredit.supervision import actions
from ecredit.supervision.tests.conftest import due, rate

pytestmark = pytest.mark.django_db

ALL = {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}


def post(client: Any, path: str, token: str, body: Any = None) -> Any:
    return client.post(
        f"/api/v1/inspections{path}",
        data=json.dumps(body if body is not None else {}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def new_plan(**extra: Any) -> dict[str, Any]:
    return {
        "name": "抽查计划",
        "inspectors": ["insp-a", "insp-b", "insp-c"],
        "due_on": due().isoformat(),
        **extra,
    }


def test_a_regulator_runs_a_plan_through_the_api(client, pool, regulator_token):
    keys = rate(10)
    r = post(client, "/plans", regulator_token, new_plan(ratios=ALL, region="3301"))
    assert r.status_code == 200, r.content
    plan_id = r.json()["id"]
    r = post(client, f"/plans/{plan_id}/commit", regulator_token)
    assert r.status_code == 200, r.content
    committed = r.json()
    assert committed["seed"] is None and len(committed["seed_commitment"]) == 64
    assert committed["population"][0] == {
        "key": sorted(keys)[0],
        "class": "ABCD"[keys.index(sorted(keys)[0]) % 4],
    }
    r = post(client, f"/plans/{plan_id}/draw", regulator_token)
    drawn = r.json()
    assert drawn["selected"] == sorted(keys)
    assert all(len(v) == 2 for v in drawn["assignments"].values())
    results = [
        {"subject_id": k, "result": "no_issue", "inspected_on": drawn["as_of"]} for k in keys
    ]
    r = post(client, f"/plans/{plan_id}/results", regulator_token, {"results": results})
    assert r.status_code == 200, r.content
    assert (r.json()["stored"], r.json()["plan"]["status"]) == (10, "reported")
    assert post(client, f"/plans/{plan_id}/close", regulator_token).json()["status"] == "closed"

    published = client.get(f"/api/v1/inspections/plans/{plan_id}").json()
    assert set(published) >= {
        "id", "seed_commitment", "seed", "ratios", "population", "selected", "inspectors",
        "assignments", "population_hash", "must_inspect", "conflicts", "status", "ledger",
    }  # fmt: skip
    assert published["ratios"] == ALL
    assert published["inspectors"] == ["insp-a", "insp-b", "insp-c"]
    assert published["ledger"] == {
        "commitment": committed["ledger"]["commitment"],
        "draw": drawn["ledger"]["draw"],
    }
    assert [r["subject_id"] for r in published["results"]] == sorted(keys)
    assert holds(verify_plan(published))
    listing = client.get("/api/v1/inspections/plans").json()
    assert [(p["id"], p["status"], p["selected_count"], p["results_count"]) for p in listing] == [
        (plan_id, "closed", 10, 10)
    ]
    # the results are public records of each enterprise
    records = client.get(f"/api/v1/enterprises/{keys[0]}/records").json()
    mine = [r for r in records if r["type"] == "inspection_result"]
    assert [(r["natural_key"], r["values"]["result"]) for r in mine] == [
        (f"{plan_id}|{keys[0]}", "no_issue")
    ]


def test_inspectors_and_conflicts_through_the_api(client, db, regulator_token):
    keys = rate(2)
    assert post(client, "/inspectors", regulator_token, {"code": "li-1", "name": "李"}).json() == {
        "code": "li-1", "name": "李", "active": True,
    }  # fmt: skip
    assert (
        post(client, "/inspectors", regulator_token, {"code": "li-1", "name": "李"}).status_code
        == 409
    )
    r = post(
        client,
        "/conflicts",
        regulator_token,
        {"inspector": "li-1", "subject_id": keys[0], "reason": "亲属"},
    )
    assert (r.status_code, r.json()["subject_id"]) == (200, keys[0])
    r = post(
        client,
        "/conflicts",
        regulator_token,
        {"inspector": "nobody", "subject_id": keys[0], "reason": "x"},
    )
    assert r.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/plans",
        "/plans/IP000001/commit",
        "/plans/IP000001/draw",
        "/inspectors",
        "/conflicts",
        "/plans/IP000001/close",
    ],
)
def test_only_regulators_may_write(client, pool, submitter_token, path):
    rate(2)
    actions.create_plan(actions.Actor.system("t"), name="p", inspectors=pool, due_on=due())
    body = (
        new_plan()
        if path == "/plans"
        else {"code": "x", "name": "x", "inspector": "insp-a", "subject_id": "x", "reason": "x"}
    )
    r = post(client, path, submitter_token, body)
    assert r.status_code == 403, r.content
    assert "regulator" in r.json()["detail"]
    anonymous = client.post(
        f"/api/v1/inspections{path}", data="{}", content_type="application/json"
    )
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "body, status, message",
    [
        (new_plan(ratios={"A": 0.1, "B": 0.2, "C": 0.3, "D": 1.5}), 422, "less than or equal to 1"),
        (new_plan(ratios={"A": 0.1}), 422, "Field required"),
        (new_plan(inspectors=["insp-a"]), 422, "at least 2"),
        (new_plan(inspectors=["insp-a", "insp-zz"]), 404, "no active inspector 'insp-zz'"),
        (new_plan(inspectors=["insp-a", "insp-a"]), 400, "listed twice"),
        (new_plan(due_on="2001-01-01"), 400, "in the past"),
        (new_plan(region="33x"), 422, "pattern"),
        (new_plan(name=""), 422, "at least 1"),
        (new_plan(name="   "), 422, "pattern"),
        (new_plan(name="a\x00b"), 422, "pattern"),
        (new_plan(name="a\nb"), 422, "pattern"),
        (new_plan(name="x" * 201), 422, "at most 200"),
        (new_plan(inspectors=[f"i{i}" for i in range(201)]), 422, "at most 200"),
        ({"name": "x"}, 422, "Field required"),
    ],
)
def test_malformed_plans_get_clear_errors(client, pool, regulator_token, body, status, message):
    r = post(client, "/plans", regulator_token, body)
    assert r.status_code == status, r.content
    assert message in json.dumps(r.json(), ensure_ascii=False)


def test_malformed_results_and_states_get_clear_errors(client, pool, regulator_token):
    keys = rate(4)
    plan_id = post(client, "/plans", regulator_token, new_plan(ratios=ALL)).json()["id"]
    assert post(client, f"/plans/{plan_id}/draw", regulator_token).status_code == 409
    assert post(client, f"/plans/{plan_id}/close", regulator_token).status_code == 409
    post(client, f"/plans/{plan_id}/commit", regulator_token)
    post(client, f"/plans/{plan_id}/draw", regulator_token)
    one = {"subject_id": keys[0], "result": "no_issue", "inspected_on": "2026-01-01"}
    cases = [
        ({"results": []}, 422),
        ({"results": [{**one, "result": "fine"}]}, 422),
        ({"results": [{**one, "inspected_on": "yesterday"}]}, 422),
        ({"results": [{**one, "findings": "x" * 2001}]}, 422),
        ({"results": [{**one, "result": "corrected"}]}, 400),
        ({"results": [one] * 2001}, 422),
        ({"results": "nope"}, 422),
    ]
    for body, status in cases:
        r = post(client, f"/plans/{plan_id}/results", regulator_token, body)
        assert r.status_code == status, (body if len(str(body)) < 200 else "big", r.content[:300])
    assert client.get("/api/v1/inspections/plans/IP999999").status_code == 404
    assert client.get("/api/v1/inspections/plans/" + "x" * 41).status_code == 422
    assert client.get("/api/v1/inspections/plans/a%20b").status_code == 422


def test_pages_list_plans_and_show_one(client, pool, regulator_token):
    rate(6)
    plan_id = post(client, "/plans", regulator_token, new_plan(ratios=ALL)).json()["id"]
    post(client, f"/plans/{plan_id}/commit", regulator_token)
    drawn = post(client, f"/plans/{plan_id}/draw", regulator_token).json()
    listing = client.get("/inspections/")
    assert listing.status_code == 200 and plan_id in listing.content.decode()
    page = client.get(f"/inspections/{plan_id}/").content.decode()
    assert drawn["seed"] in page and drawn["seed_commitment"] in page
    assert all(k in page for k in drawn["selected"])
    results = [
        {"subject_id": k, "result": "no_issue", "inspected_on": drawn["as_of"]}
        for k in drawn["selected"]
    ]
    post(client, f"/plans/{plan_id}/results", regulator_token, {"results": results})
    page = client.get(f"/en/inspections/{plan_id}/")
    assert page.content.decode().count('<span data-result="no_issue">No issue found</span>') == 6
    assert client.get("/inspections/IP999999/").status_code == 404


def test_list_and_pages_take_a_fixed_number_of_queries(
    client, pool, regulator_token, django_assert_num_queries
):
    rate(12)
    for _ in range(3):
        plan_id = post(client, "/plans", regulator_token, new_plan(ratios=ALL)).json()["id"]
        post(client, f"/plans/{plan_id}/commit", regulator_token)
        post(client, f"/plans/{plan_id}/draw", regulator_token)
    with django_assert_num_queries(1):
        assert len(client.get("/api/v1/inspections/plans").json()) == 3
    with django_assert_num_queries(2):
        client.get(f"/api/v1/inspections/plans/{plan_id}")
    with django_assert_num_queries(1):
        client.get("/inspections/")
    with django_assert_num_queries(3):
        client.get(f"/inspections/{plan_id}/")


def test_ratios_come_from_the_plan_the_region_or_the_defaults(client, pool, regulator_token):
    shenzhen = post(client, "/plans", regulator_token, new_plan(region="440305")).json()
    assert (shenzhen["ratios"], shenzhen["ratios_source"]) == (
        {"A": 0.02, "B": 0.05, "C": 0.25, "D": 0.6},
        "region 4403",
    )
    anywhere = post(client, "/plans", regulator_token, new_plan()).json()
    assert (anywhere["ratios"], anywhere["ratios_source"]) == (
        {"A": 0.03, "B": 0.05, "C": 0.2, "D": 0.6},
        "default",
    )
    own = post(client, "/plans", regulator_token, new_plan(region="4403", ratios=ALL)).json()
    assert (own["ratios"], own["ratios_source"]) == (ALL, "plan")
    assert own["must_inspect_rules"][0]["name"] == "serious_penalty"
    assert own["rules_version"].startswith("inspection-rules-v1+sha256:")

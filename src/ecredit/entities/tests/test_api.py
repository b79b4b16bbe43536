"""Reading enterprises through the API: search, detail, and who sees which records."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ecredit.accounts.actions import create_organisation, create_token
from ecredit.core.ingest import write_rows
from ecredit.entities.queries import get_enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.records.imports import import_file
from ecredit.records.tests.penalties import penalty_row, write_penalties

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, admin_actor):
    sid = penalty_row(1)["subject_id"]
    reg = {
        "subject_id": sid,
        "name": "宁波跨境好物有限公司",
        "entity_type": "company",
        "legal_representative": "赵六",
        "established_on": "2017-01-02",
        "status": "active",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "r.csv", "csv", list(reg), [reg]),
        type_name="registration",
        provider="market-regulation",
    )
    import_file(
        admin_actor,
        write_penalties(
            tmp_path / "p.csv", [penalty_row(1, severity="light", decision_date="2026-05-01")]
        ),
        type_name="administrative_penalty",
        provider="market-regulation",
    )
    tax = {
        "subject_id": sid,
        "year": "2025",
        "rating": "M",
        "authority": "国家税务总局宁波市税务局",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "t.csv", "csv", list(tax), [tax]),
        type_name="tax_credit_rating",
        provider="tax",
    )
    evaluate_all(admin_actor, timezone.localdate())
    return sid


def token_for(admin_actor, kind, role, **kw):
    org = create_organisation(
        admin_actor, kind=kind, name=f"{kind} org", key=f"{kind}-{role}", **kw
    )
    return {"Authorization": f"Bearer {create_token(admin_actor, org, role)[1]}"}


def types_seen(client, sid, headers=None):
    resp = client.get(f"/api/v1/enterprises/{sid}/records", headers=headers or {})
    assert resp.status_code == 200
    return sorted(r["type"] for r in resp.json())


def test_search_and_detail(client, world, django_assert_max_num_queries):
    # the index's version, the page, its grades; and once per process the names to index
    with django_assert_max_num_queries(4):
        resp = client.get("/api/v1/enterprises", {"q": "跨境好物"})
    body = resp.json()
    assert body["total"] == 1
    assert body["results"][0]["subject_id"] == world
    assert body["results"][0]["grade"]["grade"] in {
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
    detail = client.get(f"/api/v1/enterprises/{world}").json()
    assert (detail["name"], detail["identifiers"]) == ("宁波跨境好物有限公司", [world])


def test_anonymous_readers_see_public_records_in_publicity_only(client, world):
    assert types_seen(client, world) == ["registration"]  # the light penalty is not published


def test_the_enterprise_itself_sees_its_whole_archive(client, world, admin_actor):
    headers = token_for(admin_actor, "enterprise", "enterprise", enterprise=get_enterprise(world))
    assert types_seen(client, world, headers) == [
        "administrative_penalty",
        "registration",
        "tax_credit_rating",
    ]


def test_another_enterprise_sees_only_public(client, world, admin_actor, tmp_path):
    other = penalty_row(2)["subject_id"]
    from ecredit.entities.actions import resolve_subjects

    enterprise = resolve_subjects([other])[other]
    headers = token_for(admin_actor, "enterprise", "enterprise", enterprise=enterprise)
    assert types_seen(client, world, headers) == ["registration"]


def test_a_bank_sees_only_public(client, world, admin_actor):
    assert types_seen(client, world, token_for(admin_actor, "bank", "reader")) == ["registration"]


def test_a_regulator_sees_everything(client, world, admin_actor):
    headers = token_for(admin_actor, "department", "regulator")
    assert types_seen(client, world, headers) == [
        "administrative_penalty",
        "registration",
        "tax_credit_rating",
    ]


def test_a_bad_token_on_a_public_read_is_401_not_anonymous(client, world):
    resp = client.get(
        f"/api/v1/enterprises/{world}/records", headers={"Authorization": "Bearer ecr_x"}
    )
    assert resp.status_code == 401


def test_foreign_ids_with_slashes_route(client, db):
    from ecredit.entities.actions import resolve_subjects

    resolve_subjects(["foreign:GB:SC 123/4"])
    assert (
        client.get("/api/v1/enterprises/foreign:GB:SC 123/4").json()["subject_id"]
        == "foreign:GB:SC 123/4"
    )
    assert client.get("/api/v1/enterprises/foreign:GB:SC 123/4/records").json() == []
    assert client.get("/enterprises/foreign:GB:SC 123/4/").status_code == 200
    # the reports' routes take such ids too: the bank API answers (401 without a token)
    assert client.get("/api/v1/reports/foreign:GB:SC 123/4").status_code == 401
    assert client.get("/api/v1/reports/foreign:GB:SC 123/4/access-log").status_code == 401


def test_bad_search_parameters_are_422(client, db):
    assert client.get("/api/v1/enterprises", {"q": "x" * 101}).status_code == 422
    # no query and no filter: a valid request that finds nothing
    assert client.get("/api/v1/enterprises", {"q": ""}).json() == {"total": 0, "results": []}


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"limit": "abc"}]
)
def test_bad_paging_is_422(client, world, params):
    assert client.get(f"/api/v1/enterprises/{world}/records", params).status_code == 422


def test_unknown_enterprise_is_404(client, db):
    assert client.get("/api/v1/enterprises/91330106000000019X").status_code == 404


def test_openapi_and_docs_are_served(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/records" in schema["paths"]
    assert sorted(schema["paths"]) == [
        "/api/v1/consents",
        "/api/v1/consents/{consent_id}",
        "/api/v1/credentials",
        "/api/v1/credentials/jwks",
        "/api/v1/credentials/status/1",
        "/api/v1/credentials/{credential_id}",
        "/api/v1/credentials/{credential_id}/revoke",
        "/api/v1/credit-check",
        "/api/v1/credit-check/{check_id}/feedback",
        "/api/v1/credit-checks",
        "/api/v1/dictionary",
        "/api/v1/dictionary/types/{name}",
        "/api/v1/enterprises",
        "/api/v1/enterprises/{subject_id}",
        "/api/v1/enterprises/{subject_id}/grades",
        "/api/v1/enterprises/{subject_id}/records",
        "/api/v1/evaluation-runs",
        "/api/v1/inspections/conflicts",
        "/api/v1/inspections/inspectors",
        "/api/v1/inspections/plans",
        "/api/v1/inspections/plans/{plan_id}",
        "/api/v1/inspections/plans/{plan_id}/close",
        "/api/v1/inspections/plans/{plan_id}/commit",
        "/api/v1/inspections/plans/{plan_id}/draw",
        "/api/v1/inspections/plans/{plan_id}/results",
        "/api/v1/ledger/bundle",
        "/api/v1/ledger/checkpoint",
        "/api/v1/ledger/cosignatures",
        "/api/v1/ledger/entries",
        "/api/v1/ledger/key",
        "/api/v1/ledger/proof/consistency",
        "/api/v1/ledger/proof/inclusion",
        "/api/v1/lists/entries",
        "/api/v1/lists/entries/{entry_id}/steps",
        "/api/v1/lists/objections",
        "/api/v1/lists/objections/{objection_id}/answer",
        "/api/v1/lists/repairs",
        "/api/v1/lists/repairs/check",
        "/api/v1/lists/repairs/{application_id}/decision",
        "/api/v1/lists/subjects/{subject_id}",
        "/api/v1/lists/types",
        "/api/v1/lists/types/{key}/entries",
        "/api/v1/measures",
        "/api/v1/models",
        "/api/v1/models/{version}",
        "/api/v1/negative-pool",
        "/api/v1/obligations",
        "/api/v1/records",
        "/api/v1/reports/{subject_id}",
        "/api/v1/reports/{subject_id}/access-log",
        "/api/v1/submissions/{submission_id}",
    ]
    assert client.get("/api/v1/docs").status_code == 200


def test_dictionary_api(client, db):
    d = client.get("/api/v1/dictionary").json()
    assert len(d["types"]) == 16
    assert (
        client.get("/api/v1/dictionary/types/administrative_penalty")
        .json()["$schema"]
        .startswith("https://json-schema.org/")
    )
    assert client.get("/api/v1/dictionary/types/nope").status_code == 404


def test_obligations_api_flags_overdue(client, db):
    rows = client.get("/api/v1/obligations", {"overdue": "true"}).json()
    assert rows and all(r["overdue"] for r in rows)


def test_list_endpoints_cost_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    with django_assert_num_queries(2):  # identifier lookup, records page
        client.get(f"/api/v1/enterprises/{world}/records")
    with django_assert_num_queries(1):
        client.get("/api/v1/obligations")
    with django_assert_num_queries(1):
        client.get("/api/v1/evaluation-runs")


def test_api_enums_have_distinct_names_so_openapi_components_do_not_collide():
    """Two Enums of one name become one OpenAPI component: one endpoint's schema would then
    advertise the other's values (a fuzzer found feedback offered list outcomes)."""
    import enum
    import importlib
    import pkgutil

    import ecredit

    seen: dict[str, str] = {}
    for mod in pkgutil.iter_modules(ecredit.__path__):
        try:
            api = importlib.import_module(f"ecredit.{mod.name}.api")
        except ModuleNotFoundError:
            continue
        for value in vars(api).values():
            if (
                isinstance(value, type)
                and issubclass(value, enum.Enum)
                and value.__module__ != ("enum")
            ):
                where = f"{api.__name__}.{value.__name__}"
                first = seen.setdefault(value.__name__, where)
                assert first == where or first.split(".")[1] == where.split(".")[1], (
                    f"Enum {value.__name__!r} is defined in {first} and {where}"
                )

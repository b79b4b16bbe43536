"""Certificates through the API and CLI: issue to the holder, verify offline, revoke, sweep."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import timezone
from tests.factories import register, uscc

from ecredit.accounts.actions import create_organisation, create_token
from ecredit.cli import main
from ecredit.credentials.models import Certificate
from ecredit.entities.queries import get_enterprise
from ecredit.ratings.actions import evaluate_all
from ecredit.ratings.models import Evaluation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tmp_path, admin_actor, market_regulation):
    sid = register(
        admin_actor, tmp_path, uscc(11), "杭州诚信示例电子商务有限公司", date(2024, 1, 5)
    )
    other = register(
        admin_actor, tmp_path, uscc(12), "杭州另一示例电子商务有限公司", date(2024, 1, 5)
    )
    evaluate_all(admin_actor, timezone.localdate())
    org = create_organisation(
        admin_actor, kind="enterprise", name="诚信示例", key="shop", enterprise=get_enterprise(sid)
    )
    return {
        "sid": sid,
        "other": other,
        "own": {"HTTP_AUTHORIZATION": f"Bearer {create_token(admin_actor, org, 'enterprise')[1]}"},
        "regulator": {
            "HTTP_AUTHORIZATION": (
                f"Bearer {create_token(admin_actor, market_regulation, 'regulator')[1]}"
            )
        },
    }


def _issue(c: Client, shop, **body):
    return c.post(
        "/api/v1/credentials",
        {"subject_id": shop["sid"], **body},
        content_type="application/json",
        **shop["own"],
    )


def test_issue_verify_offline_revoke_and_verify_again(shop, tmp_path):
    c = Client()
    r = _issue(c, shop, valid_days=30)
    assert r.status_code == 200, r.content
    cert = r.json()
    ev = Evaluation.objects.get(enterprise__subject_id=shop["sid"], is_latest=True)
    assert (cert["grade"], cert["status"]) == (ev.grade, "valid")
    (tmp_path / "cert.jwt").write_text(cert["token"])
    (tmp_path / "keys.json").write_text(c.get("/api/v1/credentials/jwks").content.decode())
    status = c.get("/api/v1/credentials/status/1")
    assert status["Content-Type"] == "application/vc+jwt"
    (tmp_path / "status.jwt").write_text(status.content.decode())
    args = [
        "credential",
        "verify",
        str(tmp_path / "cert.jwt"),
        "--jwks",
        str(tmp_path / "keys.json"),
        "--status",
        str(tmp_path / "status.jwt"),
    ]
    ok = CliRunner().invoke(main, args)
    assert ok.exit_code == 0, ok.output
    assert "HOLDS" in ok.output and "not revoked" in ok.output and ev.grade in ok.output

    gone = c.post(
        f"/api/v1/credentials/{cert['id']}/revoke",
        {"reason": "企业申请注销"},
        content_type="application/json",
        **shop["regulator"],
    )
    assert gone.status_code == 200 and gone.json()["status"] == "revoked"
    (tmp_path / "status.jwt").write_text(c.get("/api/v1/credentials/status/1").content.decode())
    revoked = CliRunner().invoke(main, args)
    assert revoked.exit_code == 1 and "REVOKED" in revoked.output
    again = c.post(
        f"/api/v1/credentials/{cert['id']}/revoke",
        {"reason": "twice"},
        content_type="application/json",
        **shop["regulator"],
    )
    assert again.status_code == 409


def test_a_forged_certificate_is_not_genuine(shop, tmp_path):
    c = Client()
    token = _issue(c, shop).json()["token"]
    h, p, s = token.split(".")
    (tmp_path / "cert.jwt").write_text(f"{h}.{p[:-4]}AAAA.{s}")
    (tmp_path / "keys.json").write_text(c.get("/api/v1/credentials/jwks").content.decode())
    r = CliRunner().invoke(
        main,
        ["credential", "verify", str(tmp_path / "cert.jwt"), "--jwks", str(tmp_path / "keys.json")],
    )
    assert r.exit_code == 2 and "NOT GENUINE" in r.output
    page = c.post("/credentials/verify/", {"token": f"{h}.{p[:-4]}AAAA.{s}"})
    assert page.status_code == 400
    good = c.post("/credentials/verify/", {"token": token})
    assert good.status_code == 200 and "杭州诚信示例电子商务有限公司" in good.content.decode()


def test_only_the_holder_or_an_operator_gets_a_certificate(shop):
    c = Client()
    r = c.post(
        "/api/v1/credentials",
        {"subject_id": shop["other"]},
        content_type="application/json",
        **shop["own"],
    )
    assert r.status_code == 403
    assert (
        c.post(
            "/api/v1/credentials", {"subject_id": shop["sid"]}, content_type="application/json"
        ).status_code
        == 401
    )
    for body in (
        {"subject_id": shop["sid"], "valid_days": 0},
        {"subject_id": shop["sid"], "valid_days": 400},
        {"subject_id": "x" * 300},
        {},
    ):
        assert (
            c.post(
                "/api/v1/credentials", body, content_type="application/json", **shop["own"]
            ).status_code
            == 422
        )
    assert c.get("/api/v1/credentials/urn:uuid:nope").status_code == 404


def test_a_changed_grade_revokes_the_certificate_in_the_sweep(shop, admin_actor):
    c = Client()
    cert_id = _issue(c, shop).json()["id"]
    Evaluation.objects.filter(enterprise__subject_id=shop["sid"], is_latest=True).update(grade="C")
    r = CliRunner().invoke(main, ["credential", "sweep"])
    assert r.exit_code == 0 and "revoked 1" in r.output
    cert = Certificate.objects.get(credential_id=cert_id)
    assert cert.revoked_at is not None and "now C" in cert.revoke_reason
    assert c.get(f"/api/v1/credentials/{cert_id}").json()["status"] == "revoked"


def test_the_status_index_is_random_and_unique(shop):
    c = Client()
    indices = {_issue(c, shop).json()["status_index"] for _ in range(5)}
    assert len(indices) == 5
    keys = json.loads(c.get("/api/v1/credentials/jwks").content)
    assert all("d" not in k for k in keys["keys"])

"""Organisations, tokens and the dictionary export from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ecredit.accounts.actions import authenticate_token
from ecredit.accounts.models import ApiToken, Organisation
from ecredit.cli import main

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_create_a_provider_organisation_and_a_token():
    r = run(
        "orgs",
        "create",
        "--kind",
        "department",
        "--name",
        "杭州市市场监督管理局",
        "--provider",
        "market-regulation",
        "--key",
        "hz-amr",
    )
    assert r.exit_code == 0, r.output
    r = run("tokens", "create", "--org", "hz-amr", "--role", "submitter")
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[0]
    assert authenticate_token(token).provider_key == "market-regulation"
    assert ApiToken.objects.get().token_hash != token
    r = run("tokens", "revoke", token[:12])
    assert r.exit_code == 0
    assert authenticate_token(token) is None


def test_an_enterprise_organisation_needs_a_known_subject():
    r = run(
        "orgs",
        "create",
        "--kind",
        "enterprise",
        "--name",
        "某公司",
        "--subject-id",
        "91330106000000019W",
    )
    assert r.exit_code == 1
    assert "no enterprise holds" in r.output
    assert Organisation.objects.count() == 0


def test_token_for_unknown_org_is_a_clear_error():
    r = run("tokens", "create", "--org", "nobody", "--role", "submitter")
    assert r.exit_code == 1
    assert "ecredit orgs list" in r.output


def test_dictionary_export_writes_one_schema_per_type(tmp_path):
    r = run("dictionary", "export", "--format", "json-schema", str(tmp_path / "schemas"))
    assert r.exit_code == 0
    files = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert len(files) == 16
    schema = json.loads((tmp_path / "schemas" / "administrative_penalty.schema.json").read_text())
    assert set(schema["properties"]) == {
        "subject_id",
        "decision_no",
        "decision_date",
        "authority",
        "violation",
        "penalty_type",
        "fine_amount_cny",
        "severity",
        "legal_basis",
    }

"""`ecredit lists`: sweep, propose, decide, show, through the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ecredit.cli import main

pytestmark = pytest.mark.django_db


def run(*args: str):
    return CliRunner().invoke(main, ["lists", *args])


def test_types_need_no_database():
    out = run("types").output
    assert "serious_dishonesty" in out and "decided by rating-engine" in out


def test_propose_decide_show(admin_actor):
    from ecredit.records.actions import ingest_batch
    from ecredit.records.tests.penalties import penalty_row

    row = penalty_row(1, severity="general", decision_date="2026-06-01")
    ingest_batch(
        admin_actor, type_name="administrative_penalty", provider="market-regulation", records=[row]
    )
    sid = row["subject_id"]
    r = run("propose", "watch", "--subject-id", sid, "--reason", "complaints")
    assert r.exit_code == 0, r.output
    entry = int(r.output.split("#")[1].split()[0])
    bad = run("decide", str(entry), "publish", "--reason", "x")
    assert bad.exit_code == 1 and "it can: notify, dismiss" in bad.output
    assert run("decide", str(entry), "notify", "--reason", "letter").exit_code == 0
    shown = json.loads(run("show", "--subject-id", sid).output)
    assert [e["state"] for e in shown["entries"]] == ["notified"]
    assert run("propose", "purple", "--subject-id", sid, "--reason", "x").exit_code == 1
    assert run("decide", "999999", "notify", "--reason", "x").exit_code == 1
    swept = json.loads(run("sweep", "--json").output)
    assert set(swept) == {"proposed", "advanced", "closed"}
    assert "watch" in run("show").output

"""`ecredit report` writes a PDF that `ecredit ledger verify` accepts offline."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ecredit.cli import main
from ecredit.ledger import actions as ledger
from ecredit.reports.models import IssuedReport

pytestmark = pytest.mark.django_db


def test_report_then_verify(world, tmp_path, monkeypatch):
    monkeypatch.setattr("ecredit.cli._django", lambda: None)
    out = tmp_path / "r.pdf"
    sid = world["a"].subject_id
    args = ["report", sid, "--type", "in-depth", "--lang", "en", "--output", str(out), "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    issued = json.loads(result.output)
    row = IssuedReport.objects.get(number=issued["number"])
    assert (row.report_type, row.lang, row.ledger_index) == (
        "in-depth",
        "en",
        issued["ledger_index"],
    )
    assert "what_if" in row.content["rating"] and "credit_checks" in row.content
    key = ledger.verifier_key().encode()
    result = CliRunner().invoke(main, ["ledger", "verify", str(out), "--key", key])
    assert result.exit_code == 0, result.output
    assert "HOLDS: report " + issued["number"] in result.output


def test_report_on_an_unknown_subject_exits_2(world, tmp_path, monkeypatch):
    monkeypatch.setattr("ecredit.cli._django", lambda: None)
    result = CliRunner().invoke(main, ["report", "nobody", "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert "no enterprise" in result.output

"""Evaluating the population as of a date: point in time, versions named, reproducible."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from ecredit.cli import main
from ecredit.core.ingest import write_rows
from ecredit.ratings.actions import EvaluationError, evaluate_all
from ecredit.ratings.models import Evaluation, EvaluationRun
from ecredit.records.imports import import_file
from ecredit.records.tests.penalties import penalty_row, write_penalties

pytestmark = pytest.mark.django_db


@pytest.fixture
def sid(tmp_path, admin_actor):
    s = penalty_row(1)["subject_id"]
    reg = {
        "subject_id": s,
        "name": "深圳南山优选电子商务有限公司",
        "entity_type": "company",
        "legal_representative": "陈七",
        "established_on": "2016-01-02",
        "status": "active",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "r.csv", "csv", list(reg), [reg]),
        type_name="registration",
        provider="market-regulation",
        received_on=date(2024, 1, 10),
    )
    return s


def latest(sid):
    return Evaluation.objects.get(enterprise__subject_id=sid, is_latest=True)


def test_a_record_received_after_the_as_of_date_changes_nothing(tmp_path, admin_actor, sid):
    as_of = date(2025, 6, 30)
    evaluate_all(admin_actor, as_of)
    before = latest(sid)
    # a serious penalty that happened before the as-of date but reached us after it
    listing = {
        "subject_id": sid,
        "decision_no": "深市监严重〔2025〕1号",
        "listed_on": "2025-05-01",
        "authority": "深圳市市场监督管理局",
        "reason": "销售假冒伪劣商品",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "l.csv", "csv", list(listing), [listing]),
        type_name="serious_dishonesty_listing",
        provider="market-regulation",
        received_on=date(2025, 7, 15),
    )
    evaluate_all(admin_actor, as_of)
    again = latest(sid)
    assert (again.score, again.grade, again.features) == (
        before.score,
        before.grade,
        before.features,
    )
    # evaluated as of a date after it arrived, the listing counts and caps the grade
    evaluate_all(admin_actor, date(2025, 7, 31))
    after = latest(sid)
    assert after.grade == "C"
    assert [v["key"] for v in after.vetoes] != []


def test_a_correction_received_later_is_not_seen_earlier(tmp_path, admin_actor, sid):
    path = write_penalties(
        tmp_path / "a.csv", [penalty_row(1, severity="general", decision_date="2025-03-01")]
    )
    import_file(
        admin_actor,
        path,
        type_name="administrative_penalty",
        provider="market-regulation",
        received_on=date(2025, 3, 5),
    )
    fixed = write_penalties(
        tmp_path / "b.csv", [penalty_row(1, severity="serious", decision_date="2025-03-01")]
    )
    import_file(
        admin_actor,
        fixed,
        type_name="administrative_penalty",
        provider="market-regulation",
        received_on=date(2025, 9, 1),
    )
    evaluate_all(admin_actor, date(2025, 6, 30))
    mid = latest(sid).features
    evaluate_all(admin_actor, date(2025, 9, 30))
    late = latest(sid).features
    assert (mid["penalties_serious_36m"], late["penalties_serious_36m"]) == (0, 1)


def test_every_evaluation_names_its_versions_and_reproduces(admin_actor, sid):
    day = timezone.localdate() - timedelta(days=1)
    a = evaluate_all(admin_actor, day)
    b = evaluate_all(admin_actor, day)
    assert a.system_version.startswith("isys-v1+sha256:")
    assert a.dictionary_version.startswith("2026.1+sha256:")
    ea, eb = (Evaluation.objects.get(run=r) for r in (a, b))
    assert (ea.score, ea.grade, ea.contributions, ea.features) == (
        eb.score,
        eb.grade,
        eb.contributions,
        eb.features,
    )


def test_an_older_as_of_does_not_replace_the_latest_grade(admin_actor, sid):
    evaluate_all(admin_actor, date(2025, 12, 31))
    evaluate_all(admin_actor, date(2025, 1, 31))
    assert latest(sid).as_of == date(2025, 12, 31)
    assert Evaluation.objects.count() == 2


def test_the_future_is_refused(admin_actor, sid):
    with pytest.raises(EvaluationError, match="future"):
        evaluate_all(admin_actor, timezone.localdate() + timedelta(days=1))
    assert EvaluationRun.objects.count() == 0


def test_cli_evaluate_prints_json(sid):
    result = CliRunner().invoke(
        main, ["evaluate", "--as-of", "2025-06-30", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert (out["as_of"], out["evaluated"], sum(out["grades"].values())) == ("2025-06-30", 1, 1)


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", ""])
def test_cli_evaluate_rejects_bad_dates(db, bad):
    result = CliRunner().invoke(main, ["evaluate", "--as-of", bad])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_a_serious_new_event_downgrades_at_once_and_enters_the_pool(tmp_path, admin_actor, sid):
    from ecredit.ratings.models import NegativePoolEntry

    evaluate_all(admin_actor, date(2025, 6, 30))
    first = latest(sid)
    assert (first.rule, first.candidate_grade, first.policy_version[:16]) == (
        "initial",
        first.grade,
        "grade-policy-v1+",
    )
    listing = {
        "subject_id": sid,
        "decision_no": "深市监严重〔2025〕9号",
        "listed_on": "2025-07-02",
        "authority": "深圳市市场监督管理局",
        "reason": "虚假交易",
    }
    import_file(
        admin_actor,
        write_rows(tmp_path / "l.csv", "csv", list(listing), [listing]),
        type_name="serious_dishonesty_listing",
        provider="market-regulation",
        received_on=date(2025, 7, 3),
    )
    evaluate_all(admin_actor, date(2025, 7, 31))
    second = latest(sid)
    assert (second.grade, second.rule) == ("C", "veto")
    assert (
        NegativePoolEntry.objects.filter(enterprise__subject_id=sid, left_on__isnull=True).count()
        == 1
    )
    entry = NegativePoolEntry.objects.get()
    assert (entry.entered_on, entry.entered_by_id) == (date(2025, 7, 31), second.pk)
    assert "严重" in entry.reason


def test_evaluations_and_pool_decisions_are_ledger_leaves(tmp_path, admin_actor, sid, client):
    """Each published evaluation and each pool decision is a leaf its API output rebuilds."""
    from ecredit.core.ledger.leaves import decode, encode
    from ecredit.ledger.models import Leaf
    from ecredit.ratings.actions import evaluation_leaf

    test_a_serious_new_event_downgrades_at_once_and_enters_the_pool(tmp_path, admin_actor, sid)
    ev = latest(sid)
    assert ev.ledger_index is not None
    assert bytes(Leaf.objects.get(index=ev.ledger_index).data) == encode(
        "evaluation/v1", evaluation_leaf(ev)
    )
    grade = client.get(f"/api/v1/enterprises/{sid}").json()["grade"]
    assert grade["ledger_index"] == ev.ledger_index
    pool = client.get("/api/v1/negative-pool").json()
    assert [p["subject_id"] for p in pool] == [sid]
    leaf = decode(bytes(Leaf.objects.get(index=pool[0]["ledger_index"]).data))
    assert (leaf["leaf"], leaf["action"], leaf["subject_id"], leaf["on"]) == (
        "pool/v1",
        "entered",
        sid,
        pool[0]["entered_on"],
    )
    assert leaf["run"] == pool[0]["run"] == ev.run_id
    assert client.get("/api/v1/negative-pool?limit=0").status_code == 422
    records = client.get(f"/api/v1/enterprises/{sid}/records").json()
    assert records and all(isinstance(r["ledger_index"], int) for r in records)


def test_a_new_negative_blocks_an_upgrade_and_names_the_record(tmp_path, admin_actor, sid):
    from ecredit.core.scoring.policy import GradeState
    from ecredit.ratings.models import Evaluation

    evaluate_all(admin_actor, date(2025, 6, 30))
    # pretend the previous grade was lower than the band the score now gives
    ev = latest(sid)
    Evaluation.objects.filter(pk=ev.pk).update(grade="B", state={**GradeState(grade="B").__dict__})
    p = write_penalties(
        tmp_path / "p.csv", [penalty_row(1, severity="general", decision_date="2025-07-01")]
    )
    import_file(
        admin_actor,
        p,
        type_name="administrative_penalty",
        provider="market-regulation",
        received_on=date(2025, 7, 5),
    )
    evaluate_all(admin_actor, date(2025, 7, 31))
    now = latest(sid)
    assert (now.grade, now.rule) == ("B", "upgrade-blocked")
    assert len(now.evidence) == 1 and now.evidence[0].startswith(
        "administrative_penalty 2025-07-01 #"
    )

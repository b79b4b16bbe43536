"""List entries, objections and repair through `lists.actions`: every transition, who may act,
deadlines, withdrawal and re-grading, and the ledger leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ecredit.accounts.principals import Actor
from ecredit.core.ledger.leaves import decode
from ecredit.core.lists import IllegalTransition
from ecredit.entities.queries import visible_records
from ecredit.ledger.models import Leaf
from ecredit.lists import actions, queries
from ecredit.lists.attachments import Upload, path_of
from ecredit.lists.models import Attachment, ListEntry, Objection
from ecredit.ratings.actions import records_known_on
from ecredit.ratings.models import Evaluation
from ecredit.records.models import CreditRecord

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def leaf(index: int) -> dict:
    return decode(bytes(Leaf.objects.get(index=index).data))


def test_sweep_proposes_from_records_and_grades_once(town):
    report = actions.sweep(Actor.system("test"), town.today)
    entries = {(e.list_type, e.enterprise_id): e for e in ListEntry.objects.all()}
    sd = entries[("serious_dishonesty", town.b.pk)]
    assert sd.state == "proposed"
    assert sd.evidence == {"records": [town.listing.pk], "leaves": [town.listing.ledger_index]}
    assert sorted(report.proposed) == sorted(e.pk for e in entries.values())
    step = leaf(sd.ledger_index)
    assert (step["leaf"], step["action"], step["state"], step["list"]) == (
        "list-decision/v1",
        "propose",
        "proposed",
        "serious_dishonesty",
    )
    again = actions.sweep(Actor.system("test"), town.today)
    assert again.proposed == []


def _entry(town, **kw):
    return actions.propose(
        town.regulator,
        town.b,
        "serious_dishonesty",
        reason="listing",
        evidence={"records": [town.listing.pk]},
        **kw,
    )


def test_the_whole_way_to_published_and_removed(town):
    day0 = town.today - timedelta(days=20)
    e = _entry(town, on=day0)
    e = actions.advance(town.regulator, e, "notify", reason="letter sent", on=day0)
    assert e.objection_until == day0 + timedelta(days=10)
    with pytest.raises(IllegalTransition, match="objection window runs to"):
        actions.advance(town.regulator, e, "list", reason="x", on=day0 + timedelta(days=10))
    e = actions.advance(
        town.regulator, e, "list", reason="no objection", on=day0 + timedelta(days=11)
    )
    assert e.state == "decided" and e.decision_ledger_index is not None
    e = actions.advance(town.regulator, e, "publish", reason="publish")
    assert (e.state, e.published_on, e.until) == (
        "published",
        town.today,
        town.today + timedelta(days=1095),
    )
    [m] = queries.memberships(town.b)
    assert (m.list_type, m.since, m.ledger_index) == (
        "serious_dishonesty",
        town.today,
        e.decision_ledger_index,
    )
    assert [s.action for s in e.steps.all()] == ["propose", "notify", "list", "publish"]
    assert [leaf(s.ledger_index)["action"] for s in e.steps.all()] == [
        "propose",
        "notify",
        "list",
        "publish",
    ]
    e = actions.advance(town.regulator, e, "remove", reason="removed by the authority")
    assert e.state == "removed" and queries.memberships(town.b) == []


def test_illegal_steps_say_what_is_allowed(town):
    e = _entry(town)
    with pytest.raises(IllegalTransition, match="it can: notify, dismiss"):
        actions.advance(town.regulator, e, "publish", reason="x")
    with pytest.raises(IllegalTransition, match="uphold an objection"):
        actions.advance(town.regulator, e, "revoke", reason="x")
    actions.advance(town.regulator, e, "dismiss", reason="not needed")
    with pytest.raises(IllegalTransition, match="it is closed"):
        actions.advance(town.regulator, e, "notify", reason="x")


def test_dates_cannot_be_future_or_before_the_last_step(town):
    with pytest.raises(actions.ListsError, match="in the future"):
        _entry(town, on=town.today + timedelta(days=1))
    e = _entry(town)
    with pytest.raises(actions.ListsError, match="before the previous step"):
        actions.advance(town.regulator, e, "notify", reason="x", on=town.today - timedelta(days=1))


def test_only_one_open_entry_per_list(town):
    _entry(town)
    with pytest.raises(actions.ListsError, match="already has an open entry"):
        _entry(town)


def test_enterprises_cannot_decide_and_need_reasons(town):
    with pytest.raises(actions.Forbidden):
        actions.propose(town.merchant, town.a, "watch", reason="x")
    e = _entry(town)
    with pytest.raises(actions.Forbidden):
        actions.advance(town.other, e, "dismiss", reason="no")
    with pytest.raises(actions.ListsError, match="a reason is required"):
        actions.advance(town.regulator, e, "notify", reason="  ")
    with pytest.raises(actions.ListsError, match="unknown list"):
        actions.propose(town.regulator, town.a, "purple", reason="x")
    with pytest.raises(actions.ListsError, match="no record #999999"):
        actions.propose(town.regulator, town.a, "watch", reason="x", evidence={"records": [999999]})


def test_an_objection_blocks_the_decision_until_answered_and_upheld_revokes(town):
    day0 = town.today - timedelta(days=20)
    e = actions.advance(town.regulator, _entry(town, on=day0), "notify", reason="sent", on=day0)
    obj = actions.file_objection(town.other, entry=e, reason="the listing was annulled")
    with pytest.raises(IllegalTransition, match="objection to this entry is open"):
        actions.advance(town.regulator, e, "list", reason="x")
    actions.answer_objection(
        town.regulator, obj, uphold=True, answer="annulled on appeal", regrade=False
    )
    e.refresh_from_db()
    assert e.state == "revoked"
    assert leaf(Objection.objects.get().answer_ledger_index)["outcome"] == "revoked"


def test_an_enterprise_objects_only_about_itself(town):
    with pytest.raises(actions.Forbidden, match="only about itself"):
        actions.file_objection(town.other, record=town.recent, reason="not mine")
    with pytest.raises(actions.Forbidden):
        actions.file_objection(town.regulator, record=town.recent, reason="x")
    with pytest.raises(actions.ListsError, match="one record or one list entry"):
        actions.file_objection(town.merchant, reason="x")


def test_attachments_are_checked_and_stored_by_hash(town, settings):
    obj = actions.file_objection(
        town.merchant, record=town.recent, reason="wrong", files=[Upload("../../ruling.pdf", PDF)]
    )
    [a] = Attachment.objects.all()
    assert (a.name, a.content_type, a.size) == ("ruling.pdf", "application/pdf", len(PDF))
    assert path_of(a.sha256).read_bytes() == PDF
    assert leaf(obj.ledger_index)["attachments"] == [a.sha256]
    assert obj.answer_due == town.today + timedelta(days=15)
    for files, message in (
        ([Upload("x.exe", b"MZ\x90\x00")], "not a file type"),
        ([Upload("big.txt", b"a" * (5 * 1024 * 1024 + 1))], "more than the limit"),
        ([Upload("e.txt", b"")], "empty"),
        ([Upload(f"{i}.txt", b"x") for i in range(6)], "at most 5"),
    ):
        with pytest.raises(ValueError, match=message):
            actions.file_objection(town.merchant, record=town.old, reason="x", files=files)
    assert Objection.objects.count() == 1


def test_upheld_objection_withdraws_the_record_and_regrades(town):
    before = Evaluation.objects.get(enterprise=town.a, is_latest=True)
    obj = actions.file_objection(town.merchant, record=town.recent, reason="annulled")
    with pytest.raises(actions.ListsError, match="already open"):
        actions.file_objection(town.merchant, record=town.recent, reason="again")
    with pytest.raises(actions.Forbidden):
        actions.answer_objection(town.merchant, obj, uphold=True, answer="x")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="the court annulled it")
    obj.refresh_from_db()
    assert (obj.state, obj.outcome) == ("upheld", "withdrawn")
    w = town.recent.withdrawal
    assert (w.basis, w.effective_on) == ("objection", town.today)
    assert leaf(w.ledger_index)["leaf"] == "withdrawal/v1"
    assert town.recent.pk not in {pk for pk, _ in records_known_on(town.today).get(town.a.pk, [])}
    assert town.recent not in visible_records(town.a, None, town.today)
    assert town.recent in visible_records(town.a, town.merchant, town.today)
    after = Evaluation.objects.get(enterprise=town.a, is_latest=True)
    assert after.pk != before.pk and after.run.evaluated == 1
    assert Evaluation.objects.get(enterprise=town.b, is_latest=True).run_id == before.run_id
    with pytest.raises(IllegalTransition, match="already upheld"):
        actions.answer_objection(town.regulator, obj, uphold=False, answer="x")


def test_upheld_objection_can_correct_by_a_new_version(town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="the fine was 500")
    with pytest.raises(actions.ListsError, match="needs the corrected field values"):
        actions.answer_objection(town.regulator, obj, uphold=True, answer="x", outcome="corrected")
    with pytest.raises(actions.ListsError, match="cannot change decision_no"):
        actions.answer_objection(
            town.regulator,
            obj,
            uphold=True,
            answer="x",
            outcome="corrected",
            corrections={"decision_no": "X"},
        )
    actions.answer_objection(
        town.regulator,
        obj,
        uphold=True,
        answer="corrected",
        outcome="corrected",
        corrections={"fine_amount_cny": "500.00"},
        regrade=False,
    )
    new = CreditRecord.objects.get(supersedes=town.recent)
    assert (new.version, new.values["fine_amount_cny"], new.is_current) == (2, "500.00", True)


def test_rejected_objection_changes_nothing_but_its_answer(town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="x")
    actions.answer_objection(town.regulator, obj, uphold=False, answer="the decision stands")
    obj.refresh_from_db()
    assert (obj.state, obj.outcome, obj.answer) == ("rejected", "", "the decision stands")
    assert not hasattr(CreditRecord.objects.get(pk=town.recent.pk), "withdrawal")


def test_objection_deadline_is_tracked(town):
    obj = actions.file_objection(town.merchant, record=town.recent, reason="x")
    Objection.objects.filter(pk=obj.pk).update(answer_due=town.today - timedelta(days=1))
    [row] = [queries.objection_json(o, town.today) for o in queries.open_objections()]
    assert row["overdue"] is True


def test_repair_before_the_minimum_period_is_refused_with_the_earliest_day(town):
    check = actions.repair_check(town.recent, town.today)
    assert check.earliest_on == town.today + timedelta(days=31)
    with pytest.raises(actions.ListsError, match="applications from"):
        actions.apply_for_repair(
            town.merchant, town.recent, correction="paid", commitment="I promise"
        )


def test_repair_approved_leaves_public_view_and_regrades(town):
    # a general penalty 100 days ago: past its 90-day minimum, still public
    from ecredit.records.tests.penalties import penalty_row

    from .conftest import days_ago, ingest

    ingest(
        Actor.system("t"),
        "administrative_penalty",
        [penalty_row(801, severity="general", decision_date=days_ago(town.today, 100))],
    )
    rec = CreditRecord.objects.get(natural_key__contains="801号")
    assert rec in visible_records(town.a, None, town.today)
    with pytest.raises(actions.Forbidden):
        actions.apply_for_repair(town.other, rec, correction="x", commitment="y")
    app = actions.apply_for_repair(
        town.merchant,
        rec,
        correction="fine paid, false claims removed",
        commitment="本企业承诺诚信经营",
        files=[Upload("receipt.png", b"\x89PNG\r\n\x1a\n0000")],
    )
    assert app.decide_by == town.today + timedelta(days=15)
    assert app.conditions["ok"] is True
    commitment = app.commitment_record
    assert (commitment.type_name, commitment.values["kind"], commitment.values["content"]) == (
        "credit_commitment",
        "repair",
        "本企业承诺诚信经营",
    )
    assert commitment in visible_records(town.a, None, town.today)
    with pytest.raises(actions.ListsError, match="already open"):
        actions.apply_for_repair(town.merchant, rec, correction="x", commitment="y")
    with pytest.raises(actions.Forbidden):
        actions.decide_repair(town.merchant, app, approve=True, reason="x")
    runs = Evaluation.objects.filter(enterprise=town.a).count()
    actions.decide_repair(town.regulator, app, approve=True, reason="conditions met")
    app.refresh_from_db()
    assert app.state == "approved"
    assert rec not in visible_records(town.a, None, town.today)
    assert rec in visible_records(town.a, town.regulator, town.today)
    assert CreditRecord.objects.get(pk=rec.pk).withdrawal.basis == "repair"
    assert Evaluation.objects.filter(enterprise=town.a).count() == runs + 1
    assert leaf(app.decision_ledger_index)["action"] == "approved"


def test_repair_rejected(town):
    from ecredit.records.tests.penalties import penalty_row

    from .conftest import days_ago, ingest

    ingest(
        Actor.system("t"),
        "administrative_penalty",
        [penalty_row(801, severity="general", decision_date=days_ago(town.today, 100))],
    )
    rec = CreditRecord.objects.get(natural_key__contains="801号")
    app = actions.apply_for_repair(town.merchant, rec, correction="x", commitment="y")
    actions.decide_repair(town.regulator, app, approve=False, reason="the fine is unpaid")
    with pytest.raises(IllegalTransition, match="already rejected"):
        actions.decide_repair(town.regulator, app, approve=True, reason="x")
    assert rec in visible_records(town.a, None, town.today)


def test_withdrawn_listing_removes_the_published_entry_by_rule(town):
    day0 = town.today - timedelta(days=20)
    e = actions.advance(town.regulator, _entry(town, on=day0), "notify", reason="sent", on=day0)
    e = actions.advance(town.regulator, e, "list", reason="ok")
    e = actions.advance(town.regulator, e, "publish", reason="ok")
    obj = actions.file_objection(town.other, record=town.listing, reason="annulled")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="annulled", regrade=False)
    e.refresh_from_db()
    assert (e.state, e.closed_on) == ("removed", town.today)
    assert e.steps.last().reason == "the entry rule no longer holds"


def test_sweep_expires_entries_and_runs_rating_engine_lists(town):
    e = _entry(town)
    for action in ("notify",):
        e = actions.advance(town.regulator, e, action, reason="x")
    ListEntry.objects.filter(pk=e.pk).update(
        state="published",
        published_on=town.today - timedelta(days=400),
        until=town.today - timedelta(days=1),
    )
    report = actions.sweep(Actor.system("t"), town.today)
    e.refresh_from_db()
    assert e.state == "removed" and e.steps.last().reason == "the last listed day has passed"
    assert (e.pk, "remove") in report.closed


def test_the_rating_engines_pool_list_moves_by_the_sweep_after_its_window(town):
    from ecredit.ratings.models import NegativePoolEntry

    pool = NegativePoolEntry.objects.get(enterprise=town.b, left_on__isnull=True)
    earlier = town.today - timedelta(days=15)
    actions.sweep(Actor.system("t"), earlier)
    e = ListEntry.objects.get(list_type="negative_pool")
    assert (e.state, e.enterprise_id, e.evidence["leaves"]) == (
        "notified",
        town.b.pk,
        [pool.ledger_index],
    )
    assert e.objection_until == earlier + timedelta(days=10)
    actions.sweep(Actor.system("t"), town.today - timedelta(days=5))  # still inside the window
    e.refresh_from_db()
    assert e.state == "notified"
    actions.sweep(Actor.system("t"), town.today)
    e.refresh_from_db()
    assert (e.state, e.published_on, e.until) == ("published", town.today, None)
    assert [s.action for s in e.steps.all()] == ["propose", "notify", "list", "publish"]


def test_an_open_objection_holds_the_rating_engines_decision(town):
    earlier = town.today - timedelta(days=15)
    actions.sweep(Actor.system("t"), earlier)
    e = ListEntry.objects.get(list_type="negative_pool")
    actions.file_objection(town.other, entry=e, reason="the veto was lifted")
    actions.sweep(Actor.system("t"), town.today)
    e.refresh_from_db()
    assert e.state == "notified"


def test_a_list_without_objection_window_is_decided_the_day_it_is_notified(town):
    e = actions.propose(town.regulator, town.a, "red", reason="grade AA")
    e = actions.advance(town.regulator, e, "notify", reason="x")
    e = actions.advance(town.regulator, e, "list", reason="x")
    assert e.state == "decided"


def test_the_ledger_audit_checks_every_lists_leaf(town):
    from django.db import connection

    from ecredit.ledger.audit import run_audit
    from ecredit.records.tests.penalties import penalty_row

    from .conftest import days_ago, ingest

    ingest(
        Actor.system("t"),
        "administrative_penalty",
        [penalty_row(801, severity="general", decision_date=days_ago(town.today, 100))],
    )
    actions.sweep(Actor.system("t"), town.today - timedelta(days=15))
    actions.sweep(Actor.system("t"), town.today)
    obj = actions.file_objection(
        town.merchant, record=town.recent, reason="x", files=[Upload("a.pdf", PDF)]
    )
    actions.answer_objection(town.regulator, obj, uphold=True, answer="annulled", regrade=False)
    rec = CreditRecord.objects.get(natural_key__contains="801号")
    app = actions.apply_for_repair(
        town.merchant, rec, correction="paid", commitment="承诺", files=[Upload("b.txt", b"ok")]
    )
    actions.decide_repair(town.regulator, app, approve=True, reason="ok", regrade=False)
    report = run_audit()
    assert report.problems == []
    steps = sum(1 for _ in Leaf.objects.all() if leaf(_.index)["leaf"] == "list-decision/v1")
    assert (
        report.decisions == steps + 2 + 2 + 2
    )  # objection, repair: filed and decided; 2 withdrawals
    with connection.cursor() as c:  # an objection's answer edited behind the application's back
        c.execute("UPDATE lists_objection SET answer = 'nothing' WHERE id = %s", [obj.pk])
    [problem] = run_audit().problems
    assert (problem.kind, problem.id) == ("objection", obj.pk)
    assert "differs in: reason" in problem.message


def test_an_objection_upheld_on_a_proposal_revokes_it(town):
    e = _entry(town)
    obj = actions.file_objection(town.other, entry=e, reason="wrong company")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="agreed", regrade=False)
    e.refresh_from_db()
    assert e.state == "revoked"


def test_an_objection_to_an_entry_closed_meanwhile_is_upheld_without_revoking(town):
    e = _entry(town)
    obj = actions.file_objection(town.other, entry=e, reason="wrong company")
    actions.advance(town.regulator, e, "dismiss", reason="not needed")
    obj = actions.answer_objection(town.regulator, obj, uphold=True, answer="agreed", regrade=False)
    e.refresh_from_db()
    assert (e.state, obj.state, obj.outcome) == ("dismissed", "upheld", "")


def test_an_evaluation_made_before_a_same_day_withdrawal_still_reproduces(town):
    from ecredit.entities.models import Enterprise
    from ecredit.ratings.actions import features_known_on

    def features_seen_by(evaluation: Evaluation) -> dict:
        # what `ratings.actions.reproduce` recomputes for the run of `evaluation`
        run = evaluation.run
        known = records_known_on(town.today, withdrawn_before=run.started_at)
        everyone = list(Enterprise.objects.order_by("pk"))
        return features_known_on(town.today, everyone, known)[town.a.pk]

    before = Evaluation.objects.get(enterprise=town.a, is_latest=True)
    obj = actions.file_objection(town.merchant, record=town.recent, reason="annulled")
    actions.answer_objection(town.regulator, obj, uphold=True, answer="annulled")
    after = Evaluation.objects.get(enterprise=town.a, is_latest=True)
    assert before.as_of == after.as_of == town.today
    assert before.features != after.features
    assert features_seen_by(before) == before.features
    assert features_seen_by(after) == after.features

"""`ecredit ledger audit`: clean after real writes; every edit behind the application's back is
named: a record, an evaluation or a pool decision that no longer matches its leaf, a leaf edited,
missing or unclaimed, a node strip missing or changed, a checkpoint or a cosignature forged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection

from ecredit.cli import main
from ecredit.core.ledger import generate_key, open_note
from ecredit.ledger import actions
from ecredit.ledger.audit import run_audit
from ecredit.ledger.models import Checkpoint, Cosignature, Leaf, NodeStrip
from ecredit.ledger.tests.conftest import History, rewrite_leaf
from ecredit.ratings.models import Evaluation, NegativePoolEntry
from ecredit.records.models import CreditRecord

pytestmark = pytest.mark.django_db


def audit() -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["ledger", "audit", "--json"])
    return result.exit_code, json.loads(result.stdout)


def messages(report: dict[str, Any], kind: str | None = None) -> list[str]:
    return [p["message"] for p in report["problems"] if kind is None or p["kind"] == kind]


def test_clean_after_ingestion_evaluations_and_pool_decisions(history: History) -> None:
    actions.issue_checkpoint()
    cp = Checkpoint.objects.get()
    witness = generate_key("witness.customs.example", cosignature=True)
    actions.add_witness(witness.name, witness.verifier().encode())
    body = open_note(cp.note, [actions.verifier_key()]).text
    actions.add_cosignature(cp.size, witness.sign(body, 1_760_000_000).line())

    code, report = audit()
    assert code == 0, report["problems"]
    size = actions.tree().size
    assert report["ok"] is True
    assert (report["size"], report["leaves"], report["root"]) == (
        size,
        size,
        actions.tree().root().hex(),
    )
    assert report["records"] == CreditRecord.objects.count() == history.penalties + 2
    assert report["evaluations"] == Evaluation.objects.count()
    assert report["pool_decisions"] == 2  # entered and left
    assert (report["checkpoints"], report["cosignatures"]) == (1, 1)
    assert report["strips"] == (size + 31) // 32
    assert set(report["unledgered"].values()) == {0}

    text = CliRunner().invoke(main, ["ledger", "audit"])
    assert text.exit_code == 0
    assert "OK: every row matches its leaf and the tree is whole." in text.output


def test_a_record_edited_in_the_database_is_named(history: History) -> None:
    record = CreditRecord.objects.filter(type_name="administrative_penalty").order_by("pk")[3]
    values = {**record.values, "fine_amount_cny": "1.00"}
    CreditRecord.objects.filter(pk=record.pk).update(values=values)

    code, report = audit()
    assert code == 1
    [problem] = report["problems"]
    assert (problem["kind"], problem["id"], problem["subject"], problem["index"]) == (
        "record",
        record.pk,
        record.subject_id,
        record.ledger_index,
    )
    assert f"record {record.pk} (administrative_penalty" in problem["message"]
    assert "no longer matches leaf" in problem["message"]
    assert (
        "differs in: values); its values no longer hash to its content_hash" in (problem["message"])
    )

    text = CliRunner().invoke(main, ["ledger", "audit"])
    assert text.exit_code == 1
    assert f"record: record {record.pk} (administrative_penalty" in text.output
    assert "FAILED: 1 problem;" in text.output


def test_a_record_and_its_leaf_rewritten_together_fail_the_content_hash(history: History) -> None:
    record = CreditRecord.objects.filter(type_name="administrative_penalty").order_by("pk")[4]
    values = {**record.values, "violation": "无"}
    CreditRecord.objects.filter(pk=record.pk).update(values=values)
    rewrite_leaf(record.ledger_index, lambda leaf: leaf.update(values=values))
    code, report = audit()
    assert code == 1
    [problem] = report["problems"]
    assert problem["id"] == record.pk
    assert (
        f"it matches leaf {record.ledger_index}, but its values do not hash to its "
        in (problem["message"])
    )


def test_raw_sql_edits_of_evaluations_and_pool_decisions_are_named(history: History) -> None:
    evaluation = Evaluation.objects.order_by("pk")[7]
    entry = NegativePoolEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ratings_evaluation SET score = score + 1 WHERE id = %s", [evaluation.pk]
        )
        cursor.execute(
            "UPDATE ratings_negativepoolentry SET reason = %s WHERE id = %s", ["无", entry.pk]
        )
    code, report = audit()
    assert code == 1
    named = sorted((p["kind"], p["id"], p["index"]) for p in report["problems"])
    assert named == sorted(
        [
            ("evaluation", evaluation.pk, evaluation.ledger_index),
            ("pool", entry.pk, entry.ledger_index),
            ("pool", entry.pk, entry.left_ledger_index),
        ]
    )
    assert "differs in: score" in messages(report, "evaluation")[0]
    assert all("differs in: reason" in m for m in messages(report, "pool"))
    assert all(p["subject"] == history.subject for p in report["problems"] if p["kind"] == "pool")


def test_an_edited_leaf_is_named_and_the_break_located(history: History) -> None:
    actions.issue_checkpoint()
    index = 70
    data = bytes(Leaf.objects.get(index=index).data).replace(b'"grade":"', b'"grade":"A')
    Leaf.objects.filter(index=index).update(data=data)

    code, report = audit()
    assert code == 1
    [leaf] = messages(report, "leaf")
    assert leaf.startswith(f"leaf {index}: its data does not hash")
    assert "no longer matches leaf 70" in messages(report, "evaluation")[0]
    # the tree: the leaf's own hash is where it breaks; the nodes above are consequences
    assert messages(report, "tree") == [
        f"node (0, {index}) (covering leaf {index}, in node strip 2) differs from the tree "
        "rebuilt from the stored leaves"
    ]
    [checkpoints] = messages(report, "checkpoint")
    assert "1 checkpoint (size" in checkpoints and "was signed over roots that differ" in (
        checkpoints
    )


def test_a_missing_or_changed_node_strip_is_a_break_in_the_tree(history: History) -> None:
    NodeStrip.objects.filter(strip=2).delete()
    blob = bytearray(NodeStrip.objects.get(strip=0).hashes)
    blob[-1] ^= 0xFF  # the last node of strip 0 is (5, 0), the root of leaves 0-31
    NodeStrip.objects.filter(strip=0).update(hashes=bytes(blob))

    length = len(NodeStrip.objects.get(strip=3).hashes)
    NodeStrip.objects.filter(strip=3).update(hashes=b"\x00" * length)
    NodeStrip.objects.filter(strip=4).update(hashes=b"\x00" * 10)

    code, report = audit()
    assert code == 1
    assert messages(report) == [
        "node (5, 0) (covering leaves 0–31, in node strip 0) differs from the tree rebuilt "
        "from the stored leaves",
        "node strip 2 (leaves 64–95) is missing",
        "node strip 3 (leaves 96–127): 32 nodes differ from the tree rebuilt from the stored "
        "leaves, from node (0, 96) on",
        "node strip 4 (leaves 128–159) holds 10 bytes, the tree rebuilt from the leaves has "
        "2016: it was truncated or overwritten",
    ]
    assert all(p["kind"] == "tree" for p in report["problems"])


def test_leaves_missing_unclaimed_or_claimed_twice_are_named(history: History) -> None:
    records = list(CreditRecord.objects.order_by("pk")[:3])
    Leaf.objects.filter(index=records[0].ledger_index).delete()
    CreditRecord.objects.filter(pk=records[1].pk).update(ledger_index=None)
    CreditRecord.objects.filter(pk=records[2].pk).update(ledger_index=10**6)
    evaluation = Evaluation.objects.order_by("pk").first()
    assert evaluation is not None
    Evaluation.objects.filter(pk=evaluation.pk).update(ledger_index=records[1].ledger_index)

    code, report = audit()
    assert code == 1
    found = messages(report)
    i0, i1, i2 = (r.ledger_index for r in records)
    assert f"leaf {i0} is missing: the log has {report['size']} leaves but no data for it" in found
    assert f"record {records[0].pk} (administrative_penalty" in " ".join(found)
    assert f"leaf {i2} is claimed by no row: the row it recorded was deleted" in " ".join(found)
    assert f"record {records[2].pk} claims leaf 1000000, which the log does not have" in " ".join(
        found
    )
    assert f"leaf {evaluation.ledger_index} is claimed by no row" in " ".join(found)
    # the evaluation now claims the record's leaf: it does not match it
    assert any(
        p["kind"] == "evaluation" and p["index"] == i1 and "no longer matches" in p["message"]
        for p in report["problems"]
    )
    assert report["unledgered"]["records"] == 1


def test_a_forger_who_rewrites_row_leaf_and_tree_is_caught_by_the_signed_checkpoints(
    history: History,
) -> None:
    actions.issue_checkpoint()
    evaluation = Evaluation.objects.order_by("pk")[5]
    Evaluation.objects.filter(pk=evaluation.pk).update(score=999, grade="AAA")

    def better(leaf: dict[str, Any]) -> None:
        leaf.update(score=999, grade="AAA")

    rewrite_leaf(evaluation.ledger_index, better)
    code, report = audit()
    assert code == 1
    [problem] = report["problems"]  # rows, leaves and nodes agree now: only signatures remain
    assert problem["kind"] == "checkpoint"
    assert "signed over roots that differ from the tree rebuilt" in problem["message"]


def test_forged_checkpoints_and_cosignatures_are_named(history: History) -> None:
    cp = actions.issue_checkpoint()
    witness = generate_key("witness.customs.example", cosignature=True)
    actions.add_witness(witness.name, witness.verifier().encode())
    body = open_note(cp.note, [actions.verifier_key()]).text
    cos = actions.add_cosignature(cp.size, witness.sign(body, 1).line())
    other = generate_key("witness.customs.example", cosignature=True)
    Cosignature.objects.filter(pk=cos.pk).update(line=other.sign(body, 1).line().strip())
    Checkpoint.objects.filter(pk=cp.pk).update(note=cp.note.replace("\n\n", "\nextra\n\n"))

    code, report = audit()
    assert code == 1
    [forged] = messages(report, "checkpoint")
    assert f"checkpoint #{cp.pk} at size {cp.size}: its note does not verify" in forged
    [cosig] = messages(report, "cosignature")
    assert cosig.startswith("cosignature by witness.customs.example")


def test_small_chunks_find_the_same_problems(history: History) -> None:
    record = CreditRecord.objects.order_by("-pk").first()
    assert record is not None
    CreditRecord.objects.filter(pk=record.pk).update(natural_key="edited")
    NodeStrip.objects.filter(strip=5).delete()
    whole = run_audit()
    chunked = run_audit(chunk=32)
    assert [p.message for p in whole.problems] == [p.message for p in chunked.problems]
    assert len(whole.problems) == 2
    with pytest.raises(ValueError, match="multiple of 32"):
        run_audit(chunk=100)

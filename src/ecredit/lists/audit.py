"""What `ecredit ledger audit` checks of lists: every row that claims a leaf (a list step, an
objection filed or answered, a repair filed or decided, a withdrawal), rebuilt from the row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ecredit.lists.models import ListStep, Objection, RepairApplication
from ecredit.records.models import Withdrawal

# (kind, queryset, column) of every row that claims a leaf, for rows beyond the log
TABLES: list[tuple[str, Any, str]] = [
    ("withdrawal", Withdrawal.objects, "ledger_index"),
    ("list-step", ListStep.objects, "ledger_index"),
    ("objection", Objection.objects, "ledger_index"),
    ("objection", Objection.objects, "answer_ledger_index"),
    ("repair", RepairApplication.objects, "ledger_index"),
    ("repair", RepairApplication.objects, "decision_ledger_index"),
]

Claim = tuple[int, str, int, str, str, str, dict[str, Any]]
# (index, kind, row id, subject, label, leaf kind, leaf fields)


def _in(column: str, lo: int, hi: int) -> dict[str, int]:
    return {f"{column}__gte": lo, f"{column}__lt": hi}


def claims(lo: int, hi: int) -> Iterator[Claim]:
    """Every lists row (and withdrawal) claiming a leaf in [lo, hi)."""
    for w in Withdrawal.objects.filter(**_in("ledger_index", lo, hi)).select_related("record"):
        r = w.record
        yield (
            w.ledger_index,  # type: ignore[misc]
            "withdrawal",
            w.pk,
            r.subject_id,
            f"withdrawal {w.pk} (record {r.pk}, {w.basis} on {w.effective_on})",
            "withdrawal/v1",
            {
                "type": r.type_name,
                "provider": r.provider,
                "natural_key": r.natural_key,
                "version": r.version,
                "subject_id": r.subject_id,
                "on": w.effective_on,
                "basis": w.basis,
                "reason": w.reason,
                "by": w.decided_by,
            },
        )
    steps = ListStep.objects.filter(**_in("ledger_index", lo, hi)).select_related(
        "entry__enterprise"
    )
    for s in steps:
        subject = s.entry.enterprise.subject_id
        yield (
            s.ledger_index,  # type: ignore[misc]
            "list-step",
            s.pk,
            subject,
            f"list step {s.pk} (entry {s.entry_id} {s.action} on {s.on}, subject {subject})",
            "list-decision/v1",
            {
                "entry": s.entry_id,
                "list": s.entry.list_type,
                "subject_id": subject,
                "action": s.action,
                "state": s.to_state,
                "on": s.on,
                "reason": s.reason,
                "evidence": s.evidence,
                "by": s.by,
            },
        )
    for column in ("ledger_index", "answer_ledger_index"):
        rows = (
            Objection.objects.filter(**_in(column, lo, hi))
            .select_related("enterprise")
            .prefetch_related("attachments")
        )
        for o in rows:
            filed = column == "ledger_index"
            subject = o.enterprise.subject_id
            yield (
                getattr(o, column),
                "objection",
                o.pk,
                subject,
                f"objection {o.pk} ({'filed' if filed else o.state}, subject {subject})",
                "objection/v1",
                {
                    "objection": o.pk,
                    "subject_id": subject,
                    "target": o.target,
                    "action": "filed" if filed else o.state,
                    "outcome": "" if filed else o.outcome,
                    "on": o.filed_on if filed else o.answered_on,
                    "reason": o.reason if filed else o.answer,
                    "attachments": [a.sha256 for a in o.attachments.all()] if filed else [],
                    "by": o.filed_by if filed else o.answered_by,
                },
            )
    for column in ("ledger_index", "decision_ledger_index"):
        apps = (
            RepairApplication.objects.filter(**_in(column, lo, hi))
            .select_related("enterprise")
            .prefetch_related("attachments")
        )
        for a in apps:
            filed = column == "ledger_index"
            subject = a.enterprise.subject_id
            yield (
                getattr(a, column),
                "repair",
                a.pk,
                subject,
                f"repair {a.pk} ({'filed' if filed else a.state}, subject {subject})",
                "repair/v1",
                {
                    "application": a.pk,
                    "subject_id": subject,
                    "record": a.record_id,
                    "action": "filed" if filed else a.state,
                    "on": a.filed_on if filed else a.decided_on,
                    "reason": a.correction if filed else a.decision,
                    "commitment": a.commitment_record_id,
                    "attachments": [x.sha256 for x in a.attachments.all()] if filed else [],
                    "by": a.filed_by if filed else a.decided_by,
                },
            )

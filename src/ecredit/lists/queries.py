"""Reads of lists, objections and repairs that pages, the API and other apps share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet

from ecredit.core.lists import OPEN_STATES, load_list_types, load_procedure
from ecredit.entities.models import Enterprise
from ecredit.lists.models import ListEntry, Objection, RepairApplication


@dataclass(frozen=True)
class Membership:
    """A current, published list entry of an enterprise."""

    list_type: str
    since: date
    until: date | None
    ledger_index: int | None
    reason: str
    entry_id: int

    def to_json(self) -> dict[str, Any]:
        return {
            "list_type": self.list_type,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "ledger_index": self.ledger_index,
            "reason": self.reason,
            "entry": self.entry_id,
        }


def memberships(enterprise: Enterprise, today: date | None = None) -> list[Membership]:
    """The enterprise's published entries still in force today (the decision's ledger leaf)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    rows = ListEntry.objects.filter(enterprise=enterprise, state="published").order_by(
        "list_type", "id"
    )
    return [
        Membership(
            e.list_type,
            e.published_on or e.proposed_on,
            e.until,
            e.decision_ledger_index,
            e.reason,
            e.pk,
        )
        for e in rows
        if e.until is None or e.until >= today
    ]


def published(list_key: str) -> QuerySet[ListEntry]:
    """The published entries of one list, newest first, with their enterprises."""
    return (
        ListEntry.objects.filter(list_type=list_key, state="published")
        .select_related("enterprise")
        .order_by("-published_on", "-id")
    )


def counts() -> dict[str, int]:
    """Published entries per list."""
    rows = (
        ListEntry.objects.filter(state="published").values_list("list_type").annotate(n=Count("id"))
    )
    found = dict(rows)
    return {k: found.get(k, 0) for k in load_list_types()}


def entries_of(enterprise: Enterprise) -> QuerySet[ListEntry]:
    return (
        ListEntry.objects.filter(enterprise=enterprise)
        .select_related("enterprise")
        .order_by("-proposed_on", "-id")
    )


def objections_of(enterprise: Enterprise) -> QuerySet[Objection]:
    return (
        Objection.objects.filter(enterprise=enterprise)
        .select_related("enterprise", "record", "entry")
        .prefetch_related("attachments")
    )


def repairs_of(enterprise: Enterprise) -> QuerySet[RepairApplication]:
    return RepairApplication.objects.filter(enterprise=enterprise).select_related(
        "enterprise", "record"
    )


def open_objections() -> QuerySet[Objection]:
    return (
        Objection.objects.filter(state=Objection.OPEN)
        .select_related("enterprise", "record", "entry")
        .prefetch_related("attachments")
        .order_by("answer_due", "id")
    )


def open_repairs() -> QuerySet[RepairApplication]:
    return (
        RepairApplication.objects.filter(state=RepairApplication.OPEN)
        .select_related("enterprise", "record", "commitment_record")
        .prefetch_related("attachments")
        .order_by("decide_by", "id")
    )


def to_decide() -> QuerySet[ListEntry]:
    """Entries a regulator moves on: proposed, notified (in or past the window), decided."""
    return (
        ListEntry.objects.filter(state__in=[s for s in OPEN_STATES if s != "published"])
        .select_related("enterprise")
        .order_by("proposed_on", "id")
    )


def due_to_expire(today: date) -> QuerySet[ListEntry]:
    horizon = today + timedelta(days=load_procedure().expiry_warning_days)
    return (
        ListEntry.objects.filter(state="published", until__isnull=False, until__lte=horizon)
        .select_related("enterprise")
        .order_by("until", "id")
    )


def entry_json(e: ListEntry, *, steps: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.pk,
        "list_type": e.list_type,
        "subject_id": e.enterprise.subject_id,
        "name": e.enterprise.display_name,
        "state": e.state,
        "reason": e.reason,
        "evidence": e.evidence,
        "proposed_on": e.proposed_on,
        "notified_on": e.notified_on,
        "objection_until": e.objection_until,
        "decided_on": e.decided_on,
        "published_on": e.published_on,
        "until": e.until,
        "closed_on": e.closed_on,
        "ledger_index": e.ledger_index,
        "decision_ledger_index": e.decision_ledger_index,
    }
    if steps:
        out["steps"] = [
            {
                "action": s.action,
                "state": s.to_state,
                "on": s.on,
                "by": s.by,
                "reason": s.reason,
                "evidence": s.evidence,
                "ledger_index": s.ledger_index,
            }
            for s in e.steps.all()
        ]
    return out


def objection_json(o: Objection, today: date) -> dict[str, Any]:
    return {
        "id": o.pk,
        "subject_id": o.enterprise.subject_id,
        "target": o.target,
        "reason": o.reason,
        "filed_on": o.filed_on,
        "answer_due": o.answer_due,
        "overdue": o.state == Objection.OPEN and o.answer_due < today,
        "state": o.state,
        "outcome": o.outcome,
        "answer": o.answer,
        "answered_on": o.answered_on,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in o.attachments.all()
        ],
        "ledger_index": o.ledger_index,
        "answer_ledger_index": o.answer_ledger_index,
    }


def repair_json(r: RepairApplication, today: date) -> dict[str, Any]:
    return {
        "id": r.pk,
        "subject_id": r.enterprise.subject_id,
        "record": r.record_id,
        "correction": r.correction,
        "commitment": r.commitment,
        "commitment_record": r.commitment_record_id,
        "conditions": r.conditions,
        "filed_on": r.filed_on,
        "decide_by": r.decide_by,
        "overdue": r.state == RepairApplication.OPEN and r.decide_by < today,
        "state": r.state,
        "decision": r.decision,
        "decided_on": r.decided_on,
        "attachments": [
            {"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in r.attachments.all()
        ],
        "ledger_index": r.ledger_index,
        "decision_ledger_index": r.decision_ledger_index,
    }

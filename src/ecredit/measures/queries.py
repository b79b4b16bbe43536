"""An enterprise's standing as a credit check sees it: grade, class, lists, pool, with leaves."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from ecredit.core.measures import Applied, Ground, Standing
from ecredit.core.scoring.policy import load_policy
from ecredit.core.scoring.records import RecordView
from ecredit.entities.models import Enterprise
from ecredit.entities.queries import visible_records
from ecredit.measures.models import CreditCheck
from ecredit.ratings.models import Evaluation, NegativePoolEntry

# Listing records from departments, as list grounds: (record type, list key, number field).
LISTING_RECORDS = {
    "serious_dishonesty_listing": ("serious_dishonesty", "decision_no"),
    "abnormal_operation": ("abnormal_operation", "decision_no"),
}


def list_grounds(enterprise: Enterprise) -> list[Ground]:
    """The lists the enterprise is on now, each with the ledger leaf of the decision.

    Published entries of the `lists` app first. A department's own listing record still in
    publicity counts too (the department decided it; the platform's entry may still be in its
    objection window), unless the platform already publishes an entry of that list."""
    from ecredit.lists.queries import memberships

    grounds = [
        Ground("list", m.list_type, m.since, m.ledger_index, f"#{m.entry_id} {m.reason}"[:200])
        for m in memberships(enterprise)
    ]
    listed = {g.value for g in grounds}
    public = visible_records(enterprise, None, timezone.localdate()).filter(
        type_name__in=LISTING_RECORDS, is_current=True
    )
    for rec in public.order_by("occurred_on", "pk"):
        key, number = LISTING_RECORDS[rec.type_name]
        if key in listed:
            continue
        detail = f"{rec.values.get('authority', rec.provider)} {rec.values.get(number, '')}".strip()
        grounds.append(Ground("list", key, rec.occurred_on, rec.ledger_index, detail))
    return grounds


def last_negative_on(enterprise: Enterprise) -> date | None:
    """The day of the enterprise's latest current record that the grade policy counts negative."""
    policy = load_policy()
    tz = timezone.get_current_timezone()
    latest = None
    for rec in enterprise.records.filter(is_current=True).only(
        "type_name", "occurred_on", "received_at", "values", "disclosure_level"
    ):
        view = RecordView(
            type=rec.type_name,
            occurred_on=rec.occurred_on,
            received_on=rec.received_at.astimezone(tz).date(),
            values=rec.values,
            public=rec.disclosure_level == "public",
        )
        if policy.is_negative(view) and (latest is None or rec.occurred_on > latest):
            latest = rec.occurred_on
    return latest


def standing_of(enterprise: Enterprise, today: date | None = None) -> Standing:
    today = today or timezone.localdate()
    ev = (
        Evaluation.objects.filter(enterprise=enterprise, is_latest=True)
        .select_related("run")
        .first()
    )
    grade_ground = (
        None
        if ev is None
        else Ground("grade", ev.grade, ev.as_of, ev.ledger_index, f"run {ev.run_id}, {ev.score}")
    )
    pool = (
        NegativePoolEntry.objects.filter(enterprise=enterprise, left_on__isnull=True)
        .order_by("-entered_on")
        .first()
    )
    pool_ground = (
        None
        if pool is None
        else Ground("negative_pool", "in-pool", pool.entered_on, pool.ledger_index, pool.reason)
    )
    return Standing(
        subject_id=enterprise.subject_id,
        as_of=today,
        grade=None if ev is None else ev.grade,
        risk_class=None if ev is None else ev.risk_class,
        grade_ground=grade_ground,
        lists=tuple(list_grounds(enterprise)),
        negative_pool=pool_ground,
        last_negative_on=last_negative_on(enterprise),
    )


def ground_json(g: Ground) -> dict[str, Any]:
    return {
        "kind": g.kind,
        "value": g.value,
        "since": g.since.isoformat() if g.since else None,
        "ledger_index": g.ledger_index,
        "detail": g.detail,
        "reason_zh": reason(g, "zh"),
        "reason_en": reason(g, "en"),
    }


def _list_names() -> dict[str, tuple[str, str]]:
    from ecredit.core.lists.listtypes import load_list_types

    return {
        k: (t.label_zh, "the " + t.label_en[:1].lower() + t.label_en[1:])
        for k, t in load_list_types().items()
    }


def reason(g: Ground, lang: str) -> str:
    since = g.since.isoformat() if g.since else "?"
    leaf = "" if g.ledger_index is None else g.ledger_index
    zh = lang == "zh"
    if g.kind == "list":
        zh_name, en_name = _list_names().get(g.value, (g.value, g.value))
        return (
            f"自{since}起列入{zh_name}（{g.detail}；账本叶{leaf}）"
            if zh
            else f"on {en_name} since {since} ({g.detail}; ledger leaf {leaf})"
        )
    if g.kind == "negative_pool":
        return (
            f"自{since}起在负面清单库中（{g.detail}；账本叶{leaf}）"
            if zh
            else f"in the negative-list pool since {since} ({g.detail}; ledger leaf {leaf})"
        )
    what = "信用等级" if g.kind == "grade" else "风险分类"
    en_what = "credit grade" if g.kind == "grade" else "risk class"
    return (
        f"{what}为{g.value}（{since}评价；账本叶{leaf}）"
        if zh
        else f"{en_what} {g.value} (evaluated as of {since}; ledger leaf {leaf})"
    )


def applied_json(a: Applied) -> dict[str, Any]:
    m = a.measure
    return {
        "id": m.id,
        "kind": m.kind,
        "label": dict(m.label),
        "department": dict(m.department),
        "basis": dict(m.basis),
        "grounds": [ground_json(g) for g in a.grounds],
        "withheld_by": list(a.withheld_by),
    }


def checks_of(enterprise: Enterprise, limit: int = 50) -> list[CreditCheck]:
    return list(
        CreditCheck.objects.filter(enterprise=enterprise)
        .select_related("organisation")
        .prefetch_related("feedback")[:limit]
    )

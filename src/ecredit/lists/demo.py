"""The lists part of the demo: the sweep proposes from records and grades, a few entries are
decided and published after their objection window, the merchant has an objection and a
credit-repair application in progress. Runs after the demo's evaluation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from ecredit.accounts.principals import Actor
from ecredit.entities.models import Enterprise
from ecredit.lists import actions
from ecredit.lists.models import ListEntry
from ecredit.records.models import CreditRecord

PUBLISHED_PER_LIST = 3
# The demo's history is simulated: the sweep is run as of this many days ago, so that the
# objection windows of its proposals have passed today and entries can be decided.
PROPOSED_DAYS_AGO = 15
# What the demo merchant objects to: the first of these it has.
OBJECTED_TYPES = (
    "administrative_penalty",
    "consumer_complaint",
    "abnormal_operation",
    "product_quality_inspection",
    "court_judgment",
    "store_metrics",
)


def load_lists_demo(
    actor: Actor, today: date, merchant: Enterprise | None, echo: Callable[[str], None]
) -> None:
    regulator = Actor(label="demo:regulator", role="regulator")
    earlier = today - timedelta(days=PROPOSED_DAYS_AGO)
    first = actions.sweep(actor, earlier)
    for key in ("serious_dishonesty", "abnormal_operation", "watch", "red"):
        for entry in ListEntry.objects.filter(list_type=key, state="proposed").order_by("pk")[
            :PUBLISHED_PER_LIST
        ]:
            entry = actions.advance(regulator, entry, "notify", reason="决定书已送达", on=earlier)
            entry = actions.advance(regulator, entry, "list", reason="异议期届满，无异议", on=today)
            actions.advance(regulator, entry, "publish", reason="依法公示", on=today)
    second = actions.sweep(actor, today)  # the rating engine's pool: window passed, published
    published = ListEntry.objects.filter(state="published").count()
    echo(
        f"  lists: {len(first.proposed) + len(second.proposed):,} proposed, {published:,} published"
    )
    _merchant_cases(merchant, today, echo)


def _merchant_cases(merchant: Enterprise | None, today: date, echo: Callable[[str], None]) -> None:
    """An open objection by the merchant, and an open repair application (the merchant's when it
    has a record that may be repaired, otherwise another enterprise's)."""
    if merchant is not None:
        own = CreditRecord.objects.filter(enterprise=merchant, is_current=True).order_by(
            "-occurred_on", "pk"
        )
        record = None
        for type_name in OBJECTED_TYPES:
            record = own.filter(type_name=type_name).first()
            if record is not None:
                break
        if record is not None:
            actions.file_objection(
                _user_of(merchant),
                record=record,
                reason="该记录的主体信息有误，我司未受过此处罚（演示异议）。",
            )
            echo(f"  the merchant objects to record #{record.pk}")
    candidates = CreditRecord.objects.filter(
        type_name="administrative_penalty",
        is_current=True,
        values__severity="general",
        occurred_on__lte=today - timedelta(days=91),
        public_until__gte=today,
    ).order_by("-enterprise_id" if merchant is None else "pk")
    if merchant is not None:
        mine = candidates.filter(enterprise=merchant)
        candidates = mine if mine.exists() else candidates
    for record in candidates[:20]:
        if actions.repair_check(record, today).ok:
            actions.apply_for_repair(
                _user_of(record.enterprise),
                record,
                correction="已缴清罚款，整改虚假宣传页面并下架相关商品（演示）。",
                commitment="本企业承诺依法诚信经营，如有违反，自愿接受惩戒。",
            )
            echo(f"  credit repair applied for record #{record.pk}")
            return


def _user_of(enterprise: Enterprise) -> Actor:
    return Actor(label="demo:enterprise-user", role="enterprise", enterprise_id=enterprise.pk)

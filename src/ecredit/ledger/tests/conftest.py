"""A small platform history written through the real write paths, so every kind of leaf exists:
record versions (with a correction), evaluations, and a negative-list pool entry and exit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.core.ledger import MerkleTree
from ecredit.core.ledger.leaves import encode
from ecredit.ledger.models import Leaf, LogHead, NodeStrip
from ecredit.ledger.store import DjangoStore
from ecredit.ratings.actions import evaluate_all
from ecredit.ratings.models import NegativePoolEntry
from ecredit.records.actions import ingest_batch
from ecredit.records.tests.penalties import penalty_row

LISTED = "深市监严重〔2025〕1号"


def received(day: date) -> datetime:
    noon = datetime.combine(day, datetime.min.time()).replace(hour=12)
    aware: datetime = timezone.make_aware(noon)
    return aware


def ingest(actor: Actor, type_name: str, rows: list[dict[str, Any]], day: date) -> None:
    report = ingest_batch(
        actor,
        type_name=type_name,
        provider="market-regulation",
        records=rows,
        received_at=received(day),
    )
    assert report.rejected == 0, report.errors


def listing(subject: str, **extra: str) -> dict[str, Any]:
    return {
        "subject_id": subject,
        "decision_no": LISTED,
        "listed_on": "2025-05-01",
        "authority": "深圳市市场监督管理局",
        "reason": "销售假冒伪劣商品",
        **extra,
    }


@dataclass(frozen=True)
class History:
    subject: str  # the enterprise that entered the negative-list pool and left it
    penalties: int


def write_history(actor: Actor, penalties: int = 30) -> History:
    """Penalties for `penalties` enterprises, a serious-dishonesty listing that puts one in the
    pool, its removal (a corrected record version), and evaluations until it leaves the pool."""
    subject = penalty_row(1)["subject_id"]
    ingest(
        actor,
        "administrative_penalty",
        [penalty_row(i, decision_date="2025-01-05") for i in range(penalties)],
        date(2025, 1, 10),
    )
    ingest(actor, "serious_dishonesty_listing", [listing(subject)], date(2025, 5, 2))
    evaluate_all(actor, date(2025, 5, 31), use_model=False)
    ingest(
        actor,
        "serious_dishonesty_listing",
        [listing(subject, removed_on="2025-06-01")],
        date(2025, 6, 2),
    )
    for month in range(6, 13):  # the grade recovers, then the enterprise leaves the pool
        evaluate_all(actor, date(2025, month + 1, 1) - timedelta(days=1), use_model=False)
        if NegativePoolEntry.objects.filter(left_on__isnull=False).exists():
            break
    else:
        raise AssertionError("the enterprise never left the negative-list pool")
    return History(subject, penalties)


@pytest.fixture(scope="module")
def module_history(django_db_setup: None, django_db_blocker: Any) -> Iterator[History]:
    """The history, written once per test module inside a transaction rolled back at its end;
    each test runs in a savepoint inside it (pytest-django's `db`), so its changes are undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield write_history(Actor.system("test"))
        transaction.set_rollback(True)


@pytest.fixture
def history(module_history: History, db: None) -> History:
    return module_history


def rewrite_leaf(index: int, change: Callable[[dict[str, Any]], None], grow: int = 0) -> None:
    """What a dishonest operator would do to hide an edit: change leaf `index`, then rebuild the
    whole tree from the leaves (every node strip recomputed, as if it had always been so), and
    optionally append `grow` more leaves so the log looks like it simply grew."""
    rows = list(Leaf.objects.order_by("index").values_list("kind", "data"))
    kinds = [k for k, _ in rows]
    entries = [bytes(d) for _, d in rows]
    obj = json.loads(entries[index])
    change(obj)
    entries[index] = encode(obj["leaf"], obj)
    for i in range(grow):
        kinds.append("pool/v1")
        entries.append(
            encode(
                "pool/v1",
                {
                    "subject_id": f"filler-{i}",
                    "action": "entered",
                    "on": "2025-12-01",
                    "reason": "filler",
                    "run": 1,
                },
            )
        )
    with transaction.atomic():
        Leaf.objects.all().delete()
        NodeStrip.objects.all().delete()
        LogHead.objects.filter(pk=1).update(size=0)
        store = DjangoStore()
        store.kinds = kinds
        MerkleTree(store).append(entries)

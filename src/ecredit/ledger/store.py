"""`DjangoStore`: the core's `NodeStore` over the project database (SQLite or PostgreSQL).

Nodes are kept as `SqliteStore` keeps them (one row of concatenated hashes per 32 leaves, see
`ecredit.core.ledger.store`); leaves are rows of their own, with their hash for lookups. `append`
runs in the caller's transaction, after `lock()` has taken the head row FOR UPDATE, so a leaf
and the write it records commit together, and concurrent writers are numbered in commit order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from ecredit.core.ledger import AppendBatch, LedgerError, NodeId, StaleAppend
from ecredit.core.ledger.hashing import hasher
from ecredit.core.ledger.store import (
    STRIP_BITS,
    STRIP_LEAVES,
    check_batch,
    nodes_from_strips,
    strip_places,
    strip_rows,
)
from ecredit.ledger.models import Leaf, LogHead, NodeStrip


def head(*, lock: bool = False) -> LogHead:
    """The log's head row, created on first use with the configured algorithm and origin."""
    from django.conf import settings

    config = settings.CONFIG
    qs = LogHead.objects.select_for_update() if lock else LogHead.objects
    found = qs.filter(pk=1).first()
    if found is None:
        found, _ = LogHead.objects.get_or_create(
            pk=1,
            defaults={"algorithm": config.ledger_algorithm, "origin": config.ledger_origin},
        )
        if lock:
            found = LogHead.objects.select_for_update().get(pk=1)
    return found


def _insert_leaves(rows: Iterable[tuple[int, bytes, str, bytes]]) -> None:
    """One parameterised INSERT for many `Leaf` rows: the ORM's per-object work cost more than
    the hashing (bench/ledger.py, app path)."""
    q = connection.ops.quote_name
    table = q(Leaf._meta.db_table)
    columns = ", ".join(q(c) for c in ("index", "leaf_hash", "kind", "data", "appended_at"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [(i, h.hex(), k, d, now) for i, h, k, d in rows],
        )


class DjangoStore:
    """See the module docstring. `kinds` (set by the caller before `append`) names each new
    leaf's kind for the `Leaf` rows."""

    def __init__(self) -> None:
        row = head()
        self._algorithm = row.algorithm
        self._width = hasher(row.algorithm).digest_size
        self.kinds: Sequence[str] = ()

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def size(self) -> int:
        return int(LogHead.objects.values_list("size", flat=True).get(pk=1))

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        places, strips = strip_places(ids, self._width)
        blobs = {
            strip: bytes(h)
            for strip, h in NodeStrip.objects.filter(strip__in=strips).values_list(
                "strip", "hashes"
            )
        }
        return nodes_from_strips(ids, places, blobs, self._width, self.size)

    def append(self, batch: AppendBatch) -> None:
        check_batch(batch)
        start, end = batch.start, batch.end
        if start == end:
            return
        if not connection.in_atomic_block:
            raise LedgerError("append inside the transaction of the write it records")
        with transaction.atomic():
            row = head(lock=True)
            if row.size != start:
                raise StaleAppend(f"batch computed at size {start}, log is at {row.size}")
            first = start >> STRIP_BITS
            head_hashes = b""
            if start & (STRIP_LEAVES - 1):
                stored = NodeStrip.objects.filter(strip=first).values_list("hashes", flat=True)
                if not stored:
                    raise LedgerError(f"node strip {first} is missing: the ledger is damaged")
                head_hashes = bytes(stored[0])
            node_rows, _ = strip_rows(batch, head_hashes, ())
            if start & (STRIP_LEAVES - 1):
                strip, hashes = node_rows.pop(0)
                NodeStrip.objects.filter(strip=strip).update(hashes=hashes)
            NodeStrip.objects.bulk_create(
                [NodeStrip(strip=s, hashes=h) for s, h in node_rows], batch_size=500
            )
            kinds = list(self.kinds) or ["?"] * len(batch.entries)
            if len(kinds) != len(batch.entries):
                raise LedgerError("one kind per leaf")
            _insert_leaves(
                zip(range(start, end), batch.leaf_hashes, kinds, batch.entries, strict=True)
            )
            LogHead.objects.filter(pk=1).update(size=end)

    def entries(self, start: int, end: int) -> list[bytes]:
        size = self.size()
        if not 0 <= start <= end <= size:
            raise LedgerError(f"leaves [{start}, {end}) are not in a log of {size} leaves")
        return [
            bytes(d)
            for d in Leaf.objects.filter(index__gte=start, index__lt=end)
            .order_by("index")
            .values_list("data", flat=True)
        ]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        found = (
            Leaf.objects.filter(leaf_hash=leaf_hash.hex())
            .order_by("index")
            .values_list("index", flat=True)
            .first()
        )
        return None if found is None else int(found)

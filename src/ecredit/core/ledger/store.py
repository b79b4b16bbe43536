"""Where a log's nodes live: the `NodeStore` protocol, `MemoryStore` and `SqliteStore`.

Key scheme
----------
A node is a perfect subtree: (level, index) covers leaves [index * 2**level, (index + 1) * 2**level).
Level 0 nodes are the leaf hashes. A node is stored once, when its last leaf is appended, and never
changes. Its key is its *post-order position* (as in a Merkle mountain range): the number of nodes
that were complete before it, counting in the order appending creates them::

    leaf 0, leaf 1, (1,0), leaf 2, leaf 3, (1,1), (2,0), leaf 4, ...
    key(level, index) = 2m - popcount(index + 1) - 1 - tz(index + 1),  m = (index + 1) << level

A tree of n leaves holds exactly `stored_nodes(n)` = 2n - popcount(n) nodes, keys 0 .. that - 1, so
appending a batch writes the keys [stored_nodes(start), stored_nodes(end)) and nothing else: every
write lands at the end of the key space (sequential), and the nodes already there are never touched.

Storage layout of `SqliteStore` (one file, WAL)
-----------------------------------------------
- ``ledger_head``: one row: ``algorithm`` ("sha256" or "sm3"), ``size`` (leaves), ``indexed``
  (leaves covered by the by-hash index), ``format`` (this layout, 1).
- ``ledger_node_strip(strip INTEGER PRIMARY KEY, hashes BLOB)``: the nodes created while appending
  the 32 leaves [32 * strip, 32 * strip + 32), concatenated in key order (about 63 hashes, 2 KiB).
  A node (level, index) is in the strip of its last leaf, at offset key - stored_nodes(32 * strip).
  One row per node cost 2 to 3 µs of SQLite per row, more than hashing; a strip of 32 leaves is one
  row, written once (the last strip of a batch that ends inside it is rewritten by the next batch).
  Rowid tables (not WITHOUT ROWID) because rows of 2 KiB are large for a WITHOUT ROWID table, and
  SQLite has a fast path for appending at the right edge of a rowid table.
- ``ledger_entry_strip(strip INTEGER PRIMARY KEY, ends BLOB, data BLOB)``: the leaf data of the
  same 32 leaves, concatenated; ``ends`` holds each entry's end offset as uint32 little-endian.
- ``ledger_leaf_index(prefix INTEGER, leaf INTEGER, PRIMARY KEY (prefix, leaf)) WITHOUT ROWID``:
  the first 8 bytes of each leaf hash (signed big-endian) -> leaf index, for `find_leaf`; candidates
  are checked against the full stored hash. Its writes are random by nature (they cut the append
  rate to about a third on 1M leaves), so it can be switched off (`index_leaf_hashes=False`) and is caught up, in one sorted
  insert, the next time the store is opened with it on.
- A page size of 8 KiB, set when the file is created: three or four 2 KiB strips fit in a page.

Every append is one transaction (``BEGIN IMMEDIATE``) that first checks the stored size is the
size the batch was computed from (`StaleAppend` if another writer got there first).
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from ecredit.core.ledger.hashing import hasher as _hasher

NodeId = tuple[int, int]  # (level, index)

STRIP_BITS = 5  # 32 leaves per strip in SqliteStore
STRIP_LEAVES = 1 << STRIP_BITS
FORMAT = 1


class LedgerError(Exception):
    """The store cannot do what was asked (missing node, wrong algorithm, corrupt file)."""


class StaleAppend(LedgerError):
    """The log grew since the batch was computed: recompute it from the new size."""


def node_key(level: int, index: int) -> int:
    """Post-order position of node (level, index): see the module docstring."""
    i = index + 1
    return (i << (level + 1)) - i.bit_count() - (i & -i).bit_length()


def stored_nodes(size: int) -> int:
    """How many nodes a tree of `size` leaves holds (keys 0 .. this - 1)."""
    return 2 * size - size.bit_count()


@dataclass(frozen=True, slots=True)
class AppendBatch:
    """Leaves appended at `start`, with every node they complete, in key order.

    `nodes[k]` has key stored_nodes(start) + k; `leaf_hashes[j]` is node (0, start + j).
    """

    start: int
    entries: Sequence[bytes]
    leaf_hashes: Sequence[bytes]
    nodes: Sequence[bytes]

    @property
    def end(self) -> int:
        return self.start + len(self.entries)


@runtime_checkable
class NodeStore(Protocol):
    """What a log needs from storage. Implementations: MemoryStore, SqliteStore, the app's."""

    @property
    def algorithm(self) -> str:
        """The hash algorithm of the log ("sha256" or "sm3"), fixed when the log is created."""
        ...

    def size(self) -> int:
        """Leaves stored (committed)."""
        ...

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """The hashes of the given nodes, in the same order, read together (one query).

        LedgerError if one is not stored (beyond the stored size).
        """
        ...

    def append(self, batch: AppendBatch) -> None:
        """Store the batch atomically; StaleAppend if the stored size is not `batch.start`."""
        ...

    def entries(self, start: int, end: int) -> list[bytes]:
        """Leaf data of leaves [start, end), in order."""
        ...

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        """The lowest index of a leaf with this hash, or None."""
        ...


def _check_range(start: int, end: int, size: int) -> None:
    if not 0 <= start <= end <= size:
        raise LedgerError(f"leaves [{start}, {end}) are not in a log of {size} leaves")


class MemoryStore:
    """A store in lists and a dict, for tests and for logs rebuilt in memory (audits)."""

    def __init__(self, algorithm: str = "sha256") -> None:
        self._algorithm = _hasher(algorithm).name
        self._nodes: list[bytes] = []  # by key
        self._entries: list[bytes] = []
        self._by_hash: dict[bytes, int] = {}

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def size(self) -> int:
        return len(self._entries)

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        nodes = self._nodes
        try:
            return [nodes[node_key(level, index)] for level, index in ids]
        except IndexError:
            missing = next(n for n in ids if node_key(*n) >= len(nodes))
            raise LedgerError(
                f"node {missing} is not stored: the log has {self.size()} leaves"
            ) from None

    def append(self, batch: AppendBatch) -> None:
        if batch.start != len(self._entries):
            raise StaleAppend(f"batch computed at size {batch.start}, log is at {self.size()}")
        if len(batch.leaf_hashes) != len(batch.entries) or len(batch.nodes) != stored_nodes(
            batch.end
        ) - stored_nodes(batch.start):
            raise LedgerError("malformed batch: counts of entries, leaf hashes and nodes disagree")
        self._nodes.extend(batch.nodes)
        self._entries.extend(batch.entries)
        for index, leaf_hash in enumerate(batch.leaf_hashes, batch.start):
            self._by_hash.setdefault(leaf_hash, index)

    def entries(self, start: int, end: int) -> list[bytes]:
        _check_range(start, end, self.size())
        return self._entries[start:end]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        return self._by_hash.get(leaf_hash)


def _prefix(leaf_hash: bytes) -> int:
    return int.from_bytes(leaf_hash[:8], "big", signed=True)


def _pack_ends(entries: Sequence[bytes]) -> bytes:
    ends, total = [], 0
    for data in entries:
        total += len(data)
        ends.append(total)
    return struct.pack(f"<{len(ends)}I", *ends)


def _unpack_entries(ends_blob: bytes, data: bytes) -> list[bytes]:
    ends = struct.unpack(f"<{len(ends_blob) // 4}I", ends_blob)
    out, begin = [], 0
    for end in ends:
        out.append(data[begin:end])
        begin = end
    return out


def strip_places(ids: Sequence[NodeId], width: int) -> tuple[list[tuple[int, int]], list[int]]:
    """For a strip layout (the nodes created by 32 leaves in one blob, as `SqliteStore` keeps
    them): where each node is, as (strip, byte offset in its blob), and the strips to read."""
    places, strips = [], set()
    for level, index in ids:  # node_key and the strip of the last leaf, inlined: hot path
        i = index + 1
        strip = ((i << level) - 1) >> STRIP_BITS
        first = strip << STRIP_BITS
        key = (i << (level + 1)) - i.bit_count() - (i & -i).bit_length()
        places.append((strip, (key - 2 * first + first.bit_count()) * width))
        strips.add(strip)
    return places, sorted(strips)


def nodes_from_strips(
    ids: Sequence[NodeId],
    places: Sequence[tuple[int, int]],
    blobs: dict[int, bytes],
    width: int,
    size: Callable[[], int],
) -> list[bytes]:
    """The hashes at `places` in the strips read; LedgerError naming the first node missing
    (`size` is called only then, to say how large the log is)."""
    out = [blobs.get(strip, b"")[at : at + width] for strip, at in places]
    if out and min(map(len, out)) != width:
        missing = next(n for n, h in zip(ids, out, strict=True) if len(h) != width)
        raise LedgerError(f"node {missing} is not stored: the log has {size()} leaves")
    return out


def strip_rows(
    batch: AppendBatch, head_hashes: bytes, head_entries: Sequence[bytes]
) -> tuple[list[tuple[int, bytes]], list[tuple[int, list[bytes]]]]:
    """The strips an append writes: (strip, concatenated node hashes) and (strip, leaf data).

    When the batch starts inside a strip, `head_hashes` and `head_entries` are what that strip
    already holds; it is rewritten whole. Every other strip is new.
    """
    start, end = batch.start, batch.end
    first = start >> STRIP_BITS
    base = stored_nodes(start)
    nodes, entries = batch.nodes, batch.entries
    node_rows: list[tuple[int, bytes]] = []
    entry_rows: list[tuple[int, list[bytes]]] = []
    for strip in range(first, ((end - 1) >> STRIP_BITS) + 1):
        lo = max(strip << STRIP_BITS, start)
        hi = min((strip + 1) << STRIP_BITS, end)
        hashes = b"".join(nodes[stored_nodes(lo) - base : stored_nodes(hi) - base])
        chunk = list(entries[lo - start : hi - start])
        if strip == first and start & (STRIP_LEAVES - 1):
            hashes = head_hashes + hashes
            chunk = [*head_entries, *chunk]
        node_rows.append((strip, hashes))
        entry_rows.append((strip, chunk))
    return node_rows, entry_rows


def check_batch(batch: AppendBatch) -> None:
    if len(batch.leaf_hashes) != len(batch.entries) or len(batch.nodes) != stored_nodes(
        batch.end
    ) - stored_nodes(batch.start):
        raise LedgerError("malformed batch: counts of entries, leaf hashes and nodes disagree")


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS ledger_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        format INTEGER NOT NULL,
        algorithm TEXT NOT NULL,
        size INTEGER NOT NULL,
        indexed INTEGER NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS ledger_node_strip (strip INTEGER PRIMARY KEY, hashes BLOB NOT NULL)",
    """CREATE TABLE IF NOT EXISTS ledger_entry_strip (
        strip INTEGER PRIMARY KEY, ends BLOB NOT NULL, data BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS ledger_leaf_index (
        prefix INTEGER NOT NULL, leaf INTEGER NOT NULL, PRIMARY KEY (prefix, leaf)
    ) WITHOUT ROWID""",
)


class SqliteStore:
    """A log in one SQLite file (standard-library sqlite3, WAL); see the module docstring.

    `algorithm` is required to be the file's when given; a new file takes it (default "sha256").
    `synchronous` is SQLite's setting: FULL (default) syncs the WAL at every commit, NORMAL
    survives a crash of the process but may lose the last commits on power loss.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        algorithm: str | None = None,
        index_leaf_hashes: bool = True,
        synchronous: str = "FULL",
    ) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        self.path = Path(path)
        self.index_leaf_hashes = index_leaf_hashes
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA page_size = 8192")  # only takes effect on a new file
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._db.execute("PRAGMA cache_size = -65536")  # KiB: the by-hash index stays in memory
        with self._write():
            for statement in _SCHEMA:
                self._db.execute(statement)
            row = self._db.execute("SELECT format, algorithm FROM ledger_head").fetchone()
            if row is None:
                name = _hasher(algorithm or "sha256").name
                self._db.execute("INSERT INTO ledger_head VALUES (1, ?, ?, 0, 0)", (FORMAT, name))
            else:
                if row[0] != FORMAT:
                    raise LedgerError(f"{self.path}: ledger format {row[0]}, expected {FORMAT}")
                if algorithm is not None and _hasher(algorithm).name != row[1]:
                    raise LedgerError(f"{self.path} is a {row[1]} log, not {algorithm}")
                name = row[1]
            self._algorithm: str = name
            self._width = _hasher(name).digest_size
            if index_leaf_hashes:
                self._catch_up_index()

    @contextmanager
    def _write(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def size(self) -> int:
        return int(self._db.execute("SELECT size FROM ledger_head").fetchone()[0])

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        places, strips = strip_places(ids, self._width)
        blobs = self._strips("ledger_node_strip", "hashes", strips)
        return nodes_from_strips(ids, places, blobs, self._width, self.size)

    def _strips(self, table: str, column: str, strips: Sequence[int]) -> dict[int, bytes]:
        blobs: dict[int, bytes] = {}
        for lo in range(0, len(strips), 500):  # under SQLite's limit on parameters
            chunk = strips[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            blobs.update(
                self._db.execute(
                    f"SELECT strip, {column} FROM {table} WHERE strip IN ({marks})",  # noqa: S608
                    chunk,
                ).fetchall()
            )
        return blobs

    def append(self, batch: AppendBatch) -> None:
        start, end = batch.start, batch.end
        check_batch(batch)
        if start == end:
            return
        db = self._db
        with self._write():
            size, indexed = db.execute("SELECT size, indexed FROM ledger_head").fetchone()
            if size != start:
                raise StaleAppend(f"batch computed at size {start}, log is at {size}")
            first = start >> STRIP_BITS
            node_head, entry_head = b"", []
            if start & (STRIP_LEAVES - 1):  # the batch continues a strip: rewrite it whole
                nodes_row = db.execute(
                    "SELECT hashes FROM ledger_node_strip WHERE strip = ?", (first,)
                ).fetchone()
                entries_row = db.execute(
                    "SELECT ends, data FROM ledger_entry_strip WHERE strip = ?", (first,)
                ).fetchone()
                if nodes_row is None or entries_row is None:
                    raise LedgerError(f"{self.path}: strip {first} is missing: the file is damaged")
                node_head = nodes_row[0]
                entry_head = _unpack_entries(*entries_row)
            node_rows, chunks = strip_rows(batch, node_head, entry_head)
            entry_rows = [(strip, _pack_ends(c), b"".join(c)) for strip, c in chunks]
            db.executemany("INSERT OR REPLACE INTO ledger_node_strip VALUES (?, ?)", node_rows)
            db.executemany("INSERT OR REPLACE INTO ledger_entry_strip VALUES (?, ?, ?)", entry_rows)
            if self.index_leaf_hashes and indexed == start:
                self._index(start, batch.leaf_hashes)
                indexed = end
            db.execute("UPDATE ledger_head SET size = ?, indexed = ?", (end, indexed))

    def _index(self, start: int, leaf_hashes: Sequence[bytes]) -> None:
        rows = sorted((_prefix(h), i) for i, h in enumerate(leaf_hashes, start))
        self._db.executemany("INSERT INTO ledger_leaf_index VALUES (?, ?)", rows)

    def _catch_up_index(self) -> None:
        """Index the leaves appended while the index was off (inside a write transaction)."""
        size, indexed = self._db.execute("SELECT size, indexed FROM ledger_head").fetchone()
        step = 1 << 16
        for lo in range(indexed, size, step):
            hi = min(lo + step, size)
            self._index(lo, self.get_nodes([(0, i) for i in range(lo, hi)]))
        self._db.execute("UPDATE ledger_head SET indexed = size")

    def entries(self, start: int, end: int) -> list[bytes]:
        _check_range(start, end, self.size())
        if start == end:
            return []
        out: list[bytes] = []
        first, last = start >> STRIP_BITS, (end - 1) >> STRIP_BITS
        rows = self._db.execute(
            "SELECT ends, data FROM ledger_entry_strip WHERE strip BETWEEN ? AND ? ORDER BY strip",
            (first, last),
        )
        for ends, data in rows:
            out.extend(_unpack_entries(ends, data))
        skip = start - (first << STRIP_BITS)
        return out[skip : skip + end - start]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        if not self.index_leaf_hashes:
            raise LedgerError(
                f"{self.path} is open without the index by leaf hash: "
                "open it with index_leaf_hashes=True to look leaves up by hash"
            )
        candidates = [
            leaf
            for (leaf,) in self._db.execute(
                "SELECT leaf FROM ledger_leaf_index WHERE prefix = ? ORDER BY leaf",
                (_prefix(leaf_hash),),
            )
        ]
        if not candidates:
            return None
        stored = self.get_nodes([(0, leaf) for leaf in candidates])
        return next(
            (leaf for leaf, h in zip(candidates, stored, strict=True) if h == leaf_hash), None
        )

"""The Merkle log on random trees (Hypothesis), and the stores' behaviour."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit.core.ledger import (
    SHA256,
    AppendBatch,
    LedgerError,
    MemoryStore,
    MerkleTree,
    NodeId,
    NodeStore,
    ProofError,
    SqliteStore,
    StaleAppend,
    consistency_proof_size,
    inclusion_proof_size,
    mth,
    node_key,
    stored_nodes,
    verify_consistency,
    verify_inclusion,
)
from ecredit.core.ledger import store as store_module

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def logs(draw: st.DrawFn, max_size: int = 300) -> tuple[list[bytes], list[int]]:
    """Unique leaf data (an index prefix, then random bytes) and batch sizes that add up."""
    n = draw(st.integers(0, max_size))
    tails = draw(st.lists(st.binary(max_size=12), min_size=n, max_size=n))
    leaves = [i.to_bytes(2, "big") + t for i, t in enumerate(tails)]
    batches, left = [], n
    while left:
        b = draw(st.integers(1, min(left, 70)))
        batches.append(b)
        left -= b
    return leaves, batches


def build(store: NodeStore, leaves: Sequence[bytes], batches: Sequence[int]) -> MerkleTree:
    tree = MerkleTree(store)
    at = 0
    for b in batches:
        head = tree.append(leaves[at : at + b])
        at += b
        assert head.size == at
    return tree


def flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


class CountingStore(MemoryStore):
    """A MemoryStore that counts reads, and checks that appends write keys in order."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        self.reads += 1
        return super().get_nodes(ids)


@PROPERTY
@given(log=logs(), data=st.data())
def test_inclusion_proofs_verify_and_tampering_fails(
    log: tuple[list[bytes], list[int]], data: st.DataObject
) -> None:
    leaves, batches = log
    if not leaves:
        return
    store = CountingStore()
    tree = build(store, leaves, batches)
    n = len(leaves)
    for _ in range(5):
        size = data.draw(st.integers(1, n), label="size")
        index = data.draw(st.integers(0, size - 1), label="index")
        store.reads = 0
        proof = tree.inclusion_proof(index, size)
        assert store.reads == 1  # every node the proof needs, read together
        assert len(proof) == inclusion_proof_size(index, size)
        root = tree.root(size)
        leaf = SHA256.leaf(leaves[index])
        verify_inclusion(leaf, index, size, proof, root)

        other = (index + data.draw(st.integers(1, n), label="shift")) % size
        if other != index:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, other, size, proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(SHA256.leaf(leaves[index] + b"x"), index, size, proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, flip(root))
        bigger = size + data.draw(st.integers(1, n), label="grow")
        if bigger <= n:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, bigger, proof, tree.root(bigger))
        if index < size - 1:
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size - 1, proof, tree.root(size - 1))
        if proof:
            k = data.draw(st.integers(0, len(proof) - 1), label="element")
            with pytest.raises(ProofError):
                verify_inclusion(
                    leaf, index, size, [*proof[:k], flip(proof[k]), *proof[k + 1 :]], root
                )
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, proof[:-1], root)
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, [*proof, root], root)


@PROPERTY
@given(log=logs(), data=st.data())
def test_consistency_proofs_verify_and_tampering_fails(
    log: tuple[list[bytes], list[int]], data: st.DataObject
) -> None:
    leaves, batches = log
    if not leaves:
        return
    store = CountingStore()
    tree = build(store, leaves, batches)
    n = len(leaves)
    for _ in range(5):
        second = data.draw(st.integers(1, n), label="second")
        first = data.draw(st.integers(1, second), label="first")
        store.reads = 0
        proof = tree.consistency_proof(first, second)
        assert store.reads == 1
        assert len(proof) == consistency_proof_size(first, second)
        r1, r2 = tree.root(first), tree.root(second)
        verify_consistency(first, second, proof, r1, r2)

        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, flip(r1), r2)
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof, r1, flip(r2))
        if first == second:
            assert proof == []
            continue
        k = data.draw(st.integers(0, len(proof) - 1), label="element")
        with pytest.raises(ProofError):
            verify_consistency(first, second, [*proof[:k], flip(proof[k]), *proof[k + 1 :]], r1, r2)
        with pytest.raises(ProofError):
            verify_consistency(first, second, proof[1:], r1, r2)
        if first > 1:  # the proof of another first size, against that size's root
            with pytest.raises(ProofError):
                verify_consistency(first - 1, second, proof, tree.root(first - 1), r2)
        if second < n:
            with pytest.raises(ProofError):
                verify_consistency(first, second + 1, proof, r1, tree.root(second + 1))


@PROPERTY
@given(log=logs(), data=st.data())
def test_roots_from_the_store_are_the_rfc_definition(
    log: tuple[list[bytes], list[int]], data: st.DataObject
) -> None:
    leaves, batches = log
    tree = build(MemoryStore(), leaves, batches)
    n = len(leaves)
    assert tree.root() == mth(SHA256, leaves)
    for size in {0, n, *data.draw(st.lists(st.integers(0, n), max_size=4), label="sizes")}:
        assert tree.root(size) == mth(SHA256, leaves[:size])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs(max_size=200), cut=st.integers(0, 200), data=st.data())
def test_sqlite_equals_memory_and_continues_after_reopening(
    log: tuple[list[bytes], list[int]], cut: int, data: st.DataObject
) -> None:
    leaves, batches = log
    n = len(leaves)
    cut = min(cut, n)
    memory = build(MemoryStore(), leaves, batches)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.sqlite"
        with SqliteStore(path) as first:  # the first part, in other batches, then closed
            build(first, leaves[:cut], [b for b in (cut // 2, cut - cut // 2) if b])
        with SqliteStore(path) as reopened:
            sqlite = MerkleTree(reopened)
            assert sqlite.size == cut
            for at in range(cut, n, 37):
                sqlite.append(leaves[at : at + 37])
            assert sqlite.root() == memory.root()
            for size in range(n + 1):
                assert sqlite.root(size) == memory.root(size)
            for _ in range(5 if n else 0):
                size = data.draw(st.integers(1, n), label="size")
                index = data.draw(st.integers(0, size - 1), label="index")
                first_size = data.draw(st.integers(1, size), label="first")
                assert sqlite.inclusion_proof(index, size) == memory.inclusion_proof(index, size)
                assert sqlite.consistency_proof(first_size, size) == memory.consistency_proof(
                    first_size, size
                )
                assert sqlite.leaf_hash(index) == memory.leaf_hash(index)
                assert sqlite.find_leaf(SHA256.leaf(leaves[index])) == index
            start = data.draw(st.integers(0, n), label="start")
            end = data.draw(st.integers(start, n), label="end")
            assert sqlite.entries(start, end) == memory.entries(start, end) == leaves[start:end]
        assert MerkleTree(SqliteStore(path)).find_leaf(SHA256.leaf(b"absent")) is None


def test_keys_are_post_order_and_batches_write_them_in_order() -> None:
    created: list[NodeId] = []  # the order a sequential append completes nodes in
    for j in range(1, 300):
        created.append((0, j - 1))
        level = 0
        while j % (2 << level) == 0:
            level += 1
            created.append((level, j // (1 << level) - 1))
    assert [node_key(*node) for node in created] == list(range(len(created)))
    assert stored_nodes(299) == len(created)

    written: list[tuple[int, int]] = []

    class Recording(MemoryStore):
        def append(self, batch: AppendBatch) -> None:
            written.append((stored_nodes(batch.start), len(batch.nodes)))
            super().append(batch)

    tree = MerkleTree(Recording())
    for b in (1, 2, 5, 64, 100, 127):
        tree.append([bytes([b, i]) for i in range(b)])
    at = 0
    for first, count in written:  # each batch continues exactly where the last one stopped
        assert first == at
        at += count
    assert at == stored_nodes(tree.size)


def test_append_returns_the_root_and_an_empty_batch_changes_nothing() -> None:
    tree = MerkleTree(MemoryStore())
    assert tree.head().root == SHA256.empty()
    head = tree.append([b"a", b"b", b"c"])
    assert (head.size, head.root) == (3, mth(SHA256, [b"a", b"b", b"c"]))
    assert tree.append([]) == head
    assert tree.append(iter([b"d"])).root == mth(SHA256, [b"a", b"b", b"c", b"d"])
    with pytest.raises(TypeError, match="leaf 5: leaf data must be bytes"):
        tree.append([b"e", "f"])  # type: ignore[list-item]
    assert tree.size == 4


def test_out_of_range_questions_are_refused() -> None:
    tree = MerkleTree(MemoryStore())
    tree.append([b"a", b"b", b"c"])
    with pytest.raises(ValueError, match="leaf 3 is not in a tree of 3 leaves"):
        tree.inclusion_proof(3)
    with pytest.raises(ValueError, match="tree size 4 is beyond the log's 3 leaves"):
        tree.inclusion_proof(0, 4)
    with pytest.raises(ValueError, match="need 0 < first <= second"):
        tree.consistency_proof(0, 3)
    with pytest.raises(ValueError, match="need 0 < first <= second"):
        tree.consistency_proof(3, 2)
    with pytest.raises(ValueError, match="beyond"):
        tree.root(4)
    with pytest.raises(LedgerError, match="not stored"):
        tree.store.get_nodes([(0, 3)])
    with pytest.raises(LedgerError, match=r"leaves \[2, 4\) are not in a log of 3"):
        tree.entries(2, 4)


def test_a_stale_batch_is_refused_and_a_second_writer_catches_up(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    one, two = MerkleTree(SqliteStore(path)), MerkleTree(SqliteStore(path))
    one.append([b"a", b"b"])
    two.append([b"c"])  # reads the new size and right edge before appending
    one.append([b"d"])
    assert one.root() == two.root() == mth(SHA256, [b"a", b"b", b"c", b"d"])
    stale = AppendBatch(2, [b"x"], [SHA256.leaf(b"x")], [SHA256.leaf(b"x")])
    with pytest.raises(StaleAppend, match="batch computed at size 2, log is at 4"):
        one.store.append(stale)
    with pytest.raises(StaleAppend):
        MemoryStore().append(stale)
    with pytest.raises(LedgerError, match="malformed batch"):
        one.store.append(AppendBatch(4, [b"x"], [], []))
    assert one.size == 4


def test_a_failed_append_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    class Failing(SqliteStore):
        def _index(self, start: int, leaf_hashes: Sequence[bytes]) -> None:
            raise OSError("disk full")  # after the strips are written, before the commit

    path = tmp_path / "log.sqlite"
    with SqliteStore(path) as good:
        MerkleTree(good).append([b"a", b"b", b"c"])
        root = MerkleTree(good).root()
    with Failing(path) as failing, pytest.raises(OSError, match="disk full"):
        MerkleTree(failing).append([b"d", b"e"])
    with SqliteStore(path) as again:
        tree = MerkleTree(again)
        assert (tree.size, tree.root()) == (3, root)
        assert tree.entries(0, 3) == [b"a", b"b", b"c"]
        tree.append([b"d"])
        assert tree.root() == mth(SHA256, [b"a", b"b", b"c", b"d"])


def test_the_algorithm_is_kept_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    SqliteStore(path, algorithm="sm3").close()
    assert SqliteStore(path).algorithm == "sm3"
    assert MerkleTree(SqliteStore(path)).hasher.name == "sm3"
    with pytest.raises(LedgerError, match="is a sm3 log, not sha256"):
        SqliteStore(path, algorithm="sha256")
    with pytest.raises(ValueError, match="unknown hash algorithm"):
        SqliteStore(tmp_path / "other.sqlite", algorithm="sha1")
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(tmp_path / "other.sqlite", synchronous="OFF")


def test_the_index_by_leaf_hash_can_be_off_and_caught_up(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    leaves = [i.to_bytes(2, "big") for i in range(100)]
    with SqliteStore(path, index_leaf_hashes=False) as store:
        MerkleTree(store).append(leaves[:60])
        with pytest.raises(LedgerError, match="open it with index_leaf_hashes=True"):
            store.find_leaf(SHA256.leaf(leaves[0]))
    with SqliteStore(path) as store:  # catches up the 60 leaves
        tree = MerkleTree(store)
        tree.append(leaves[60:])
        assert [tree.find_leaf(SHA256.leaf(d)) for d in leaves] == list(range(100))


def test_find_leaf_checks_the_full_hash_and_returns_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_prefix", lambda leaf_hash: 7)  # every prefix collides
    with SqliteStore(tmp_path / "log.sqlite") as store:
        tree = MerkleTree(store)
        tree.append([b"a", b"b", b"a", b"c"])
        assert tree.find_leaf(SHA256.leaf(b"a")) == 0
        assert tree.find_leaf(SHA256.leaf(b"c")) == 3
        assert tree.find_leaf(SHA256.leaf(b"d")) is None
    memory = MerkleTree(MemoryStore())
    memory.append([b"a", b"b", b"a"])
    assert memory.find_leaf(SHA256.leaf(b"a")) == 0


def test_entries_of_any_size_across_strips(tmp_path: Path) -> None:
    leaves = [bytes([i % 251]) * (i * 37 % 300) for i in range(150)]
    with SqliteStore(tmp_path / "log.sqlite") as store:
        tree = MerkleTree(store)
        for at in range(0, 150, 45):
            tree.append(leaves[at : at + 45])
        assert tree.entries(0, 150) == leaves
        assert tree.entries(31, 33) == leaves[31:33]
        assert tree.entries(64, 64) == []
        assert tree.root() == mth(SHA256, leaves)

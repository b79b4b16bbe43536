"""An append-only Merkle log (RFC 9162 §2.1) over a `NodeStore`: append, roots, proofs.

Nothing is rehashed to answer a question: every range the RFC's definitions need (MTH of D[a:b])
splits into perfect subtrees that the store holds, so a root, an inclusion proof or a consistency
proof first lists the node ids it needs, reads them in one `get_nodes` call (one query), and
combines them. Proofs follow RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) exactly, leaf to root.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ecredit.core.ledger.hashing import Hasher, hasher
from ecredit.core.ledger.store import AppendBatch, NodeId, NodeStore

Range = tuple[int, int]  # leaves [lo, hi)


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The size of a log and its root hash at that size."""

    size: int
    root: bytes


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtrees(lo: int, hi: int) -> list[NodeId]:
    """Perfect subtrees covering [lo, hi), largest first, as RFC 9162 splits it.

    For the ranges the RFC's recursion produces (lo a multiple of the next power of two at or above
    hi - lo), MTH(D[lo:hi]) = node(s1, node(s2, ... node(s_k-1, s_k))) over these subtrees.
    """
    span = hi - lo
    if span & (span - 1) == 0 and lo & (span - 1) == 0 and span:  # one perfect subtree
        level = span.bit_length() - 1
        return [(level, lo >> level)]
    out = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        if lo:
            level = min(level, (lo & -lo).bit_length() - 1)
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def path_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose MTH make PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), leaf to root."""
    out = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def subproof_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose MTH make PROOF(first, D[0:second]) (RFC 9162 §2.1.4.1), in order."""
    out = []
    lo, hi, complete = 0, second, True
    while first != hi:
        k = _split(hi - lo)
        if first <= lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        out.append((lo, hi))
    out.reverse()
    return out


class MerkleTree:
    """A Merkle log kept in a `NodeStore`; its hash algorithm is the store's."""

    def __init__(self, store: NodeStore) -> None:
        self.store = store
        self.hasher: Hasher = hasher(store.algorithm)
        self._size = store.size()  # a lower bound: the log only grows
        self._frontier: tuple[int, list[bytes]] | None = None  # (size, perfect subtrees)

    @property
    def size(self) -> int:
        """The committed size, read from the store."""
        self._size = self.store.size()
        return self._size

    def _check_size(self, size: int) -> None:
        if size > self._size and size > self.size:
            raise ValueError(f"tree size {size} is beyond the log's {self._size} leaves")

    def _ranges_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """MTH of each range, from one read of all the subtrees they need."""
        split = [subtrees(lo, hi) for lo, hi in ranges]
        stored = self.store.get_nodes([node for nodes in split for node in nodes])
        node = self.hasher.node
        out, at = [], 0
        for nodes in split:
            parts = stored[at : at + len(nodes)]
            at += len(nodes)
            h = parts[-1]
            for left in reversed(parts[:-1]):
                h = node(left, h)
            out.append(h)
        return out

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]), the current size by default; the empty tree's hash at 0."""
        if size is None:
            size = self.size
        if size < 0:
            raise ValueError(f"tree size {size} is negative")
        if size == 0:
            return self.hasher.empty()
        self._check_size(size)
        return self._ranges_hashes([(0, size)])[0]

    def head(self) -> TreeHead:
        size = self.size
        return TreeHead(size, self.root(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]): the audit path of leaf `index` in the tree of `size` leaves."""
        if size is None:
            size = self.size
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        self._check_size(size)
        return self._ranges_hashes(path_ranges(index, size))

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """PROOF(first, D[0:second]): D[0:first] is a prefix of D[0:second]. Empty if equal."""
        if second is None:
            second = self.size
        if not 0 < first <= second:
            raise ValueError(
                f"no consistency proof from {first} to {second}: need 0 < first <= second"
            )
        self._check_size(second)
        return self._ranges_hashes(subproof_ranges(first, second))

    def leaf_hash(self, index: int) -> bytes:
        return self.store.get_nodes([(0, index)])[0]

    def find_leaf(self, leaf_hash: bytes) -> int | None:
        """The lowest index of a leaf with this hash, or None."""
        return self.store.find_leaf(leaf_hash)

    def entries(self, start: int, end: int) -> list[bytes]:
        return self.store.entries(start, end)

    def _peaks(self, size: int) -> list[bytes]:
        if self._frontier is not None and self._frontier[0] == size:
            return list(self._frontier[1])
        return self.store.get_nodes(subtrees(0, size))

    def append(self, entries: Iterable[bytes]) -> TreeHead:
        """Append leaves (their data) in one store transaction; the new size and root.

        The new nodes are computed from the right edge of the tree (its perfect subtrees, read
        once and then kept), so a batch costs one leaf hash per entry and about one node hash.
        StaleAppend if another writer appended meanwhile (nothing is stored; call again).
        """
        if not isinstance(entries, list | tuple):
            entries = list(entries)
        start = self.size
        stack = self._peaks(start)
        digest = self.hasher.digest
        leaf_hashes: list[bytes] = []
        nodes: list[bytes] = []
        add_leaf, add_node, push, pop = leaf_hashes.append, nodes.append, stack.append, stack.pop
        try:
            for j, data in enumerate(entries, start + 1):  # j: the size once this leaf is in
                h = digest(b"\x00" + data)
                add_leaf(h)
                add_node(h)
                for _ in range((j & -j).bit_length() - 1):  # one merge per trailing zero of j
                    h = digest(b"\x01" + pop() + h)
                    add_node(h)
                push(h)
        except TypeError as e:
            raise TypeError(
                f"leaf {start + len(leaf_hashes)}: leaf data must be bytes ({e})"
            ) from e
        end = start + len(leaf_hashes)
        self.store.append(AppendBatch(start, entries, leaf_hashes, nodes))
        self._size = end
        self._frontier = (end, stack)
        if not stack:
            return TreeHead(0, self.hasher.empty())
        root = stack[-1]
        for left in reversed(stack[:-1]):
            root = self.hasher.node(left, root)
        return TreeHead(end, root)


def mth(hasher_: Hasher, leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) by the RFC 9162 §2.1.1 recursion, straight from the leaf data (for checks)."""
    n = len(leaves)
    if n == 0:
        return hasher_.empty()
    if n == 1:
        return hasher_.leaf(leaves[0])
    k = _split(n)
    return hasher_.node(mth(hasher_, leaves[:k]), mth(hasher_, leaves[k:]))

"""Offline proof verification, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).

Independent of any store: hashes and sizes in, `ProofError` with the reason out when a proof does
not hold. Besides the RFC's algorithms, proofs of the wrong length, hashes of the wrong size and
impossible sizes are refused up front with a reason of their own (the edge cases of
transparency-dev/merkle, which the vectors in vectors/rfc6962.json pin down).
"""

from __future__ import annotations

from collections.abc import Sequence

from ecredit.core.ledger.hashing import SHA256, Hasher


class ProofError(ValueError):
    """A proof does not hold; the message says why."""


def inclusion_proof_size(index: int, size: int) -> int:
    """How many hashes PATH(index, D[0:size]) has (0 <= index < size)."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_size(first: int, second: int) -> int:
    """How many hashes PROOF(first, D[0:second]) has (0 < first <= second)."""
    if first == second:
        return 0
    level = (first & -first).bit_length() - 1
    index = (first - 1) >> level
    inner = (index ^ ((second - 1) >> level)).bit_length()
    return inner + (index >> inner).bit_count() + (first != 1 << level)


def _check_hashes(what: str, hashes: Sequence[bytes], hasher: Hasher) -> None:
    for i, h in enumerate(hashes):
        if len(h) != hasher.digest_size:
            raise ProofError(
                f"{what} hash {i} has {len(h)} bytes, a {hasher.name} hash has {hasher.digest_size}"
            )


def root_from_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], hasher: Hasher = SHA256
) -> bytes:
    """The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1-5 without the
    final comparison); ProofError if the proof cannot belong to this index and size."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of {size} leaves")
    if len(leaf_hash) != hasher.digest_size:
        raise ProofError(
            f"leaf hash has {len(leaf_hash)} bytes, a {hasher.name} hash has {hasher.digest_size}"
        )
    expected = inclusion_proof_size(index, size)
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof for leaf {index} of {size} has {len(proof)} hashes, expected {expected}"
        )
    _check_hashes("proof", proof, hasher)
    node = hasher.node
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the path to the root")
    return r


def verify_inclusion(
    leaf_hash: bytes,
    index: int,
    size: int,
    proof: Sequence[bytes],
    root: bytes,
    hasher: Hasher = SHA256,
) -> None:
    """Check that the leaf with `leaf_hash` is leaf `index` of the tree of `size` leaves whose
    root is `root`; ProofError with the reason if not."""
    if root_from_inclusion(leaf_hash, index, size, proof, hasher) != root:
        raise ProofError(
            f"inclusion proof for leaf {index} leads to a different root than the tree of {size}"
        )


def verify_consistency(
    first: int,
    second: int,
    proof: Sequence[bytes],
    first_root: bytes,
    second_root: bytes,
    hasher: Hasher = SHA256,
) -> None:
    """Check that the tree of `first` leaves with `first_root` is a prefix of the tree of
    `second` leaves with `second_root`; ProofError with the reason if not."""
    if first > second:
        raise ProofError(f"the first tree ({first} leaves) is larger than the second ({second})")
    if first < 0:
        raise ProofError(f"tree size {first} is negative")
    if first == 0:
        raise ProofError("nothing to prove from an empty tree: every tree extends it")
    if first == second:
        if proof:
            raise ProofError(f"trees of equal size ({first}) need an empty proof")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same tree size {first}")
        return
    expected = consistency_proof_size(first, second)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof from {first} to {second} has {len(proof)} hashes, "
            f"expected {expected}"
        )
    _check_hashes("proof", proof, hasher)
    node = hasher.node
    path = list(proof)
    if first & (first - 1) == 0:  # step 2: first is an exact power of 2
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than the path to the root")
    if fr != first_root:
        raise ProofError(f"consistency proof does not lead to the root of the first tree ({first})")
    if sr != second_root:
        raise ProofError(
            f"consistency proof does not lead to the root of the second tree ({second})"
        )

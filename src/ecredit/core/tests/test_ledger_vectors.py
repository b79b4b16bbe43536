"""The ledger against published test vectors: RFC 6962/9162 Merkle trees, SM3, C2SP notes.

`ledger/vectors/rfc6962.json` is a copy of the project's shared vectors file
(../shared/vectors/rfc6962.json), itself converted from transparency-dev/merkle at commit
417fb0c3 (testonly/constants.go, testdata/inclusion and testdata/consistency from cmd/proofgen,
rfc6962/rfc6962_test.go), Apache-2.0; its "source" field says exactly which files. Copied so the
tests run on a fresh clone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ecredit.core.ledger import (
    SHA256,
    SM3,
    MemoryStore,
    MerkleTree,
    ProofError,
    SqliteStore,
    hasher,
    mth,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "ledger" / "vectors" / "rfc6962.json").read_text()
)
LEAVES = [bytes.fromhex(x) for x in VECTORS["leaves"]]


def x(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


def case_id(case: dict[str, Any]) -> str:
    return str(case.get("source", case.get("desc", "")))


def test_the_vectors_file_is_complete() -> None:
    assert VECTORS["hash_algorithm"] == "sha256"
    assert len(VECTORS["inclusion_proofs"]) == 6
    assert len(VECTORS["consistency_proofs"]) == 6
    assert len(VECTORS["inclusion_must_fail"]) == 92
    assert len(VECTORS["consistency_must_fail"]) == 92


@pytest.mark.parametrize("spot", VECTORS["hasher_spot_vectors"], ids=lambda s: s["desc"])
def test_hasher_spot_vectors(spot: dict[str, str]) -> None:
    if "left" in spot:
        got = SHA256.node(bytes.fromhex(spot["left"]), bytes.fromhex(spot["right"]))
    elif "leaf" in spot:
        got = SHA256.leaf(bytes.fromhex(spot["leaf"]))
    else:
        got = SHA256.empty()
    assert got.hex() == spot["expected"]


def test_leaf_and_node_hashes_by_level() -> None:
    assert SHA256.empty().hex() == VECTORS["empty_root"]
    assert [SHA256.leaf(d).hex() for d in LEAVES] == VECTORS["leaf_hashes"]
    level = [SHA256.leaf(d) for d in LEAVES]
    for expected in VECTORS["node_hashes_by_level"]:
        assert [h.hex() for h in level] == expected
        level = [SHA256.node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]


@pytest.fixture(params=["memory", "sqlite"])
def tree(request: pytest.FixtureRequest, tmp_path: Path) -> MerkleTree:
    store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "log.sqlite")
    t = MerkleTree(store)
    t.append(LEAVES[:3])  # uneven batches: the right edge carries over between them
    t.append(LEAVES[3:4])
    t.append(LEAVES[4:])
    return t


def test_roots_for_sizes_0_to_8(tree: MerkleTree) -> None:
    assert {str(n): tree.root(n).hex() for n in range(9)} == VECTORS["roots"]
    assert {str(n): mth(SHA256, LEAVES[:n]).hex() for n in range(9)} == VECTORS["roots"]
    assert [tree.leaf_hash(i).hex() for i in range(8)] == VECTORS["leaf_hashes"]


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=case_id)
def test_valid_inclusion_proofs_verify(case: dict[str, Any]) -> None:
    verify_inclusion(
        bytes.fromhex(case["leaf_hash"]),
        case["leaf_index"],
        case["tree_size"],
        x(case["proof"]),
        bytes.fromhex(case["root"]),
    )


def test_inclusion_proofs_generated_match_the_vectors(tree: MerkleTree) -> None:
    for case in VECTORS["inclusion_proofs"][:5]:  # the sixth is over a different leaf set
        got = tree.inclusion_proof(case["leaf_index"], case["tree_size"])
        assert [p.hex() for p in got] == case["proof"], case_id(case)


@pytest.mark.parametrize("case", VECTORS["inclusion_must_fail"], ids=case_id)
def test_inclusion_must_fail(case: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        verify_inclusion(
            bytes.fromhex(case["leaf_hash"]),
            case["leaf_index"],
            case["tree_size"],
            x(case["proof"]),
            bytes.fromhex(case["root"]),
        )


@pytest.mark.parametrize("case", VECTORS["consistency_proofs"], ids=case_id)
def test_valid_consistency_proofs_verify(case: dict[str, Any]) -> None:
    verify_consistency(
        case["size1"],
        case["size2"],
        x(case["proof"]),
        bytes.fromhex(case["root1"]),
        bytes.fromhex(case["root2"]),
    )


def test_consistency_proofs_generated_match_the_vectors(tree: MerkleTree) -> None:
    for case in VECTORS["consistency_proofs"][:5]:  # the sixth has dummy roots
        got = tree.consistency_proof(case["size1"], case["size2"])
        assert [p.hex() for p in got] == case["proof"], case_id(case)


@pytest.mark.parametrize("case", VECTORS["consistency_must_fail"], ids=case_id)
def test_consistency_must_fail(case: dict[str, Any]) -> None:
    with pytest.raises(ProofError):
        verify_consistency(
            case["size1"],
            case["size2"],
            x(case["proof"]),
            bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]),
        )


def test_the_rfc_example_of_seven_leaves(tree: MerkleTree) -> None:
    example = VECTORS["rfc6962_section_2_1_3_example"]
    labels = {name: bytes.fromhex(h) for name, h in example["labels"].items()}
    assert labels["l"] == SHA256.node(labels["i"], labels["j"])
    root7 = tree.root(7)
    for case in example["inclusion"]:
        proof = tree.inclusion_proof(case["leaf_index"], case["tree_size"])
        assert proof == [labels[n] for n in case["path_labels"]]
        leaf = SHA256.leaf(LEAVES[case["leaf_index"]])
        verify_inclusion(leaf, case["leaf_index"], 7, proof, root7)
    for case in example["consistency"]:
        proof = tree.consistency_proof(case["size1"], case["size2"])
        assert proof == [labels[n] for n in case["path_labels"]]
        verify_consistency(case["size1"], 7, proof, tree.root(case["size1"]), root7)


def test_sm3_standard_vectors() -> None:
    """GB/T 32905-2016, appendix A: "abc" and "abcd" x 16."""
    assert SM3.digest(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert SM3.digest(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )
    assert SM3.leaf(b"abc") == SM3.digest(b"\x00abc")
    assert SM3.node(b"a", b"b") == SM3.digest(b"\x01ab")
    assert hasher("sm3") is SM3
    with pytest.raises(ValueError, match="unknown hash algorithm 'md5'"):
        hasher("md5")


def test_an_sm3_log_roots_and_proofs(tmp_path: Path) -> None:
    tree = MerkleTree(SqliteStore(tmp_path / "sm3.sqlite", algorithm="sm3"))
    tree.append(LEAVES)
    assert tree.root() == mth(SM3, LEAVES) != mth(SHA256, LEAVES)
    proof = tree.inclusion_proof(5, 7)
    verify_inclusion(SM3.leaf(LEAVES[5]), 5, 7, proof, tree.root(7), SM3)
    with pytest.raises(ProofError):
        verify_inclusion(SM3.leaf(LEAVES[5]), 5, 7, proof, tree.root(7))  # as SHA-256
    verify_consistency(3, 8, tree.consistency_proof(3, 8), tree.root(3), tree.root(8), SM3)


def test_go_note_package_example() -> None:
    """The key pair and signed note of golang.org/x/mod/sumdb/note's examples (Ed25519 signing is
    deterministic, so signing the text again gives the same line)."""
    vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    text = (
        "If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n"
    )
    signed = (
        text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
        "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    )
    verifier, signer = parse_verifier_key(vkey), parse_signer_key(skey)
    assert signer.verifier() == verifier
    assert (verifier.encode(), signer.encode()) == (vkey, skey)
    assert sign_note(text, signer) == signed
    note = open_note(signed, [verifier])
    assert note.text == text
    assert [(s.name, s.key_hash) for s in note.signatures] == [("PeterNeumann", 0xC74F20A3)]

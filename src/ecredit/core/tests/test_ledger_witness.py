"""A witness cosigns an honest log's growth and refuses a log that rewrites its history."""

from __future__ import annotations

import pytest

from ecredit.core.ledger import (
    Checkpoint,
    MemoryStore,
    MerkleTree,
    SignerKey,
    Witness,
    WitnessedLog,
    WitnessRefusal,
    generate_key,
    open_note,
    sign_checkpoint,
)

ORIGIN = "ledger.ecredit.example/records"
LOG_KEY = generate_key(ORIGIN)
WITNESS_KEY = generate_key("witness.customs.example", cosignature=True)


def records(start: int, end: int) -> list[bytes]:
    return [f"record {i}".encode() for i in range(start, end)]


def signed(tree: MerkleTree, key: SignerKey = LOG_KEY, size: int | None = None) -> str:
    size = tree.size if size is None else size
    return sign_checkpoint(Checkpoint(ORIGIN, size, tree.root(size)), key)


def a_witness(now: int = 1_750_000_000, algorithm: str = "sha256") -> Witness:
    log = WitnessedLog(ORIGIN, LOG_KEY.verifier(), algorithm)
    return Witness(WITNESS_KEY, [log], clock=lambda: now)


def test_the_honest_log_is_cosigned_and_the_rewritten_one_refused() -> None:
    honest, rewriter = MerkleTree(MemoryStore()), MerkleTree(MemoryStore())
    honest.append(records(0, 10))
    rewriter.append(records(0, 10))
    witness = a_witness()

    first = witness.add_checkpoint(signed(honest), [])  # trust on first use, at size 10
    assert witness.size(ORIGIN) == 10

    # The rewriter replaces record 3 (same origin, same key) and grows to 15, as honest does.
    rewritten = records(0, 15)
    rewritten[3] = b"record 3, edited"
    rewriter = MerkleTree(MemoryStore())
    rewriter.append(rewritten)
    honest.append(records(10, 15))

    with pytest.raises(WitnessRefusal, match="not shown to extend the tree of 10") as refused:
        witness.add_checkpoint(signed(rewriter), rewriter.consistency_proof(10, 15))
    assert "consistency proof does not lead to the root of the first tree" in refused.value.reason
    assert witness.size(ORIGIN) == 10  # a refusal changes nothing

    cosignature = witness.add_checkpoint(signed(honest), honest.consistency_proof(10, 15))
    assert witness.size(ORIGIN) == 15
    published = signed(honest) + cosignature.line()
    opened = open_note(published, [LOG_KEY.verifier(), WITNESS_KEY.verifier()])
    assert [s.name for s in opened.signatures] == [ORIGIN, "witness.customs.example"]
    assert cosignature.timestamp == 1_750_000_000
    assert first.timestamp == 1_750_000_000

    # Now at 15: the rewriter's checkpoint of the same size has another root: a fork.
    with pytest.raises(WitnessRefusal, match=r"different root for tree size 15.*forked"):
        witness.add_checkpoint(signed(rewriter), [])
    # and it cannot grow past the witness's view either
    rewriter.append(records(15, 20))
    with pytest.raises(WitnessRefusal, match="not shown to extend"):
        witness.add_checkpoint(signed(rewriter), rewriter.consistency_proof(15, 20))
    honest.append(records(15, 20))
    witness.add_checkpoint(signed(honest), honest.consistency_proof(15, 20), old_size=15)
    assert witness.latest[ORIGIN] == Checkpoint(ORIGIN, 20, honest.root())


def test_refusals_say_why() -> None:
    tree = MerkleTree(MemoryStore())
    tree.append(records(0, 8))
    witness = a_witness()
    with pytest.raises(WitnessRefusal, match="expected an empty proof from size 0"):
        witness.add_checkpoint(signed(tree), [b"\x00" * 32])
    witness.add_checkpoint(signed(tree, size=5), [])

    with pytest.raises(WitnessRefusal, match=r"unknown log 'elsewhere\.example'"):
        other = sign_checkpoint(Checkpoint("elsewhere.example", 8, tree.root()), LOG_KEY)
        witness.add_checkpoint(other, [])
    impostor = generate_key(ORIGIN)  # same name, another key: the note has no known signature
    with pytest.raises(WitnessRefusal, match="not signed by any known key"):
        witness.add_checkpoint(signed(tree, impostor), tree.consistency_proof(5, 8))
    tampered = signed(tree).replace("\n8\n", "\n9\n")
    with pytest.raises(WitnessRefusal, match="does not verify"):
        witness.add_checkpoint(tampered, tree.consistency_proof(5, 8))
    with pytest.raises(WitnessRefusal, match=r"smaller than 5.*never shrinks"):
        witness.add_checkpoint(signed(tree, size=4), [])
    with pytest.raises(WitnessRefusal, match="proof is from size 3, this witness is at 5") as e:
        witness.add_checkpoint(signed(tree), tree.consistency_proof(3, 8), old_size=3)
    assert e.value.witness_size == 5
    with pytest.raises(WitnessRefusal, match="has 3 hashes, expected 4"):
        witness.add_checkpoint(signed(tree), tree.consistency_proof(5, 8)[:-1])
    with pytest.raises(WitnessRefusal, match="expected an empty proof from size 5"):
        witness.add_checkpoint(signed(tree, size=5), tree.consistency_proof(4, 5))
    witness.add_checkpoint(signed(tree, size=5), [])  # the same checkpoint again: cosigned
    assert witness.size(ORIGIN) == 5


def test_a_witness_needs_a_cosignature_key_and_follows_the_log_algorithm() -> None:
    with pytest.raises(ValueError, match="cosignature/v1 key"):
        Witness(LOG_KEY, [])
    tree = MerkleTree(MemoryStore("sm3"))
    tree.append(records(0, 6))
    witness = a_witness(algorithm="sm3")
    witness.add_checkpoint(signed(tree, size=3), [])
    tree.append(records(6, 9))
    witness.add_checkpoint(signed(tree), tree.consistency_proof(3, 9))
    sha_witness = a_witness()
    sha_witness.add_checkpoint(signed(tree, size=3), [])
    with pytest.raises(WitnessRefusal, match="not shown to extend"):
        sha_witness.add_checkpoint(signed(tree), tree.consistency_proof(3, 9))


def test_a_witness_restarts_from_its_saved_checkpoints() -> None:
    tree = MerkleTree(MemoryStore())
    tree.append(records(0, 12))
    witness = a_witness()
    witness.add_checkpoint(signed(tree, size=7), [])
    saved = dict(witness.latest)
    restarted = Witness(
        WITNESS_KEY, [WitnessedLog(ORIGIN, LOG_KEY.verifier())], saved, clock=lambda: 5
    )
    with pytest.raises(WitnessRefusal, match="expected an empty proof from size 7"):
        restarted.add_checkpoint(signed(tree, size=7), [b"\x00" * 32])
    assert restarted.add_checkpoint(signed(tree), tree.consistency_proof(7, 12)).timestamp == 5

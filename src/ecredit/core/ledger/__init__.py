"""Verifiable ledger: an RFC 9162 Merkle log, proofs, C2SP signed checkpoints and witnesses.

See CONTRACT.md in this directory for what the apps and tools may rely on.
"""

from ecredit.core.ledger.hashing import SHA256, SM3, Hasher, hasher
from ecredit.core.ledger.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    Note,
    NoteError,
    Signature,
    SignerKey,
    VerifierKey,
    add_signatures,
    generate_key,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
)
from ecredit.core.ledger.store import (
    AppendBatch,
    LedgerError,
    MemoryStore,
    NodeId,
    NodeStore,
    SqliteStore,
    StaleAppend,
    node_key,
    stored_nodes,
)
from ecredit.core.ledger.tree import MerkleTree, TreeHead, mth
from ecredit.core.ledger.verify import (
    ProofError,
    consistency_proof_size,
    inclusion_proof_size,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from ecredit.core.ledger.witness import Witness, WitnessedLog, WitnessRefusal

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "SHA256",
    "SM3",
    "AppendBatch",
    "Checkpoint",
    "Hasher",
    "LedgerError",
    "MemoryStore",
    "MerkleTree",
    "NodeId",
    "NodeStore",
    "Note",
    "NoteError",
    "ProofError",
    "Signature",
    "SignerKey",
    "SqliteStore",
    "StaleAppend",
    "TreeHead",
    "VerifierKey",
    "Witness",
    "WitnessRefusal",
    "WitnessedLog",
    "add_signatures",
    "consistency_proof_size",
    "generate_key",
    "hasher",
    "inclusion_proof_size",
    "mth",
    "node_key",
    "open_note",
    "parse_checkpoint",
    "parse_signer_key",
    "parse_verifier_key",
    "root_from_inclusion",
    "sign_checkpoint",
    "sign_note",
    "stored_nodes",
    "verify_consistency",
    "verify_inclusion",
]

"""Appending to the ledger, signing checkpoints, accepting witnesses' cosignatures, serving proofs.

Every write path calls `append(kind, items)` inside its own transaction: the leaves and the rows
they record commit together or not at all. After the commit a signed checkpoint of the new size
is issued (`issue_checkpoint`); `ecredit ledger checkpoint` issues one on demand or on a
schedule. The log's Ed25519 key lives in `ECREDIT_DATA_DIR/ledger/log.key`, created on first
use; its verifier key (`verifier_key()`) is what anyone checks checkpoints with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from ecredit.core.ledger import (
    COSIGNATURE_V1,
    LedgerError,
    MerkleTree,
    NoteError,
    SignerKey,
    VerifierKey,
    generate_key,
    open_note,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
)
from ecredit.core.ledger import (
    Checkpoint as CheckpointBody,
)
from ecredit.core.ledger.leaves import encode
from ecredit.ledger.models import Checkpoint, Cosignature, Leaf, Witness
from ecredit.ledger.store import DjangoStore, head
from ecredit.web.keyfiles import create_once


def key_path() -> Path:
    return Path(settings.DATA_DIR) / "ledger" / "log.key"


def signer_key() -> SignerKey:
    """The log's signing key, created (0600) on first use; its name is the log's origin. Two
    processes starting at once agree on one key: the file is created by an exclusive link."""
    text = create_once(key_path(), lambda: generate_key(head().origin).encode())
    return parse_signer_key(text)


def verifier_key() -> VerifierKey:
    return signer_key().verifier()


def append(kind: str, items: Sequence[Mapping[str, Any]]) -> int:
    """Append one leaf per item (`core.ledger.leaves` kind) in the caller's transaction; the index
    of the first. A checkpoint is issued after the transaction commits."""
    if not connection.in_atomic_block:
        raise LedgerError("ledger.append must run inside the transaction of the write it records")
    entries = [encode(kind, item) for item in items]
    head(lock=True)  # held to the end of the caller's transaction: leaves in commit order
    store = DjangoStore()
    store.kinds = [kind] * len(entries)
    tree = MerkleTree(store)
    start = tree.size
    if entries:
        tree.append(entries)
        transaction.on_commit(_checkpoint_after_commit)
    return start


def _checkpoint_after_commit() -> None:
    issue_checkpoint()


def tree() -> MerkleTree:
    return MerkleTree(DjangoStore())


def issue_checkpoint() -> Checkpoint:
    """A signed checkpoint of the log as it is now (the latest one if the log has not grown)."""
    log = tree()
    size = log.size
    latest = Checkpoint.objects.order_by("-size", "-id").first()
    if latest is not None and latest.size == size:
        return latest
    root = log.root(size)
    note = sign_checkpoint(CheckpointBody(head().origin, size, root), signer_key())
    try:
        with transaction.atomic():
            return Checkpoint.objects.create(size=size, root=root.hex(), note=note)
    except IntegrityError:  # another process signed this size first (Ed25519: the same note)
        return Checkpoint.objects.get(size=size)


def published_note(checkpoint: Checkpoint) -> str:
    """The checkpoint's note with every witness cosignature received for it."""
    lines = [c.line for c in checkpoint.cosignatures.order_by("witness__name")]
    return checkpoint.note + "".join(f"{line}\n" for line in lines)


def add_witness(name: str, vkey: str) -> Witness:
    try:
        key = parse_verifier_key(vkey.strip())
    except NoteError as exc:
        raise LedgerError(f"witness key: {exc}") from None
    if key.algorithm != COSIGNATURE_V1:
        raise LedgerError(
            "a witness key must be a cosignature/v1 key (made by `ecredit ledger witness-key`), "
            "not a note signing key"
        )
    if key.name != name:
        raise LedgerError(f"the key is named {key.name!r}, not {name!r}")
    witness, _ = Witness.objects.update_or_create(name=name, defaults={"vkey": vkey.strip()})
    return witness


def add_cosignature(size: int, line: str) -> Cosignature:
    """Accept a witness's cosignature line for the checkpoint at `size`, after verifying it."""
    checkpoint = Checkpoint.objects.filter(size=size).order_by("-id").first()
    if checkpoint is None:
        raise LedgerError(f"no checkpoint at size {size}")
    line = line.strip()
    if (
        len(line) > 600
        or not line.startswith("— ")
        or " " not in line[2:]
        or any(not ch.isprintable() for ch in line)
    ):
        raise LedgerError("not a signature line: '— <key name> <base64 signature>', one line")
    name = line[2:].split(" ", 1)[0]
    witness = Witness.objects.filter(name=name).first()
    if witness is None:
        raise LedgerError(f"{name!r} is not a witness of this log")
    vkey = parse_verifier_key(witness.vkey)
    try:
        note = open_note(f"{checkpoint.note}{line}\n", [verifier_key(), vkey])
    except NoteError as exc:
        raise LedgerError(f"the cosignature does not verify: {exc}") from None
    if not note.signed_by(vkey):
        raise LedgerError(f"the cosignature by {name} does not verify for this checkpoint")
    cosig, _ = Cosignature.objects.update_or_create(
        checkpoint=checkpoint, witness=witness, defaults={"line": line}
    )
    return cosig


def leaf_of(index: int) -> Leaf | None:
    return Leaf.objects.filter(index=index).first()

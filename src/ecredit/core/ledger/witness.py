"""A witness: cosigns a log's checkpoint only if it extends the last one it cosigned.

Pure logic, in the spirit of c2sp.org/tlog-witness (add-checkpoint): the witness knows each log by
origin (its note verifier key and hash algorithm) and keeps, per origin, the last checkpoint it
cosigned. Given a new signed checkpoint, the size the caller believes the witness is at, and a
consistency proof from that size, it checks, in this order, and refuses with the reason at the
first failure:

1. the origin is a log it witnesses, and the note is signed by that log's key;
2. the caller's old size is the witness's (else a conflict, carrying the witness's size, like the
   spec's 409, so the caller can fetch the right proof and try again);
3. the size does not shrink, and the same size has the same root;
4. the consistency proof from its last checkpoint holds;

and only then cosigns (cosignature/v1, stamped with its clock) and remembers the new checkpoint.
The first checkpoint of a log is taken on trust (old size 0, empty proof). Persisting `latest` is
the caller's job: a witness that forgets can be made to cosign a fork.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecredit.core.ledger.hashing import Hasher
from ecredit.core.ledger.hashing import hasher as _hasher
from ecredit.core.ledger.note import (
    COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signature,
    SignerKey,
    VerifierKey,
    open_note,
    parse_checkpoint,
)
from ecredit.core.ledger.verify import ProofError, verify_consistency


class WitnessRefusal(Exception):
    """The witness will not cosign; `reason` says why, `witness_size` is set on a conflict."""

    def __init__(self, reason: str, *, witness_size: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.witness_size = witness_size


@dataclass(frozen=True, slots=True)
class WitnessedLog:
    """A log a witness follows: its origin, its note verifier key, its tree hash algorithm."""

    origin: str
    key: VerifierKey
    algorithm: str = "sha256"

    @property
    def hasher(self) -> Hasher:
        return _hasher(self.algorithm)


class Witness:
    """Cosigns checkpoints of the logs it follows; see the module docstring."""

    def __init__(
        self,
        key: SignerKey,
        logs: Iterable[WitnessedLog],
        latest: Mapping[str, Checkpoint] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if key.algorithm != COSIGNATURE_V1:
            raise ValueError(
                "a witness key must be a cosignature/v1 key (generate_key(cosignature=True))"
            )
        self.key = key
        self.logs = {log.origin: log for log in logs}
        self.latest: dict[str, Checkpoint] = dict(latest or {})
        self._clock = clock

    def size(self, origin: str) -> int:
        """The size of the last checkpoint cosigned for `origin` (0 if none)."""
        cp = self.latest.get(origin)
        return cp.size if cp else 0

    def add_checkpoint(
        self, note: str | bytes, proof: Sequence[bytes], old_size: int | None = None
    ) -> Signature:
        """Cosign the signed checkpoint `note`, given a consistency proof from `old_size` (the
        witness's current size when None); WitnessRefusal with the reason otherwise."""
        text = note.decode("utf-8", "replace") if isinstance(note, bytes) else note
        origin = text.split("\n", 1)[0]
        log = self.logs.get(origin)
        if log is None:
            raise WitnessRefusal(f"unknown log {origin!r}: this witness does not follow it")
        try:
            opened = open_note(note, [log.key])
            checkpoint = parse_checkpoint(opened.text, log.hasher.digest_size)
        except NoteError as e:
            raise WitnessRefusal(f"checkpoint of {origin}: {e}") from None
        last = self.latest.get(origin)
        last_size = last.size if last else 0
        if old_size is not None and old_size != last_size:
            raise WitnessRefusal(
                f"{origin}: the proof is from size {old_size}, this witness is at {last_size}",
                witness_size=last_size,
            )
        if last is not None:
            if checkpoint.size < last.size:
                raise WitnessRefusal(
                    f"{origin}: tree size {checkpoint.size} is smaller than {last.size}, "
                    "already cosigned: a log never shrinks"
                )
            if checkpoint.size == last.size and checkpoint.root != last.root:
                raise WitnessRefusal(
                    f"{origin}: a different root for tree size {last.size}, already cosigned "
                    "with another: the log forked"
                )
        if last is None or last.size == 0 or checkpoint.size == last.size:
            if proof:
                raise WitnessRefusal(f"{origin}: expected an empty proof from size {last_size}")
        else:
            try:
                verify_consistency(
                    last.size, checkpoint.size, proof, last.root, checkpoint.root, log.hasher
                )
            except ProofError as e:
                raise WitnessRefusal(
                    f"{origin}: the tree of {checkpoint.size} is not shown to extend the tree "
                    f"of {last.size} this witness cosigned ({e}); a log that rewrote its history "
                    "cannot prove it"
                ) from None
        signature = self.key.sign(opened.text, int(self._clock()))
        self.latest[origin] = checkpoint
        return signature

"""RFC 9162 §2.1.1 Merkle tree hashing, with SHA-256 (default) or SM3 (GB/T 32905) per log.

leaf = H(0x00 || data), node = H(0x01 || left || right), empty tree = H(""). A log keeps one
algorithm for its whole life: its name is stored with the log and written beside every proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

ALGORITHMS = ("sha256", "sm3")
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _sm3(data: bytes) -> bytes:
    # cryptography ships its own OpenSSL build, so SM3 does not depend on the system's OpenSSL.
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


@dataclass(frozen=True, slots=True)
class Hasher:
    """The hash functions of one log: `leaf`, `node`, `empty`, and `digest` over raw bytes."""

    name: str
    digest_size: int
    digest: Callable[[bytes], bytes]

    def leaf(self, data: bytes) -> bytes:
        return self.digest(LEAF_PREFIX + data)

    def node(self, left: bytes, right: bytes) -> bytes:
        return self.digest(NODE_PREFIX + left + right)

    def empty(self) -> bytes:
        return self.digest(b"")


SHA256 = Hasher("sha256", 32, _sha256)
SM3 = Hasher("sm3", 32, _sm3)
_HASHERS = {h.name: h for h in (SHA256, SM3)}


def hasher(name: str = "sha256") -> Hasher:
    """The hasher called `name` ("sha256" or "sm3"); ValueError for any other name."""
    try:
        return _HASHERS[name]
    except KeyError:
        raise ValueError(
            f"unknown hash algorithm {name!r}: expected one of {', '.join(ALGORITHMS)}"
        ) from None

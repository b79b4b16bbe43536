"""W3C Bitstring Status List v1.0: which credentials are revoked, published as one compressed list.

The list is a bitstring of at least 131,072 entries (16 KiB, so one list reveals little about
any one holder); entry i is bit i counted from the left of the first byte. `encodedList` is the
Multibase base64url form (prefix "u", no padding) of the GZIP-compressed bitstring. A verifier
downloads the status-list credential once and checks any number of certificates offline.
"""

from __future__ import annotations

import base64
import gzip
import io

MIN_ENTRIES = 131_072
MAX_ENCODED = 1_000_000  # characters: a list this long is refused before decompressing
MAX_BYTES = 16 * 1024 * 1024  # decompressed: a "zip bomb" stops here


class StatusListError(ValueError):
    """A status list that cannot be read; the message says why."""


def encode_list(bits: bytes | bytearray) -> str:
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError(f"a status list holds at least {MIN_ENTRIES} entries")
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be Multibase base64url (it starts with 'u')")
    if len(encoded) > MAX_ENCODED:
        raise StatusListError("encodedList is too long")
    body = encoded[1:]
    try:
        packed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except ValueError as exc:  # binascii.Error
        raise StatusListError(f"encodedList is not base64url: {exc}") from None
    if not packed:
        raise StatusListError("encodedList is empty")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as f:
            bits = f.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise StatusListError(f"encodedList is not GZIP data: {exc}") from None
    if len(bits) > MAX_BYTES:
        raise StatusListError("the status list expands beyond 16 MiB")
    if len(bits) * 8 < MIN_ENTRIES:
        raise StatusListError(f"the status list has fewer than {MIN_ENTRIES} entries")
    return bits


def is_set(bits: bytes | bytearray, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytearray, index: int, value: bool = True) -> None:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} is outside the list of {len(bits) * 8}")
    mask = 0x80 >> (index % 8)
    if value:
        bits[index // 8] |= mask
    else:
        bits[index // 8] &= ~mask & 0xFF

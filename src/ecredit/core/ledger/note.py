"""C2SP formats: tlog-checkpoint, signed-note (Ed25519) and tlog-cosignature (cosignature/v1).

- Checkpoint body (c2sp.org/tlog-checkpoint): the origin line, the tree size in decimal, the root
  hash in standard base64, each ending in a newline, then optional extension lines.
- Signed note (c2sp.org/signed-note): the text (non-empty, ending in a newline), a blank line, then
  one or more lines "— <key name> <base64(4-byte key hash || signature)>" (U+2014 EM DASH and a
  space). Key hash: the first 4 bytes of SHA-256(key name || 0x0A || algorithm byte || public key),
  big-endian. Ed25519 keys use algorithm byte 0x01 and sign the text itself.
  Verifier key: "<name>+<8 hex digits of the key hash>+<base64(algorithm || public key)>";
  signer key: "PRIVATE+KEY+<name>+<key hash>+<base64(algorithm || 32-byte private seed)>".
- Cosignature (c2sp.org/tlog-cosignature): a witness's timestamped Ed25519 signature, algorithm
  byte 0x04 (in the key hash and in the verifier key); it signs
  "cosignature/v1\\ntime <unix seconds>\\n" + the checkpoint body, and its signature line carries
  key hash || 8-byte big-endian timestamp || 64-byte signature.

Opening a note follows Go's golang.org/x/mod/sumdb/note (the reference the specs were written
from): text is valid UTF-8 without control characters other than newline; the signature block is
after the *last* blank line; at most 100 signature lines; key names are non-empty, without spaces
or "+"; a signature by an unknown key (name and hash not among the verifiers) is ignored; a
signature by a known key that does not verify rejects the whole note; a repeated signature by one
key is counted once; a note with no verified signature is rejected.

Details written from memory of the specs, not checked against their text here:
- whether the signed-note spec forbids blank lines inside the text (Go accepts them when opening;
  `sign_note` refuses them, since a checkpoint never has one);
- whether a cosignature/v1 timestamp of 0 or one in the future must be refused by a verifier (not
  refused here; the witness stamps its own clock);
- that checkpoint sizes are bounded by 2**63 - 1 (Go parses them as int64) and that extension lines
  must be non-empty (refused here when empty).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
ALGORITHMS = {ED25519: "Ed25519", COSIGNATURE_V1: "cosignature/v1"}
SIGNATURE_PREFIX = "\u2014 "  # "— "
MAX_SIGNATURES = 100
MAX_SIZE = 2**63 - 1


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or does not verify; the message says why."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, key: bytes) -> int:
    """The 32-bit key hash of a key: SHA-256(name || 0x0A || algorithm || public key)[:4]."""
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n" + key).digest()[:4], "big")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError(f"{what} is not standard base64: {text!r}") from None


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: key name, key hash, the signature and, for cosignatures, the time."""

    name: str
    key_hash: int
    signature: bytes
    timestamp: int | None = None

    def line(self) -> str:
        payload = self.key_hash.to_bytes(4, "big")
        if self.timestamp is not None:
            payload += self.timestamp.to_bytes(8, "big")
        return (
            f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(payload + self.signature).decode()}\n"
        )


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header lines, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key that verifies note signatures (algorithm ED25519) or cosignatures."""

    name: str
    algorithm: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}: non-empty, no spaces, no '+'")
        if self.algorithm not in ALGORITHMS:
            raise NoteError(f"key {self.name}: unknown algorithm byte 0x{self.algorithm:02x}")
        if len(self.public_key) != 32:
            raise NoteError(f"key {self.name}: an Ed25519 public key has 32 bytes")

    @property
    def key_hash(self) -> int:
        return key_hash(self.name, bytes([self.algorithm]) + self.public_key)

    def encode(self) -> str:
        key = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash:08x}+{key}"

    def verify(self, text: str, signature: Signature) -> bool:
        """Whether `signature` (from a line with this key's name and hash) signs `text`."""
        if self.algorithm == COSIGNATURE_V1:
            if signature.timestamp is None:
                return False
            message = cosignature_message(text, signature.timestamp)
        else:
            message = text.encode()
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature.signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A private key that signs notes (ED25519) or cosigns checkpoints (COSIGNATURE_V1)."""

    name: str
    algorithm: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise NoteError(f"key {self.name}: an Ed25519 private seed has 32 bytes")
        self.verifier()  # checks the name and algorithm

    def verifier(self) -> VerifierKey:
        public = _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())
        return VerifierKey(self.name, self.algorithm, public)

    def encode(self) -> str:
        key = base64.b64encode(bytes([self.algorithm]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier().key_hash:08x}+{key}"

    def sign(self, text: str, timestamp: int | None = None) -> Signature:
        """Sign a note text; a cosignature key needs the time (Unix seconds) to stamp."""
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        if self.algorithm == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 2**64:
                raise NoteError("a cosignature needs a timestamp in Unix seconds")
            return Signature(
                self.name,
                self.verifier().key_hash,
                private.sign(cosignature_message(text, timestamp)),
                timestamp,
            )
        if timestamp is not None:
            raise NoteError("only cosignatures carry a timestamp")
        return Signature(self.name, self.verifier().key_hash, private.sign(text.encode()))


def generate_key(name: str, *, cosignature: bool = False) -> SignerKey:
    """A new Ed25519 key: for signing notes, or (`cosignature=True`) for a witness."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return SignerKey(name, COSIGNATURE_V1 if cosignature else ED25519, seed)


def _split_key(text: str, parts: int, what: str) -> list[str]:
    fields = text.strip().split("+", parts - 1)  # the base64 key may itself contain "+"
    if len(fields) != parts:
        raise NoteError(f"malformed {what}: expected {parts} fields separated by '+'")
    return fields


def _decode_key(hash_hex: str, key_b64: str, what: str) -> tuple[int, bytes]:
    if len(hash_hex) != 8 or any(c not in "0123456789abcdefABCDEF" for c in hash_hex):
        raise NoteError(f"malformed {what}: key hash {hash_hex!r} is not 8 hex digits")
    key = _b64decode(key_b64, f"{what} key")
    if len(key) != 33:
        raise NoteError(f"malformed {what}: expected an algorithm byte and 32 key bytes")
    if key[0] not in ALGORITHMS:
        raise NoteError(f"{what}: unknown algorithm byte 0x{key[0]:02x}")
    return key[0], key[1:]


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key "<name>+<hash>+<base64 key>"; NoteError if malformed or the hash is wrong."""
    name, hash_hex, key_b64 = _split_key(text, 3, "verifier key")
    algorithm, public = _decode_key(hash_hex, key_b64, "verifier key")
    key = VerifierKey(name, algorithm, public)
    if key.key_hash != int(hash_hex, 16):
        raise NoteError(f"verifier key {name}: key hash {hash_hex} does not match the key")
    return key


def parse_signer_key(text: str) -> SignerKey:
    """A signer key "PRIVATE+KEY+<name>+<hash>+<base64 seed>"; NoteError if malformed."""
    fields = _split_key(text, 5, "signer key")
    if fields[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("malformed signer key: it starts with PRIVATE+KEY+")
    name, hash_hex, key_b64 = fields[2:]
    algorithm, seed = _decode_key(hash_hex, key_b64, "signer key")
    key = SignerKey(name, algorithm, seed)
    if key.verifier().key_hash != int(hash_hex, 16):
        raise NoteError(f"signer key {name}: key hash {hash_hex} does not match the key")
    return key


def _check_text(text: str) -> None:
    for i, c in enumerate(text):
        if c < " " and c != "\n":
            raise NoteError(f"note text has control character U+{ord(c):04X} at {i}")
        if 0xD800 <= ord(c) <= 0xDFFF:
            raise NoteError(f"note text has a lone surrogate at {i}")


def sign_note(text: str, *signers: SignerKey, timestamp: int | None = None) -> str:
    """The signed note: text, blank line, one signature line per signer (in order).

    Cosignature keys stamp `timestamp`. The text must be non-empty, end in a newline and have no
    blank line or control character.
    """
    if not signers:
        raise NoteError("a signed note needs at least one signer")
    if not text.endswith("\n") or text == "\n":
        raise NoteError("note text must be non-empty and end in a newline")
    if "\n\n" in text:
        raise NoteError("note text must not contain a blank line")
    _check_text(text)
    lines = [
        s.sign(text, timestamp if s.algorithm == COSIGNATURE_V1 else None).line() for s in signers
    ]
    return text + "\n" + "".join(lines)


def add_signatures(note: str, signatures: Iterable[Signature]) -> str:
    """The note with more signature lines at the end (e.g. witnesses' cosignatures)."""
    if not note.endswith("\n") or "\n\n" not in note:
        raise NoteError("not a signed note: no signature block")
    return note + "".join(s.line() for s in signatures)


@dataclass(frozen=True, slots=True)
class Note:
    """An opened note: its text, the signatures that verified, and those by unknown keys."""

    text: str
    signatures: tuple[Signature, ...]
    unverified: tuple[Signature, ...] = ()

    def signed_by(self, key: VerifierKey) -> Signature | None:
        return next(
            (s for s in self.signatures if (s.name, s.key_hash) == (key.name, key.key_hash)),
            None,
        )


def _parse_line(line: str, number: int) -> tuple[str, int, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"signature line {number} does not start with '— ' (U+2014, space)")
    name, sep, b64 = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not sep or not b64:
        raise NoteError(f"signature line {number} has no signature after the key name")
    if not _valid_name(name):
        raise NoteError(f"signature line {number}: invalid key name {name!r}")
    raw = _b64decode(b64, f"signature line {number}")
    if len(raw) < 5:
        raise NoteError(f"signature line {number} is too short to hold a key hash and signature")
    return name, int.from_bytes(raw[:4], "big"), raw[4:]


def open_note(note: str | bytes, verifiers: Iterable[VerifierKey]) -> Note:
    """Parse a signed note and verify it against `verifiers`; NoteError with the reason if it is
    malformed, if a known key's signature fails, or if no known key signed it."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NoteError(f"note is not valid UTF-8 (byte {e.start})") from None
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before a signature block")
    text, block = note[: split + 1], note[split + 2 :]
    if not text.strip("\n"):
        raise NoteError("note text is empty")
    if not block or not block.endswith("\n"):
        raise NoteError("note signature block is empty or does not end in a newline")
    known = {(v.name, v.key_hash): v for v in verifiers}
    verified: dict[tuple[str, int], Signature] = {}
    unknown: dict[str, Signature] = {}
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signature lines, at most {MAX_SIGNATURES}")
    for number, line in enumerate(lines, 1):
        name, hash_, raw = _parse_line(line, number)
        verifier = known.get((name, hash_))
        if verifier is None:
            unknown.setdefault(line, Signature(name, hash_, raw))
            continue
        if (name, hash_) in verified:
            continue
        signature = Signature(name, hash_, raw)
        if verifier.algorithm == COSIGNATURE_V1:
            if len(raw) != 8 + 64:
                raise NoteError(f"cosignature by {name} has {len(raw)} bytes, expected 8 + 64")
            signature = Signature(name, hash_, raw[8:], int.from_bytes(raw[:8], "big"))
        elif len(raw) != 64:
            raise NoteError(f"signature by {name} has {len(raw)} bytes, expected 64")
        if not verifier.verify(text, signature):
            raise NoteError(f"signature by {name} does not verify: the note was altered")
        verified[(name, hash_)] = signature
    if not verified:
        names = ", ".join(sorted({s.name for s in unknown.values()}))
        raise NoteError(f"note is not signed by any known key (signed by: {names})")
    return Note(text, tuple(verified.values()), tuple(unknown.values()))


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be one non-empty line")
        if not 0 <= self.size <= MAX_SIZE:
            raise NoteError(f"checkpoint size {self.size} is out of range")
        if any(not e or "\n" in e for e in self.extensions):
            raise NoteError("checkpoint extension lines must be single non-empty lines")

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "".join(f"{line}\n" for line in (*lines, *self.extensions))


def parse_checkpoint(text: str, hash_size: int = 32) -> Checkpoint:
    """A checkpoint from its body (a note's text); NoteError with the reason if malformed."""
    if not text.endswith("\n"):
        raise NoteError("checkpoint does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs an origin, a tree size and a root hash line")
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin line is empty")
    if not size_line.isascii() or not size_line.isdigit() or size_line != str(int(size_line)):
        raise NoteError(f"checkpoint tree size {size_line!r} is not a decimal number")
    root = _b64decode(root_line, "checkpoint root hash")
    if len(root) != hash_size:
        raise NoteError(f"checkpoint root hash has {len(root)} bytes, expected {hash_size}")
    if any(not e for e in extensions):
        raise NoteError("checkpoint has an empty extension line")
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: SignerKey) -> str:
    """The checkpoint as a signed note (the log's key names itself after the origin, usually)."""
    return sign_note(checkpoint.body(), *signers)

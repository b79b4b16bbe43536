"""C2SP signed notes, checkpoints and cosignatures."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ecredit.core.ledger import (
    COSIGNATURE_V1,
    ED25519,
    SHA256,
    Checkpoint,
    NoteError,
    SignerKey,
    add_signatures,
    generate_key,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
)
from ecredit.core.ledger.note import key_hash

ROOT = SHA256.leaf(b"root")
CHECKPOINT = Checkpoint("ledger.ecredit.example/records", 1234, ROOT)
LOG = SignerKey("ledger.ecredit.example/records", ED25519, bytes(range(32)))
OTHER = SignerKey("ledger.ecredit.example/records", ED25519, bytes(range(1, 33)))
WITNESS = SignerKey("witness.customs.example", COSIGNATURE_V1, bytes(range(2, 34)))


def test_keys_round_trip_and_carry_their_hash() -> None:
    for key in (generate_key("log.example/a"), generate_key("w.example", cosignature=True)):
        assert parse_signer_key(key.encode()) == key
        verifier = key.verifier()
        assert parse_verifier_key(verifier.encode()) == verifier
        name, hash_hex, b64 = verifier.encode().split("+", 2)
        raw = base64.b64decode(b64)
        assert raw[0] == key.algorithm
        digest = hashlib.sha256(name.encode() + b"\n" + raw).digest()
        assert int(hash_hex, 16) == int.from_bytes(digest[:4], "big") == verifier.key_hash
        assert key.encode().startswith(f"PRIVATE+KEY+{name}+{hash_hex}+")
    assert key_hash("a", b"\x01" + bytes(32)) != key_hash("a", b"\x04" + bytes(32))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("name+0000000+AQ==", "not 8 hex digits"),
        ("name+00000000", "expected 3 fields"),
        ("name+00000000+!!!", "not standard base64"),
        ("name+00000000+AQ==", "an algorithm byte and 32 key bytes"),
        ("name+00000000+" + base64.b64encode(b"\x09" + bytes(32)).decode(), "unknown algorithm"),
        ("na me+00000000+" + base64.b64encode(b"\x01" + bytes(32)).decode(), "invalid key name"),
    ],
)
def test_malformed_verifier_keys_are_refused(text: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        parse_verifier_key(text)


def test_a_verifier_key_with_the_wrong_hash_is_refused() -> None:
    name, _, key = LOG.verifier().encode().split("+", 2)
    with pytest.raises(NoteError, match="does not match the key"):
        parse_verifier_key(f"{name}+00000000+{key}")
    with pytest.raises(NoteError, match="starts with PRIVATE\\+KEY"):
        parse_signer_key("PUBLIC+KEY+" + LOG.encode()[len("PRIVATE+KEY+") :])


def test_checkpoint_body_round_trip() -> None:
    body = CHECKPOINT.body()
    lines = body.split("\n")
    assert lines == [CHECKPOINT.origin, "1234", base64.b64encode(ROOT).decode(), ""]
    assert parse_checkpoint(body) == CHECKPOINT
    with_ext = Checkpoint("o", 0, ROOT, ("ext one",))
    assert parse_checkpoint(with_ext.body()) == with_ext


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("o\n1\n" + base64.b64encode(ROOT).decode(), "does not end in a newline"),
        ("o\n1\n", "needs an origin, a tree size and a root hash"),
        ("\n1\n" + base64.b64encode(ROOT).decode() + "\n", "origin line is empty"),
        ("o\n01\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal number"),
        ("o\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "not a decimal number"),
        ("o\n1\n" + base64.b64encode(ROOT[:20]).decode() + "\n", "20 bytes, expected 32"),
        ("o\n1\nnot base64!\n", "not standard base64"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "empty extension line"),
        ("o\n9223372036854775808\n" + base64.b64encode(ROOT).decode() + "\n", "out of range"),
    ],
)
def test_malformed_checkpoints_are_refused(body: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        parse_checkpoint(body)


def test_sign_and_open_a_checkpoint() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG)
    text, _, line = note.rpartition("\n\n")
    assert text + "\n" == CHECKPOINT.body()
    assert line.startswith("\u2014 ledger.ecredit.example/records ")
    payload = base64.b64decode(line.rstrip("\n").rsplit(" ", 1)[1])
    assert int.from_bytes(payload[:4], "big") == LOG.verifier().key_hash
    assert len(payload) == 4 + 64
    opened = open_note(note, [LOG.verifier()])
    assert opened.text == CHECKPOINT.body()
    assert opened.signed_by(LOG.verifier()) is not None
    assert parse_checkpoint(opened.text) == CHECKPOINT
    assert open_note(note.encode(), [LOG.verifier()]) == opened


def test_a_tampered_body_fails() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG)
    tampered = note.replace("\n1234\n", "\n1235\n")
    with pytest.raises(NoteError, match=r"signature by ledger\.ecredit\.example/records does not"):
        open_note(tampered, [LOG.verifier()])


def test_a_signature_by_an_unknown_key_is_ignored() -> None:
    stranger = generate_key("stranger.example")
    note = sign_note(CHECKPOINT.body(), stranger, LOG)
    opened = open_note(note, [LOG.verifier()])
    assert [s.name for s in opened.signatures] == [LOG.name]
    assert [s.name for s in opened.unverified] == ["stranger.example"]
    # same name, another key: its hash differs, so it is unknown too, not a bad signature
    opened = open_note(sign_note(CHECKPOINT.body(), OTHER, LOG), [LOG.verifier()])
    assert len(opened.signatures) == len(opened.unverified) == 1
    with pytest.raises(NoteError, match="not signed by any known key \\(signed by: stranger"):
        open_note(sign_note(CHECKPOINT.body(), stranger), [LOG.verifier()])


def test_a_repeated_signature_counts_once() -> None:
    note = sign_note(CHECKPOINT.body(), LOG, LOG)
    assert len(open_note(note, [LOG.verifier()]).signatures) == 1


SIGNED = sign_checkpoint(CHECKPOINT, LOG)
BODY, SIGLINE = SIGNED.split("\n\n")


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (BODY + "\n" + SIGLINE, "no blank line before a signature block"),
        (BODY + "\n\n", "signature block is empty"),
        (BODY + "\n\n" + SIGLINE.rstrip("\n"), "does not end in a newline"),
        (BODY + "\n\n" + SIGLINE.replace("\u2014", "-"), "does not start with '— '"),
        (BODY + "\n\n" + "\u2014 name\n", "no signature after the key name"),
        (BODY + "\n\n" + "\u2014 na+me AAAAAAA=\n", "invalid key name"),
        (BODY + "\n\n" + "\u2014 name not-base64\n", "not standard base64"),
        (BODY + "\n\n" + "\u2014 name AAAA\n", "too short"),
        (BODY.replace("1234", "12\t34") + "\n\n" + SIGLINE, "control character U\\+0009"),
        ("\n\n" + SIGLINE, "note text is empty"),
        (BODY + "\n\n" + SIGLINE * 101, "101 signature lines, at most 100"),
    ],
)
def test_malformed_notes_are_refused_with_a_reason(note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        open_note(note, [LOG.verifier()])


def test_notes_that_are_not_utf8_or_have_short_signatures_are_refused() -> None:
    with pytest.raises(NoteError, match="not valid UTF-8"):
        open_note(b"\xff\xfe\n\n" + SIGLINE.encode(), [LOG.verifier()])
    short = base64.b64encode(LOG.verifier().key_hash.to_bytes(4, "big") + bytes(10)).decode()
    with pytest.raises(NoteError, match="has 10 bytes, expected 64"):
        open_note(BODY + f"\n\n\u2014 {LOG.name} {short}\n", [LOG.verifier()])


def test_sign_note_refuses_text_it_could_not_sign_safely() -> None:
    for text, reason in [
        ("no newline", "end in a newline"),
        ("\n", "non-empty"),
        ("a\n\nb\n", "blank line"),
        ("a\x00\n", "control character"),
    ]:
        with pytest.raises(NoteError, match=reason):
            sign_note(text, LOG)
    with pytest.raises(NoteError, match="at least one signer"):
        sign_note("a\n")
    with pytest.raises(NoteError, match="needs a timestamp"):
        sign_note("a\n", WITNESS)


def test_a_cosignature_signs_the_timestamped_checkpoint() -> None:
    note = sign_checkpoint(CHECKPOINT, LOG)
    cosignature = WITNESS.sign(CHECKPOINT.body(), 1_700_000_000)
    published = add_signatures(note, [cosignature])
    line = published.rstrip("\n").rsplit("\n", 1)[1]
    assert line.startswith("\u2014 witness.customs.example ")
    payload = base64.b64decode(line.rsplit(" ", 1)[1])
    assert payload[:4] == WITNESS.verifier().key_hash.to_bytes(4, "big")
    assert payload[4:12] == (1_700_000_000).to_bytes(8, "big")
    assert len(payload) == 4 + 8 + 64
    message = b"cosignature/v1\ntime 1700000000\n" + CHECKPOINT.body().encode()
    Ed25519PublicKey.from_public_bytes(WITNESS.verifier().public_key).verify(payload[12:], message)

    opened = open_note(published, [LOG.verifier(), WITNESS.verifier()])
    assert [(s.name, s.timestamp) for s in opened.signatures] == [
        (LOG.name, None),
        ("witness.customs.example", 1_700_000_000),
    ]
    # the log's key alone: the cosignature is by an unknown key, and ignored
    assert len(open_note(published, [LOG.verifier()]).unverified) == 1
    # a changed timestamp breaks the cosignature
    forged = payload[:4] + (1_700_000_001).to_bytes(8, "big") + payload[12:]
    forged_line = f"\u2014 witness.customs.example {base64.b64encode(forged).decode()}\n"
    with pytest.raises(NoteError, match=r"signature by witness\.customs\.example does not verify"):
        open_note(note + forged_line, [LOG.verifier(), WITNESS.verifier()])
    untimed = WITNESS.verifier().key_hash.to_bytes(4, "big") + payload[12:]  # no timestamp
    untimed_line = f"\u2014 witness.customs.example {base64.b64encode(untimed).decode()}\n"
    with pytest.raises(NoteError, match="has 64 bytes, expected 8 \\+ 64"):
        open_note(note + untimed_line, [LOG.verifier(), WITNESS.verifier()])

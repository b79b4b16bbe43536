"""Credit certificates: sign, verify offline, expire, revoke through the status list; tampering."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecredit.core.credentials import (
    MIN_ENTRIES,
    CredentialError,
    StatusListError,
    certificate,
    decode_list,
    encode_list,
    generate_key,
    is_set,
    public_jwks,
    set_bit,
    sign,
    status_list_credential,
    verify,
)

ISSUER = {"id": "https://credit.example", "name": "ecredit"}
STATUS_URL = "https://credit.example/api/v1/credentials/status/1"
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> dict[str, Any]:
    return generate_key("https://credit.example#k1")


def cert(key: dict[str, Any], index: int = 7, days: int = 90, **subject: Any) -> str:
    doc = certificate(
        credential_id="urn:uuid:0b8e2c9e-6a4c-4f1e-9a53-0c0e6b1d7f10",
        issuer=ISSUER,
        subject={"id": "urn:uscc:91330106MA2H3K4P0X", "grade": "A", "riskClass": "A", **subject},
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=days),
        status_list_url=STATUS_URL,
        status_index=index,
    )
    return sign(doc, key)


def status(key: dict[str, Any], revoked: tuple[int, ...] = ()) -> str:
    bits = bytearray(MIN_ENTRIES // 8)
    for i in revoked:
        set_bit(bits, i)
    doc = status_list_credential(
        url=STATUS_URL, issuer=ISSUER, encoded_list=encode_list(bits), valid_from=NOW
    )
    return sign(doc, key)


def test_a_certificate_verifies_offline_with_the_published_keys(key: dict[str, Any]) -> None:
    jwks = public_jwks([key])
    assert "d" not in jwks["keys"][0]
    got = verify(cert(key), jwks, now=NOW, status_token=status(key))
    assert got.valid and got.revoked is False
    assert got.credential["credentialSubject"]["grade"] == "A"
    assert any(c.startswith("signature: valid") for c in got.checks)
    header = json.loads(base64.urlsafe_b64decode(cert(key).split(".")[0] + "=="))
    assert header == {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": key["kid"]}


def test_revocation_and_expiry_are_reported(key: dict[str, Any]) -> None:
    jwks = public_jwks([key])
    revoked = verify(cert(key, index=7), jwks, now=NOW, status_token=status(key, (7,)))
    assert revoked.revoked and not revoked.valid
    other = verify(cert(key, index=8), jwks, now=NOW, status_token=status(key, (7,)))
    assert other.revoked is False
    late = verify(cert(key, days=10), jwks, now=NOW + timedelta(days=11))
    assert late.expired and not late.valid and late.revoked is None


def test_a_changed_grade_or_another_key_fails(key: dict[str, Any]) -> None:
    jwks = public_jwks([key])
    token = cert(key)
    h, p, s = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    claims["credentialSubject"]["grade"] = "AAA"
    forged_p = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(CredentialError, match="signature does not verify"):
        verify(f"{h}.{forged_p}.{s}", jwks, now=NOW)
    stranger = generate_key("https://credit.example#k1")  # same kid, different key
    with pytest.raises(CredentialError, match="signature does not verify"):
        verify(cert(stranger), jwks, now=NOW)
    with pytest.raises(CredentialError, match="not in the issuer's published keys"):
        verify(cert(generate_key("other#k9")), jwks, now=NOW)


def test_a_status_list_from_elsewhere_is_refused(key: dict[str, Any]) -> None:
    jwks = public_jwks([key])
    bits = bytearray(MIN_ENTRIES // 8)
    doc = status_list_credential(
        url="https://evil.example/status",
        issuer=ISSUER,
        encoded_list=encode_list(bits),
        valid_from=NOW,
    )
    with pytest.raises(CredentialError, match="certificate points to"):
        verify(cert(key), jwks, now=NOW, status_token=sign(doc, key))


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "is empty"),
        ("a.b", "not a compact JWS"),
        ("x" * 70_000, "longer than"),
        ("eyJhbGciOiJub25lIiwidHlwIjoidmMrand0In0.e30.", "only Ed25519"),
        ("!!!.e30.AA", "header cannot be read"),
    ],
)
def test_malformed_tokens_are_named(key: dict[str, Any], token: str, message: str) -> None:
    with pytest.raises(CredentialError, match=message):
        verify(token, public_jwks([key]), now=NOW)


@given(st.sets(st.integers(0, MIN_ENTRIES - 1), max_size=40))
def test_status_bits_round_trip(indices: set[int]) -> None:
    bits = bytearray(MIN_ENTRIES // 8)
    for i in indices:
        set_bit(bits, i)
    back = decode_list(encode_list(bits))
    assert {i for i in indices if is_set(back, i)} == indices
    assert sum(bin(b).count("1") for b in back) == len(indices)


def test_status_list_bit_order_is_left_to_right() -> None:
    bits = bytearray(MIN_ENTRIES // 8)
    set_bit(bits, 0)
    set_bit(bits, 9)
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0000])


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("H4sI", "starts with 'u'"),
        ("u!!!", "not base64url|not GZIP"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 10)).decode(), "fewer than"),
        (
            "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (17 * 1024 * 1024))).decode(),
            "beyond 16 MiB",
        ),
    ],
)
def test_bad_status_lists_are_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        decode_list(encoded)

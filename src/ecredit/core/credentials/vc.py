"""A credit certificate as a W3C Verifiable Credential (Data Model 2.0) secured with JOSE.

The credential is a JSON document (`certificate`) stating an enterprise's grade, risk class and
score as of an evaluation date, valid for a period, with a `credentialStatus` entry in the
platform's Bitstring Status List so it can be revoked. It is secured as VC-JOSE-COSE says:
the compact JWS of the credential's JSON, header `typ: vc+jwt`, `cty: vc`, `kid` naming the
issuer's key. The signature is EdDSA over Ed25519, written with the fully specified `alg`
"Ed25519" of RFC 9864 (the polymorphic "EdDSA" is deprecated there); `verify` accepts both.

`verify` needs only the token, the issuer's published JWK set and, for revocation, the
status-list credential (itself a signed VC): all three can be downloaded once and checked
offline. It says what it checked, and raises `CredentialError` naming what does not hold.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from ecredit.core.credentials.status import StatusListError, decode_list, is_set

ALGORITHMS = ("Ed25519", "EdDSA")
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
MAX_TOKEN = 64 * 1024
STATUS_MAX_TOKEN = 2 * 1024 * 1024


class CredentialError(ValueError):
    """A certificate or status list that does not verify; the message says what and why."""


def generate_key(kid: str) -> dict[str, Any]:
    """A new Ed25519 private JWK with `kid`, `alg` and `use` set."""
    key = OKPKey.generate_key("Ed25519", private=True)
    return {**key.as_dict(private=True), "kid": kid, "alg": "Ed25519", "use": "sig"}


def public_jwks(private_jwks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The published key set: the public half of each key, with its `kid`."""
    keys = []
    for k in private_jwks:
        pub = OKPKey.import_key(dict(k)).as_dict(private=False)
        keys.append({**pub, "kid": k["kid"], "alg": "Ed25519", "use": "sig"})
    return {"keys": keys}


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise CredentialError(f"time {moment!r} has no time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate(
    *,
    credential_id: str,
    issuer: Mapping[str, str],
    subject: Mapping[str, Any],
    valid_from: datetime,
    valid_until: datetime,
    status_list_url: str,
    status_index: int,
) -> dict[str, Any]:
    """The credential document of a credit certificate."""
    if valid_until <= valid_from:
        raise CredentialError("validUntil must come after validFrom")
    return {
        "@context": [CONTEXT_V2, {"@vocab": "https://ecredit.example/vocab#"}],
        "id": credential_id,
        "type": ["VerifiableCredential", "CreditGradeCertificate"],
        "issuer": dict(issuer),
        "validFrom": _utc(valid_from),
        "validUntil": _utc(valid_until),
        "credentialSubject": dict(subject),
        "credentialStatus": {
            "id": f"{status_list_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list_url,
        },
    }


def status_list_credential(
    *, url: str, issuer: Mapping[str, str], encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    return {
        "@context": [CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": dict(issuer),
        "validFrom": _utc(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }


def sign(credential: Mapping[str, Any], private_jwk: Mapping[str, Any]) -> str:
    """The compact JWS (`application/vc+jwt`) of `credential`."""
    payload = json.dumps(credential, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    header = {"alg": "Ed25519", "typ": "vc+jwt", "cty": "vc", "kid": private_jwk["kid"]}
    key = OKPKey.import_key(dict(private_jwk))
    return jws.serialize_compact(header, payload.encode("utf-8"), key, algorithms=["Ed25519"])


@dataclass
class Verified:
    credential: dict[str, Any]
    kid: str
    checks: list[str] = field(default_factory=list)
    expired: bool = False
    not_yet_valid: bool = False
    revoked: bool | None = None  # None: no status list was given

    @property
    def valid(self) -> bool:
        return not (self.expired or self.not_yet_valid or self.revoked)


def _open(token: str, jwks: Mapping[str, Any], what: str, limit: int) -> tuple[dict[str, Any], str]:
    """Check the signature of a vc+jwt against the key set; (credential, kid)."""
    if not isinstance(token, str) or not token.strip():
        raise CredentialError(f"the {what} is empty")
    token = token.strip()
    if len(token) > limit:
        raise CredentialError(f"the {what} is longer than {limit:,} characters")
    if token.count(".") != 2:
        raise CredentialError(f"the {what} is not a compact JWS (three parts separated by dots)")
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError) as exc:
        raise CredentialError(f"the {what}'s header cannot be read: {exc}") from None
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        raise CredentialError(f"the {what} is signed with {alg!r}; only Ed25519 is accepted")
    if header.get("typ") != "vc+jwt":
        raise CredentialError(f"the {what}'s typ is {header.get('typ')!r}, not 'vc+jwt'")
    keys = [k for k in jwks.get("keys", []) if isinstance(k, Mapping) and k.get("kid") == kid]
    if not keys:
        raise CredentialError(
            f"the {what} is signed by key {kid!r}, which is not in the issuer's published keys"
        )
    try:
        key = OKPKey.import_key({k: v for k, v in keys[0].items() if k != "d"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # joserfc warns on the deprecated "EdDSA" name
            obj = jws.deserialize_compact(token, key, algorithms=[str(alg)])
    except (JoseError, ValueError) as exc:
        raise CredentialError(
            f"the {what}'s signature does not verify with key {kid!r}: it was altered or not "
            f"signed by this issuer ({exc.__class__.__name__})"
        ) from None
    try:
        credential = json.loads(obj.payload)
    except ValueError as exc:
        raise CredentialError(f"the {what}'s payload is not JSON: {exc}") from None
    if not isinstance(credential, dict):
        raise CredentialError(f"the {what}'s payload is not a JSON object")
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != CONTEXT_V2:
        raise CredentialError(f"the {what} is not a Verifiable Credential 2.0 (@context)")
    if "VerifiableCredential" not in (credential.get("type") or []):
        raise CredentialError(f"the {what} is not typed VerifiableCredential")
    return credential, str(kid)


def _time(credential: Mapping[str, Any], name: str) -> datetime | None:
    value = credential.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CredentialError(f"{name} {value!r} is not a date and time") from None
    if moment.tzinfo is None:
        raise CredentialError(f"{name} {value!r} has no time zone")
    return moment


def verify(
    token: str,
    jwks: Mapping[str, Any],
    *,
    now: datetime,
    status_token: str | None = None,
) -> Verified:
    """Check a certificate: signature, form, validity period and (with the status list) that it
    is not revoked. Raises `CredentialError` when it cannot be trusted at all."""
    credential, kid = _open(token, jwks, "certificate", MAX_TOKEN)
    out = Verified(credential, kid)
    issuer = credential.get("issuer")
    out.checks.append(f"signature: valid, Ed25519 key {kid!r} of the issuer's published keys")
    start, end = _time(credential, "validFrom"), _time(credential, "validUntil")
    out.not_yet_valid = start is not None and now < start
    out.expired = end is not None and now > end
    out.checks.append(
        f"validity: {credential.get('validFrom')} to {credential.get('validUntil')}: "
        + ("expired" if out.expired else "not yet valid" if out.not_yet_valid else "current")
    )
    status = credential.get("credentialStatus")
    if status_token is None:
        out.checks.append("revocation: not checked (give the issuer's status-list credential)")
        return out
    if not isinstance(status, Mapping) or status.get("type") != "BitstringStatusListEntry":
        raise CredentialError("the certificate has no BitstringStatusListEntry to check")
    listed, _ = _open(status_token, jwks, "status list", STATUS_MAX_TOKEN)
    if listed.get("id") != status.get("statusListCredential"):
        raise CredentialError(
            f"the status list given is {listed.get('id')!r}, but the certificate points to "
            f"{status.get('statusListCredential')!r}"
        )
    if listed.get("issuer") != issuer:
        raise CredentialError("the status list and the certificate have different issuers")
    subject = listed.get("credentialSubject") or {}
    if subject.get("statusPurpose") != status.get("statusPurpose"):
        raise CredentialError("the status list is for another purpose than the certificate's")
    try:
        index = int(str(status.get("statusListIndex")))
        out.revoked = is_set(decode_list(subject.get("encodedList", "")), index)
    except (ValueError, StatusListError) as exc:
        raise CredentialError(f"the status list cannot be read: {exc}") from None
    out.checks.append(
        f"revocation: entry {index} of the status list issued {listed.get('validFrom')}: "
        + ("REVOKED" if out.revoked else "not revoked")
    )
    return out

"""Verifiable credit certificates: W3C Verifiable Credentials secured with JOSE, and a
Bitstring Status List for revocation (pure Python; see `vc.py` and `status.py`)."""

from ecredit.core.credentials.status import (
    MIN_ENTRIES,
    StatusListError,
    decode_list,
    encode_list,
    is_set,
    set_bit,
)
from ecredit.core.credentials.vc import (
    ALGORITHMS,
    CredentialError,
    Verified,
    certificate,
    generate_key,
    public_jwks,
    sign,
    status_list_credential,
    verify,
)

__all__ = [
    "ALGORITHMS",
    "MIN_ENTRIES",
    "CredentialError",
    "StatusListError",
    "Verified",
    "certificate",
    "decode_list",
    "encode_list",
    "generate_key",
    "is_set",
    "public_jwks",
    "set_bit",
    "sign",
    "status_list_credential",
    "verify",
]

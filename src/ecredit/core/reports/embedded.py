"""What a report PDF carries so that it can be checked offline, and the checks.

A report's *content* is one JSON object (the data the PDF renders: subject, grade, records,
...). Its content hash is the hex SHA-256 of the content's RFC 8785 canonical JSON, and that
hash is in the report's ``report/v1`` ledger leaf. The PDF embeds two files:
``ecredit-report.json`` (the content) and ``ecredit-proof.json`` (the proof bundle of the leaf
against a signed checkpoint, `ledger.api.build_bundle`). Hashing the content rather than the
PDF's bytes lets the PDF carry its own proof (a hash of the PDF could not be inside the PDF) and
survive re-encoding; the online check at ``/verify/<number>`` compares the exact PDF bytes too.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from typing import Any

from ecredit.core.ledger.leaves import canonical_json, utc_text

CONTENT_NAME = "ecredit-report.json"
PROOF_NAME = "ecredit-proof.json"
CONTENT_FORMAT = "ecredit-report/1"
MAX_EMBEDDED = 32 * 1024 * 1024
# the leaf's fields and where the content holds them
LEAF_FROM_CONTENT = {
    "number": ("number",),
    "subject_id": ("subject", "subject_id"),
    "report_type": ("report_type",),
    "lang": ("lang",),
    "audience": ("audience",),
    "as_of": ("as_of",),
    "issued_at": ("issued_at",),
}


class EmbeddedError(ValueError):
    """The PDF does not carry a readable report content or proof; the message says which."""


def content_hash(content: dict[str, Any]) -> str:
    """Hex SHA-256 of the content's RFC 8785 canonical JSON."""
    return hashlib.sha256(canonical_json(content)).hexdigest()


def content_bytes(content: dict[str, Any]) -> bytes:
    """The content as embedded: its canonical JSON (so the file's SHA-256 is the content hash)."""
    return canonical_json(content)


def read_embedded(pdf: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(content, proof bundle) embedded in a report PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
        files = {
            name: attachments[name] for name in (CONTENT_NAME, PROOF_NAME) if name in attachments
        }
    except PyPdfError as exc:
        raise EmbeddedError(f"not a readable PDF: {exc}") from None
    except Exception as exc:  # untrusted input: whatever the parser trips on is "unreadable"
        raise EmbeddedError(f"not a readable PDF ({type(exc).__name__})") from None
    out: list[dict[str, Any]] = []
    for name in (CONTENT_NAME, PROOF_NAME):
        data = files.get(name)
        if not data:
            raise EmbeddedError(f"the PDF has no attached {name}: not an ecredit report")
        if len(data[0]) > MAX_EMBEDDED:
            raise EmbeddedError(f"the attached {name} is larger than 32 MiB")
        try:
            obj = json.loads(data[0].decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise EmbeddedError(f"the attached {name} is not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise EmbeddedError(f"the attached {name} is not a JSON object")
        out.append(obj)
    if out[0].get("format") != CONTENT_FORMAT:
        raise EmbeddedError(f'the attached {CONTENT_NAME} has no "format": "{CONTENT_FORMAT}"')
    return out[0], out[1]


def _dig(content: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = content
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def content_against_leaf(content: dict[str, Any], leaf: dict[str, Any]) -> list[str]:
    """What differs between a report's content and its ``report/v1`` leaf (empty: nothing)."""
    problems = []
    if leaf.get("leaf") != "report/v1":
        return [f"the proof is of a {leaf.get('leaf')!r} leaf, not of a report/v1 leaf"]
    digest = content_hash(content)
    if digest != leaf.get("content_hash"):
        problems.append(f"the content hashes to {digest}, the leaf says {leaf.get('content_hash')}")
    for name, path in LEAF_FROM_CONTENT.items():
        mine = _dig(content, path)
        if name == "issued_at" and isinstance(mine, str) and isinstance(leaf.get(name), str):
            with contextlib.suppress(ValueError):  # LeafError is a ValueError
                mine = utc_text(mine)
        if mine != leaf.get(name):
            problems.append(f"{name}: the content says {mine!r}, the leaf {leaf.get(name)!r}")
    return problems

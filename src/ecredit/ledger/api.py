"""API: the verifiable ledger (key, checkpoints, entries, proofs, bundles, cosignatures).

Every read is public and needs no token: the point of the log is that anyone can check it. Hashes
are lower-case hex, as in `core/ledger/vectors/rfc6962.json`; checkpoints are C2SP signed notes
served as text/plain. A witness's cosignature is accepted without a token too: only the valid
signature of a registered witness (`ecredit ledger witnesses add`) is stored.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import P, QueryEx, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from ecredit.core.ledger import LedgerError, MerkleTree
from ecredit.ledger import actions
from ecredit.ledger.models import Checkpoint, Leaf
from ecredit.ledger.store import head
from ecredit.web.schemas import ERRORS, responses

router = Router(tags=["ledger"])

MAX_ENTRIES = 1000
MAX_LINE = 600  # Cosignature.line
MAX_SIZE = 2**63 - 1  # sizes and indexes are 64-bit in the database and in checkpoints
HASH_PATTERN = "^[0-9a-fA-F]{64}$"  # SHA-256 and SM3 hashes alike
# "— " (U+2014, space), a key name (no space, no "+", no control character), standard base64
# (C1 controls by range and trailing space spelled out: JSON Schema's ECMAScript `\s` leaves out
# U+0085 and takes U+FEFF, pydantic's Rust `\s` the other way round; a fuzzer found valid lines
# refused where they differed.)
LINE_PATTERN = "^\u2014 [^\\s+\\x00-\\x1f\\x7f-\\x9f]+ [A-Za-z0-9+/]+={0,2}[ \\t\\r\\n]*$"
SIZE = "the tree size of a checkpoint issued earlier"
BUNDLE_FORMAT = "ecredit-ledger-bundle/1"


class EntryOut(Schema):
    index: int
    leaf_hash: str = Field(description="RFC 9162 leaf hash H(0x00 || data), hex")
    data: str = Field(description="the leaf: RFC 8785 canonical JSON (core.ledger.leaves)")


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str] = Field(description="RFC 9162 §2.1.3.1 audit path, leaf to root, hex")
    root: str = Field(description="the root of the tree of tree_size leaves, hex")


class ConsistencyOut(Schema):
    first: int
    second: int
    proof: list[str] = Field(description="RFC 9162 §2.1.4.1 consistency proof, hex")
    first_root: str
    second_root: str


class BundleOut(Schema):
    format: str = Field(description=BUNDLE_FORMAT)
    origin: str
    algorithm: str = Field(description="the log's hash algorithm: sha256 or sm3")
    index: int
    leaf: dict[str, Any] = Field(description="the leaf's JSON object (core.ledger.leaves)")
    leaf_hash: str
    tree_size: int
    proof: list[str]
    checkpoint: str = Field(description="the signed checkpoint at tree_size, with cosignatures")


class CosignatureIn(Schema):
    size: int = Field(ge=0, le=MAX_SIZE, description="the tree size of the checkpoint cosigned")
    line: str = Field(
        max_length=MAX_LINE,
        pattern=LINE_PATTERN,
        description="the cosignature line as the witness wrote it: '— <witness name> <base64>'",
    )


class CosignatureOut(Schema):
    size: int
    witness: str
    checkpoint: str = Field(description="the checkpoint as now published, with cosignatures")


def _text(description: str) -> dict[str, Any]:
    """`openapi_extra` for an endpoint answering text/plain."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    }


def blob(value: Any) -> bytes:
    """A binary column's value as bytes, even if it was overwritten with text behind the
    application's back (SQLite lets any column hold any type)."""
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)


def _plain(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def _log() -> tuple[MerkleTree, int]:
    log = actions.tree()
    return log, log.size


def _damaged(exc: LedgerError) -> HttpError:
    return HttpError(
        500, f"the ledger cannot answer ({exc}); an operator should run `ecredit ledger audit`"
    )


def current_checkpoint() -> Checkpoint:
    """The latest signed checkpoint, issued first if there is none yet or the log has grown since
    (checkpoints are issued after each commit; this covers a process that died in between)."""
    latest: Checkpoint | None = Checkpoint.objects.order_by("-size", "-id").first()
    if latest is None or latest.size < actions.tree().size:
        latest = actions.issue_checkpoint()
    return latest


def _hex_list(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def _beyond(name: str, value: int, size: int) -> HttpError:
    return HttpError(
        404,
        f"{name}={value} is beyond the log, which has {size:,} leaves; "
        "GET /api/v1/ledger/checkpoint gives the latest size",
    )


def build_bundle(index: int) -> dict[str, Any]:
    """A self-contained proof that leaf `index` is in the log, against the latest checkpoint:
    the leaf's JSON object, its hash, its inclusion proof and the signed checkpoint with its
    cosignatures. `ecredit ledger verify` checks it offline. LookupError if the leaf is not in the
    latest checkpoint; LedgerError if the ledger is damaged."""
    checkpoint = current_checkpoint()
    if not 0 <= index < checkpoint.size:
        raise LookupError(
            f"no leaf {index}: the latest checkpoint covers leaves 0 to {checkpoint.size - 1}"
            if checkpoint.size
            else f"no leaf {index}: the log is empty"
        )
    row = head()
    log = actions.tree()
    leaf = Leaf.objects.filter(index=index).values_list("data", flat=True).first()
    if leaf is None:
        raise LedgerError(f"leaf {index} is in the tree but its data is not stored")
    try:
        obj = json.loads(blob(leaf).decode("utf-8"))
    except ValueError:
        raise LedgerError(f"leaf {index}'s stored data is not JSON") from None
    if not isinstance(obj, dict):
        raise LedgerError(f"leaf {index}'s stored data is not a JSON object")
    return {
        "format": BUNDLE_FORMAT,
        "origin": row.origin,
        "algorithm": row.algorithm,
        "index": index,
        "leaf": obj,
        "leaf_hash": log.leaf_hash(index).hex(),
        "tree_size": checkpoint.size,
        "proof": _hex_list(log.inclusion_proof(index, checkpoint.size)),
        "checkpoint": actions.published_note(checkpoint),
    }


@router.get(
    "/ledger/key",
    response=ERRORS,
    openapi_extra=_text("the log's note verifier key (C2SP signed-note vkey)"),
    summary="The log's public key, to verify its checkpoints",
)
def get_key(request: HttpRequest) -> HttpResponse:
    """The note verifier key, `<origin>+<key hash>+<base64 key>`: pin it once (e.g. in
    `ecredit ledger verify --key` or a witness's `--log-key`); never trust it afresh per request."""
    return _plain(actions.verifier_key().encode() + "\n")


@router.get(
    "/ledger/checkpoint",
    response=ERRORS,
    openapi_extra=_text("a C2SP tlog-checkpoint signed note, with witnesses' cosignatures"),
    summary="The latest signed checkpoint, with cosignatures",
)
def get_checkpoint(
    request: HttpRequest,
    size: QueryEx[int | None, P(ge=0, le=MAX_SIZE, description=SIZE)] = None,
) -> HttpResponse:
    """The latest signed checkpoint (origin, tree size, base64 root hash) with every witness
    cosignature received for it; `?size=N` for the checkpoint issued at that size."""
    if size is None:
        return _plain(actions.published_note(current_checkpoint()))
    log_size = actions.tree().size
    found = (
        Checkpoint.objects.filter(size=size).order_by("-id").first() if size <= log_size else None
    )
    if found is None:
        raise HttpError(
            404,
            f"no checkpoint was issued at size {size} (the log has {log_size:,} leaves); "
            "GET /api/v1/ledger/checkpoint without size gives the latest",
        )
    return _plain(actions.published_note(found))


@router.get(
    "/ledger/entries",
    response=responses(list[EntryOut]),
    summary="Leaves [start, end) in order, at most 1,000 per request",
)
def get_entries(
    request: HttpRequest,
    start: QueryEx[int, P(ge=0, le=MAX_SIZE, description="the first leaf")],
    end: QueryEx[
        int | None, P(ge=0, le=MAX_SIZE, description="after the last leaf (default: start + 1,000)")
    ] = None,
) -> list[dict[str, Any]]:
    """The leaves [start, end), each with its index, its hash and its data (canonical JSON).
    `end` defaults to start + 1,000 or the log's size, whichever is smaller. 404 for leaves the
    log does not have yet; 400 for start after end or more than 1,000 leaves."""
    size = actions.tree().size
    if start > size:
        raise _beyond("start", start, size)
    if end is None:
        end = min(start + MAX_ENTRIES, size)
    if end > size:
        raise _beyond("end", end, size)
    if start > end:
        raise HttpError(400, f"start={start} is after end={end}; ask for start <= end")
    if end - start > MAX_ENTRIES:
        raise HttpError(
            400,
            f"at most {MAX_ENTRIES:,} entries per request, asked for {end - start:,}; page with "
            f"start={start}&end={start + MAX_ENTRIES}, then on from there",
        )
    rows = (
        Leaf.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "leaf_hash", "data")
    )
    return [
        {"index": i, "leaf_hash": h, "data": blob(d).decode("utf-8", "replace")} for i, h, d in rows
    ]


@router.get(
    "/ledger/proof/inclusion",
    response=responses(InclusionOut),
    summary="Proof that a leaf is in the tree of a given size",
)
def get_inclusion_proof(
    request: HttpRequest,
    leaf_hash: QueryEx[
        str | None,
        P(pattern=HASH_PATTERN, description="the leaf's RFC 9162 hash H(0x00 || leaf), in hex"),
    ] = None,
    index: QueryEx[int | None, P(ge=0, le=MAX_SIZE, description="or the leaf's index")] = None,
    tree_size: QueryEx[
        int | None, P(ge=0, le=MAX_SIZE, description="default: the latest checkpoint's size")
    ] = None,
) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of one leaf, found by its hash (`leaf_hash`, hex) or its
    `index`, in the tree of `tree_size` leaves (default: the latest checkpoint's size). 404 when
    the log has no such leaf, or not in a tree of that size."""
    if tree_size is None:
        tree_size = current_checkpoint().size
    log, size = _log()  # read after the checkpoint: it may just have been issued
    if tree_size > size:
        raise _beyond("tree_size", tree_size, size)
    if index is not None and index >= size:
        raise HttpError(404, f"there is no leaf {index}: the log has {size:,} leaves")
    if leaf_hash is not None:
        wanted = bytes.fromhex(leaf_hash)
        found = log.find_leaf(wanted)
        if found is None:
            raise HttpError(
                404,
                f"no leaf has the hash {wanted.hex()}; a leaf hash is H(0x00 || leaf bytes) of the "
                "canonical leaf (GET /api/v1/ledger/entries shows leaves with their hashes)",
            )
        if index is not None and index != found:
            raise HttpError(
                404, f"leaf {index} does not have the hash {wanted.hex()} (leaf {found} has)"
            )
        index = found
    if index is None:
        raise HttpError(404, "no leaf named: give leaf_hash=<64 hex digits> or index=<N>")
    if index >= tree_size:
        raise HttpError(
            404,
            f"leaf {index} is not in the tree of {tree_size:,} leaves; ask with tree_size > "
            f"{index} (the log has {size:,})",
        )
    try:
        return {
            "index": index,
            "tree_size": tree_size,
            "leaf_hash": log.leaf_hash(index).hex(),
            "proof": _hex_list(log.inclusion_proof(index, tree_size)),
            "root": log.root(tree_size).hex(),
        }
    except LedgerError as exc:
        raise _damaged(exc) from exc


@router.get(
    "/ledger/proof/consistency",
    response=responses(ConsistencyOut),
    summary="Proof that the tree of `first` leaves is a prefix of the tree of `second`",
)
def get_consistency_proof(
    request: HttpRequest,
    first: QueryEx[
        int,
        P(
            ge=1,
            le=MAX_SIZE,
            description="the smaller size, at least 1: all trees extend the empty",
        ),
    ],
    second: QueryEx[
        int | None,
        P(ge=1, le=MAX_SIZE, description="the larger size; default: the latest checkpoint's"),
    ] = None,
) -> dict[str, Any]:
    """The RFC 9162 consistency proof between two tree sizes (`second` defaults to the latest
    checkpoint's size); empty when they are equal. Witnesses ask for it from the size they last
    cosigned. 404 for sizes the log has not reached, or from a larger tree to a smaller one."""
    if second is None:
        second = current_checkpoint().size
    log, size = _log()  # read after the checkpoint: it may just have been issued
    if first > size:
        raise _beyond("first", first, size)
    if second > size:
        raise _beyond("second", second, size)
    if first > second:
        raise HttpError(
            404,
            f"no consistency proof from {first} to {second}: a larger tree is never a prefix of "
            "a smaller one; ask with first <= second",
        )
    try:
        return {
            "first": first,
            "second": second,
            "proof": _hex_list(log.consistency_proof(first, second)),
            "first_root": log.root(first).hex(),
            "second_root": log.root(second).hex(),
        }
    except LedgerError as exc:
        raise _damaged(exc) from exc


@router.get(
    "/ledger/bundle",
    response=responses(BundleOut),
    summary="An offline-verifiable proof bundle for one leaf",
)
def get_bundle(
    request: HttpRequest,
    index: QueryEx[int, P(ge=0, le=MAX_SIZE, description="the leaf")],
) -> dict[str, Any]:
    """Everything needed to check leaf `index` offline against the latest checkpoint: the leaf,
    its hash, its inclusion proof and the signed checkpoint with cosignatures. Save it and run
    `ecredit ledger verify bundle.json --key <the log's vkey>`."""
    try:
        return build_bundle(index)
    except LookupError as exc:
        raise HttpError(404, str(exc)) from exc
    except LedgerError as exc:
        raise _damaged(exc) from exc


@router.post(
    "/ledger/cosignatures",
    response=responses(CosignatureOut),
    summary="Submit a witness's cosignature of a checkpoint",
)
def post_cosignature(request: HttpRequest, body: CosignatureIn) -> dict[str, Any]:
    """A registered witness's cosignature (C2SP tlog-cosignature, cosignature/v1) of the checkpoint
    at `size`. It is verified against the witness's key before it is stored and published with the
    checkpoint. 404 when no checkpoint was issued at that size; 403 when the signer is not a
    registered witness or the signature does not verify (the reason is given)."""
    line = body.line.strip()
    size = actions.tree().size
    if body.size > size or not Checkpoint.objects.filter(size=body.size).exists():
        raise HttpError(
            404,
            f"no checkpoint was issued at size {body.size} (the log has {size:,} leaves); "
            "cosign one that GET /api/v1/ledger/checkpoint served",
        )
    try:
        cosignature = actions.add_cosignature(body.size, line)
    except (LedgerError, ValueError) as exc:
        raise HttpError(403, f"cosignature refused: {exc}") from exc
    except IntegrityError as exc:
        raise HttpError(
            409, "the same witness's cosignature arrived twice at once; send it again"
        ) from exc
    return {
        "size": body.size,
        "witness": cosignature.witness.name,
        "checkpoint": actions.published_note(cosignature.checkpoint),
    }

"""What a leaf is: the canonical encoding of what the platform records and publishes (version 1).

A leaf is the RFC 8785 (JSON Canonicalization Scheme) serialisation, UTF-8, of one JSON object
whose "leaf" member names its kind and version; the log hashes it as RFC 9162 says,
H(0x00 || leaf bytes). Every field is one the API returns beside the object, so anyone can rebuild
the leaf from an API response, hash it, and check it against a signed checkpoint.

Kinds (all fields required; null where the text says so):

- ``record/v1`` — a stored version of a credit record: ``type``, ``provider``, ``natural_key``,
  ``version`` (integer), ``subject_id`` (as written in the record), ``occurred_on``
  (YYYY-MM-DD), ``received_at`` (UTC, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``content_hash`` (hex
  SHA-256 of the normalised values), ``values`` (the dictionary-normalised values, as stored).
- ``evaluation/v1`` — a published evaluation: ``run`` (integer), ``subject_id``, ``as_of``,
  ``score`` (integer), ``grade``, ``risk_class``, ``candidate_grade``, ``rule``,
  ``system_version``, ``policy_version``, ``model_version`` (or null), ``probability`` (the
  model's, or null).
- ``pool/v1`` — a negative-list pool decision: ``subject_id``, ``action`` ("entered" or
  "left"), ``on`` (YYYY-MM-DD), ``reason``, ``run`` (the evaluation run that decided it).
- ``inspection-commit/v1`` — an inspection plan committed before its draw (see
  ``core/supervision/draw.py``): ``plan`` (its public id), ``name``, ``region`` (division-code
  prefix, "" for all), ``as_of`` (the day the population was frozen), ``rules_version``,
  ``ratios`` (class -> ratio), ``population_size`` (integer), ``population_hash`` (hex SHA-256),
  ``must_inspect`` (``[{"key", "rules"}]``), ``inspectors`` (ids), ``conflicts``
  (``[{"inspector", "key"}]``), ``seed_commitment`` (hex SHA-256 of the seed), ``due_on``.
- ``inspection-draw/v1`` — the reveal: ``plan``, ``seed`` (hex), ``seed_commitment``,
  ``selected`` (keys, sorted), ``assignments`` (key -> two inspector ids).
- ``inspection-result/v1`` — an inspection's result: ``plan``, ``subject_id``, ``result`` (a code
  of the ``inspection_result`` record type), ``inspected_on``, ``inspectors`` (ids),
  ``record_index`` (the leaf of the ``record/v1`` it was stored as).
- ``withdrawal/v1`` — a record version that stops counting and leaves public view (it stays in
  the archive of its subject and regulators): ``type``, ``provider``, ``natural_key``,
  ``version``, ``subject_id``, ``on`` (the first day it no longer counts), ``basis``
  ("objection" or "repair"), ``reason``, ``by``.
- ``list-decision/v1`` — a step of a list entry: ``entry`` (integer), ``list``, ``subject_id``,
  ``action`` (propose, notify, list, dismiss, publish, remove, revoke), ``state`` (after the
  step), ``on``, ``reason``, ``evidence`` (``{"records": [ids], "leaves": [indexes]}``), ``by``.
- ``objection/v1`` — an objection filed or answered: ``objection`` (integer), ``subject_id``,
  ``target`` ("record:ID" or "entry:ID"), ``action`` (filed, upheld, rejected), ``outcome``
  (withdrawn, corrected, revoked, or "" when filed or rejected), ``on``, ``reason``,
  ``attachments`` (hex SHA-256 of each file), ``by``.
- ``repair/v1`` — a credit-repair application filed or decided: ``application`` (integer),
  ``subject_id``, ``record`` (the record version's id), ``action`` (filed, approved, rejected),
  ``on``, ``reason``, ``commitment`` (the id of the published commitment record, or null),
  ``attachments``, ``by``.
- ``report/v1`` — an issued credit report (GB/T 26817-2023 type): ``number`` (the report
  number, e.g. "CR20261201000001"), ``subject_id``, ``report_type`` (basic, standard,
  in-depth), ``lang`` (zh, en), ``audience`` (public, archive: what the content may show),
  ``as_of``, ``issued_at``, ``content_hash`` (hex SHA-256 of the RFC 8785 canonical JSON of the
  report's content, the object the PDF embeds as ``ecredit-report.json`` and renders; see
  ``core/reports/embedded.py``).
- ``consent/v1`` — an enterprise's consent to a bank or service provider reading a report
  type, granted or revoked: ``consent`` (integer), ``subject_id``, ``org`` (the organisation's
  key), ``report_type``, ``purpose``, ``action`` (granted, revoked), ``on``, ``valid_until``,
  ``by``.

Dates and times given as `date`/`datetime` objects or ISO strings are normalised as above, so an
API response with an offset (``+08:00``) rebuilds the same leaf. A new field or a changed meaning
is a new version (``record/v2``); old leaves keep their version for ever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import rfc8785

KINDS: dict[str, tuple[str, ...]] = {
    "record/v1": (
        "type",
        "provider",
        "natural_key",
        "version",
        "subject_id",
        "occurred_on",
        "received_at",
        "content_hash",
        "values",
    ),
    "evaluation/v1": (
        "run",
        "subject_id",
        "as_of",
        "score",
        "grade",
        "risk_class",
        "candidate_grade",
        "rule",
        "system_version",
        "policy_version",
        "model_version",
        "probability",
    ),
    "pool/v1": ("subject_id", "action", "on", "reason", "run"),
    "inspection-commit/v1": (
        "plan",
        "name",
        "region",
        "as_of",
        "rules_version",
        "ratios",
        "population_size",
        "population_hash",
        "must_inspect",
        "inspectors",
        "conflicts",
        "seed_commitment",
        "due_on",
    ),
    "inspection-draw/v1": ("plan", "seed", "seed_commitment", "selected", "assignments"),
    "inspection-result/v1": (
        "plan",
        "subject_id",
        "result",
        "inspected_on",
        "inspectors",
        "record_index",
    ),
    "withdrawal/v1": (
        "type",
        "provider",
        "natural_key",
        "version",
        "subject_id",
        "on",
        "basis",
        "reason",
        "by",
    ),
    "list-decision/v1": (
        "entry",
        "list",
        "subject_id",
        "action",
        "state",
        "on",
        "reason",
        "evidence",
        "by",
    ),
    "objection/v1": (
        "objection",
        "subject_id",
        "target",
        "action",
        "outcome",
        "on",
        "reason",
        "attachments",
        "by",
    ),
    "repair/v1": (
        "application",
        "subject_id",
        "record",
        "action",
        "on",
        "reason",
        "commitment",
        "attachments",
        "by",
    ),
    "report/v1": (
        "number",
        "subject_id",
        "report_type",
        "lang",
        "audience",
        "as_of",
        "issued_at",
        "content_hash",
    ),
    "consent/v1": (
        "consent",
        "subject_id",
        "org",
        "report_type",
        "purpose",
        "action",
        "on",
        "valid_until",
        "by",
    ),
}
DATES = {"occurred_on", "as_of", "on", "due_on", "inspected_on", "valid_until"}
TIMES = {"received_at", "issued_at"}
INTEGERS = {
    "version",
    "run",
    "score",
    "population_size",
    "record_index",
    "entry",
    "objection",
    "application",
    "record",
    "consent",
}


class LeafError(ValueError):
    """Fields that do not make a leaf of the named kind; the message says which and why."""


def utc_text(value: datetime | str) -> str:
    """A moment as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (an aware datetime or an ISO string)."""
    moment = (
        datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    )
    if moment.tzinfo is None:
        raise LeafError(f"time {value!r} has no time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date_text(value: date | str) -> str:
    if isinstance(value, datetime):
        raise LeafError(f"{value!r} is a time, not a date")
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(value).isoformat()


def leaf_object(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object of a leaf of `kind` from `fields` (extra fields are ignored)."""
    try:
        names = KINDS[kind]
    except KeyError:
        raise LeafError(f"unknown leaf kind {kind!r}; known: {', '.join(KINDS)}") from None
    missing = [n for n in names if n not in fields]
    if missing:
        raise LeafError(f"{kind}: missing {', '.join(missing)}")
    out: dict[str, Any] = {"leaf": kind}
    for name in names:
        value = fields[name]
        try:
            if name in DATES:
                value = _date_text(value)
            elif name in TIMES:
                value = utc_text(value)
            elif name in INTEGERS:
                if isinstance(value, bool) or int(value) != value:
                    raise LeafError(f"{kind}: {name} must be an integer, not {value!r}")
                value = int(value)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, LeafError):
                raise
            raise LeafError(f"{kind}: {name}: {exc}") from None
        out[name] = value
    return out


MAX_SAFE_INTEGER = 2**53 - 1
_DUMPS = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


def _plain(value: Any) -> Any:
    """`value` with integral floats of magnitude below 2**53 as ints, when `json.dumps` of the
    result is exactly its RFC 8785 text; `_NOT_PLAIN` when it may not be.

    Python's JSON text equals RFC 8785's for strings (the same escapes: \\b \\t \\n \\f \\r, other
    controls as lowercase \\u00xx, nothing else), for integers of at most 2**53 - 1, and for floats
    that both print in positional notation with a fraction, 1e-4 <= |x| < 1e16 (both print the
    shortest digits that round-trip). Keys sort the same when no key has a character outside the
    Basic Multilingual Plane (RFC 8785 sorts UTF-16 code units, Python code points). Anything else
    goes to the `rfc8785` package.
    """
    t = type(value)
    if t is str or t is bool or value is None:
        return value
    if t is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str or (not k.isascii() and max(k) > "\uffff"):
                return _NOT_PLAIN
            tv = type(v)
            if tv is not str:
                v = _plain(v)
                if v is _NOT_PLAIN:
                    return _NOT_PLAIN
            out[k] = v
        return out
    if t is int:
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _NOT_PLAIN
    if t is float:
        if value.is_integer():
            return int(value) if abs(value) <= MAX_SAFE_INTEGER else _NOT_PLAIN
        return value if 1e-4 <= abs(value) < 1e16 else _NOT_PLAIN
    if t is list:
        items = []
        for v in value:
            v = _plain(v)
            if v is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(v)
        return items
    return _NOT_PLAIN  # subclasses, tuples and the rest: the package decides


_NOT_PLAIN: Any = object()


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON of `value`: the standard library's encoder where its text is
    provably the same (see `_plain`), the `rfc8785` package otherwise. Equality with the package
    on arbitrary JSON values is property-tested."""
    plain = _plain(value)
    if plain is not _NOT_PLAIN:
        try:
            return _DUMPS(plain).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 name it
            pass
    return bytes(rfc8785.dumps(value))


def encode(kind: str, fields: Mapping[str, Any]) -> bytes:
    """The leaf bytes: RFC 8785 canonical JSON of `leaf_object(kind, fields)`."""
    try:
        return canonical_json(leaf_object(kind, fields))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        if isinstance(exc, LeafError):
            raise
        raise LeafError(f"{kind}: cannot be written as canonical JSON: {exc}") from None


def decode(data: bytes) -> dict[str, Any]:
    """The object of leaf bytes, checked to be canonical and of a known kind."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LeafError(f"not a leaf: {exc}") from None
    if not isinstance(obj, dict) or obj.get("leaf") not in KINDS:
        raise LeafError("not a leaf: no known 'leaf' kind")
    if encode(obj["leaf"], obj) != data:
        raise LeafError("not a canonical leaf: its bytes differ from the canonical encoding")
    return obj

"""Ingestion: every record enters through `ingest`, whether it comes by API, file or demo.

A row is validated against the data dictionary, its subject resolved (unknown but valid subjects
become provisional enterprises), and then either stored as a new record, recognised as a duplicate
of the current version (nothing stored), or stored as a correction: a new version that supersedes
the old one, both kept. Rows are processed in chunks, each chunk in one transaction, so a large file
never holds the database for long and a failure never leaves a partial record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.audit import actions as audit
from ecredit.core.dictionary import RecordType, load_dictionary
from ecredit.entities import actions as entity_actions
from ecredit.ledger import actions as ledger
from ecredit.records.models import CreditRecord, Submission, Withdrawal

MAX_BATCH = 10_000
MAX_REPORTED_ERRORS = 1_000
CHUNK = 2_000


class IngestError(ValueError):
    """The whole submission is refused (unknown type, provider not allowed); nothing is stored."""


class PermissionDenied(IngestError):
    """The actor may not submit this type as this provider."""


class RowLike(Protocol):
    number: int
    values: dict[str, object] | None
    error: str | None


@dataclass(frozen=True)
class Row:
    """One input row: its 1-based number, its raw values, or why it could not be read."""

    number: int
    values: dict[str, object] | None
    error: str | None = None


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class IngestReport:
    """What became of a submission; the same object the CLI prints and the API returns."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    corrected: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    submission_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "corrected": self.corrected,
            "rejected": self.rejected,
            "errors": [asdict(e) for e in self.errors],
            "errors_truncated": self.errors_truncated,
            "submission_id": self.submission_id,
        }

    def _reject(self, row: int, field_name: str, message: str, *, count: bool = True) -> None:
        if count:
            self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            # The input may carry NUL and other control characters; a report must store anywhere.
            self.errors.append(
                RowError(row=row, field=_printable(field_name), message=_printable(message))
            )
        else:
            self.errors_truncated = True


def _printable(text: str, limit: int = 500) -> str:
    return "".join(ch if ch.isprintable() else "�" for ch in text[:limit])


def content_hash(type_name: str, values: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a record's type and normalised values."""
    blob = json.dumps(
        {"type": type_name, "values": values},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def check_may_submit(actor: Actor, provider: str, type_name: str) -> RecordType:
    """The record type, if `actor` may submit it as `provider`; otherwise an `IngestError`."""
    dictionary = load_dictionary()
    if type_name not in dictionary.types:
        raise IngestError(
            f"unknown record type {type_name!r}; known types: {', '.join(dictionary.types)}"
        )
    if provider not in dictionary.providers:
        raise IngestError(
            f"unknown provider {provider!r}; known providers: {', '.join(dictionary.providers)}"
        )
    if not actor.is_admin and not (actor.role == "submitter" and actor.provider_key == provider):
        raise PermissionDenied(
            f"{actor.label} may not submit records as provider {provider!r}; "
            "use a submitter token of that provider's organisation"
        )
    if not dictionary.may_submit(provider, type_name):
        raise PermissionDenied(
            f"provider {provider!r} is not listed as a source of {type_name!r} in the data-sharing "
            f"responsibility list; it may submit: {', '.join(dictionary.providers[provider].types)}"
        )
    return dictionary.record_type(type_name)


@dataclass
class _Valid:
    number: int
    values: dict[str, Any]
    key: str
    digest: str


def _waves(rows: list[_Valid]) -> Iterator[list[_Valid]]:
    """Split rows so that a natural key occurs at most once per wave, keeping their order."""
    wave: list[_Valid] = []
    keys: set[str] = set()
    for r in rows:
        if r.key in keys:
            yield wave
            wave, keys = [], set()
        wave.append(r)
        keys.add(r.key)
    if wave:
        yield wave


def ingest(
    actor: Actor,
    *,
    type_name: str,
    provider: str,
    rows: Iterable[RowLike],
    channel: str,
    filename: str = "",
    file_sha256: str = "",
    received_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Validate and store `rows` of one record type from one provider; report what happened."""
    rtype = check_may_submit(actor, provider, type_name)
    if received_at is not None and not actor.is_admin:
        raise PermissionDenied("only an operator backfilling history may set the time received")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise IngestError("the time received cannot be in the future")
    dictionary = load_dictionary()
    submission = Submission.objects.create(
        provider=provider,
        type_name=type_name,
        channel=channel,
        filename=filename[:500],
        file_sha256=file_sha256,
        submitted_by=actor.label,
        organisation_id=actor.organisation_id,
        received_at=received_at,
        dictionary_version=dictionary.version,
    )
    report = IngestReport(submission_id=submission.pk)
    today = timezone.localdate()
    chunk: list[_Valid] = []
    for row in rows:
        report.received += 1
        if row.values is None:
            report._reject(row.number, "", row.error or "row could not be read")
        else:
            checked = rtype.validate(row.values, today=today)
            if checked.errors:
                report.rejected += 1
                for e in checked.errors:
                    report._reject(row.number, e.field, e.message, count=False)
            else:
                values = dict(checked.values)
                chunk.append(
                    _Valid(
                        row.number,
                        values,
                        rtype.natural_key_of(values),
                        content_hash(type_name, values),
                    )
                )
        if len(chunk) >= CHUNK:
            _store_chunk(rtype, provider, chunk, submission, received_at, report)
            chunk = []
        if progress is not None:
            progress(1)
    if chunk:
        _store_chunk(rtype, provider, chunk, submission, received_at, report)
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(
            finished_at=timezone.now(),
            received=report.received,
            stored=report.stored,
            duplicates=report.duplicates,
            corrected=report.corrected,
            rejected=report.rejected,
            errors=[asdict(e) for e in report.errors[:100]],
        )
        audit.record(
            actor,
            "records.ingest",
            "submission",
            submission.pk,
            type=type_name,
            provider=provider,
            channel=channel,
            filename=filename,
            received=report.received,
            stored=report.stored,
            duplicates=report.duplicates,
            corrected=report.corrected,
            rejected=report.rejected,
        )
    return report


def _store_chunk(
    rtype: RecordType,
    provider: str,
    chunk: list[_Valid],
    submission: Submission,
    received_at: datetime,
    report: IngestReport,
) -> None:
    with transaction.atomic():
        for wave in _waves(chunk):
            _store_wave(rtype, provider, wave, submission, received_at, report)


def _store_wave(
    rtype: RecordType,
    provider: str,
    wave: list[_Valid],
    submission: Submission,
    received_at: datetime,
    report: IngestReport,
) -> None:
    current = {
        r.natural_key: r
        for r in CreditRecord.objects.filter(
            type_name=rtype.name,
            provider=provider,
            natural_key__in=[v.key for v in wave],
            is_current=True,
        ).only("id", "natural_key", "content_hash", "version", "enterprise_id")
    }
    fresh = [v for v in wave if v.key not in current or current[v.key].content_hash != v.digest]
    report.duplicates += len(wave) - len(fresh)
    if not fresh:
        return
    operators = {
        str(v.values["subject_id"]): str(v.values["operator_id"])
        for v in fresh
        if "operator_id" in v.values and str(v.values["subject_id"]).startswith("store:")
    }
    enterprises = entity_actions.resolve_subjects(
        (str(v.values["subject_id"]) for v in fresh), operators
    )
    superseded = [current[v.key].pk for v in fresh if v.key in current]
    if superseded:
        CreditRecord.objects.filter(pk__in=superseded).update(is_current=False)
    new = []
    for v in fresh:
        old = current.get(v.key)
        new.append(
            CreditRecord(
                type_name=rtype.name,
                enterprise=enterprises[str(v.values["subject_id"])],
                subject_id=str(v.values["subject_id"]),
                provider=provider,
                natural_key=v.key,
                version=old.version + 1 if old else 1,
                is_current=True,
                supersedes_id=old.pk if old else None,
                values=v.values,
                occurred_on=rtype.occurred_on(v.values),
                received_at=received_at,
                content_hash=v.digest,
                submission=submission,
                row_number=v.number,
                category=rtype.category,
                disclosure_level=rtype.disclosure_level,
                public_until=rtype.public_until(v.values),
                dictionary_version=submission.dictionary_version,
            )
        )
        if old:
            report.corrected += 1
        else:
            report.stored += 1
    first = ledger.append("record/v1", [record_leaf(r) for r in new])
    for i, rec in enumerate(new):
        rec.ledger_index = first + i
    CreditRecord.objects.bulk_create(new, batch_size=500)
    if rtype.name == "registration":
        for rec in new:
            entity_actions.apply_registration(rec.enterprise, rec.values)


def record_leaf(record: CreditRecord) -> dict[str, Any]:
    """The fields of a record version's ledger leaf (`core.ledger.leaves`, record/v1)."""
    return {
        "type": record.type_name,
        "provider": record.provider,
        "natural_key": record.natural_key,
        "version": record.version,
        "subject_id": record.subject_id,
        "occurred_on": record.occurred_on,
        "received_at": record.received_at,
        "content_hash": record.content_hash,
        "values": record.values,
    }


def ingest_batch(
    actor: Actor,
    *,
    type_name: str,
    provider: str,
    records: list[Any],
    channel: str = Submission.Channel.API,
    received_at: datetime | None = None,
) -> IngestReport:
    """Ingest a JSON batch (the API's path): each item must be an object of field values."""
    if len(records) > MAX_BATCH:
        raise IngestError(
            f"a batch holds at most {MAX_BATCH:,} records; this one has {len(records):,}"
        )
    rows: list[Row] = []
    for i, item in enumerate(records, start=1):
        if not isinstance(item, dict):
            rows.append(
                Row(i, None, f"record {i} is a {type(item).__name__}, not an object of fields")
            )
        else:
            try:
                rows.append(Row(i, {str(k).strip().lower(): _scalar(v) for k, v in item.items()}))
            except ValueError as exc:
                rows.append(Row(i, None, str(exc)))
    return ingest(
        actor,
        type_name=type_name,
        provider=provider,
        rows=rows,
        channel=channel,
        received_at=received_at,
    )


def _scalar(value: Any) -> Any:
    """A JSON field value as the dictionary takes it: a list of codes becomes 'a;b'."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(value)
    if isinstance(value, dict | list):
        raise ValueError("field values must be text, numbers, booleans, null or a list of codes")
    return value


def withdraw(
    actor: Actor, record: CreditRecord, *, basis: str, reason: str, on: date
) -> Withdrawal:
    """Withdraw the current version of a record from `on`: it stops counting in grades and leaves
    public view, and stays in the archive. Runs in the caller's transaction (an objection or repair
    decision) and appends a withdrawal/v1 leaf."""
    if not connection.in_atomic_block:
        raise IngestError("a withdrawal must run inside the transaction of the decision behind it")
    record = CreditRecord.objects.select_for_update().get(pk=record.pk)
    if not record.is_current:
        raise IngestError(f"record #{record.pk} has a newer version; withdraw that one")
    if Withdrawal.objects.filter(record=record).exists():
        raise IngestError(f"record #{record.pk} is already withdrawn")
    w = Withdrawal(
        record=record, effective_on=on, basis=basis, reason=reason[:2000], decided_by=actor.label
    )
    w.ledger_index = ledger.append(
        "withdrawal/v1",
        [
            {
                "type": record.type_name,
                "provider": record.provider,
                "natural_key": record.natural_key,
                "version": record.version,
                "subject_id": record.subject_id,
                "on": on,
                "basis": basis,
                "reason": w.reason,
                "by": actor.label,
            }
        ],
    )
    w.save()
    audit.record(
        actor, "records.withdraw", "credit_record", record.pk, basis=basis, on=on.isoformat()
    )
    return w

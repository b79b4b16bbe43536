"""File imports: read a CSV/XLSX/JSONL/Parquet file as it streams and hand its rows to `ingest`."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.core.ingest import FileUnreadable, open_rows
from ecredit.records.actions import IngestReport, check_may_submit, ingest
from ecredit.records.models import Submission
from ecredit.web.progress import bar


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def backfill_time(day: date) -> datetime:
    """The time received for a backfilled file: noon of that day, or now if that is earlier."""
    when = timezone.make_aware(datetime.combine(day, time(12, 0)))
    return min(when, timezone.now())


def import_file(
    actor: Actor,
    path: Path,
    *,
    type_name: str,
    provider: str,
    fmt: str | None = None,
    received_on: date | None = None,
    progress: bool = False,
) -> IngestReport:
    """Import one file. Raises `FileUnreadable` (nothing stored) when it cannot be read at all."""
    rtype = check_may_submit(actor, provider, type_name)
    if not path.exists():
        raise FileUnreadable(f"no such file: {path}")
    if not path.is_file():
        raise FileUnreadable(f"{path} is not a regular file")
    digest = file_sha256(path)
    # One transaction for the whole file: a file that turns out to be damaged halfway (a broken XLSX
    # sheet, a corrupt Parquet row group) or a crash stores nothing, never a prefix of the file.
    with transaction.atomic(), open_rows(path, fmt, expected_headers=rtype.csv_headers()) as reader:
        total = reader.total_rows
        with bar(f"importing {path.name}", total, enabled=progress) as advance:
            return ingest(
                actor,
                type_name=type_name,
                provider=provider,
                rows=reader,
                channel=Submission.Channel.FILE,
                filename=path.name,
                file_sha256=digest,
                received_at=backfill_time(received_on) if received_on else None,
                progress=advance,
            )

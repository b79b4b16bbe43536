"""The Parquet snapshot of every record version, kept up to date from the database for the batch path.

`refresh_snapshot` appends to `ECREDIT_DATA_DIR/snapshot/` (see `ecredit.core.batch`, CONTRACT.md)
every `CreditRecord` version whose id is above the snapshot's watermark: streamed from the
database in chunks, written in one `SnapshotWriter.extend` call, so one commit covers them all and a
refresh that dies leaves the snapshot as it was (the next one does the whole work again).

Why ids are read up to a bound taken under a lock. The writer skips ids at or below its
watermark, so ids must become visible in increasing order: a version committed after one with a
higher id would be skipped for ever. PostgreSQL gives ids from a sequence when rows are inserted,
not when they commit, so an import still running with id 101 while an API call commits id 102
would break that. On PostgreSQL the refresh therefore takes `LOCK TABLE <records> IN SHARE MODE`
in a short transaction and reads the highest id under it: the lock waits until every transaction
that has written to the table has ended, and holds new writers off only while the highest id is
read; every id up to it is then committed (or rolled back, never to appear), and the refresh reads
only ids up to it. The cost: a refresh waits for the longest write in progress (a file import is
one transaction), and writers that arrive meanwhile queue behind it. On SQLite writes are
serialised (one write transaction at a time, ids given inside it), so the highest committed id is
enough. Call `refresh_snapshot` outside a transaction (the CLI does): inside one, the lock is held
until it ends.

Refreshes are serialised by an advisory lock on `<directory>.lock` beside the snapshot, so
`rebuild=True` can build a new snapshot beside the old one and swap it in.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from ecredit.core import batch
from ecredit.core.batch import SnapshotError, SnapshotRow, SnapshotWriter, run_features
from ecredit.core.dictionary import DictionaryError
from ecredit.records.models import CreditRecord

CHUNK = 5_000
REBUILD_COMMAND = "ecredit batch refresh --rebuild"


class SnapshotOutdated(batch.SnapshotOutdated):
    """The snapshot must be rebuilt before it is used; the message names the command to run.

    The core's `SnapshotOutdated` (a type's fields changed, a manifest of another format) with
    `REBUILD_COMMAND` added, or the app's own reason (a snapshot of another database).
    """


@dataclass(frozen=True)
class RefreshReport:
    """What a refresh appended, and the snapshot's watermark before and after."""

    directory: Path
    appended: int
    watermark_before: int
    watermark_after: int
    seconds: float
    rebuilt: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "appended": self.appended,
            "watermark_before": self.watermark_before,
            "watermark_after": self.watermark_after,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 3),
        }


def snapshot_dir() -> Path:
    """Where the app keeps its snapshot: `ECREDIT_DATA_DIR/snapshot/`."""
    return Path(settings.DATA_DIR) / "snapshot"


def refresh_snapshot(
    directory: Path | None = None,
    *,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RefreshReport:
    """Append every record version above the snapshot's watermark, in one commit.

    `rebuild`: build a new snapshot of every version beside the old one, then put it in its place
    (what to do when the dictionary's fields changed). `progress(n)` is told of rows as they are
    read. Raises `SnapshotOutdated` when the snapshot must be rebuilt (the dictionary's fields
    changed, or the snapshot holds ids the database does not), `SnapshotError` on a value the
    snapshot cannot hold.
    """
    started = time.perf_counter()
    directory = directory or snapshot_dir()
    with _refresh_lock(directory):
        _remove(_aside(directory, "old"))
        target = _aside(directory, "rebuild") if rebuild else directory
        _remove(_aside(directory, "rebuild"))
        writer = SnapshotWriter(target)
        before = _checked_watermark(writer)
        top = _visible_max_id()
        if top < before:
            raise SnapshotOutdated(
                f"{directory} holds record ids up to {before:,} but the database's highest is "
                f"{top:,}: the snapshot was made from another database\n"
                f"run `{REBUILD_COMMAND}` to rebuild the snapshot"
            )
        versions = _versions(before, top, progress)
        try:
            with _streaming():
                appended = writer.extend(versions)
        except SnapshotError as exc:
            raise outdated(exc) from exc
        except DictionaryError as exc:
            raise SnapshotError(f"a stored record's type is not in the dictionary: {exc}") from exc
        finally:
            versions.close()
        if rebuild:
            _swap(target, directory)
        after = SnapshotWriter(directory).watermark()
    return RefreshReport(
        directory=directory,
        appended=appended,
        watermark_before=before,
        watermark_after=after,
        seconds=time.perf_counter() - started,
        rebuilt=rebuild,
    )


def pending_records(directory: Path | None = None, *, rebuild: bool = False) -> int:
    """How many versions a refresh would append now (for a progress bar's total)."""
    above = 0 if rebuild else _checked_watermark(SnapshotWriter(directory or snapshot_dir()))
    return int(CreditRecord.objects.filter(pk__gt=above).count())


def snapshot_features(
    as_of: date, engine: str | None = None, directory: Path | None = None
) -> pa.Table:
    """`run_features` on the app's snapshot; `SnapshotOutdated` when it must be rebuilt first."""
    try:
        from ecredit.records.models import Withdrawal

        withdrawn = Withdrawal.objects.filter(effective_on__lte=as_of).values_list(
            "record_id", flat=True
        )
        return run_features(directory or snapshot_dir(), as_of, engine, withdrawn=list(withdrawn))
    except SnapshotError as exc:
        raise outdated(exc) from exc


def outdated(exc: SnapshotError) -> SnapshotError:
    """`exc`, or a `SnapshotOutdated` naming the command to run when the core says to rebuild."""
    if isinstance(exc, SnapshotOutdated) or not isinstance(exc, batch.SnapshotOutdated):
        return exc
    return SnapshotOutdated(f"{exc}\nrun `{REBUILD_COMMAND}` to rebuild the snapshot")


# -- internals -------------------------------------------------------------------------------


def _checked_watermark(writer: SnapshotWriter) -> int:
    """The writer's watermark, after checking every type's columns against the dictionary.

    The writer itself checks only the types it appends to; checking all of them here stops a
    refresh before it reads millions of rows, and catches a type that nothing new arrived for.
    """
    try:
        return batch.check_snapshot(writer.directory, writer.dictionary).watermark
    except SnapshotError as exc:
        raise outdated(exc) from exc


def _visible_max_id() -> int:
    """The highest record id such that every lower id is committed or will never be (see above)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(CreditRecord._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            return _max_id()
    return _max_id()


def _max_id() -> int:
    top = CreditRecord.objects.aggregate(top=Max("pk"))["top"]
    return int(top or 0)


def _versions(
    above: int, top: int, progress: Callable[[int], None] | None
) -> Generator[tuple[str, SnapshotRow], None, None]:
    """(type name, row) of every version with `above` < id ≤ `top`, by id, in chunks."""
    if top <= above:
        return
    tz = timezone.get_current_timezone()
    rows = (
        CreditRecord.objects.filter(pk__gt=above, pk__lte=top)
        .order_by("pk")
        .values_list(
            "pk",
            "type_name",
            "enterprise__subject_id",
            "provider",
            "natural_key",
            "version",
            "occurred_on",
            "received_at",
            "values",
        )
    )
    pending = 0
    for (
        pk,
        type_name,
        key,
        provider,
        natural_key,
        version,
        occurred,
        received,
        values,
    ) in rows.iterator(chunk_size=CHUNK):
        yield (
            type_name,
            SnapshotRow(
                record_id=pk,
                enterprise_key=key,
                provider=provider,
                natural_key=natural_key,
                version=version,
                occurred_on=occurred,
                received_on=received.astimezone(tz).date(),
                values=values,
            ),
        )
        pending += 1
        if progress is not None and pending >= CHUNK:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)


def _streaming() -> contextlib.AbstractContextManager[Any]:
    """Where `_versions` is consumed: in a transaction on PostgreSQL, so that its server-side
    cursor is not WITH HOLD (which makes the server copy the whole result before the first row).
    Not on SQLite, which reads in chunks anyway and whose transactions take the write lock."""
    streaming: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if connection.vendor == "postgresql":
        streaming = transaction.atomic()
    return streaming


@contextlib.contextmanager
def _refresh_lock(directory: Path) -> Iterator[None]:
    """One refresh of a snapshot directory at a time (across processes)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(f"{directory.name}.lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _aside(directory: Path, what: str) -> Path:
    return directory.with_name(f".{directory.name}.{what}")


def _remove(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)


def _swap(new: Path, directory: Path) -> None:
    """Put the rebuilt snapshot in the old one's place (a crash in between leaves none: the next
    refresh then appends everything)."""
    old = _aside(directory, "old")
    if directory.exists():
        directory.rename(old)
    new.rename(directory)
    _remove(old)

"""A columnar snapshot of record versions: Parquet part files per record type and a JSON manifest.

Layout under the snapshot directory (the app uses `ECREDIT_DATA_DIR/snapshot/`):

    manifest.json                  format, dictionary version, watermarks, the committed parts
    <type_name>/part-000001.parquet  one file per type per append (more when an append holds more
                                   than ROWS_PER_PART rows), never rewritten

The manifest is the commit point: a part is part of the snapshot once the manifest lists it, and
the manifest is replaced atomically (write, fsync, rename). A part written by an append that died
before its commit is not listed, so nothing reads it; the next append deletes it. Appends are
idempotent through a watermark per type: rows whose `record_id` is at or below it were snapshotted
already and are skipped, so the app may send `record_id > watermark` again after a crash without
duplicating anything. One writer at a time (an advisory lock on `manifest.lock` holds others off).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecredit.core.batch.columns import (
    SnapshotError,
    SnapshotOutdated,
    column_values,
    field_column,
    from_column_value,
    schema_fingerprint,
    type_schema,
)
from ecredit.core.dictionary import Dictionary, load_dictionary
from ecredit.core.scoring import RecordView

FORMAT = "ecredit-snapshot/1"
MANIFEST = "manifest.json"
LOCK = "manifest.lock"
# An append holds at most this many rows in memory, across types; when it has that many, it writes
# the largest type's rows as a part (uncommitted until the append ends).
ROWS_PER_PART = 200_000


@dataclass(frozen=True)
class SnapshotRow:
    """One stored version of a record, as the snapshot keeps it.

    `values` are the dictionary's normalised values (decimals as text, dates "YYYY-MM-DD", months
    "YYYY-MM", booleans, code lists); `received_on` is the local date it reached the platform.
    """

    record_id: int
    enterprise_key: str
    provider: str
    natural_key: str
    version: int
    occurred_on: date
    received_on: date
    values: Mapping[str, Any]


@dataclass(frozen=True)
class _Part:
    name: str
    rows: int
    top_id: int
    max_version: int


@dataclass
class TypeManifest:
    """What the snapshot holds for one record type."""

    schema: str
    watermark: int = 0
    rows: int = 0
    max_version: int = 0  # 1: every natural key has one version, the pipeline skips the dedup
    parts: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    """The committed state of a snapshot directory."""

    dictionary_version: str
    types: dict[str, TypeManifest] = field(default_factory=dict)
    next_part: int = 1

    @property
    def watermark(self) -> int:
        """The highest record id in the snapshot (0 when empty)."""
        return max((t.watermark for t in self.types.values()), default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "dictionary_version": self.dictionary_version,
            "watermark": self.watermark,
            "next_part": self.next_part,
            "types": {
                name: {
                    "schema": t.schema,
                    "watermark": t.watermark,
                    "rows": t.rows,
                    "max_version": t.max_version,
                    "parts": list(t.parts),
                }
                for name, t in sorted(self.types.items())
            },
        }


def read_manifest(directory: str | Path) -> Manifest:
    """The manifest of a snapshot directory; an empty manifest when there is none yet.

    Raises `SnapshotOutdated` when it is of another format or cannot be parsed (rebuild the
    snapshot), `SnapshotError` when the file cannot be read.
    """
    path = Path(directory) / MANIFEST
    if not path.exists():
        return Manifest(dictionary_version="")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read the manifest: {exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT:
            raise SnapshotOutdated(
                f"{path}: format {data.get('format')!r}, expected {FORMAT!r}; rebuild the snapshot"
            )
        return Manifest(
            dictionary_version=str(data["dictionary_version"]),
            next_part=int(data["next_part"]),
            types={
                str(name): TypeManifest(
                    schema=str(t["schema"]),
                    watermark=int(t["watermark"]),
                    rows=int(t["rows"]),
                    max_version=int(t.get("max_version", 0)),
                    parts=[str(p) for p in t["parts"]],
                )
                for name, t in data["types"].items()
            },
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, SnapshotError):
            raise
        raise SnapshotOutdated(f"{path}: unreadable manifest: {exc}; rebuild the snapshot") from exc


def check_snapshot(directory: str | Path, dictionary: Dictionary | None = None) -> Manifest:
    """The snapshot's manifest, after checking that it can be used with `dictionary`.

    Raises `SnapshotOutdated` (rebuild the snapshot) when a type of the dictionary was written
    with other fields than the dictionary has now, or the manifest is of another format or does
    not parse. Types the dictionary no longer has are not checked (nothing reads them). A
    directory without a snapshot yet passes, with an empty manifest.
    """
    dictionary = dictionary or load_dictionary()
    manifest = read_manifest(directory)
    for name, entry in sorted(manifest.types.items()):
        if name not in dictionary.types:
            continue
        if entry.schema != schema_fingerprint(type_schema(dictionary.types[name])):
            raise SnapshotOutdated(
                f"{directory}: {name} was snapshotted with other fields than the dictionary "
                f"{dictionary.version} has; rebuild the snapshot"
            )
    return manifest


def part_paths(directory: str | Path, type_name: str) -> list[Path]:
    """The committed part files of one record type, oldest first."""
    manifest = read_manifest(directory)
    entry = manifest.types.get(type_name)
    return [Path(directory) / type_name / p for p in entry.parts] if entry else []


class SnapshotWriter:
    """Appends record versions to a snapshot directory (created when missing)."""

    def __init__(self, directory: str | Path, dictionary: Dictionary | None = None) -> None:
        self.directory = Path(directory)
        self.dictionary = dictionary or load_dictionary()
        self._schemas: dict[str, pa.Schema] = {}
        self._fingerprints: dict[str, str] = {}

    def schema(self, type_name: str) -> pa.Schema:
        """The Arrow schema of a type's dataset (raises DictionaryError for an unknown type)."""
        if type_name not in self._schemas:
            self._schemas[type_name] = type_schema(self.dictionary.record_type(type_name))
        return self._schemas[type_name]

    @property
    def manifest(self) -> Manifest:
        return read_manifest(self.directory)

    def watermark(self, type_name: str | None = None) -> int:
        """The highest record id snapshotted, of one type or of all (0 when none)."""
        manifest = self.manifest
        if type_name is None:
            return manifest.watermark
        entry = manifest.types.get(type_name)
        return entry.watermark if entry else 0

    def append(self, type_name: str, rows: Iterable[SnapshotRow]) -> int:
        """Append the versions of one type above its watermark; returns how many were new."""
        return self.extend((type_name, row) for row in rows)

    def extend(self, rows: Iterable[tuple[str, SnapshotRow]]) -> int:
        """Append (type name, row) pairs of any types in one commit; returns how many were new.

        The app's refresh is one call: every record with an id above `watermark()`. At most
        ROWS_PER_PART rows are held in memory, whatever the number of types: when that many are
        buffered, the largest type's rows are written as a part (committed with the rest).
        """
        limit = ROWS_PER_PART  # read at each call (tests lower it)
        with self._locked() as manifest:
            buffers: dict[str, list[SnapshotRow]] = {}
            buffered = 0
            seen: dict[str, set[int]] = {}
            written: dict[str, list[_Part]] = {}

            def flush(type_name: str) -> int:
                buffer = buffers[type_name]
                table = self._table(type_name, buffer)
                written.setdefault(type_name, []).append(
                    self._write_part(manifest, type_name, table)
                )
                count = len(buffer)
                buffer.clear()
                return count

            for type_name, row in rows:
                entry = self._entry(manifest, type_name)
                if row.record_id <= entry.watermark or row.record_id in seen.setdefault(
                    type_name, set()
                ):
                    continue
                seen[type_name].add(row.record_id)
                buffers.setdefault(type_name, []).append(row)
                buffered += 1
                if buffered >= limit:
                    buffered -= flush(max(buffers, key=lambda name: len(buffers[name])))
            for type_name, buffer in buffers.items():
                if buffer:
                    flush(type_name)
            return self._commit(manifest, written)

    def append_table(self, type_name: str, table: pa.Table) -> int:
        """Append an Arrow table in the type's snapshot schema (bulk export); returns new rows.

        Rows at or below the type's watermark are dropped; record ids in `table` must be unique.
        """
        schema = self.schema(type_name)
        if set(table.column_names) != set(schema.names):
            missing = sorted(set(schema.names) - set(table.column_names))
            extra = sorted(set(table.column_names) - set(schema.names))
            raise SnapshotError(
                f"{type_name}: table columns differ from the snapshot schema "
                f"(missing {missing}, unexpected {extra})"
            )
        table = table.select(schema.names).cast(schema)
        with self._locked() as manifest:
            entry = self._entry(manifest, type_name)
            if entry.watermark:
                table = table.filter(pc.greater(table["record_id"], entry.watermark))
            if table.num_rows == 0:
                return 0
            if pc.any(pc.not_equal(table["type_name"], type_name)).as_py():
                raise SnapshotError(f"{type_name}: table has rows of another type_name")
            part = self._write_part(manifest, type_name, table)
            return self._commit(manifest, {type_name: [part]})

    # -- internals -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Manifest]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                manifest = read_manifest(self.directory)
                if not manifest.dictionary_version:
                    manifest.dictionary_version = self.dictionary.version
                self._remove_uncommitted(manifest)
                yield manifest
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _entry(self, manifest: Manifest, type_name: str) -> TypeManifest:
        entry = manifest.types.get(type_name)
        if entry is not None and entry.schema == self._fingerprints.get(type_name):
            return entry
        fingerprint = schema_fingerprint(self.schema(type_name))
        self._fingerprints[type_name] = fingerprint
        if entry is None:
            entry = manifest.types[type_name] = TypeManifest(schema=fingerprint)
        elif entry.schema != fingerprint:
            raise SnapshotOutdated(
                f"{type_name}: its fields changed since the snapshot was written (dictionary "
                f"{manifest.dictionary_version}, now {self.dictionary.version}); rebuild the "
                f"snapshot: delete {self.directory} and append every record again"
            )
        return entry

    def _table(self, type_name: str, rows: list[SnapshotRow]) -> pa.Table:
        rt = self.dictionary.record_type(type_name)
        schema = self.schema(type_name)
        columns: dict[str, list[Any]] = {name: [] for name in schema.names}
        for row in rows:
            try:
                values = column_values(rt, row.values)
            except ValueError as exc:
                raise SnapshotError(f"{type_name} record {row.record_id}: {exc}") from exc
            columns["record_id"].append(row.record_id)
            columns["enterprise_key"].append(row.enterprise_key)
            columns["type_name"].append(type_name)
            columns["provider"].append(row.provider)
            columns["natural_key"].append(row.natural_key)
            columns["version"].append(row.version)
            columns["occurred_on"].append(row.occurred_on)
            columns["received_on"].append(row.received_on)
            for name, value in values.items():
                columns[name].append(value)
        try:
            return pa.table(columns, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise SnapshotError(f"{type_name}: {exc}") from exc

    def _write_part(self, manifest: Manifest, type_name: str, table: pa.Table) -> _Part:
        """Write one part file, not yet committed."""
        name = f"part-{manifest.next_part:06d}.parquet"
        manifest.next_part += 1
        folder = self.directory / type_name
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, folder / name)
        return _Part(
            name=name,
            rows=table.num_rows,
            top_id=int(pc.max(table["record_id"]).as_py()),
            max_version=int(pc.max(table["version"]).as_py()),
        )

    def _commit(self, manifest: Manifest, written: Mapping[str, list[_Part]]) -> int:
        total = 0
        for type_name, parts in written.items():
            entry = manifest.types[type_name]
            for part in parts:
                entry.parts.append(part.name)
                entry.rows += part.rows
                entry.watermark = max(entry.watermark, part.top_id)
                entry.max_version = max(entry.max_version, part.max_version)
                total += part.rows
        if not total:
            return 0
        manifest.dictionary_version = self.dictionary.version
        tmp = self.directory / f".{MANIFEST}.tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(manifest.to_json(), out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.directory / MANIFEST)
        return total

    def _remove_uncommitted(self, manifest: Manifest) -> None:
        """Delete part files an interrupted append left behind (not listed in the manifest)."""
        for folder in self.directory.iterdir():
            if not folder.is_dir():
                continue
            entry = manifest.types.get(folder.name)
            listed = set(entry.parts) if entry else set()
            for path in folder.iterdir():
                stray = path.name.startswith(".part-") or (
                    path.name.startswith("part-") and path.name not in listed
                )
                if stray and path.suffix in (".parquet", ".tmp"):
                    path.unlink()


def read_type(
    directory: str | Path, type_name: str, dictionary: Dictionary | None = None
) -> pa.Table:
    """Every committed row of one record type, in the type's snapshot schema."""
    schema = type_schema((dictionary or load_dictionary()).record_type(type_name))
    paths = part_paths(directory, type_name)
    if not paths:
        return schema.empty_table()
    return pa.concat_tables(pq.read_table(p, schema=schema) for p in paths)


def record_views(
    directory: str | Path, dictionary: Dictionary | None = None
) -> dict[str, list[RecordView]]:
    """Every version in the snapshot as `RecordView`s per enterprise key (for tests and checks)."""
    dictionary = dictionary or load_dictionary()
    manifest = read_manifest(directory)
    out: dict[str, list[RecordView]] = {}
    for type_name in sorted(manifest.types):
        rt = dictionary.record_type(type_name)
        for row in read_type(directory, type_name, dictionary).to_pylist():
            values = {}
            for f in rt.fields:
                value = from_column_value(f, row[field_column(f.name)])
                if value is not None:
                    values[f.name] = value
            out.setdefault(row["enterprise_key"], []).append(
                RecordView(
                    type=type_name,
                    occurred_on=row["occurred_on"],
                    received_on=row["received_on"],
                    values=values,
                    public=rt.disclosure_level == "public",
                )
            )
    return out

"""The columnar snapshot: typed columns, incremental idempotent appends, atomic commits."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ecredit.core.batch import (
    SnapshotError,
    SnapshotOutdated,
    SnapshotRow,
    SnapshotWriter,
    check_snapshot,
    field_column,
    read_manifest,
    read_type,
    record_views,
    run_features,
    type_schema,
)
from ecredit.core.batch.population import population_rows
from ecredit.core.dictionary import load_dictionary
from ecredit.core.synth import generate

AS_OF = date(2026, 2, 28)
Rows = list[tuple[str, SnapshotRow]]

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


@pytest.fixture(scope="module")
def rows() -> Rows:
    return population_rows(generate(enterprises=60, months=12, seed=5, end=date(2026, 3, 31)))


def penalty(record_id: int, fine: object = "1200.50", version: int = 1) -> SnapshotRow:
    return SnapshotRow(
        record_id=record_id,
        enterprise_key="e1",
        provider="market-regulation",
        natural_key="杭州市市场监督管理局|杭市监罚〔2025〕7号",
        version=version,
        occurred_on=date(2025, 3, 18),
        received_on=date(2025, 3, 20),
        values={
            "subject_id": "91330106MA2H2XXX1L",
            "decision_no": "杭市监罚〔2025〕7号",
            "decision_date": "2025-03-18",
            "authority": "杭州市市场监督管理局",
            "violation": "虚假宣传",
            "penalty_type": "fine",
            "fine_amount_cny": fine,
            "severity": "general",
        },
    )


def listing(record_id: int) -> SnapshotRow:
    return SnapshotRow(
        record_id=record_id,
        enterprise_key="e1",
        provider="market-regulation",
        natural_key="杭州市市场监督管理局|杭市监异〔2025〕3号",
        version=1,
        occurred_on=date(2025, 5, 6),
        received_on=date(2025, 5, 8),
        values={
            "subject_id": "91330106MA2H2XXX1L",
            "decision_no": "杭市监异〔2025〕3号",
            "listed_on": "2025-05-06",
            "authority": "杭州市市场监督管理局",
            "reason": "no_annual_report",
        },
    )


def ids(directory: Path) -> list[int]:
    manifest = read_manifest(directory)
    out: list[int] = []
    for type_name in manifest.types:
        out += read_type(directory, type_name).column("record_id").to_pylist()
    return sorted(out)


def test_columns_are_typed_by_the_dictionary() -> None:
    schema = type_schema(load_dictionary().record_type("store_metrics"))
    assert schema.names[:8] == [
        "record_id",
        "enterprise_key",
        "type_name",
        "provider",
        "natural_key",
        "version",
        "occurred_on",
        "received_on",
    ]
    assert schema.field("gmv_cny").type == pa.decimal128(20, 2)
    assert schema.field("refund_rate").type == pa.float64()
    assert schema.field("orders").type == pa.int64()
    assert schema.field("month").type == pa.date32()
    assert schema.field("received_on").type == pa.date32()
    registration = type_schema(load_dictionary().record_type("registration"))
    assert registration.field("ecommerce_roles").type == pa.list_(pa.string())
    # a field named like a record column gets a prefix
    assert field_column("received_on") == "value_received_on"
    complaint = type_schema(load_dictionary().record_type("consumer_complaint"))
    assert complaint.field("value_received_on").type == pa.date32()
    assert complaint.field("cross_border").type == pa.bool_()


def test_values_are_stored_typed_and_read_back_normalised(tmp_path: Path) -> None:
    SnapshotWriter(tmp_path).append("administrative_penalty", [penalty(1)])
    stored = read_type(tmp_path, "administrative_penalty").to_pylist()[0]
    assert str(stored["fine_amount_cny"]) == "1200.50"
    assert stored["decision_date"] == date(2025, 3, 18)
    assert stored["legal_basis"] is None
    (view,) = record_views(tmp_path)["e1"]
    assert view.values == penalty(1).values
    assert (view.type, view.occurred_on, view.received_on) == (
        "administrative_penalty",
        date(2025, 3, 18),
        date(2025, 3, 20),
    )


def test_overlapping_appends_store_each_version_once(rows: Rows, tmp_path: Path) -> None:
    # given a snapshot written in one go, and one written in two overlapping refreshes
    whole, halves = tmp_path / "whole", tmp_path / "halves"
    SnapshotWriter(whole).extend(rows)
    cut = len(rows) * 2 // 3
    writer = SnapshotWriter(halves)
    # when the second refresh sends again everything from the middle of the first
    first = writer.extend(rows[:cut])
    second = writer.extend(rows[cut // 2 :])
    # then only the new rows were written, every record id is there once
    assert (first, second) == (cut, len(rows) - cut)
    assert ids(halves) == list(range(1, len(rows) + 1))
    assert writer.watermark() == len(rows)
    manifest = read_manifest(halves)
    assert sum(t.rows for t in manifest.types.values()) == len(rows)
    # and the snapshot reads and computes the same as the one written at once
    assert record_views(halves) == record_views(whole)
    assert run_features(halves, AS_OF).equals(run_features(whole, AS_OF))
    # and a refresh with nothing new writes nothing at all
    parts = sorted(p.name for p in halves.rglob("*.parquet"))
    assert writer.extend(rows) == 0
    assert sorted(p.name for p in halves.rglob("*.parquet")) == parts
    assert read_manifest(halves).to_json() == manifest.to_json()


def interleaved(rows: Rows) -> Rows:
    """The rows of every type taken in turn: one of each type, then the next of each, ..."""
    by_type: dict[str, Rows] = {}
    for type_name, row in rows:
        by_type.setdefault(type_name, []).append((type_name, row))
    out: Rows = []
    for n in range(max(len(r) for r in by_type.values())):
        out += [r[n] for r in by_type.values() if n < len(r)]
    return out


class CountingWriter(SnapshotWriter):
    """Notes, at every part written, how many rows the call had read and how many it wrote."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.read = 0
        self.parts: list[tuple[int, int]] = []  # (rows read so far, rows in the part)

    def feed(self, rows: Rows) -> Iterator[tuple[str, SnapshotRow]]:
        for row in rows:
            self.read += 1
            yield row

    def _write_part(self, manifest: Any, type_name: str, table: pa.Table) -> Any:
        self.parts.append((self.read, table.num_rows))
        return super()._write_part(manifest, type_name, table)

    def peak_buffered(self) -> int:
        """The most rows held at once: read but not yet written, just before each write."""
        peak, written = 0, 0
        for read, rows in self.parts:
            peak = max(peak, read - written)
            written += rows
        return peak


def test_an_append_of_many_types_holds_a_bounded_number_of_rows(
    rows: Rows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given rows of many types, interleaved, and a small limit on the rows an append may hold
    mixed = interleaved(rows)
    types = {t for t, _ in mixed}
    assert len(types) >= 12
    one_go = tmp_path / "one-go"
    SnapshotWriter(one_go).extend(mixed)
    monkeypatch.setattr("ecredit.core.batch.snapshot.ROWS_PER_PART", 100)
    # when they are appended in one call
    writer = CountingWriter(tmp_path / "bounded")
    commits: list[int] = []
    commit = SnapshotWriter._commit

    def counted(self: SnapshotWriter, manifest: Any, written: Any) -> int:
        commits.append(1)
        return commit(self, manifest, written)

    monkeypatch.setattr(SnapshotWriter, "_commit", counted)
    assert writer.extend(writer.feed(mixed)) == len(rows)
    # then it never held more than the limit, whatever the number of types, in one commit
    assert writer.peak_buffered() <= 100
    assert len(writer.parts) > len(types)
    assert commits == [1]
    # and the snapshot holds what an append with no limit writes, row for row
    bounded, whole = read_manifest(tmp_path / "bounded"), read_manifest(one_go)
    assert sorted(bounded.types) == sorted(whole.types)
    for name, entry in whole.types.items():
        got = bounded.types[name]
        assert (got.rows, got.watermark, got.max_version, got.schema) == (
            entry.rows,
            entry.watermark,
            entry.max_version,
            entry.schema,
        )
        assert read_type(tmp_path / "bounded", name).equals(read_type(one_go, name))
    assert record_views(tmp_path / "bounded") == record_views(one_go)


def test_watermarks_are_kept_per_type(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    writer.append("administrative_penalty", [penalty(7)])
    assert writer.watermark("administrative_penalty") == 7
    assert writer.watermark("abnormal_operation") == 0
    # a lower id of another type is new for that type
    assert writer.append("abnormal_operation", [listing(4)]) == 1
    assert writer.watermark("abnormal_operation") == 4
    assert writer.watermark() == 7
    assert (
        writer.append("administrative_penalty", [penalty(5), penalty(7), penalty(9, version=2)])
        == 1
    )
    assert ids(tmp_path) == [4, 7, 9]
    assert read_manifest(tmp_path).types["administrative_penalty"].max_version == 2


def test_a_part_left_by_an_interrupted_append_is_never_read(tmp_path: Path) -> None:
    # given a committed snapshot, and a part file written after it but never committed
    writer = SnapshotWriter(tmp_path)
    writer.append("administrative_penalty", [penalty(1)])
    orphan = tmp_path / "administrative_penalty" / "part-000002.parquet"
    committed = pq.read_table(tmp_path / "administrative_penalty" / "part-000001.parquet")
    pq.write_table(committed.set_column(0, "record_id", pa.array([2])), orphan)
    # when read, then only the committed part counts
    assert ids(tmp_path) == [1]
    assert run_features(tmp_path, AS_OF).num_rows == 1
    # and the next append removes the orphan and writes its own part under that name
    writer.append("administrative_penalty", [penalty(3, version=2)])
    assert ids(tmp_path) == [1, 3]
    assert pc.max(read_type(tmp_path, "administrative_penalty")["version"]).as_py() == 2


def test_a_bad_value_names_the_record_and_field_and_commits_nothing(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    writer.append("administrative_penalty", [penalty(1)])
    before = read_manifest(tmp_path).to_json()
    with pytest.raises(
        SnapshotError,
        match=r"administrative_penalty record 3: field fine_amount_cny: '12,00' is not a decimal",
    ):
        writer.append("administrative_penalty", [penalty(2), penalty(3, fine="12,00")])
    unknown = dataclasses.replace(penalty(4), values={**penalty(4).values, "fines": "1"})
    with pytest.raises(SnapshotError, match="record 4: unknown field 'fines'"):
        writer.append("administrative_penalty", [unknown])
    assert read_manifest(tmp_path).to_json() == before
    assert ids(tmp_path) == [1]


def test_a_type_whose_fields_changed_must_be_rebuilt(tmp_path: Path) -> None:
    writer = SnapshotWriter(tmp_path)
    writer.append("administrative_penalty", [penalty(1)])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["types"]["administrative_penalty"]["schema"] = "0" * 16
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        SnapshotOutdated, match=r"administrative_penalty: its fields changed .* rebuild"
    ):
        SnapshotWriter(tmp_path).append("administrative_penalty", [penalty(2)])
    with pytest.raises(SnapshotOutdated, match="rebuild the snapshot"):
        run_features(tmp_path, AS_OF)


def test_check_snapshot_says_when_a_snapshot_must_be_rebuilt(tmp_path: Path) -> None:
    # given no snapshot yet, then there is nothing to rebuild
    assert check_snapshot(tmp_path / "none").types == {}
    # given a snapshot written with the dictionary as it is, then it passes
    writer = SnapshotWriter(tmp_path)
    writer.append("administrative_penalty", [penalty(1)])
    assert check_snapshot(tmp_path).watermark == 1
    path = tmp_path / "manifest.json"
    good = path.read_text()
    # given a type written with other fields, another format, or a manifest that does not parse
    changed = json.loads(good)
    changed["types"]["administrative_penalty"]["schema"] = "0" * 16
    broken = {
        "fields": (json.dumps(changed), "administrative_penalty.* (other fields|fields changed)"),
        "format": (json.dumps({**changed, "format": "x/0"}), "format 'x/0', expected"),
        "json": ("{", "unreadable manifest"),
        "shape": ("[]", "unreadable manifest"),
    }
    for text, message in broken.values():
        path.write_text(text)
        # then checking, reading features and appending all say to rebuild it
        for call in (
            lambda: check_snapshot(tmp_path),
            lambda: run_features(tmp_path, AS_OF),
            lambda: SnapshotWriter(tmp_path).append("administrative_penalty", [penalty(2)]),
        ):
            with pytest.raises(SnapshotOutdated, match=message) as raised:
                call()
            assert "rebuild the snapshot" in str(raised.value)
    # while a bad value is an error of its own, not a reason to rebuild
    path.write_text(good)
    with pytest.raises(SnapshotError) as bad_value:
        writer.append("administrative_penalty", [penalty(2, fine="12,00")])
    assert not isinstance(bad_value.value, SnapshotOutdated)


def test_arrow_tables_append_with_the_same_watermark(rows: Rows, tmp_path: Path) -> None:
    # given the store metrics as one Arrow table in the snapshot schema
    source = tmp_path / "rows"
    SnapshotWriter(source).extend(rows)
    table = read_type(source, "store_metrics")
    # when appended in two overlapping slices
    writer = SnapshotWriter(tmp_path / "bulk")
    half = table.num_rows // 2
    assert writer.append_table("store_metrics", table.slice(0, half + 10)) == half + 10
    assert writer.append_table("store_metrics", table.slice(half)) == table.num_rows - half - 10
    # then each row is there once, as written
    assert read_type(tmp_path / "bulk", "store_metrics").equals(table)
    with pytest.raises(SnapshotError, match=r"missing \['version'\]"):
        writer.append_table("store_metrics", table.drop_columns(["version"]))


def test_an_empty_snapshot_has_no_enterprises(tmp_path: Path) -> None:
    table = run_features(tmp_path / "nothing-yet", AS_OF)
    assert table.num_rows == 0
    assert table.column_names[0] == "enterprise_key"
    assert len(table.column_names) == 36

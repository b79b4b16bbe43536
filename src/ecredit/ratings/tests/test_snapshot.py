"""The app's snapshot: filled from the database, incremental, rebuilt, crash-safe, and its commands."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from django.db import connection, transaction
from django.utils import timezone

from ecredit.accounts.principals import Actor
from ecredit.cli_batch import batch
from ecredit.core.batch import (
    FEATURE_COLUMNS,
    SnapshotError,
    SnapshotWriter,
    check_snapshot,
    evaluate_table,
    read_manifest,
    read_type,
    record_views,
    run_features,
)
from ecredit.core.batch import SnapshotOutdated as CoreOutdated
from ecredit.core.scoring import GRADES, compute_features, load_indicator_system
from ecredit.entities.models import Enterprise
from ecredit.ratings import snapshot as app_snapshot
from ecredit.ratings.actions import records_known_on
from ecredit.ratings.snapshot import (
    REBUILD_COMMAND,
    RefreshReport,
    SnapshotOutdated,
    pending_records,
    refresh_snapshot,
    snapshot_dir,
    snapshot_features,
)
from ecredit.ratings.tests.population import load_population as shared_load_population
from ecredit.ratings.tests.population import received
from ecredit.records.actions import ingest_batch
from ecredit.records.models import CreditRecord
from ecredit.records.tests.penalties import penalty_row

pytestmark = [
    pytest.mark.django_db,
    # Ibis 12 calls a DuckDB method DuckDB 2 deprecates.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]

END = date(2026, 6, 30)
AS_OF = date(2026, 3, 31)  # a month end
AS_OF_MID_MONTH = date(2025, 12, 17)
# Computed by the pipeline from the registrations known on the date, by the app from the
# enterprises' current fields and previous grades: compared in the core's tests, not here.
RELATED = ("related_serious_dishonesty", "related_low_grade")
Features = dict[str, dict[str, float | None]]


# -- data through the real ingestion path ----------------------------------------------------


def load_population(enterprises: int, months: int, seed: int) -> None:
    """A synthetic population's batches, in order of arrival, through `ingest_batch`."""
    shared_load_population(enterprises, months, seed, END)


def submit_penalty(subject_id: str, number: int, fine: str, on: date) -> int:
    """Store (or correct) penalty `number` of an enterprise, received on `on`; its record id."""
    row = penalty_row(
        number,
        subject_id=subject_id,
        decision_date="2025-11-03",
        penalty_type="fine",
        fine_amount_cny=fine,
        severity="general",
    )
    report = ingest_batch(
        Actor.system("test"),
        type_name="administrative_penalty",
        provider="market-regulation",
        records=[row],
        received_at=received(on),
    )
    assert report.stored + report.corrected == 1, report.errors
    return int(CreditRecord.objects.filter(subject_id=subject_id).latest("pk").pk)


def registered_subject() -> str:
    return str(Enterprise.objects.filter(provisional=False).order_by("subject_id")[0].subject_id)


# -- expectations ----------------------------------------------------------------------------


def reference(as_of: date) -> Features:
    """`compute_features` of every enterprise on the views `ratings.actions` evaluates."""
    subject = dict(Enterprise.objects.values_list("pk", "subject_id"))
    known = records_known_on(as_of)
    out = {
        subject[pk]: compute_features([view for _, view in records], as_of)
        for pk, records in known.items()
    }
    return dict(sorted(out.items()))


def by_key(table: pa.Table) -> Features:
    return {row.pop("enterprise_key"): row for row in table.to_pylist()}


def mismatches(got: Features, expected: Features) -> list[tuple[str, str, Any, Any]]:
    return [
        (key, feature, expected[key][feature], got[key][feature])
        for key in expected
        for feature in FEATURE_COLUMNS
        if feature not in RELATED and got[key][feature] != expected[key][feature]
    ]


def snapshot_ids(directory: Path) -> list[int]:
    return sorted(
        record_id
        for name in read_manifest(directory).types
        for record_id in read_type(directory, name).column("record_id").to_pylist()
    )


def db_ids() -> list[int]:
    return sorted(CreditRecord.objects.values_list("pk", flat=True))


def files_on_disk(directory: Path) -> set[str]:
    return {f"{p.parent.name}/{p.name}" for p in directory.glob("*/*") if p.is_file()}


def files_listed(directory: Path) -> set[str]:
    return {
        f"{name}/{part}"
        for name, entry in read_manifest(directory).types.items()
        for part in entry.parts
    }


def tables(directory: Path) -> dict[str, pa.Table]:
    """Every type's rows in the snapshot, by record id."""
    return {
        name: read_type(directory, name).sort_by("record_id")
        for name in sorted(read_manifest(directory).types)
    }


def same_as_one_refresh(directory: Path, tmp_path: Path) -> bool:
    """Whether the snapshot holds what one refresh of everything into a new directory holds."""
    fresh = tmp_path / "fresh"
    assert refresh_snapshot(fresh).appended == CreditRecord.objects.count()
    return tables(directory) == tables(fresh)


def outdate(directory: Path, type_name: str = "administrative_penalty") -> None:
    """Make the snapshot look written with other fields of a type (as a dictionary change does)."""
    path = directory / "manifest.json"
    data = json.loads(path.read_text())
    data["types"][type_name]["schema"] = "0" * 16
    path.write_text(json.dumps(data))


# -- (a) the snapshot holds every version; features equal the app's ---------------------------


def test_a_refresh_snapshots_every_version_and_features_equal_the_apps(tmp_path: Path) -> None:
    # given a synthetic population loaded through ingestion
    load_population(enterprises=60, months=24, seed=3)
    assert CreditRecord.objects.filter(version__gt=1).exists()  # corrections among them
    directory = tmp_path / "snapshot"
    # when the snapshot is refreshed
    ticks: list[int] = []
    report = refresh_snapshot(directory, progress=ticks.append)
    # then it holds every version, once, as stored
    count = CreditRecord.objects.count()
    top = max(db_ids())
    assert (report.appended, report.watermark_before, report.watermark_after) == (count, 0, top)
    assert sum(ticks) == count
    assert snapshot_ids(directory) == db_ids()
    tz = timezone.get_current_timezone()
    stored = sorted(
        (sid, t, at.astimezone(tz).date(), json.dumps(v, sort_keys=True))
        for sid, t, at, v in CreditRecord.objects.values_list(
            "enterprise__subject_id", "type_name", "received_at", "values"
        )
    )
    snapshotted = sorted(
        (key, v.type, v.received_on, json.dumps(dict(v.values), sort_keys=True))
        for key, views in record_views(directory).items()
        for v in views
    )
    assert snapshotted == stored
    # and the pipeline's features equal compute_features on records_known_on, exactly
    for as_of in (AS_OF, AS_OF_MID_MONTH):
        got = by_key(run_features(directory, as_of, "duckdb"))
        expected = reference(as_of)
        assert list(got) == list(expected)
        assert len(expected) > 50
        assert mismatches(got, expected) == []


def test_an_orders_weighted_rate_on_a_rounding_tie_equals_the_apps(tmp_path: Path) -> None:
    # given six months of a store's metrics whose orders-weighted refund rate is 7.6599 / 360
    months = [
        ("2025-06", 81, "0.0200"),
        ("2025-07", 53, "0.0263"),
        ("2025-08", 37, "0.0176"),
        ("2025-09", 45, "0.0222"),
        ("2025-10", 75, "0.0163"),
        ("2025-11", 69, "0.0257"),
    ]
    operator = "N1330205839462518F"
    rows = [
        {
            "subject_id": "store:dongfang:66515256",
            "operator_id": operator,
            "store_name": "博源旗舰店",
            "month": month,
            "orders": str(orders),
            "gmv_cny": "1000.00",
            "refund_rate": rate,
        }
        for month, orders, rate in months
    ]
    report = ingest_batch(
        Actor.system("test"),
        type_name="store_metrics",
        provider="platform-dongfang",
        records=rows,
        received_at=received(date(2025, 12, 8)),
    )
    assert report.stored == 6
    directory = tmp_path / "snapshot"
    refresh_snapshot(directory)
    # when the features are computed as of a day in the month after
    as_of = date(2025, 12, 17)
    got = by_key(run_features(directory, as_of, "duckdb"))
    # then the pipeline's rate is the app's: fsum's mean, rounded from the tie as Python does
    assert got[operator]["refund_rate_6m"] == reference(as_of)[operator]["refund_rate_6m"]
    assert got[operator]["refund_rate_6m"] == 0.021278


# -- (b) incremental --------------------------------------------------------------------------


def test_a_refresh_appends_only_what_is_new_and_features_stay_point_in_time(
    tmp_path: Path,
) -> None:
    # given a population with a penalty, snapshotted
    load_population(enterprises=20, months=12, seed=3)
    sid = registered_subject()
    first_id = submit_penalty(sid, 1, "1000.50", date(2025, 11, 10))
    directory = tmp_path / "snapshot"
    first = refresh_snapshot(directory)
    # when nothing new arrived, then a refresh appends nothing
    again = refresh_snapshot(directory)
    assert (again.appended, again.watermark_before, again.watermark_after) == (
        0,
        first.watermark_after,
        first.watermark_after,
    )
    assert pending_records(directory) == 0
    # when a new penalty and a correction of the first one arrive later
    new_id = submit_penalty(sid, 2, "300.00", date(2026, 4, 20))
    corrected_id = submit_penalty(sid, 1, "5000.50", date(2026, 5, 10))
    assert CreditRecord.objects.get(pk=corrected_id).version == 2
    assert pending_records(directory) == 2
    report = refresh_snapshot(directory)
    # then exactly those two are appended
    assert (report.appended, report.watermark_before, report.watermark_after) == (
        2,
        first.watermark_after,
        corrected_id,
    )
    assert snapshot_ids(directory) == db_ids()
    assert first_id == first.watermark_after < new_id < corrected_id
    # and features before the correction was received still use the first version, after it
    # the correction, as the app's own evaluation does
    before, after = date(2026, 4, 30), date(2026, 5, 31)
    fines: dict[date, float] = {}
    for as_of in (before, after):
        got = by_key(run_features(directory, as_of, "duckdb"))
        assert mismatches({sid: got[sid]}, {sid: reference(as_of)[sid]}) == []
        fine = got[sid]["fine_total_24m"]
        assert fine is not None
        fines[as_of] = fine
    assert round(fines[after] - fines[before], 2) == 5000.50 - 1000.50


# -- (c) rebuild ------------------------------------------------------------------------------


def test_a_changed_type_asks_for_a_rebuild_and_rebuild_restores_it(tmp_path: Path) -> None:
    load_population(enterprises=20, months=12, seed=5)
    sid = registered_subject()
    submit_penalty(sid, 1, "1000.50", date(2025, 11, 10))
    directory = tmp_path / "snapshot"
    refresh_snapshot(directory)
    # given a snapshot written with other fields of a type than the dictionary has now
    outdate(directory)
    # when it is refreshed with nothing new, or read, then the error names the command to run
    with pytest.raises(SnapshotOutdated, match=f"run `{REBUILD_COMMAND}`"):
        refresh_snapshot(directory)
    with pytest.raises(SnapshotOutdated, match=f"run `{REBUILD_COMMAND}`"):
        snapshot_features(AS_OF, "duckdb", directory)
    # and so it is when something new arrived
    submit_penalty(sid, 2, "300.00", date(2026, 1, 5))
    with pytest.raises(SnapshotOutdated, match=f"run `{REBUILD_COMMAND}`"):
        refresh_snapshot(directory)
    # when it is rebuilt
    report = refresh_snapshot(directory, rebuild=True)
    # then every version is in it again, and nothing is left beside it
    assert (report.rebuilt, report.appended, report.watermark_before) == (
        True,
        CreditRecord.objects.count(),
        0,
    )
    assert report.watermark_after == max(db_ids())
    assert snapshot_ids(directory) == db_ids()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot", "snapshot.lock"]
    assert same_as_one_refresh(directory, tmp_path)
    assert snapshot_features(AS_OF, "duckdb", directory).num_rows > 0
    # and refreshes go on from there
    assert refresh_snapshot(directory).appended == 0


def test_the_core_says_when_to_rebuild_and_the_app_names_the_command(tmp_path: Path) -> None:
    sid = penalty_row(1)["subject_id"]
    submit_penalty(sid, 1, "100.00", date(2026, 1, 5))
    directory = tmp_path / "snapshot"
    refresh_snapshot(directory)
    # the app's error is the core's, with the command to run
    assert issubclass(SnapshotOutdated, CoreOutdated)
    # given a manifest of another format
    manifest = directory / "manifest.json"
    data = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**data, "format": "ecredit-snapshot/0"}))
    # then the core says to rebuild, and the app names the command, on refresh and on read
    with pytest.raises(CoreOutdated, match="format 'ecredit-snapshot/0'"):
        check_snapshot(directory)
    with pytest.raises(SnapshotOutdated, match=f"run `{REBUILD_COMMAND}`"):
        refresh_snapshot(directory)
    with pytest.raises(SnapshotOutdated, match=f"run `{REBUILD_COMMAND}`"):
        snapshot_features(AS_OF, "duckdb", directory)
    # and a rebuild mends it
    assert refresh_snapshot(directory, rebuild=True).appended == 1
    assert check_snapshot(directory).watermark == max(db_ids())
    # while an error that a rebuild would not mend is passed on as it is
    plain = SnapshotError("administrative_penalty record 3: field fine_amount_cny: bad")
    assert app_snapshot.outdated(plain) is plain
    core = CoreOutdated("x: its fields changed; rebuild the snapshot")
    assert isinstance(app_snapshot.outdated(core), SnapshotOutdated)
    assert REBUILD_COMMAND in str(app_snapshot.outdated(core))


def test_a_snapshot_of_another_database_asks_for_a_rebuild(tmp_path: Path) -> None:
    # given a snapshot holding a record id the database no longer has (restored, or another one)
    sid = penalty_row(1)["subject_id"]
    submit_penalty(sid, 1, "100.00", date(2026, 1, 5))
    last = submit_penalty(sid, 2, "200.00", date(2026, 1, 6))
    directory = tmp_path / "snapshot"
    refresh_snapshot(directory)
    CreditRecord.objects.filter(pk=last).delete()
    # when it is refreshed, then it asks for a rebuild, which mends it
    with pytest.raises(SnapshotOutdated, match="made from another database"):
        refresh_snapshot(directory)
    assert refresh_snapshot(directory, rebuild=True).appended == 1
    assert snapshot_ids(directory) == db_ids()


# -- (e) a crash before the commit ------------------------------------------------------------


def crash_before_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    def commit(self: SnapshotWriter, manifest: object, written: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(SnapshotWriter, "_commit", commit)


def crash_while_reading(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Small parts and chunks, and a progress callback that dies on its third call."""
    monkeypatch.setattr("ecredit.core.batch.snapshot.ROWS_PER_PART", 50)
    monkeypatch.setattr(app_snapshot, "CHUNK", 100)
    calls: list[int] = []

    def progress(n: int) -> None:
        calls.append(n)
        if len(calls) == 3:
            raise ConnectionError("server closed the connection unexpectedly")

    return progress


@pytest.mark.parametrize("where", ["before the commit", "while reading"])
def test_a_refresh_that_dies_leaves_the_snapshot_as_it_was_and_the_next_does_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    # given a snapshot of a first load, and more records stored since
    load_population(enterprises=20, months=12, seed=9)
    directory = tmp_path / "snapshot"
    first = refresh_snapshot(directory)
    load_population(enterprises=30, months=12, seed=10)
    new = CreditRecord.objects.filter(pk__gt=first.watermark_after).count()
    assert new > 400
    listed = files_listed(directory)
    # when a refresh dies after writing part files, before committing them
    with monkeypatch.context() as patch:
        if where == "before the commit":
            crash_before_commit(patch)
            with pytest.raises(OSError, match="disk full"):
                refresh_snapshot(directory)
        else:
            with pytest.raises(ConnectionError):
                refresh_snapshot(directory, progress=crash_while_reading(patch))
    # then the snapshot is as it was, with uncommitted parts lying beside it
    assert read_manifest(directory).watermark == first.watermark_after
    assert files_listed(directory) == listed
    assert files_on_disk(directory) > listed
    # when the next refresh runs, then it appends everything new once, and removes the strays
    report = refresh_snapshot(directory)
    assert (report.appended, report.watermark_before) == (new, first.watermark_after)
    assert snapshot_ids(directory) == db_ids()
    assert files_on_disk(directory) == files_listed(directory)
    assert same_as_one_refresh(directory, tmp_path)


# -- ids committed out of order (PostgreSQL) --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_refresh_waits_for_writes_in_progress(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: ids always commit in order")
    directory = tmp_path / "snapshot"
    sid = penalty_row(1)["subject_id"]
    submit_penalty(sid, 1, "100.00", date(2026, 1, 5))
    refresh_snapshot(directory)
    inserted, release = threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    reports: list[RefreshReport] = []

    def slow_import() -> None:
        try:
            with transaction.atomic():
                ids["slow"] = submit_penalty(sid, 2, "200.00", date(2026, 1, 6))
                inserted.set()
                release.wait(30)
        finally:
            connection.close()

    def refresh() -> None:
        try:
            reports.append(refresh_snapshot(directory))
        finally:
            connection.close()

    def quick_import() -> None:
        try:
            ids["quick"] = submit_penalty(sid, 3, "300.00", date(2026, 1, 7))
        finally:
            connection.close()

    # given an import that stored a record and has not committed yet
    writer = threading.Thread(target=slow_import)
    writer.start()
    assert inserted.wait(30)
    # and a second import, which queues behind it: the ledger's head row is locked until the
    # first commits, so record ids and leaves are given in commit order
    quick = threading.Thread(target=quick_import)
    quick.start()
    # when a refresh starts, then it waits for the slow import
    refresher = threading.Thread(target=refresh)
    refresher.start()
    waiting = 0
    with connection.cursor() as cursor:
        for _ in range(300):
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass "
                "AND mode = 'ShareLock' AND NOT granted",
                [CreditRecord._meta.db_table],
            )
            waiting = cursor.fetchone()[0]
            if waiting:
                break
            time.sleep(0.05)
    assert waiting == 1
    assert "quick" not in ids  # still queued
    release.set()
    for thread in (writer, quick, refresher):
        thread.join(30)
    assert ids["slow"] < ids["quick"]
    # and, with one more refresh for whatever committed after the first, both records are in
    # the snapshot: none is skipped for having committed late
    reports.append(refresh_snapshot(directory))
    assert sum(r.appended for r in reports) == 2
    assert snapshot_ids(directory) == db_ids()


# -- (d) the commands -------------------------------------------------------------------------


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(batch, list(args), env=env, catch_exceptions=False)


def last_json(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def test_cli_refresh_prints_what_was_appended(data_dir: Path) -> None:
    load_population(enterprises=20, months=12, seed=3)
    count = CreditRecord.objects.count()
    # the first refresh appends every version into ECREDIT_DATA_DIR/snapshot/
    result = run("refresh", "--json")
    assert result.exit_code == 0, result.output
    out = last_json(result)
    assert {k: out[k] for k in ("appended", "watermark_before", "rebuilt")} == {
        "appended": count,
        "watermark_before": 0,
        "rebuilt": False,
    }
    assert (out["directory"], out["watermark_after"]) == (str(data_dir / "snapshot"), max(db_ids()))
    assert snapshot_dir() == data_dir / "snapshot"
    # the second appends nothing, and says so
    result = run("refresh")
    assert result.exit_code == 0, result.output
    assert "snapshot refreshed: appended 0 record versions" in result.stdout
    # an outdated snapshot: a clear error naming the command; --rebuild mends it
    outdate(data_dir / "snapshot")
    result = run("refresh")
    assert result.exit_code == 1
    assert f"run `{REBUILD_COMMAND}`" in result.stderr
    result = run("refresh", "--rebuild", "--json")
    assert result.exit_code == 0, result.output
    assert (last_json(result)["appended"], last_json(result)["rebuilt"]) == (count, True)


def test_cli_features_and_evaluate_write_and_count(data_dir: Path, tmp_path: Path) -> None:
    from ecredit.ratings.models import Evaluation, EvaluationRun

    load_population(enterprises=20, months=12, seed=3)
    # features: refreshes, then writes the table run_features gives
    output = tmp_path / "features.parquet"
    result = run("features", "--as-of", AS_OF.isoformat(), "--output", str(output), "--json")
    assert result.exit_code == 0, result.output
    out = last_json(result)
    features = pq.read_table(output)
    assert features.equals(run_features(data_dir / "snapshot", AS_OF, "duckdb"))
    assert features.column_names == ["enterprise_key", *FEATURE_COLUMNS]
    assert (out["as_of"], out["engine"], out["enterprises"], out["output"]) == (
        AS_OF.isoformat(),
        "duckdb",
        features.num_rows,
        str(output),
    )
    assert out["refresh"]["appended"] == CreditRecord.objects.count()
    assert set(out["seconds"]) == {"refresh", "features", "write"}
    # evaluate: the indicator system's grades of that table, counted, written, stored nowhere
    graded = tmp_path / "grades.parquet"
    result = run("evaluate", "--as-of", AS_OF.isoformat(), "-o", str(graded), "--json")
    assert result.exit_code == 0, result.output
    out = last_json(result)
    system = load_indicator_system()
    expected = evaluate_table(system, features)
    counts = {g: expected.column("grade").to_pylist().count(g) for g in GRADES}
    assert (out["system"], out["enterprises"], out["grades"], out["refresh"]["appended"]) == (
        system.version,
        expected.num_rows,
        counts,
        0,
    )
    assert list(out["grades"]) == list(GRADES)
    assert set(out["seconds"]) == {"refresh", "features", "score+grade", "write"}
    assert pq.read_table(graded).equals(expected)
    assert (Evaluation.objects.count(), EvaluationRun.objects.count()) == (0, 0)
    # in text, with the snapshot as it is
    result = run("evaluate", "--as-of", AS_OF.isoformat(), "--no-refresh")
    assert result.exit_code == 0, result.output
    assert f"graded {expected.num_rows:,} enterprises as of {AS_OF}" in result.stdout
    assert "score+grade" in result.stdout
    assert "snapshot refreshed" not in result.stdout
    result = run("features", "--as-of", AS_OF.isoformat(), "-o", str(output))
    assert result.exit_code == 0, result.output
    assert "snapshot refreshed: appended 0 record versions" in result.stdout
    assert f"{features.num_rows:,} enterprises, {len(FEATURE_COLUMNS)} features" in result.stdout


@pytest.mark.parametrize("command", ["features", "evaluate"])
@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--as-of", "2025-13-01"], None, "'2025-13-01' is not a date; use YYYY-MM-DD"),
        (["--as-of", "yesterday"], None, "is not a date; use YYYY-MM-DD"),
        (["--as-of", "tomorrow"], None, "is in the future"),
        (["--as-of", "2026-03-31", "--engine", "flink"], None, "Invalid value for '--engine'"),
        (["--as-of", "2026-03-31"], {"ECREDIT_BATCH_ENGINE": "flink"}, "unknown batch engine"),
        (["--as-of", "2026-03-31", "-o", "/nonexistent/f.parquet"], None, "no directory"),
    ],
)
def test_cli_refuses_bad_input_before_any_work(
    data_dir: Path,
    tmp_path: Path,
    command: str,
    args: list[str],
    env: dict[str, str] | None,
    message: str,
) -> None:
    if args[1] == "tomorrow":
        args = ["--as-of", (timezone.localdate() + timedelta(days=1)).isoformat()]
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "out.parquet")]
    result = run(command, *args, env=env)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (data_dir / "snapshot").exists()
    assert not (tmp_path / "out.parquet").exists()


def test_cli_features_on_an_outdated_snapshot_names_the_command(
    data_dir: Path, tmp_path: Path
) -> None:
    load_population(enterprises=20, months=12, seed=3)
    assert run("refresh").exit_code == 0
    outdate(data_dir / "snapshot")
    result = run("features", "--as-of", AS_OF.isoformat(), "-o", str(tmp_path / "f.parquet"))
    assert result.exit_code == 1
    assert f"run `{REBUILD_COMMAND}`" in result.stderr
    result = run("evaluate", "--as-of", AS_OF.isoformat(), "--no-refresh")
    assert result.exit_code == 1
    assert f"run `{REBUILD_COMMAND}`" in result.stderr

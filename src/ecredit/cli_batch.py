"""`ecredit batch`: the snapshot of every record version, features and grades for millions at once."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import warnings
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    import pyarrow as pa

    from ecredit.ratings.snapshot import RefreshReport

ENGINE_HELP = (
    "duckdb (embedded) or spark (a local session); default: $ECREDIT_BATCH_ENGINE, else duckdb"
)


def _django() -> None:
    from ecredit.cli import _django as setup  # here, not above: cli.py imports this module

    setup()


def _fail(message: str, code: int = 1) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(code)


def _as_of(value: str) -> date:
    """A past or present date; malformed and future dates stop here with a clear message."""
    from django.utils import timezone

    try:
        day = date.fromisoformat(value)
    except ValueError:
        _fail(f"--as-of {value!r} is not a date; use YYYY-MM-DD", code=2)
    if day > timezone.localdate():
        _fail(f"--as-of {day} is in the future; grades use only what is known", code=2)
    return day


def _engine(engine: str | None) -> str:
    """The engine to run on, checked before any work starts."""
    from ecredit.core.batch import engine_name

    try:
        name = engine_name(engine)
    except ValueError as exc:
        _fail(str(exc), code=2)
    if name == "spark" and shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _fail("the spark engine needs a Java runtime (java on PATH or JAVA_HOME)", code=2)
    return name


def _refresh(*, rebuild: bool, quiet: bool) -> RefreshReport:
    from ecredit.core.batch import SnapshotError
    from ecredit.ratings.snapshot import pending_records, refresh_snapshot
    from ecredit.web.progress import bar

    try:
        total = None if quiet else pending_records(rebuild=rebuild)
        label = "rebuilding snapshot" if rebuild else "refreshing snapshot"
        with bar(label, total, enabled=not quiet) as advance:
            return refresh_snapshot(rebuild=rebuild, progress=advance)
    except SnapshotError as exc:
        _fail(str(exc))


def _features(as_of: date, engine: str) -> pa.Table:
    from ecredit.core.batch import SnapshotError
    from ecredit.ratings.snapshot import snapshot_features

    # pyspark 4 warns on every session that it does not yet fully support pandas 3
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    try:
        return snapshot_features(as_of, engine)
    except SnapshotError as exc:
        _fail(str(exc))
    except ImportError as exc:
        _fail(f"the {engine} engine is not installed here: {exc}")


def _write(table: pa.Table, output: Path) -> None:
    """Write a Parquet file whole or not at all."""
    import pyarrow.parquet as pq

    tmp = output.with_name(f".{output.name}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _fail(f"cannot write {output}: {exc}")


def _check_output(output: Path | None) -> None:
    """Refuse an output file that cannot be written before any work starts."""
    if output is not None and not output.parent.is_dir():
        _fail(f"--output {output}: no directory {output.parent}", code=2)


def _refreshed(report: RefreshReport) -> str:
    verb = "rebuilt" if report.rebuilt else "refreshed"
    return (
        f"snapshot {verb}: appended {report.appended:,} record versions "
        f"(watermark {report.watermark_before:,} → {report.watermark_after:,}) "
        f"in {report.seconds:.2f} s"
    )


def _timings(seconds: dict[str, float | None]) -> str:
    return "  ".join(f"{k} {v:.2f} s" for k, v in seconds.items() if v is not None)


OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@click.group()
def batch() -> None:
    """The batch path: a Parquet snapshot of every record version, features and grades at scale.

    \b
    ecredit batch refresh [--rebuild]                 append new record versions to the snapshot
    ecredit batch features --as-of DATE -o FILE       the feature table of every enterprise
    ecredit batch evaluate --as-of DATE [-o FILE]     scores and grades of every enterprise

    The snapshot lives in ECREDIT_DATA_DIR/snapshot/. Features run on DuckDB, or on Spark with
    --engine spark or ECREDIT_BATCH_ENGINE=spark.
    """


@batch.command()
@click.option(
    "--rebuild",
    is_flag=True,
    help="Build the snapshot anew from every record version (needed after the dictionary's "
    "fields changed).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def refresh(rebuild: bool, as_json: bool) -> None:
    """Append every record version stored since the last refresh to the snapshot (one commit)."""
    _django()
    report = _refresh(rebuild=rebuild, quiet=as_json)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        click.echo(_refreshed(report))


@batch.command()
@click.option("--as-of", "as_of", required=True, help="Features from what was known that day.")
@click.option(
    "--engine", type=click.Choice(["duckdb", "spark"], case_sensitive=False), help=ENGINE_HELP
)
@click.option("--output", "-o", required=True, type=OUTPUT, help="The Parquet file to write.")
@click.option("--no-refresh", is_flag=True, help="Use the snapshot as it is.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def features(as_of: str, engine: str | None, output: Path, no_refresh: bool, as_json: bool) -> None:
    """Write the features of every enterprise known on a date to a Parquet file.

    One row per enterprise with a record known on the date: enterprise_key (its subject id), then
    every feature of the indicator systems. The snapshot is refreshed first.
    """
    _django()
    day = _as_of(as_of)
    name = _engine(engine)
    _check_output(output)
    seconds: dict[str, float | None] = {"refresh": None}
    report = None if no_refresh else _refresh(rebuild=False, quiet=as_json)
    if report is not None:
        seconds["refresh"] = report.seconds
    started = time.perf_counter()
    table = _features(day, name)
    seconds["features"] = time.perf_counter() - started
    started = time.perf_counter()
    _write(table, output)
    seconds["write"] = time.perf_counter() - started
    if as_json:
        out: dict[str, Any] = {
            "as_of": day.isoformat(),
            "engine": name,
            "enterprises": table.num_rows,
            "output": str(output),
            "refresh": report.to_json() if report else None,
            "seconds": {k: None if v is None else round(v, 3) for k, v in seconds.items()},
        }
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if report is not None:
        click.echo(_refreshed(report))
    click.echo(
        f"features as of {day} on {name}: {table.num_rows:,} enterprises, "
        f"{table.num_columns - 1} features, written to {output}"
    )
    click.echo("  " + _timings(seconds))


@batch.command()
@click.option("--as-of", "as_of", required=True, help="Grade from what was known that day.")
@click.option(
    "--engine", type=click.Choice(["duckdb", "spark"], case_sensitive=False), help=ENGINE_HELP
)
@click.option("--system", "system_version", help="Indicator system version (default: the newest).")
@click.option(
    "--output",
    "-o",
    type=OUTPUT,
    help="Also write enterprise_key, score, uncapped_grade, grade, risk_class to this Parquet file.",
)
@click.option("--no-refresh", is_flag=True, help="Use the snapshot as it is.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def evaluate(
    as_of: str,
    engine: str | None,
    system_version: str | None,
    output: Path | None,
    no_refresh: bool,
    as_json: bool,
) -> None:
    """Score and grade every enterprise known on a date, vectorised: the path for millions.

    Refreshes the snapshot, computes the features on DuckDB or Spark and applies the indicator
    system to the whole table at once. Scores and grades are the indicator system's (its bands
    and vetoes), without the grade policy's smoothing; related parties count only
    serious-dishonesty listings (no previous grades). Nothing is stored: no Evaluation rows, no
    run; use `ecredit evaluate` for the stored, explained evaluations.
    """
    _django()
    import pyarrow.compute as pc

    from ecredit.core.batch import evaluate_table
    from ecredit.core.scoring import GRADES, IndicatorSystemError, load_indicator_system

    day = _as_of(as_of)
    name = _engine(engine)
    _check_output(output)
    try:
        system = (
            load_indicator_system(system_version) if system_version else load_indicator_system()
        )
    except IndicatorSystemError as exc:
        _fail(str(exc), code=2)
    seconds: dict[str, float | None] = {"refresh": None}
    report = None if no_refresh else _refresh(rebuild=False, quiet=as_json)
    if report is not None:
        seconds["refresh"] = report.seconds
    started = time.perf_counter()
    table = _features(day, name)
    seconds["features"] = time.perf_counter() - started
    started = time.perf_counter()
    graded = evaluate_table(system, table)
    seconds["score+grade"] = time.perf_counter() - started
    if output is not None:
        started = time.perf_counter()
        _write(graded, output)
        seconds["write"] = time.perf_counter() - started
    counts = {g: 0 for g in GRADES}
    for item in pc.value_counts(graded.column("grade")).to_pylist():
        counts[item["values"]] += item["counts"]
    if as_json:
        out: dict[str, Any] = {
            "as_of": day.isoformat(),
            "engine": name,
            "system": system.version,
            "enterprises": graded.num_rows,
            "grades": counts,
            "output": str(output) if output else None,
            "refresh": report.to_json() if report else None,
            "seconds": {k: None if v is None else round(v, 3) for k, v in seconds.items()},
        }
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    if report is not None:
        click.echo(_refreshed(report))
    click.echo(
        f"graded {graded.num_rows:,} enterprises as of {day} with {system.version} on {name} "
        "(not stored)"
    )
    click.echo("  " + "  ".join(f"{g}: {n:,}" for g, n in counts.items()))
    click.echo("  " + _timings(seconds))
    if output is not None:
        click.echo(f"  written to {output}")

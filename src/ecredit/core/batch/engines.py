"""The engines the batch pipeline runs on: embedded DuckDB, or a local Spark session, via Ibis.

DuckDB is the default. `ECREDIT_BATCH_ENGINE=spark` (or `engine="spark"`) runs the same Ibis
expressions on Spark: a local session (`local[2]`, 4 shuffle partitions, no UI, bound to
127.0.0.1) created on first use and kept for the process; `stop_spark()` ends it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

ENGINES = ("duckdb", "spark")
ENGINE_ENV = "ECREDIT_BATCH_ENGINE"
SPARK_CONF: dict[str, str] = {
    "spark.app.name": "ecredit-batch",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_spark_lock = threading.Lock()
_spark: Any = None
_spark_dir: Path | None = None


def engine_name(engine: str | None = None) -> str:
    """The engine to use: the argument, else `ECREDIT_BATCH_ENGINE`, else duckdb."""
    name = (engine or os.environ.get(ENGINE_ENV) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ValueError(
            f"unknown batch engine {name!r} (from {'the argument' if engine else ENGINE_ENV}); "
            f"use one of {', '.join(ENGINES)}"
        )
    return name


def spark_session() -> Any:
    """The process's local SparkSession, started on first use."""
    global _spark, _spark_dir
    with _spark_lock:
        if _spark is None:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            from pyspark.sql import SparkSession

            warehouse = _spark_dir = Path(tempfile.mkdtemp(prefix="ecredit-spark-"))
            builder = SparkSession.builder.master("local[2]")
            for key, value in {
                **SPARK_CONF,
                "spark.sql.warehouse.dir": str(warehouse / "warehouse"),
                "spark.local.dir": str(warehouse / "tmp"),
            }.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
            _spark = session
            atexit.register(_stop_at_exit)  # the scratch directory goes with the process
        return _spark


def stop_spark() -> None:
    """Stop the process's SparkSession if one was started, and remove its scratch directory."""
    global _spark, _spark_dir
    with _spark_lock:
        if _spark is not None:
            _spark.stop()
            _spark = None
        if _spark_dir is not None:
            shutil.rmtree(_spark_dir, ignore_errors=True)
            _spark_dir = None


def _stop_at_exit() -> None:
    with contextlib.suppress(Exception):  # the JVM may be gone already
        stop_spark()


class Engine:
    """An Ibis connection plus what the pipeline needs that Ibis leaves to each backend."""

    def __init__(
        self, name: str, *, threads: int | None = None, memory_limit: str | None = None
    ) -> None:
        self.name = name
        self._views: list[str] = []
        self._cached: list[Any] = []
        if name == "duckdb":
            # the pipeline sorts its result itself; unordered scans and joins need less memory
            config: dict[str, Any] = {"preserve_insertion_order": False}
            if threads:
                config["threads"] = threads
            if memory_limit:
                config["memory_limit"] = memory_limit
            self.con: Any = ibis.duckdb.connect(**config)
        else:
            self.session = spark_session()
            self.con = ibis.pyspark.connect(self.session)

    def parquet(self, paths: Sequence[Path], empty: pa.Schema) -> Any:
        """A table over the given Parquet files (an empty table of `empty` when there are none)."""
        name = f"snap_{uuid.uuid4().hex}"
        if not paths:
            return self.arrow(empty.empty_table())
        if self.name == "duckdb":
            return self.con.read_parquet([str(p) for p in paths], table_name=name)
        frame = self.session.read.schema(_spark_schema(empty)).parquet(*(str(p) for p in paths))
        frame.createOrReplaceTempView(name)
        self._views.append(name)
        return self.con.table(name)

    def arrow(self, table: pa.Table) -> Any:
        """A table holding an Arrow table (small: empty types, previous grades)."""
        if self.name == "duckdb":
            return ibis.memtable(table)
        name = f"mem_{uuid.uuid4().hex}"
        self.session.createDataFrame(table).createOrReplaceTempView(name)
        self._views.append(name)
        return self.con.table(name)

    def cache(self, expr: Any) -> Any:
        """The expression computed once and kept until the engine closes."""
        cached = expr.cache()
        self._cached.append(cached)
        return cached

    def to_arrow(self, expr: Any) -> pa.Table:
        """Run an expression; the result as an Arrow table in the expression's schema."""
        schema = expr.schema().to_pyarrow()
        if self.name == "duckdb":
            result = self.con.to_pyarrow(expr)
        else:
            # Spark 4 hands Arrow over directly; Ibis's own path goes through pandas.
            result = self.con.raw_sql(self.con.compile(expr)).toArrow()
            result = result.rename_columns(schema.names)
        return result.cast(schema)

    def close(self) -> None:
        for cached in self._cached:
            cached.release()
        self._cached.clear()
        if self.name == "duckdb":
            self.con.disconnect()
            return
        for view in self._views:
            self.session.catalog.dropTempView(view)
        self._views.clear()


@contextlib.contextmanager
def connect(
    engine: str | None = None, *, threads: int | None = None, memory_limit: str | None = None
) -> Iterator[Engine]:
    """An engine for one pipeline run, closed afterwards (the Spark session itself stays)."""
    running = Engine(engine_name(engine), threads=threads, memory_limit=memory_limit)
    try:
        yield running
    finally:
        running.close()


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema Spark infers for an Arrow schema (read Parquet parts as one table)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def grades_table(grades: Mapping[str, str]) -> pa.Table:
    """Previous grades as the two-column Arrow table the pipeline joins."""
    keys = sorted(grades)
    return pa.table(
        {"enterprise_key": pa.array(keys, pa.string()), "grade": [grades[k] for k in keys]}
    )

"""Point-in-time feature pipelines over a columnar snapshot: DuckDB by default, the same code on Spark.

See CONTRACT.md for what the apps and benches rely on.
"""

from ecredit.core.batch.columns import SnapshotError, SnapshotOutdated, field_column, type_schema
from ecredit.core.batch.engines import ENGINE_ENV, ENGINES, engine_name, spark_session, stop_spark
from ecredit.core.batch.features import FEATURE_COLUMNS, feature_table, run_features
from ecredit.core.batch.scoring import evaluate_table, grade_scores, score_features
from ecredit.core.batch.snapshot import (
    Manifest,
    SnapshotRow,
    SnapshotWriter,
    check_snapshot,
    read_manifest,
    read_type,
    record_views,
)

__all__ = [
    "ENGINES",
    "ENGINE_ENV",
    "FEATURE_COLUMNS",
    "Manifest",
    "SnapshotError",
    "SnapshotOutdated",
    "SnapshotRow",
    "SnapshotWriter",
    "check_snapshot",
    "engine_name",
    "evaluate_table",
    "feature_table",
    "field_column",
    "grade_scores",
    "read_manifest",
    "read_type",
    "record_views",
    "run_features",
    "score_features",
    "spark_session",
    "stop_spark",
    "type_schema",
]

"""The batch pipeline: the reference features for every enterprise, on DuckDB and on Spark, no leakage."""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from ecredit.core.batch import (
    FEATURE_COLUMNS,
    SnapshotRow,
    SnapshotWriter,
    engine_name,
    evaluate_table,
    record_views,
    run_features,
    spark_session,
    stop_spark,
)
from ecredit.core.batch.features import (
    MAX_RELATED_GROUP,
    SPLIT_HIGH,
    SPLIT_LOW,
    exact_sums,
    fsum3,
    splits,
)
from ecredit.core.batch.population import population_rows
from ecredit.core.dictionary import load_dictionary
from ecredit.core.identifiers import make_uscc
from ecredit.core.scoring import (
    FEATURES,
    GRADES,
    RecordView,
    RelatedParty,
    compute_features,
    evaluate,
    load_indicator_system,
)
from ecredit.core.scoring.features import known_records
from ecredit.core.scoring.records import RELATIONS
from ecredit.core.synth import generate

END = date(2026, 6, 30)
AS_OF = date(2026, 3, 31)  # a month end: the month itself is complete
AS_OF_MID_MONTH = date(2025, 12, 17)
NEWCOMER = make_uscc("9", "1", "330100", "MA2FUTUR")  # an enterprise only known later
TIED = make_uscc("9", "1", "330205", "MA2TYE00")  # a store whose refund rate is a rounding tie
LOOSE = make_uscc("9", "1", "330205", "MA2LARGE")  # stores with products the split cannot hold
Rows = list[tuple[str, SnapshotRow]]

pytestmark = [
    # Ibis 12 calls a DuckDB method DuckDB 2 deprecates; pyspark 4.3 warns about pandas 3.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


def record(
    record_id: int,
    type_name: str,
    enterprise: str,
    provider: str,
    raw: Mapping[str, object],
    received: date,
    version: int = 1,
) -> tuple[str, SnapshotRow]:
    """A hand-made version, validated and keyed by the dictionary as ingestion would."""
    rt = load_dictionary().record_type(type_name)
    checked = rt.validate({"subject_id": enterprise, **raw}, today=max(received, END))
    assert checked.ok, checked.errors
    return type_name, SnapshotRow(
        record_id=record_id,
        enterprise_key=enterprise,
        provider=provider,
        natural_key=rt.natural_key_of(checked.values),
        version=version,
        occurred_on=rt.occurred_on(checked.values),
        received_on=received,
        values=checked.values,
    )


def listing(record_id: int, enterprise: str, no: str, listed: date, **extra: str) -> SnapshotRow:
    raw = {
        "decision_no": no,
        "listed_on": listed.isoformat(),
        "authority": "浙江省发展和改革委员会",
        "reason": "拒不履行法定义务",
        **extra,
    }
    received = listed + timedelta(days=3)
    return record(
        record_id, "serious_dishonesty_listing", enterprise, "development-reform", raw, received
    )[1]


def commitment(
    record_id: int, enterprise: str, no: str, fulfilled: str, received: date, version: int = 1
) -> tuple[str, SnapshotRow]:
    raw = {
        "commitment_no": no,
        "made_on": "2025-06-01",
        "to_authority": "杭州市市场监督管理局",
        "kind": "application",
        "content": "按期补齐许可材料",
        "fulfilled": fulfilled,
    }
    return record(
        record_id, "credit_commitment", enterprise, "development-reform", raw, received, version
    )


def store_month(
    record_id: int,
    enterprise: str,
    store: str,
    month: str,
    orders: int,
    received: date,
    **values: str,
) -> tuple[str, SnapshotRow]:
    raw = {"subject_id": store, "month": month, "orders": orders, "gmv_cny": "1000.00", **values}
    return record(record_id, "store_metrics", enterprise, "platform-dongfang", raw, received)


def odd_stores(first_id: int) -> Rows:
    """Store metrics that a SQL float sum gets wrong, or that the exact split cannot hold.

    TIED: six months whose orders-weighted refund rate is 7.6599 / 360 = 0.0212775, a tie at the
    7th decimal: fsum gives 0.021278 as of AS_OF_MID_MONTH, a float SUM in SQL 0.021277.
    LOOSE: tiny rates (products below 2**-20 that do not end at 2**-72) and huge order counts
    (products of 2**29 and more) beside ordinary months.
    """
    received = date(2025, 12, 8)
    tied = [
        ("2025-06", 81, "0.0200"),
        ("2025-07", 53, "0.0263"),
        ("2025-08", 37, "0.0176"),
        ("2025-09", 45, "0.0222"),
        ("2025-10", 75, "0.0163"),
        ("2025-11", 69, "0.0257"),
    ]
    out = [
        store_month(
            first_id + n, TIED, "store:dongfang:66515256", month, orders, received, refund_rate=rate
        )
        for n, (month, orders, rate) in enumerate(tied)
    ]
    loose = [
        ("2025-09", 1, {"refund_rate": "0.000000001", "cancellation_rate": "0.0123"}),
        ("2025-10", 900_000_000, {"refund_rate": "0.9", "rating_description": "4.99"}),
        (
            "2025-11",
            7,
            {
                "refund_rate": "0.0001",
                "rating_description": "4.81",
                "late_shipment_rate": "0.000000000000001",
            },
        ),
    ]
    for store in ("store:dongfang:70000001", "store:dongfang:70000002"):
        for month, orders, values in loose:
            out.append(
                store_month(first_id + len(out), LOOSE, store, month, orders, received, **values)
            )
    return out


@pytest.fixture(scope="module")
def rows() -> Rows:
    """A synthetic population's record versions, plus listings of some related enterprises.

    The population has few serious-dishonesty listings; members of groups sharing a legal
    representative, address or phone get one each, so related-party counts are exercised.
    And stores whose weighted rates test exactness (`odd_stores`).
    """
    population = generate(enterprises=200, months=24, seed=11, end=END)
    out = population_rows(population)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in population.enterprises:
        for relation in RELATIONS:
            groups[(relation, getattr(e, relation))].append(e.subject_id)
    shared = [sorted(m) for (_, v), m in sorted(groups.items()) if v and len(m) > 1]
    for n, members in enumerate(shared[:6]):
        removed = {"removed_on": "2025-10-01"} if n == 5 else {}
        out.append(
            (
                "serious_dishonesty_listing",
                listing(len(out) + 1, members[0], f"SD-{n}", date(2025, 8, 1), **removed),
            )
        )
    # Broken commitments are rare in the population: one kept then found broken, one broken.
    first, second = sorted(e.subject_id for e in population.enterprises if e.registered)[:2]
    out.append(commitment(len(out) + 1, first, "CM-1", "", date(2025, 6, 3)))
    out.append(commitment(len(out) + 1, first, "CM-1", "true", date(2025, 9, 3), version=2))
    out.append(commitment(len(out) + 1, first, "CM-1", "false", date(2026, 1, 5), version=3))
    out.append(commitment(len(out) + 1, second, "CM-2", "false", date(2025, 7, 3)))
    out += odd_stores(len(out) + 1)
    return out


@pytest.fixture(scope="module")
def snapshot(rows: Rows, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("batch") / "snapshot"
    SnapshotWriter(directory).extend(rows)
    return directory


@pytest.fixture(scope="module")
def views(snapshot: Path) -> dict[str, list[RecordView]]:
    return record_views(snapshot)


def previous_grades(keys: list[str]) -> dict[str, str]:
    """A fixed, varied grade for every other enterprise, as a previous evaluation would leave."""
    return {key: GRADES[n % len(GRADES)] for n, key in enumerate(sorted(keys)) if n % 3}


def reference(
    views: dict[str, list[RecordView]], as_of: date, grades: dict[str, str]
) -> dict[str, dict[str, float | None]]:
    """compute_features for every enterprise known on `as_of`, with related parties found the
    way the pipeline documents: shared values of the latest registration known then."""
    known = {k: known_records(v, as_of) for k, v in views.items()}
    known = {k: v for k, v in known.items() if v}
    plain = {k: compute_features(v, as_of) for k, v in known.items()}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, records in known.items():
        registrations = [r for r in records if r.type == "registration"]
        if registrations:
            for relation in RELATIONS:
                value = registrations[-1].values.get(relation)
                if value:
                    groups[(relation, str(value))].append(key)
    related: dict[str, list[RelatedParty]] = defaultdict(list)
    for (relation, _), members in groups.items():
        if 1 < len(members) <= MAX_RELATED_GROUP:
            for key in members:
                related[key] += [
                    RelatedParty(
                        relation=relation,
                        subject_id=other,
                        serious_dishonesty=bool(plain[other]["serious_dishonesty_current"]),
                        grade=grades.get(other),
                    )
                    for other in members
                    if other != key
                ]
    return {k: compute_features(known[k], as_of, related.get(k, ())) for k in sorted(known)}


def by_key(table: pa.Table) -> dict[str, dict[str, float | None]]:
    return {row.pop("enterprise_key"): row for row in table.to_pylist()}


def test_snapshot_reads_back_the_stored_values(
    rows: Rows, views: dict[str, list[RecordView]]
) -> None:
    # given the rows written, when read back as RecordViews, then every version is there, equal
    expected = sorted(
        (r.enterprise_key, t, r.received_on.isoformat(), repr(sorted(r.values.items())))
        for t, r in rows
    )
    got = sorted(
        (key, v.type, v.received_on.isoformat(), repr(sorted(v.values.items())))
        for key, records in views.items()
        for v in records
    )
    assert got == expected


@pytest.mark.parametrize("as_of", [AS_OF, AS_OF_MID_MONTH])
def test_duckdb_features_equal_the_reference_for_every_enterprise(
    snapshot: Path, views: dict[str, list[RecordView]], as_of: date
) -> None:
    # given previous grades for the related-party feature
    grades = previous_grades(list(views))
    # when the pipeline runs on DuckDB
    table = run_features(snapshot, as_of, "duckdb", grades=grades)
    # then it has the reference's columns and enterprises, and the reference's values, exactly
    assert table.column_names == ["enterprise_key", *(spec.key for spec in FEATURES)]
    expected = reference(views, as_of, grades)
    got = by_key(table)
    assert list(got) == list(expected)
    mismatches = [
        (key, feature, expected[key][feature], got[key][feature])
        for key in expected
        for feature in FEATURE_COLUMNS
        if got[key][feature] != expected[key][feature]
    ]
    assert mismatches == []
    # and the data exercises every feature: each is known somewhere and varies somewhere
    for feature in FEATURE_COLUMNS:
        values = {row[feature] for row in got.values()}
        assert len(values) > 1, feature


def test_orders_weighted_rates_are_exact_on_a_tie_and_beyond_the_split(
    snapshot: Path, views: dict[str, list[RecordView]]
) -> None:
    # given stores whose weighted rates a float SUM rounds the wrong way, or the split cannot hold
    products = [
        r.values[name] * r.values["orders"]
        for r in views[LOOSE]
        for name in ("refund_rate", "late_shipment_rate")
        if name in r.values
    ]
    assert any(0 < x < SPLIT_LOW for x in products) and any(x >= SPLIT_HIGH for x in products)
    # when the pipeline runs, then it gives the reference's values, the tie rounded as fsum does
    got = by_key(run_features(snapshot, AS_OF_MID_MONTH, "duckdb"))
    expected = reference(views, AS_OF_MID_MONTH, {})
    assert expected[TIED]["refund_rate_6m"] == 0.021278
    for key in (TIED, LOOSE):
        assert got[key] == expected[key]
    assert got[LOOSE]["late_shipment_rate_6m"] is not None
    assert got[LOOSE]["seller_rating_6m"] is not None


@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_duckdb_features_equal_the_reference_on_other_populations(
    seed: int, tmp_path: Path
) -> None:
    # given a small population (seeds 1, 2 and 7 hold weighted rates on a rounding tie)
    rows = population_rows(generate(enterprises=60, months=24, seed=seed, end=END))
    SnapshotWriter(tmp_path).extend(rows)
    views = record_views(tmp_path)
    grades = previous_grades(list(views))
    for as_of in (AS_OF, AS_OF_MID_MONTH):
        # when the pipeline runs, then every feature of every enterprise is the reference's
        got = by_key(run_features(tmp_path, as_of, "duckdb", grades=grades))
        expected = reference(views, as_of, grades)
        assert list(got) == list(expected)
        mismatches = [
            (key, feature, expected[key][feature], got[key][feature])
            for key in expected
            for feature in FEATURE_COLUMNS
            if got[key][feature] != expected[key][feature]
        ]
        assert mismatches == [], as_of


def test_fsum3_is_math_fsum() -> None:
    # given triples of every magnitude, cancelling ones, and sums a hair off a tie
    rng = np.random.default_rng(3)
    n = 20_000
    spread = 2.0 ** rng.integers(-80, 80, (3, n))
    wide = rng.standard_normal((3, n)) * spread
    ones = 1.0 + rng.integers(0, 2**20, n) * 2.0**-52
    halves = rng.choice([2.0**-53, -(2.0**-53), 2.0**-54, 3 * 2.0**-54], n)
    crumbs = rng.choice([0.0, 2.0**-106, -(2.0**-106), 2.0**-107, 2.0**-160], n)
    ratings = rng.uniform(1.0, 5.0, (3, n))
    cases = [tuple(wide), (ones, halves, crumbs), (crumbs, ones, halves), tuple(ratings)]
    for a, b, c in cases:
        # when summed element by element, then each sum is math.fsum's
        got = fsum3(a, b, c)
        expected = [math.fsum(t) for t in zip(a, b, c, strict=True)]
        assert got.tolist() == expected


def test_exact_sums_round_split_products_as_fsum_does() -> None:
    # given months' products of rates with four decimals and of ratings, many orders or few
    rng = np.random.default_rng(5)
    hi_sums, lo_sums, expected = [], [], []
    for n in range(3_000):
        count = int(rng.integers(1, 40))
        values = rng.integers(0, 10_001, count) / 10_000 if n % 2 else rng.uniform(1, 5, count)
        orders = rng.integers(1, 10 ** int(rng.integers(1, 8)), count).astype(np.float64)
        products = [float(x) for x in values * orders if splits(float(x))]
        hi = [math.floor(x * 2**24) for x in products]
        lo = [int((x * 2**24 - h) * 2**48) for x, h in zip(products, hi, strict=True)]
        hi_sums.append(sum(hi))
        lo_sums.append(sum(lo))
        expected.append(math.fsum(products))
    # when their integer parts' sums are rounded, then they are fsum of the products
    got = exact_sums(np.array(hi_sums, dtype=np.int64), np.array(lo_sums, dtype=np.int64))
    assert got.tolist() == expected


def test_without_grades_no_related_party_is_graded_low(snapshot: Path) -> None:
    table = run_features(snapshot, AS_OF, "duckdb")
    assert set(table.column("related_low_grade").to_pylist()) == {0.0}
    assert max(table.column("related_serious_dishonesty").to_pylist()) >= 1.0


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """One local Spark session for this module (Java is needed; the session is stopped after)."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (java on PATH); none is installed here")
    session = spark_session()
    yield session
    stop_spark()


def test_spark_features_equal_duckdb_features(snapshot: Path, spark: object) -> None:
    # given the same snapshot and previous grades
    grades = previous_grades(list(record_views(snapshot)))
    # when the same pipeline runs on both engines
    on_spark = run_features(snapshot, AS_OF_MID_MONTH, "spark", grades=grades)
    on_duckdb = run_features(snapshot, AS_OF_MID_MONTH, "duckdb", grades=grades)
    # then the tables are identical, value for value
    assert on_spark.schema == on_duckdb.schema
    assert on_spark.num_rows == on_duckdb.num_rows > 150
    assert on_spark.to_pylist() == on_duckdb.to_pylist()


def future_rows(rows: Rows, as_of: date) -> Rows:
    """Records that would change every kind of feature, had they been known on `as_of`."""
    after = as_of + timedelta(days=1)
    next_id = max(r.record_id for _, r in rows) + 1
    extra: Rows = []
    for type_name, row in rows:
        if row.received_on > as_of or row.occurred_on > as_of:
            continue
        if type_name == "registration":
            # a later version (received tomorrow) saying the registration was revoked
            values = {**row.values, "status": "revoked", "phone": "13800000000"}
            extra.append(
                (
                    type_name,
                    dataclasses.replace(
                        row, record_id=next_id, version=99, received_on=after, values=values
                    ),
                )
            )
            next_id += 1
            # a listing that happens tomorrow but was (wrongly) sent before
            early = listing(next_id, row.enterprise_key, f"F-{next_id}", after)
            extra.append(
                (
                    "serious_dishonesty_listing",
                    dataclasses.replace(early, received_on=as_of - timedelta(days=1)),
                )
            )
            next_id += 1
        elif type_name == "store_metrics" and row.occurred_on > as_of - timedelta(days=40):
            values = {**row.values, "order_defect_rate": 0.5, "gmv_cny": "1.00"}
            extra.append(
                (
                    type_name,
                    dataclasses.replace(
                        row, record_id=next_id, version=99, received_on=after, values=values
                    ),
                )
            )
            next_id += 1
    # and an enterprise that only appears after the date
    extra.append(("serious_dishonesty_listing", listing(next_id, NEWCOMER, "F-0", after)))
    return extra


def test_future_records_change_no_feature_and_no_grade(rows: Rows, tmp_path: Path) -> None:
    # given a snapshot of what was known on the date, and one with everything after it too
    known = [(t, r) for t, r in rows if r.received_on <= AS_OF and r.occurred_on <= AS_OF]
    everything = rows + future_rows(rows, AS_OF)
    assert len(known) > 3000 and len(everything) - len(known) > 1000
    SnapshotWriter(tmp_path / "known").extend(known)
    SnapshotWriter(tmp_path / "all").extend(everything)
    # when features and grades are computed as of the date on both
    before = run_features(tmp_path / "known", AS_OF, "duckdb")
    after = run_features(tmp_path / "all", AS_OF, "duckdb")
    system = load_indicator_system("v1")
    # then nothing differs
    assert after.equals(before)
    assert evaluate_table(system, after).equals(evaluate_table(system, before))
    # and the later records do change the features of a later date
    assert not run_features(tmp_path / "all", END, "duckdb").equals(
        run_features(tmp_path / "known", END, "duckdb")
    )


def test_vectorised_grades_equal_evaluate_on_the_population(
    snapshot: Path, views: dict[str, list[RecordView]]
) -> None:
    system = load_indicator_system("v1")
    features = run_features(snapshot, AS_OF, "duckdb", grades=previous_grades(list(views)))
    graded = evaluate_table(system, features).to_pylist()
    for row, feats in zip(graded, features.to_pylist(), strict=True):
        result = evaluate(system, feats)
        assert (row["score"], row["uncapped_grade"], row["grade"], row["risk_class"]) == (
            result.score,
            result.uncapped_grade,
            result.grade,
            result.risk_class,
        ), row["enterprise_key"]


def test_the_engine_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECREDIT_BATCH_ENGINE", raising=False)
    assert engine_name() == "duckdb"
    monkeypatch.setenv("ECREDIT_BATCH_ENGINE", "Spark")
    assert engine_name() == "spark"
    assert engine_name("duckdb") == "duckdb"
    monkeypatch.setenv("ECREDIT_BATCH_ENGINE", "postgres")
    with pytest.raises(ValueError, match=r"unknown batch engine 'postgres' .*ECREDIT_BATCH_ENGINE"):
        engine_name()

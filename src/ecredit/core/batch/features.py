"""Point-in-time features of every enterprise in a snapshot, written once as Ibis expressions.

The same expressions run on DuckDB (the default) and on Spark; they compute what
`ecredit.core.scoring.compute_features` computes for one enterprise, with the same windows, the
same None rules and the same rounding (6 decimals). Records count when they happened and were
received on or before `as_of`; per (type, provider, natural key) the highest version among those
is used, as `ratings.actions.records_known_on` does.

Related parties are found through the latest registration known on `as_of`: enterprises sharing a
legal representative, address or phone, in groups of 2 to `MAX_RELATED_GROUP`. Their standing is
this run's `serious_dishonesty_current` and, when given, the grades of a previous evaluation.

Orders-weighted means (the five store rates, and the three seller ratings behind
`seller_rating_6m`) are `math.fsum(value * orders) / math.fsum(orders)` in the reference: the
correctly rounded sum of the products. A float SUM in SQL adds them in some order and may end an
ulp away, which moves a mean lying on a rounding tie (7.6599 / 360 = 0.0212775) to the other side
of it. So SQL returns exact ingredients and numpy finishes them (`finish`): each product x, the
same double as the reference's, is split exactly into integers hi = floor(x * 2**24) < 2**53 and
lo = (x - hi * 2**-24) * 2**72 < 2**48 (which holds for x = 0 and every 2**-20 <= x < 2**29);
SQL sums hi and lo as integers, the same on every engine; numpy rounds hi * 2**-24 + lo * 2**-72
once, correctly, which is what fsum returns. The rare products outside that range come back as
they are and are added with fractions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ecredit.core.batch.columns import type_schema
from ecredit.core.batch.engines import connect, grades_table
from ecredit.core.batch.snapshot import check_snapshot
from ecredit.core.dictionary import Dictionary, load_dictionary
from ecredit.core.scoring.features import (
    COMPLAINT_GRACE_DAYS,
    CUSTOMS_RATING_ORDINAL,
    DSR_FIELDS,
    FEATURES,
    LOW_GRADES,
    MONTHS_SINCE_PENALTY_CAP,
    TAX_RATING_ORDINAL,
)
from ecredit.core.scoring.features import _month_index as month_index
from ecredit.core.scoring.features import _shift_months as shift_months
from ecredit.core.scoring.records import RELATIONS

# A value shared by more enterprises than this says nothing about a relation between them
# (the same rule as ratings.actions.MAX_RELATED_GROUP).
MAX_RELATED_GROUP = 30
RATE_FIELDS = (
    "order_defect_rate",
    "late_shipment_rate",
    "cancellation_rate",
    "valid_tracking_rate",
    "refund_rate",
)
# Fields whose orders-weighted mean over the last 6 months is a feature or part of one.
WEIGHTED_FIELDS = (*RATE_FIELDS, *DSR_FIELDS)
WEIGHTED_FEATURES = (*(f"{name}_6m" for name in RATE_FIELDS), "seller_rating_6m")
# The exact split of a product x = value * orders (see the module's docstring): hi = floor(x *
# 2**HI_BITS) and lo = (x - hi * 2**-HI_BITS) * 2**(HI_BITS + LO_BITS), both integers, exact for
# x = 0 and SPLIT_LOW <= x < SPLIT_HIGH. Other products are returned as they are ("loose").
HI_BITS = 24
LO_BITS = 48
SPLIT_LOW = 2.0 ** (52 - HI_BITS - LO_BITS)  # x's last bit is at 2**-72 or above
SPLIT_HIGH = 2.0 ** (53 - HI_BITS)  # hi < 2**53
LOOSE = "weighted_loose"  # the column of loose products: list<struct<field: float64>>
FEATURE_COLUMNS: tuple[str, ...] = tuple(spec.key for spec in FEATURES)
# Counts, flags, months and ordinals are whole numbers: rounding cannot change them.
WHOLE_NUMBER_UNITS = frozenset({"count", "flag", "months", "ordinal"})
KEY_COLUMNS = (
    "record_id",
    "enterprise_key",
    "provider",
    "natural_key",
    "version",
    "occurred_on",
    "received_on",
)
# The snapshot columns each record type's features read (projected first: less to move).
FIELDS_READ: dict[str, tuple[str, ...]] = {
    "registration": ("established_on", "registered_capital_cny", "status", *RELATIONS),
    "administrative_license": ("status", "valid_until"),
    "administrative_penalty": ("severity", "penalty_type", "fine_amount_cny"),
    "abnormal_operation": ("removed_on",),
    "serious_dishonesty_listing": ("removed_on",),
    "enforcement_record": ("status", "concluded_on", "amount_cny", "dishonest"),
    "court_judgment": ("role", "outcome"),
    "tax_credit_rating": ("year", "rating"),
    "customs_credit_rating": ("rating",),
    "customs_declaration_summary": ("month", "declarations", "irregularities"),
    "store_metrics": ("month", "orders", "gmv_cny", *RATE_FIELDS, *DSR_FIELDS),
    "consumer_complaint": ("status",),
    "product_quality_inspection": ("result",),
    "honor_or_reward": ("valid_until", "kind"),
    "credit_commitment": ("fulfilled",),
}
F64 = "float64"

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Table = Any  # ibis.expr.types.Table: Ibis ships no type information mypy can use
Value = Any


@dataclass(frozen=True)
class Windows:
    """The evaluation date and the bounds its windows translate to."""

    as_of: date

    def since(self, months: int) -> date:
        """Records in the last `months` months happened after this day."""
        return shift_months(self.as_of, -months)

    @property
    def end_month(self) -> int:
        """The month index of the last complete calendar month on `as_of`."""
        end = month_index(self.as_of)
        return end if (self.as_of + timedelta(days=1)).month != self.as_of.month else end - 1

    @staticmethod
    def month_start(index: int) -> date:
        """The first day of the month with this index (year * 12 + month - 1)."""
        year, month = divmod(index, 12)
        return date(year, month + 1, 1)

    @property
    def overdue(self) -> date:
        """A complaint still open that was received before this day counts as unresolved."""
        return self.as_of - timedelta(days=COMPLAINT_GRACE_DAYS)


def run_features(
    snapshot_dir: str | Path,
    as_of: date,
    engine: str | None = None,
    *,
    grades: Mapping[str, str] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    dictionary: Dictionary | None = None,
    withdrawn: Collection[int] = (),
) -> pa.Table:
    """Features as of `as_of` of every enterprise in the snapshot, one row each, by key.

    `engine`: "duckdb" or "spark"; None reads `ECREDIT_BATCH_ENGINE` (default duckdb).
    `grades`: enterprise key -> grade of the previous evaluation, for `related_low_grade`.
    `threads`, `memory_limit`: DuckDB settings (e.g. 2, "3GB"); Spark has its own.
    `withdrawn`: ids of record versions withdrawn by `as_of` (objection upheld, repair approved).
    Raises `SnapshotOutdated` when the snapshot must be rebuilt first (`check_snapshot`).
    Columns: enterprise_key (string), then every key of FEATURES (float64, null = None).
    Equal to `compute_features` of every enterprise, exactly (see `finish`).
    """
    dictionary = dictionary or load_dictionary()
    directory = Path(snapshot_dir)
    manifest = check_snapshot(directory, dictionary)  # SnapshotOutdated: rebuild it first
    with connect(engine, threads=threads, memory_limit=memory_limit) as running:
        tables = {}
        for name, rt in dictionary.types.items():
            entry = manifest.types.get(name)
            paths = [directory / name / part for part in entry.parts] if entry else []
            tables[name] = running.parquet(paths, type_schema(rt))
        previous = running.arrow(grades_table(grades)) if grades is not None else None
        single = {n for n, e in manifest.types.items() if e.max_version == 1}
        # Spark would compute the latest registrations again for each part that reads them
        cache = running.cache if running.name == "spark" else None
        expr = feature_table(
            tables, as_of, previous, single_version=single, cache=cache, withdrawn=withdrawn
        )
        table = running.to_arrow(expr)
    return finish(table)


def round6(values: Floats) -> Floats:
    """`round(x, 6) + 0.0` of every value, exactly as Python rounds (NaN stays NaN).

    SQL engines round differently (Spark rounds the shortest decimal text half up, DuckDB
    x * 1e6 half away from zero), so rounding happens here, once, for every engine. numpy's
    rint(x * 1e6) / 1e6 is right unless x * 1e6 lies within a few ulps of a half or is too large
    to have a fraction; those few values are rounded by Python itself.
    """
    scaled = values * 1e6
    out = np.rint(scaled) / 1e6
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= 8 * np.spacing(np.abs(scaled))
    doubtful = np.isfinite(values) & (near_half | (np.abs(scaled) >= 2.0**52))
    for i in np.flatnonzero(doubtful):
        out[i] = round(float(values[i]), 6)
    return out + 0.0


def finish(table: pa.Table) -> pa.Table:
    """The features of `feature_table`'s result: the orders-weighted means computed from their
    exact ingredients (`weighted_means`), then every feature rounded by `round6`, nulls kept
    (whole-number features as they are); columns enterprise_key then FEATURE_COLUMNS."""
    weighted = weighted_means(table)
    columns = [table.column("enterprise_key")]
    for spec in FEATURES:
        if spec.key in weighted:
            values = weighted[spec.key]
            mask = np.isnan(values)
        else:
            column = table.column(spec.key)
            if spec.unit in WHOLE_NUMBER_UNITS:
                columns.append(column)
                continue
            values = np.asarray(column.fill_null(np.nan).to_numpy(), dtype=np.float64)
            mask = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        columns.append(pa.chunked_array([pa.array(round6(values), pa.float64(), mask=mask)]))
    return pa.table(columns, names=["enterprise_key", *FEATURE_COLUMNS])


def weighted_means(table: pa.Table) -> dict[str, Floats]:
    """The orders-weighted means of the last 6 months, exactly as `compute_features` has them.

    From `feature_table`'s ingredient columns: each rate feature is fsum(value * orders) /
    fsum(orders), and `seller_rating_6m` the fsum of the known rating means over their number.
    NaN where the reference says None.
    """
    loose = _loose_rows(table)
    means: dict[str, Floats] = {}
    for name in WEIGHTED_FIELDS:
        hi = _ints(table.column(f"{name}__hi"))
        lo = _ints(table.column(f"{name}__lo"))
        orders = _ints(table.column(f"{name}__orders"))
        total = exact_sums(hi, lo)
        for i, rows in loose.items():
            products = [x for x in (row[name] for row in rows) if x is not None]
            if any(not splits(x) for x in products):
                exact = Fraction(int(hi[i]), 2**HI_BITS)
                exact += Fraction(int(lo[i]), 2 ** (HI_BITS + LO_BITS))
                exact += sum((Fraction(x) for x in products if not splits(x)), Fraction(0))
                total[i] = float(exact)  # int / int is correctly rounded, as fsum is
        with np.errstate(divide="ignore", invalid="ignore"):
            means[name] = np.where(orders > 0, total / orders.astype(np.float64), np.nan)
    out = {f"{name}_6m": means[name] for name in RATE_FIELDS}
    ratings = [means[name] for name in DSR_FIELDS]
    known = np.sum([~np.isnan(m) for m in ratings], axis=0).astype(np.float64)
    first, second, third = (np.nan_to_num(m, nan=0.0) for m in ratings)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["seller_rating_6m"] = np.where(known > 0, fsum3(first, second, third) / known, np.nan)
    return out


def splits(x: float) -> bool:
    """Whether SQL summed the product x in hi and lo (the condition `_split` tests)."""
    return x == 0 or SPLIT_LOW <= x < SPLIT_HIGH


def _loose_rows(table: pa.Table) -> dict[int, list[dict[str, float | None]]]:
    """Row index -> the products of its months holding a loose one (usually no row at all)."""
    column = table.column(LOOSE)
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(np.asarray(lengths) > 0)
    if not rows.size:
        return {}
    values = column.take(pa.array(rows)).to_pylist()
    return {int(i): v for i, v in zip(rows, values, strict=True)}


def exact_sums(hi: Ints, lo: Ints) -> Floats:
    """hi * 2**-24 + lo * 2**-72 for integer sums, correctly rounded to a double (as fsum).

    Both are cut into parts a double holds exactly (hi into 26-bit halves, lo's carry moved into
    hi), whose correctly rounded sum `fsum3` takes.
    """
    carried = hi + (lo >> LO_BITS)
    rest = lo & ((1 << LO_BITS) - 1)
    upper, lower = carried >> 26, carried & ((1 << 26) - 1)
    return fsum3(
        np.ldexp(upper.astype(np.float64), 26 - HI_BITS),
        np.ldexp(lower.astype(np.float64), -HI_BITS),
        np.ldexp(rest.astype(np.float64), -(HI_BITS + LO_BITS)),
    )


def fsum3(a: Floats, b: Floats, c: Floats) -> Floats:
    """`math.fsum([a, b, c])` element by element: the correctly rounded sum of three doubles.

    Boldo and Melquiond's algorithm (IEEE Trans. Computers 57(4), 2008): two exact TwoSums,
    the sum of the two errors rounded to odd, then one rounding to nearest.
    """
    uh, ul = _two_sum(b, c)
    th, tl = _two_sum(a, uh)
    v, err = _two_sum(tl, ul)
    # round to odd: when inexact, the neighbour towards the exact sum if v's last bit is even
    even = (v.view(np.int64) & 1) == 0
    towards = np.where(err > 0, np.inf, -np.inf)
    v = np.where((err != 0) & even, np.nextafter(v, towards), v)
    return th + v


def _two_sum(a: Floats, b: Floats) -> tuple[Floats, Floats]:
    """s = fl(a + b) and the error e with s + e = a + b exactly (Knuth)."""
    s = a + b
    bv = s - a
    return s, (a - (s - bv)) + (b - bv)


def _ints(column: pa.ChunkedArray) -> Ints:
    return np.asarray(column.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)


def feature_table(
    tables: Mapping[str, Table],
    as_of: date,
    grades: Table | None = None,
    *,
    single_version: Collection[str] = (),
    cache: Callable[[Table], Table] | None = None,
    withdrawn: Collection[int] = (),
) -> Table:
    """One row per enterprise with a record known on `as_of`: enterprise_key and every feature.

    `tables` maps each record type to its snapshot table (every type of the dictionary);
    `grades`, optional, has columns enterprise_key and grade (a previous evaluation), used for
    `related_low_grade`; without it that feature is 0, as when no party has a grade yet.
    `single_version`: types known to hold one version per natural key (no dedup needed).
    `cache`: applied to the latest registrations, which several parts read (an engine's way to
    compute them once).
    `withdrawn`: record version ids that no longer count; a key whose newest known version is
    one of them counts as no record at all (an older version does not take its place).
    Columns: enterprise_key, every feature but the orders-weighted means (WEIGHTED_FEATURES),
    unrounded, then the exact ingredients of those means: for each of WEIGHTED_FIELDS
    `<field>__hi` and `<field>__lo` (int64 sums of the split products) and `<field>__orders`
    (int64, the months' orders), and `weighted_loose` (the products of the months with one the
    split cannot hold, usually none). `finish` turns the result into the features as the
    reference computes them; `run_features` does both.
    """
    w = Windows(as_of)
    known = {
        name: _known(t.select(*KEY_COLUMNS, *FIELDS_READ[name]), as_of, name not in single_version)
        for name, t in tables.items()
        if name in FIELDS_READ
    }
    if withdrawn:
        gone = sorted(set(withdrawn))
        known = {name: t.filter(~t.record_id.isin(gone)) for name, t in known.items()}
    registration = _latest_registration(known["registration"])
    if cache is not None:
        registration = cache(registration)
    dishonesty = _current(known["serious_dishonesty_listing"], w, "dishonesty")
    parts: list[Table] = [
        _registration(registration, w),
        _licences(known["administrative_license"], w),
        _penalties(known["administrative_penalty"], w),
        _current(known["abnormal_operation"], w, "abnormal"),
        dishonesty,
        _enforcement(known["enforcement_record"], w),
        _courts(known["court_judgment"], w),
        _latest_rating(known["tax_credit_rating"], "tax", TAX_RATING_ORDINAL, by_year=True),
        _latest_rating(known["customs_credit_rating"], "customs", CUSTOMS_RATING_ORDINAL),
        _declarations(known["customs_declaration_summary"], w),
        _store_metrics(known["store_metrics"], w),
        _complaints(known["consumer_complaint"], w),
        _inspections(known["product_quality_inspection"], w),
        _honours(known["honor_or_reward"], w),
        _commitments(known["credit_commitment"], w),
    ]
    enterprises = ibis.union(*(p.select(enterprise_key=p.k) for p in parts), distinct=True)
    parts.append(_weighted(known["store_metrics"], w))  # its enterprises are store_metrics'
    parts.append(_related(registration, dishonesty, grades))
    wide = enterprises
    for part in parts:
        wide = wide.left_join(part, wide.enterprise_key == part.k).drop("k")
    ingredients = {
        column: wide[column]
        for name in WEIGHTED_FIELDS
        for column in (f"{name}__hi", f"{name}__lo", f"{name}__orders")
    }
    ingredients[LOOSE] = wide[LOOSE]
    return wide.select(
        enterprise_key=wide.enterprise_key, **_features(wide, w), **ingredients
    ).order_by("enterprise_key")


# -- what is known on the date ----------------------------------------------------------------


def _known(t: Table, as_of: date, versioned: bool = True) -> Table:
    """Versions that happened and arrived by `as_of`, newest version per natural key only."""
    day = ibis.literal(as_of)
    t = t.filter((t.occurred_on <= day) & (t.received_on <= day))
    if not versioned:
        return t
    newer = t.filter(t.version > 1).select(
        n_provider=t.provider, n_key=t.natural_key, n_version=t.version
    )
    return t.anti_join(
        newer,
        [
            t.provider == newer.n_provider,
            t.natural_key == newer.n_key,
            newer.n_version > t.version,
        ],
    )


def _within(t: Table, w: Windows, months: int) -> Value:
    return t.occurred_on > ibis.literal(w.since(months))


def _in_months(t: Table, w: Windows, first_back: int, last_back: int) -> Value:
    """A monthly record's month between `last_back` and `first_back` months before the end.

    Compared as dates: the stored month is its first day, and a record without one falls back to
    the day it happened, so the window runs from the first day of its first month to the last
    day of its last (cheaper than month arithmetic on every row).
    """
    first = w.month_start(w.end_month - last_back)
    last = w.month_start(w.end_month - first_back + 1) - timedelta(days=1)
    return t.month.fill_null(t.occurred_on).between(ibis.literal(first), ibis.literal(last))


def _count(t: Table, where: Value) -> Value:
    return t.count(where=where)


# -- one aggregate per record type, keyed by `k` ----------------------------------------------


def _latest_registration(t: Table) -> Table:
    order = [t.received_on.desc(), t.occurred_on.desc(), t.record_id.desc()]
    ranked = t.mutate(rn=ibis.row_number().over(group_by=t.enterprise_key, order_by=order))
    return ranked.filter(ranked.rn == 0)


def _registration(reg: Table, w: Windows) -> Table:
    established = reg.established_on.fill_null(reg.occurred_on)
    days = ibis.greatest(ibis.literal(w.as_of).delta(established, unit="day"), 0)
    status = reg.status
    known_status = status.notnull() & (status != "")
    return reg.select(
        k=reg.enterprise_key,
        years_since_established=(days.cast(F64) / 365.25).round(2),
        registered_capital_cny=reg.registered_capital_cny.cast(F64),
        is_active=known_status.ifelse((status == "active").cast(F64), ibis.null(F64)),
        registration_terminated=known_status.ifelse(
            status.isin(["revoked", "cancelled"]).cast(F64), ibis.null(F64)
        ),
    )


def _licences(t: Table, w: Windows) -> Table:
    valid = (t.status == "valid") & (
        t.valid_until.isnull() | (t.valid_until >= ibis.literal(w.as_of))
    )
    # A licence record has no revocation date; the version saying so was received then.
    revoked = (t.status == "revoked") & (t.received_on > ibis.literal(w.since(36)))
    return t.group_by(k=t.enterprise_key).aggregate(
        lic_valid=_count(t, valid), lic_revoked=_count(t, revoked)
    )


def _penalties(t: Table, w: Windows) -> Table:
    in24, in36 = _within(t, w, 24), _within(t, w, 36)
    return t.group_by(k=t.enterprise_key).aggregate(
        pen_fines=t.fine_amount_cny.sum(where=in24),
        pen_general=_count(t, in24 & (t.severity == "general")),
        pen_serious=_count(t, in36 & (t.severity == "serious")),
        pen_last=t.occurred_on.max(where=t.severity.isin(["general", "serious"])),
        pen_revocations=_count(t, in36 & (t.penalty_type == "license_revocation")),
    )


def _current(t: Table, w: Windows, name: str) -> Table:
    current = t.removed_on.isnull() | (t.removed_on > ibis.literal(w.as_of))
    return t.group_by(k=t.enterprise_key).aggregate(**{f"{name}_current": _count(t, current)})


def _enforcement(t: Table, w: Windows) -> Table:
    still_open = (t.status == "open") & (
        t.concluded_on.isnull() | (t.concluded_on > ibis.literal(w.as_of))
    )
    return t.group_by(k=t.enterprise_key).aggregate(
        enf_amount=t.amount_cny.sum(where=still_open),
        enf_dishonest=_count(t, still_open & t.dishonest),
    )


def _courts(t: Table, w: Windows) -> Table:
    lost = _within(t, w, 36) & (t.role == "defendant") & t.outcome.isin(["lost", "partial"])
    return t.group_by(k=t.enterprise_key).aggregate(court_lost=_count(t, lost))


def _latest_rating(
    t: Table, name: str, ordinal: Mapping[str, float], *, by_year: bool = False
) -> Table:
    order = [t.occurred_on.desc(), t.received_on.desc(), t.record_id]
    if by_year:
        order.insert(0, t.year.fill_null(0).desc())
    ranked = t.mutate(rn=ibis.row_number().over(group_by=t.enterprise_key, order_by=order))
    latest = ranked.filter(ranked.rn == 0)
    value = ibis.cases(
        *((latest.rating == code, ibis.literal(v, F64)) for code, v in ordinal.items()),
        else_=ibis.null(F64),
    )
    return latest.select(k=latest.enterprise_key, **{f"{name}_rating": value.cast(F64)})


def _declarations(t: Table, w: Windows) -> Table:
    last12 = _in_months(t, w, 0, 11)
    return t.group_by(k=t.enterprise_key).aggregate(
        decl_total=t.declarations.sum(where=last12),
        decl_irregular=t.irregularities.sum(where=last12),
    )


def _store_metrics(t: Table, w: Windows) -> Table:
    last12, prev12 = _in_months(t, w, 0, 11), _in_months(t, w, 12, 23)
    return t.group_by(k=t.enterprise_key).aggregate(
        sm_gmv=t.gmv_cny.sum(where=last12),
        sm_gmv_prev=t.gmv_cny.sum(where=prev12),
        sm_orders12=t.orders.sum(where=last12),
    )


def _weighted(t: Table, w: Windows) -> Table:
    """The exact ingredients of the orders-weighted means of the last 6 months.

    The reference counts the months that report the value (a finite number) and have orders.
    Only those months are read, and each sum is of values that are 0 or null where a month does
    not count (no FILTER clauses: cheaper).
    """
    t = t.filter(_in_months(t, w, 0, 5) & (t.orders > 0))
    orders = t.orders.cast(F64)
    sums: dict[str, Value] = {}
    products: dict[str, Value] = {}
    loose: Value = ibis.literal(False)
    for name in WEIGHTED_FIELDS:
        value = t[name].cast(F64)
        if t[name].type().is_floating():  # rates; ratings are decimals, always finite
            value = (value.isnan() | value.isinf()).ifelse(ibis.null(F64), value)
        product = value * orders  # the reference's value * orders, the same double
        hi, lo, exact = _split(product)
        sums[f"{name}__hi"] = hi.sum()
        sums[f"{name}__lo"] = lo.sum()
        sums[f"{name}__orders"] = product.notnull().ifelse(t.orders, 0).sum()
        products[name] = product
        loose = loose | (product.notnull() & ~exact)
    sums[LOOSE] = ibis.struct(products).collect(where=loose)
    return t.group_by(k=t.enterprise_key).aggregate(**sums)


def _split(x: Value) -> tuple[Value, Value, Value]:
    """Integers hi, lo with x = hi * 2**-24 + lo * 2**-72 exactly, and whether that holds.

    It holds for x = 0 and SPLIT_LOW <= x < SPLIT_HIGH (`splits`); other products count 0 here
    and are returned as they are. Every step is exact in binary floating point: scaling by a
    power of two, the floor of a number below 2**53, and x * 2**72 - hi * 2**48, the difference
    of two numbers within a factor of two of each other (or of 0); so every engine gets the same
    integers. The literals are powers of two, whose decimal digits every SQL dialect reads
    exactly.
    """
    exact = ((x >= SPLIT_LOW) & (x < SPLIT_HIGH)) | (x == 0)
    scaled = exact.ifelse(x, 0.0) * float(2**HI_BITS)
    hi = scaled.floor()
    lo = (scaled * float(2**LO_BITS) - hi.cast(F64) * float(2**LO_BITS)).cast("int64")
    return hi, lo, exact


def _complaints(t: Table, w: Windows) -> Table:
    counted = _within(t, w, 12) & (t.status.isnull() | (t.status != "rejected"))
    unresolved = (t.status == "open") & (t.occurred_on < ibis.literal(w.overdue))
    return t.group_by(k=t.enterprise_key).aggregate(
        cmp_counted=_count(t, counted), cmp_unresolved=_count(t, unresolved)
    )


def _inspections(t: Table, w: Windows) -> Table:
    in36 = _within(t, w, 36)
    return t.group_by(k=t.enterprise_key).aggregate(
        qi_total=_count(t, in36), qi_failed=_count(t, in36 & (t.result == "fail"))
    )


def _honours(t: Table, w: Windows) -> Table:
    # Without an end date an honour counts for three years after it was awarded.
    valid = t.valid_until.notnull().ifelse(
        t.valid_until >= ibis.literal(w.as_of), _within(t, w, 36)
    )
    return t.group_by(k=t.enterprise_key).aggregate(
        hon_valid=_count(t, valid), hon_red=_count(t, valid & (t.kind == "red_list"))
    )


def _commitments(t: Table, w: Windows) -> Table:
    in36 = _within(t, w, 36)
    return t.group_by(k=t.enterprise_key).aggregate(
        com_fulfilled=_count(t, in36 & t.fulfilled),
        com_broken=_count(t, in36 & ~t.fulfilled),  # absent means not yet assessed
    )


# -- features from the aggregates -------------------------------------------------------------


def _features(j: Table, w: Windows) -> dict[str, Value]:
    def n(column: str) -> Value:
        """A count or sum as float64, 0 when the enterprise has no such records."""
        return j[column].fill_null(0).cast(F64)

    def ratio(num: Value, den: Value) -> Value:
        return (den > 0).ifelse(num / den, ibis.null(F64))

    def f64(value: Value) -> Value:
        """As float64, unrounded: run_features rounds as the reference does (`round6`)."""
        return value.cast(F64)

    last = j.pen_last
    months = (
        (w.as_of.year - last.year()) * 12
        + (w.as_of.month - last.month())
        - (last.day() > w.as_of.day).ifelse(1, 0)
    )
    # GREATEST and LEAST skip NULLs in DuckDB and Spark: no penalty is handled on its own.
    months_since = last.isnull().ifelse(
        MONTHS_SINCE_PENALTY_CAP,
        ibis.least(ibis.greatest(months, 0), MONTHS_SINCE_PENALTY_CAP),
    )
    gmv = j.sm_gmv.cast(F64)
    prev_gmv = j.sm_gmv_prev.cast(F64)
    orders12 = n("sm_orders12")
    return {
        "years_since_established": f64(j.years_since_established),
        "registered_capital_cny": f64(j.registered_capital_cny),
        "is_active": j.is_active,
        "registration_terminated": j.registration_terminated,
        "valid_licenses": n("lic_valid"),
        "licenses_revoked_36m": n("lic_revoked") + n("pen_revocations"),
        "penalties_general_24m": n("pen_general"),
        "penalties_serious_36m": n("pen_serious"),
        "fine_total_24m": n("pen_fines"),
        "months_since_last_penalty": months_since.cast(F64),
        "abnormal_operation_current": n("abnormal_current"),
        "serious_dishonesty_current": n("dishonesty_current"),
        "dishonest_debtor_current": n("enf_dishonest"),
        "open_enforcement_amount": n("enf_amount"),
        "court_lost_36m": n("court_lost"),
        "tax_rating_latest": j.tax_rating,
        "customs_rating_latest": j.customs_rating,
        "customs_irregularity_rate_12m": ratio(n("decl_irregular"), n("decl_total")),
        "gmv_12m": f64(gmv),
        "gmv_growth_12m": f64(
            (prev_gmv > 0).ifelse(gmv.fill_null(0.0) / prev_gmv - 1.0, ibis.null(F64))
        ),
        "complaints_per_1k_orders_12m": ratio(n("cmp_counted") * 1000, orders12),
        "complaints_unresolved": n("cmp_unresolved"),
        "quality_fail_rate_36m": ratio(n("qi_failed"), n("qi_total")),
        "honors_current": n("hon_valid") - n("hon_red"),
        "red_list_current": n("hon_red"),
        "commitments_fulfilled": n("com_fulfilled"),
        "commitments_broken": n("com_broken"),
        "related_serious_dishonesty": n("rel_dishonest"),
        "related_low_grade": n("rel_low") if "rel_low" in j.columns else ibis.literal(0).cast(F64),
    }


def _related(registration: Table, dishonesty: Table, grades: Table | None) -> Table:
    """Per enterprise, the related parties on the serious-dishonesty list or graded CCC or below.

    Members of each (relation, value) group of 2 to MAX_RELATED_GROUP enterprises are collected
    into a list and paired by unnesting it twice: no self-join.
    """
    members = ibis.union(
        *(
            registration.select(
                ek=registration.enterprise_key,
                rel=ibis.literal(relation),
                v=registration[relation],
            )
            for relation in RELATIONS
        )
    )
    members = members.filter(members.v.notnull() & (members.v != ""))
    # most values are nobody else's: find the shared ones first, collect only their members
    sizes = members.group_by(["rel", "v"]).aggregate(size=members.count())
    sizes = sizes.filter((sizes.size > 1) & (sizes.size <= MAX_RELATED_GROUP))
    shared = members.semi_join(sizes, ["rel", "v"])
    groups = shared.group_by(["rel", "v"]).aggregate(ids=shared.ek.collect())
    one = groups.select(ids=groups.ids, ek=groups.ids.unnest())
    pairs = one.select(ek=one.ek, other=one.ids.unnest())
    # a party counts once however many relations link it
    pairs = pairs.filter(pairs.ek != pairs.other).distinct()
    listed = dishonesty.select(s_key=dishonesty.k, s_listed=dishonesty.dishonesty_current > 0)
    pairs = pairs.left_join(listed, pairs.other == listed.s_key).drop("s_key")
    if grades is None:  # without grades nobody is graded low (the feature is 0)
        return pairs.group_by(k=pairs.ek).aggregate(
            rel_dishonest=pairs.count(where=pairs.s_listed.fill_null(False))
        )
    low = grades.select(g_key=grades.enterprise_key, g_low=grades.grade.isin(sorted(LOW_GRADES)))
    pairs = pairs.left_join(low, pairs.other == low.g_key).drop("g_key")
    return pairs.group_by(k=pairs.ek).aggregate(
        rel_dishonest=pairs.count(where=pairs.s_listed.fill_null(False)),
        rel_low=pairs.count(where=pairs.g_low.fill_null(False)),
    )

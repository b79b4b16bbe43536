"""The compiled scorer: agrees with ScorecardTable.score_row, whatever the threads and chunks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.core.scoring.fastscore import CompiledScorecard, compile_scorecard, encode_categorical
from ecredit.core.scoring.table import CategoricalVariable, NumericVariable, ScorecardTable

NAN = float("nan")
INF = float("inf")

points = st.floats(min_value=-1000, max_value=1000, allow_nan=False)
split_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False) | st.sampled_from(
    [-INF, INF, 0.0, 1.0]
)
labels = st.text(alphabet="abcxyz", min_size=1, max_size=3)


@st.composite
def numeric_variables(draw: st.DrawFn, name: str) -> NumericVariable:
    splits = sorted(draw(st.lists(split_values, max_size=7, unique=True)))
    return NumericVariable(
        name,
        tuple(splits),
        tuple(draw(st.lists(points, min_size=len(splits) + 1, max_size=len(splits) + 1))),
        draw(points),
    )


@st.composite
def categorical_variables(draw: st.DrawFn, name: str) -> CategoricalVariable:
    bin_points = draw(st.lists(points, min_size=1, max_size=5))
    categories = draw(st.lists(labels, max_size=8, unique=True))
    return CategoricalVariable(
        name,
        {c: draw(st.integers(0, len(bin_points) - 1)) for c in categories},
        tuple(bin_points),
        draw(points),
        draw(points),
    )


@st.composite
def tables(draw: st.DrawFn) -> ScorecardTable:
    kinds = draw(st.lists(st.booleans(), max_size=8))
    variables: list[NumericVariable | CategoricalVariable] = []
    for i, numeric in enumerate(kinds):
        if numeric:
            variables.append(draw(numeric_variables(f"v{i}")))
        else:
            variables.append(draw(categorical_variables(f"v{i}")))
    return ScorecardTable(tuple(variables), base_points=draw(points))


def numeric_values(v: NumericVariable) -> st.SearchStrategy[Any]:
    values = st.floats() | st.sampled_from([None, NAN, INF, -INF]) | st.integers(-5, 5)
    if v.splits:
        on_split = st.sampled_from(v.splits)
        beside = st.tuples(on_split, st.sampled_from([-INF, INF])).map(lambda t: math.nextafter(*t))
        values = on_split | beside | values
    return values


def categorical_values(v: CategoricalVariable) -> st.SearchStrategy[Any]:
    values = labels | st.sampled_from([None, NAN])  # labels may or may not be known
    if v.categories:
        values = st.sampled_from(sorted(v.categories)) | values
    return values


@st.composite
def tables_and_rows(draw: st.DrawFn) -> tuple[ScorecardTable, list[dict[str, Any]]]:
    table = draw(tables())
    n = draw(st.integers(0, 25))
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for v in table.variables:
        strategy = numeric_values(v) if isinstance(v, NumericVariable) else categorical_values(v)
        for row in rows:
            row[v.name] = draw(strategy)
    return table, rows


def as_columns(compiled: CompiledScorecard, rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The columns the batch pipeline would hand over: floats with NaN, categories as codes.

    Plus one column no variable reads: ignored, it still tells a table without variables how many
    rows there are.
    """
    columns: dict[str, np.ndarray] = {"enterprise": np.arange(len(rows))}
    for v in compiled.table.variables:
        values = [row[v.name] for row in rows]
        if isinstance(v, NumericVariable):
            columns[v.name] = np.array([NAN if x is None else float(x) for x in values])
        else:
            columns[v.name] = encode_categorical(values, compiled.vocabularies[v.name])
    return columns


def reference(table: ScorecardTable, rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([table.score_row(row) for row in rows], dtype=np.float64)


def random_table(seed: int, numeric: int = 15, categorical: int = 5) -> ScorecardTable:
    rng = np.random.default_rng(seed)
    variables: list[NumericVariable | CategoricalVariable] = []
    for i in range(numeric):
        k = int(rng.integers(3, 7))
        variables.append(
            NumericVariable(
                f"n{i}",
                tuple(np.sort(rng.normal(size=k)).tolist()),
                tuple(rng.normal(0, 30, size=k + 1).tolist()),
                float(rng.normal(0, 30)),
            )
        )
    for i in range(categorical):
        size, bins = int(rng.integers(3, 11)), int(rng.integers(2, 5))
        variables.append(
            CategoricalVariable(
                f"c{i}",
                {f"k{j}": int(rng.integers(0, bins)) for j in range(size)},
                tuple(rng.normal(0, 30, size=bins).tolist()),
                float(rng.normal(0, 30)),
                float(rng.normal(0, 30)),
            )
        )
    return ScorecardTable(tuple(variables), base_points=600.0)


def random_columns(compiled: CompiledScorecard, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for v in compiled.table.variables:
        if isinstance(v, NumericVariable):
            x = rng.normal(size=n)
            x[rng.random(n) < 0.05] = NAN
            columns[v.name] = x
        else:
            size = len(compiled.vocabularies[v.name])
            columns[v.name] = rng.integers(-1, size + 2, size=n, dtype=np.int32)
    return columns


def rows_of(compiled: CompiledScorecard, columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Back from codes to the values score_row reads (unseen codes become an unseen label)."""
    n = len(next(iter(columns.values())))
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for v in compiled.table.variables:
        for row, x in zip(rows, columns[v.name].tolist(), strict=True):
            if isinstance(v, NumericVariable):
                row[v.name] = x
            else:
                vocabulary = compiled.vocabularies[v.name]
                row[v.name] = None if x < 0 else vocabulary[x] if x < len(vocabulary) else "?"
    return rows


# Agreement with the reference scorer


@settings(max_examples=300, deadline=None)
@given(
    case=tables_and_rows(),
    chunk_rows=st.sampled_from([1, 2, 5, 64]),
    threads=st.sampled_from([1, 2, 3]),
)
def test_agrees_with_the_reference_scorer(
    case: tuple[ScorecardTable, list[dict[str, Any]]], chunk_rows: int, threads: int
) -> None:
    table, rows = case
    compiled = compile_scorecard(table, chunk_rows=chunk_rows)

    got = compiled.score(as_columns(compiled, rows), threads=threads)

    assert got.dtype == np.float64
    assert got.shape == (len(rows),)
    np.testing.assert_allclose(got, reference(table, rows), rtol=0, atol=1e-9)


def test_agrees_on_a_twenty_variable_scorecard() -> None:
    compiled = compile_scorecard(random_table(1), chunk_rows=1000)
    columns = random_columns(compiled, 5000, seed=2)

    got = compiled.score(columns, threads=2)

    np.testing.assert_allclose(
        got, reference(compiled.table, rows_of(compiled, columns)), rtol=0, atol=1e-9
    )


def test_variables_too_wide_for_a_byte_index_agree() -> None:
    rng = np.random.default_rng(3)
    splits = np.sort(rng.normal(size=300))
    table = ScorecardTable(
        (
            NumericVariable("wide", tuple(splits.tolist()), tuple(range(301)), -7.0),
            CategoricalVariable(
                "many", {f"k{i}": i % 40 for i in range(300)}, tuple(range(40)), 5.5, 9.5
            ),
            NumericVariable("small", (0.0,), (1.0, 2.0), 3.0),
        )
    )
    compiled = compile_scorecard(table, chunk_rows=100)
    n = 1000
    wide = rng.normal(size=n)
    wide[::7] = NAN
    wide[::11] = splits[rng.integers(0, 300, size=len(wide[::11]))]
    columns = {
        "wide": wide,
        "many": rng.integers(-2, 305, size=n).astype(np.int64),
        "small": rng.normal(size=n),
    }

    got = compiled.score(columns)

    np.testing.assert_allclose(got, reference(table, rows_of(compiled, columns)), rtol=0, atol=1e-9)


def test_a_nan_split_never_counts_as_in_the_reference() -> None:
    # The table's checks let a NaN split through; score_row never counts it, and neither do we.
    table = ScorecardTable((NumericVariable("x", (1.0, NAN, 2.0), (10.0, 20.0, 30.0, 40.0), 0.0),))
    x = np.array([0.0, 1.0, 1.5, 2.0, 3.0, INF, NAN])

    got = compile_scorecard(table).score({"x": x})

    assert got.tolist() == [10.0, 20.0, 20.0, 30.0, 30.0, 30.0, 0.0]
    assert got.tolist() == reference(table, [{"x": float(v)} for v in x]).tolist()


def test_values_on_and_beside_splits_and_infinities() -> None:
    table = ScorecardTable((NumericVariable("x", (-1.0, 0.0, 2.5), (1.0, 2.0, 3.0, 4.0), 9.0),))
    x = np.array([-INF, math.nextafter(-1.0, -INF), -1.0, -0.0, 0.0, 2.5, INF, NAN])

    got = compile_scorecard(table).score({"x": x})

    assert got.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 4.0, 9.0]


def test_integer_and_bool_numeric_columns_read_as_floats() -> None:
    table = ScorecardTable((NumericVariable("x", (1.0, 3.0), (1.0, 2.0, 3.0), 0.0),))
    compiled = compile_scorecard(table)

    assert compiled.score({"x": np.array([0, 1, 2, 3, 4], dtype=np.int64)}).tolist() == [
        1.0,
        2.0,
        2.0,
        3.0,
        3.0,
    ]
    assert compiled.score({"x": np.array([False, True])}).tolist() == [1.0, 2.0]


# Threads and chunks


def test_thread_count_and_chunk_size_do_not_change_a_bit() -> None:
    table = random_table(4)
    columns = random_columns(compile_scorecard(table), 20_000, seed=5)
    baseline = compile_scorecard(table).score(columns, threads=1)

    for chunk_rows in (997, 4096, 65_536):
        compiled = compile_scorecard(table, chunk_rows=chunk_rows)
        for threads in (1, 2, 4):
            assert np.array_equal(compiled.score(columns, threads=threads), baseline)


def test_empty_input_gives_no_scores() -> None:
    compiled = compile_scorecard(random_table(6, numeric=2, categorical=2))
    columns: dict[str, np.ndarray] = {
        "n0": np.empty(0),
        "n1": np.empty(0),
        "c0": np.empty(0, np.int32),
        "c1": np.empty(0, np.int32),
    }

    got = compiled.score(columns, threads=2)

    assert got.dtype == np.float64
    assert got.shape == (0,)


def test_a_scorecard_without_variables_gives_the_base_points() -> None:
    compiled = compile_scorecard(ScorecardTable((), base_points=500.0))

    assert compiled.score({"anything": np.zeros(3)}).tolist() == [500.0, 500.0, 500.0]
    no_columns: dict[str, np.ndarray] = {}
    assert compiled.score(no_columns).tolist() == []


# Bad input


def two_variable_scorecard() -> CompiledScorecard:
    return compile_scorecard(
        ScorecardTable(
            (
                NumericVariable("sales", (0.0,), (1.0, 2.0), 0.0),
                CategoricalVariable("platform", {"tmall": 0}, (5.0,), 0.0, 0.0),
            )
        )
    )


def test_a_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="column 'platform' is missing"):
        two_variable_scorecard().score({"sales": np.zeros(3)})


def test_a_column_of_the_wrong_length_is_named() -> None:
    with pytest.raises(ValueError, match="column 'platform' has 2 rows, column 'sales' has 3"):
        two_variable_scorecard().score({"sales": np.zeros(3), "platform": np.zeros(2, np.int32)})


def test_uncoded_categories_are_refused_with_the_column_named() -> None:
    with pytest.raises(ValueError, match="column 'platform' must hold integer category codes"):
        two_variable_scorecard().score({"sales": np.zeros(1), "platform": np.array(["tmall"])})


def test_a_non_numeric_numeric_column_is_named() -> None:
    with pytest.raises(ValueError, match="column 'sales' must be numeric"):
        two_variable_scorecard().score(
            {"sales": np.array(["1.5"]), "platform": np.zeros(1, np.int32)}
        )


def test_a_two_dimensional_column_is_named() -> None:
    with pytest.raises(ValueError, match="column 'sales' must be one-dimensional"):
        two_variable_scorecard().score(
            {"sales": np.zeros((2, 2)), "platform": np.zeros(2, np.int32)}
        )


def test_threads_and_chunk_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="threads must be at least 1"):
        two_variable_scorecard().score(
            {"sales": np.zeros(1), "platform": np.zeros(1, np.int32)}, threads=0
        )
    with pytest.raises(ValueError, match="chunk_rows must be at least 1"):
        compile_scorecard(ScorecardTable(()), chunk_rows=0)


# Categories


def test_encode_categorical_codes_known_unseen_and_missing() -> None:
    vocabulary = ("tmall", "jd", "3")

    codes = encode_categorical(["jd", None, NAN, "pdd", "tmall", 3, "3"], vocabulary)

    assert codes.dtype == np.int32
    assert codes.tolist() == [1, -1, -1, 3, 0, 2, 2]


def test_encode_categorical_on_typed_arrays() -> None:
    assert encode_categorical(np.array(["jd", "pdd", "jd", "tmall"]), ("tmall", "jd")).tolist() == [
        1,
        2,
        1,
        0,
    ]
    assert encode_categorical(np.array([1.0, NAN, 2.0]), ("1.0",)).tolist() == [0, -1, 1]
    assert encode_categorical(np.array([], dtype=str), ("a",)).tolist() == []
    assert encode_categorical(np.array(["a", None], dtype=object), ("a",)).tolist() == [0, -1]


def test_codes_outside_the_vocabulary_score_as_unseen_or_missing() -> None:
    table = ScorecardTable(
        (CategoricalVariable("platform", {"tmall": 0, "jd": 1}, (10.0, 20.0), -1.0, -2.0),)
    )
    compiled = compile_scorecard(table)
    assert compiled.vocabularies == {"platform": ("tmall", "jd")}

    for dtype in (np.int8, np.int32, np.int64, np.uint16):
        codes = np.array([0, 1, 2, 100, -1, -100] if dtype != np.uint16 else [0, 1, 2, 100])
        got = compiled.score({"platform": codes.astype(dtype)})
        assert got.tolist() == [10.0, 20.0, -2.0, -2.0, -1.0, -1.0][: len(codes)]


def test_codes_can_use_the_callers_vocabulary() -> None:
    table = ScorecardTable(
        (CategoricalVariable("platform", {"tmall": 0, "jd": 1}, (10.0, 20.0), -1.0, -2.0),)
    )
    compiled = compile_scorecard(table)
    upstream = ("jd", "pdd", "tmall")  # e.g. the batch pipeline's dictionary for the column

    got = compiled.score(
        {"platform": np.array([0, 1, 2, -1, 3], np.int32)}, vocabularies={"platform": upstream}
    )

    assert got.tolist() == [20.0, -2.0, 10.0, -1.0, -2.0]


def test_a_vocabulary_for_a_numeric_column_is_refused() -> None:
    with pytest.raises(ValueError, match=r"not categorical: \['sales'\]"):
        two_variable_scorecard().score(
            {"sales": np.zeros(1), "platform": np.zeros(1, np.int32)},
            vocabularies={"sales": ("a",)},
        )


def test_the_compiled_scorecard_names_its_table_version() -> None:
    table = random_table(7, numeric=3, categorical=1)

    assert compile_scorecard(table).digest == table.digest

"""Scorecard scoring throughput: our compiled scorer against optbinning's `Scorecard.score`.

A 20-variable scorecard (15 numeric, 5 categorical) is fitted with optbinning (`BinningProcess` +
`Scorecard`, integer points) on 50,000 synthetic rows, converted to our `ScorecardTable` from
optbinning's own splits, categories and points table, and checked to give exactly the same scores
on 100,000 rows. Then both score the same data: ours 10,000,000 rows (best of 3), optbinning a
1,000,000-row slice of it (it runs at well under a million rows a second; rows/s is what compares).

Inputs are each scorer's natural form: ours reads numpy columns with categories integer-coded once
upstream (as the batch pipeline hands them over); optbinning reads a pandas DataFrame of strings.

Run: uv run python bench/scoring_throughput.py [--rows N] [--peer-rows N] [--threads T]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings

import numpy as np
import pandas as pd
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression

from ecredit.core.scoring.fastscore import compile_scorecard
from ecredit.core.scoring.table import CategoricalVariable, NumericVariable, ScorecardTable

NUMERIC = (
    "order_defect_rate",
    "late_shipment_rate",
    "cancellation_rate",
    "valid_tracking_rate",
    "refund_rate",
    "complaint_rate",
    "seller_rating",
    "gmv_log",
    "gmv_growth",
    "months_operating",
    "penalties_24m",
    "months_since_penalty",
    "enforcements_36m",
    "related_high_risk",
    "fine_total_log",
)
CATEGORICAL = {  # name -> how many categories the data has (the scorecard may group them)
    "platform": 3,
    "tax_rating": 5,
    "region": 7,
    "store_type": 8,
    "industry": 10,
}
FIT_ROWS = 50_000
CHECK_ROWS = 100_000


def vocabulary(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_{i}" for i in range(CATEGORICAL[name]))


def generate(rows: int, seed: int = 20260630) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numeric columns (15 x rows, NaN for missing), int32 codes (5 x rows, -1 missing), and the
    true logit of the first FIT_ROWS rows (what the scorecard is fitted to)."""
    rng = np.random.default_rng(seed)
    numeric = rng.standard_normal((len(NUMERIC), rows))
    fit = min(FIT_ROWS, rows)
    logit = np.full(fit, -2.5)
    for i, x in enumerate(numeric):
        kind = i % 5  # shape each column a little differently: the binning should not be trivial
        if kind == 1:
            np.exp(x, out=x)  # skewed, like amounts
        elif kind == 2:
            np.multiply(x, x, out=x)  # rates piled up near zero
        elif kind == 3:
            np.floor(np.abs(x, out=x) * 3, out=x)  # counts
        weight = (0.6 if i % 2 else -0.5) / (1.0 + i / 10)
        logit += weight * np.tanh(x[:fit] - np.median(x[:fit]))
        x[rng.integers(0, rows, size=int(rows * (0.01 + 0.003 * i)))] = np.nan
    codes = np.empty((len(CATEGORICAL), rows), dtype=np.int32)
    for j, size in enumerate(CATEGORICAL.values()):
        shares = np.cumsum(rng.dirichlet(np.full(size, 2.0)))
        c = np.searchsorted(shares, rng.random(rows), side="right").astype(np.int32)
        np.minimum(c, size - 1, out=c)
        logit += rng.normal(0, 0.5, size)[c[:fit]]
        c[rng.integers(0, rows, size=rows // 50)] = -1
        codes[j] = c
    return numeric, codes, logit


def frame(numeric: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
    """The rows as optbinning reads them: floats and category strings, NaN for missing.

    A code just past the vocabulary is a category no one has seen: "<name>_new".
    """
    data: dict[str, object] = {name: numeric[i] for i, name in enumerate(NUMERIC)}
    for j, name in enumerate(CATEGORICAL):
        labels = np.array([*vocabulary(name), f"{name}_new", np.nan], dtype=object)
        data[name] = labels[codes[j]]  # code -1 takes the last: NaN
    return pd.DataFrame(data)


def fit_scorecard(numeric: np.ndarray, codes: np.ndarray, logit: np.ndarray) -> Scorecard:
    rng = np.random.default_rng(7)
    y = (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(int)
    names = [*NUMERIC, *CATEGORICAL]
    process = BinningProcess(
        names,
        categorical_variables=list(CATEGORICAL),
        binning_fit_params={name: {"min_n_bins": 4, "max_n_bins": 7} for name in NUMERIC},
    )
    scorecard = Scorecard(
        process,
        LogisticRegression(max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600},
        rounding=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scorecard.fit(frame(numeric[:, : len(y)], codes[:, : len(y)]), y)
    return scorecard


def to_table(scorecard: Scorecard) -> ScorecardTable:
    """Our table from optbinning's splits, categories and detailed points table.

    Points rows per variable: one per bin, then Special, then Missing. optbinning scores an unseen
    category with the last row (index -1: Missing), so other_points = missing_points.
    """
    points = scorecard.table(style="detailed")
    variables: list[NumericVariable | CategoricalVariable] = []
    for name in scorecard.binning_process_.get_support(names=True):
        binned = scorecard.binning_process_.get_binned_variable(name)
        p = tuple(float(v) for v in points[points.Variable == name].Points)
        if binned.dtype == "numerical":
            splits = tuple(float(s) for s in binned.splits)
            variables.append(NumericVariable(name, splits, p[: len(splits) + 1], p[-1]))
        else:
            categories = {str(c): b for b, group in enumerate(binned.splits) for c in list(group)}
            n_bins = len(binned.splits)
            variables.append(CategoricalVariable(name, categories, p[:n_bins], p[-1], p[-1]))
    return ScorecardTable(tuple(variables), base_points=float(scorecard.intercept_))


def columns(numeric: np.ndarray, codes: np.ndarray) -> dict[str, np.ndarray]:
    """The rows as our scorer reads them: one array per variable, categories as int32 codes."""
    cols = {name: numeric[i] for i, name in enumerate(NUMERIC)}
    cols.update({name: codes[j] for j, name in enumerate(CATEGORICAL)})
    return cols


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--peer-rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rows, peer_rows = args.rows, min(args.peer_rows, args.rows)

    t0 = time.perf_counter()
    numeric, codes, logit = generate(rows)
    print(f"data: {rows:,} rows x 20 variables generated in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    scorecard = fit_scorecard(numeric, codes, logit)
    del logit
    table = to_table(scorecard)
    compiled = compile_scorecard(table)
    shape = ", ".join(
        f"{v.name}:{len(v.splits) + 1}"
        if isinstance(v, NumericVariable)
        else f"{v.name}:{len(v.points)}c"
        for v in table.variables
    )
    print(f"scorecard: optbinning fit on {FIT_ROWS:,} rows in {time.perf_counter() - t0:.1f} s")
    print(f"  bins per variable (c = categorical): {shape}")
    vocabularies = {name: vocabulary(name) for name in CATEGORICAL}  # the upstream coding

    # Same scores: ours against optbinning on the last 100k rows (1% of their categories
    # replaced by ones never seen), and against the reference scorer.
    check = slice(rows - min(CHECK_ROWS, rows), rows)
    check_numeric, check_codes = numeric[:, check], codes[:, check].copy()
    for j, size in enumerate(CATEGORICAL.values()):
        check_codes[j, ::100] = size
    ours = compiled.score(columns(check_numeric, check_codes), vocabularies=vocabularies)
    peer = scorecard.score(frame(check_numeric, check_codes))
    if not np.array_equal(ours, peer):
        bad = np.flatnonzero(ours != peer)
        print(
            f"MISMATCH on {len(bad)} of {len(ours)} rows, first at row {check.start + bad[0]}: "
            f"ours {ours[bad[0]]}, optbinning {peer[bad[0]]}"
        )
        return 1
    sample = frame(check_numeric[:, :1000], check_codes[:, :1000]).to_dict("records")
    reference = np.array([table.score_row(r) for r in sample])
    if not np.array_equal(reference, ours[:1000]):
        print("MISMATCH between the compiled scorer and ScorecardTable.score_row")
        return 1
    print(
        f"agreement: identical scores to optbinning on {len(ours):,} rows, missing values and "
        "unseen categories included (and to ScorecardTable.score_row on 1,000)"
    )

    # optbinning: a 1M-row slice of the same data, one run (it takes seconds).
    data = frame(numeric[:, :peer_rows], codes[:, :peer_rows])
    t0 = time.perf_counter()
    scorecard.score(data)
    peer_seconds = time.perf_counter() - t0
    peer_rate = peer_rows / peer_seconds
    del data

    cols = columns(numeric, codes)
    load = os.getloadavg()[0]  # other work on the machine shows here: the figures are wall clock
    rates = {}
    for threads in sorted({1, args.threads}):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            compiled.score(cols, threads=threads, vocabularies=vocabularies)
            best = min(best, time.perf_counter() - t0)
        rates[threads] = rows / best
    ours_rate = rates[args.threads]

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        f"optbinning Scorecard.score: {peer_rows:,} rows (a slice of the same data) in "
        f"{peer_seconds:.2f} s = {peer_rate / 1e6:.2f} M rows/s"
    )
    for threads, rate in rates.items():
        print(
            f"ours, compiled, {threads} thread{'s' if threads > 1 else ''}: {rows:,} rows, best of 3: "
            f"{rows / rate:.3f} s = {rate / 1e6:.1f} M rows/s"
        )
    print(f"ratio (ours, {args.threads} threads / optbinning): {ours_rate / peer_rate:.0f}x")
    print(f"machine: {os.cpu_count()} CPUs, 1-minute load average {load:.2f} before our timing")
    print(f"peak memory: {peak:.2f} GiB")
    print(
        json.dumps(
            {
                "ours_rows_per_s": round(ours_rate),
                "peer_rows_per_s": round(peer_rate),
                "ratio": round(ours_rate / peer_rate, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

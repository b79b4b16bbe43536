"""A labelled table from a CSV file: features typed as numbers or categories, the target as 0/1.

Anything that would make cross-validation meaningless or silently wrong is a `DatasetError`
whose message says what is wrong, where, and what to do. On non-numeric junk in a mostly numeric
column we stop rather than guess: treating the column as categories would turn every distinct
number into its own category and throw its order away, and blanking the junk would hide a data
problem; the message names the column, a line and the value, and offers `categorical=` (CLI
`--categorical`) for a column that really is a set of codes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

MIN_ROWS = 50
POSITIVE_WORDS = ("1", "1.0", "true", "yes", "bad")
MOSTLY_NUMERIC = 0.5  # a column with at least this share of numbers among its filled cells


class DatasetError(ValueError):
    """The file cannot be used as a labelled table; the message says why and what to do."""


@dataclass(frozen=True)
class LabelledTable:
    """Features and a 0/1 target (1 = the positive, bad class) read from a file."""

    X: pd.DataFrame  # numeric columns float64, categorical columns object (str or NaN)
    y: np.ndarray
    target: str
    positive: str  # the target value counted as bad
    negatives: tuple[str, ...]  # the target values counted as good
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    notes: tuple[str, ...]  # what was done that the user should know (dropped columns, ...)

    @property
    def n_bad(self) -> int:
        return int(self.y.sum())


def load_labelled_csv(
    path: str | Path,
    target: str,
    positive: str | None = None,
    *,
    folds: int = 5,
    categorical: Iterable[str] = (),
    drop: Iterable[str] = (),
) -> LabelledTable:
    """Read a UTF-8 CSV with a header row. A blank cell (or NA, N/A, NaN, null, None) is missing.

    `positive`: the target value that marks a bad outcome; by default a two-valued target whose
    one value reads as bad (1, true, yes, bad; any case) is taken as it is. `folds`: the table
    must have at least this many rows of each class. `categorical`: columns to treat as categories
    even if they hold numbers. `drop`: columns to leave out.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetError(f"{p}: no such file; check the path")
    if not p.is_file():
        raise DatasetError(f"{p}: is not a file; give the path of a CSV file")
    header = _header(p)
    try:
        frame = pd.read_csv(p, dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{p}: the file is empty; it needs a header row and data rows") from None
    except pd.errors.ParserError as exc:
        raise DatasetError(f"{p}: not a well-formed CSV file ({exc}); fix that line") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{p}: is not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise DatasetError(f"{p}: cannot be read ({exc.strerror}); check its permissions") from None
    frame.columns = header
    return labelled_table(
        frame, target, positive, folds=folds, categorical=categorical, drop=drop, source=str(p)
    )


def _header(p: Path) -> list[str]:
    """The header row, checked for duplicate names."""
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise DatasetError(f"{p}: is not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as exc:
        raise DatasetError(f"{p}: cannot be read ({exc.strerror}); check its permissions") from None
    if not header or all(not h.strip() for h in header):
        raise DatasetError(f"{p}: the file is empty; it needs a header row and data rows")
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name and name in seen:
            raise DatasetError(
                f"{p}: the header names column {name!r} twice (columns {seen[name]} and {i}); "
                "give each column its own name"
            )
        seen[name] = i
    return names


def labelled_table(
    frame: pd.DataFrame,
    target: str,
    positive: str | None = None,
    *,
    folds: int = 5,
    categorical: Iterable[str] = (),
    drop: Iterable[str] = (),
    source: str = "table",
) -> LabelledTable:
    """The checks and typing of `load_labelled_csv`, on a frame of strings (NaN = missing)."""
    columns = [str(c) for c in frame.columns]
    notes: list[str] = []
    as_categories, dropped = list(categorical), list(drop)
    for option, names in (("--categorical", as_categories), ("--drop", dropped)):
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise DatasetError(
                f"{source}: {option} names {_names(unknown)}, not in the file; "
                f"its columns are {_names(columns)}"
            )
    if target not in columns:
        close = [c for c in columns if c.strip().lower() == target.strip().lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DatasetError(
            f"{source}: no target column {target!r}; the columns are {_names(columns)}{hint}"
        )
    if target in dropped or target in as_categories:
        raise DatasetError(f"{source}: {target!r} is the target; do not --drop or --categorical it")

    frame = frame.reset_index(drop=True)
    if len(frame) < MIN_ROWS:
        rows = "data row" if len(frame) == 1 else "data rows"
        raise DatasetError(
            f"{source}: only {len(frame)} {rows}; cross-validation needs at least {MIN_ROWS}"
        )
    nameless = [i for i, c in enumerate(columns) if not c]
    for i in nameless:
        notes.append(f"left out column {i + 1}: it has no name in the header (a saved row index?)")
    keep = [i for i, c in enumerate(columns) if c and c != target and c not in dropped]
    y, positive_value, negatives = _target(
        frame.iloc[:, columns.index(target)], target, positive, source
    )
    if positive_value is not None and len(negatives) > 1:
        notes.append(
            f"target {target!r}: {positive_value!r} counts as bad, "
            f"{_names(negatives)} all count as good"
        )

    features: dict[str, pd.Series] = {}
    numeric: list[str] = []
    cats: list[str] = []
    for i in keep:
        name = columns[i]
        values = _clean(frame.iloc[:, i])
        filled = values.notna()
        if not filled.any():
            raise DatasetError(
                f"{source}: column {name!r} is empty on every row; fill it or pass --drop {name}"
            )
        if name in as_categories:
            features[name] = values
            cats.append(name)
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        finite = numbers.notna() & np.isfinite(numbers.astype("float64").fillna(0.0))
        n_filled, n_numbers = int(filled.sum()), int(finite.sum())
        if n_numbers == n_filled:
            features[name] = numbers.astype("float64")
            numeric.append(name)
        elif n_numbers >= MOSTLY_NUMERIC * n_filled:
            junk = filled & ~finite
            first, n_junk = int(np.flatnonzero(junk.to_numpy())[0]), int(junk.sum())
            not_numbers = "is not a number" if n_junk == 1 else "are not numbers"
            raise DatasetError(
                f"{source}: column {name!r} holds numbers in {n_numbers} of its {n_filled} filled "
                f"cells, but {n_junk} {not_numbers}, e.g. {values.iloc[first]!r} on line "
                f"{first + 2}; correct or blank those cells (a blank cell counts as missing), "
                f"or pass --categorical {name} to treat the column as categories"
            )
        elif values.nunique() == len(values) and len(values) >= MIN_ROWS:
            notes.append(
                f"left out column {name!r}: every row has a different value, so it names rows "
                "rather than describing them"
            )
        else:
            features[name] = values
            cats.append(name)
    if not features:
        raise DatasetError(
            f"{source}: no feature columns besides the target {target!r}; "
            "a model needs at least one"
        )

    n, n_bad = len(y), int(y.sum())
    for label, count in (("bad", n_bad), ("good", n - n_bad)):
        if count < folds:
            raise DatasetError(
                f"{source}: only {count} {label} row{'' if count == 1 else 's'}; with {folds} "
                f"folds each fold needs at least one, so give at least {folds} {label} rows "
                "or use fewer folds"
            )
    X = pd.DataFrame(features)
    X = X.astype({c: object for c in cats})
    return LabelledTable(
        X=X,
        y=y,
        target=target,
        positive=str(positive_value),
        negatives=tuple(negatives),
        numeric=tuple(numeric),
        categorical=tuple(cats),
        notes=tuple(notes),
    )


def _clean(column: pd.Series) -> pd.Series:
    """Strings with surrounding spaces removed; NaN for missing or blank cells."""
    values = column.astype(object)
    stripped = [v.strip() if isinstance(v, str) else v for v in values]
    out = pd.Series(stripped, index=column.index, dtype=object)
    return out.where(out.notna() & (out != ""), np.nan)


def _target(
    column: pd.Series, target: str, positive: str | None, source: str
) -> tuple[np.ndarray, str | None, list[str]]:
    values = _clean(column)
    missing = values.isna().to_numpy()
    if missing.any():
        first = int(np.flatnonzero(missing)[0])
        raise DatasetError(
            f"{source}: target {target!r} is empty on {int(missing.sum())} rows (first on line "
            f"{first + 2}); fill in the outcome or delete those rows"
        )
    distinct = sorted({str(v) for v in values})
    if len(distinct) == 1:
        raise DatasetError(
            f"{source}: target {target!r} has the single value {distinct[0]!r} on all "
            f"{len(values)} rows; a model needs both good and bad rows"
        )
    if positive is not None:
        chosen = _match(positive.strip(), distinct)
        if chosen is None:
            raise DatasetError(
                f"{source}: --positive {positive!r} is not a value of target {target!r}; "
                f"its values are {_names(distinct)}"
            )
    else:
        if len(distinct) > 2:
            raise DatasetError(
                f"{source}: target {target!r} has {len(distinct)} different values "
                f"({_names(distinct)}); pass --positive VALUE to count that value as bad and "
                "every other value as good"
            )
        looks_bad = [v for v in distinct if v.lower() in POSITIVE_WORDS]
        if len(looks_bad) != 1:
            raise DatasetError(
                f"{source}: target {target!r} has the values {_names(distinct)}, and it is not "
                "clear which one means bad (looked for 1, true, yes, bad); pass --positive with "
                "the value that marks a bad outcome"
            )
        chosen = looks_bad[0]
    y = (values == chosen).to_numpy().astype(np.int64)
    return y, chosen, [v for v in distinct if v != chosen]


def _match(wanted: str, values: list[str]) -> str | None:
    """The value equal to `wanted` as text, else as a number ("1" matches "1.0")."""
    if wanted in values:
        return wanted
    try:
        number = float(wanted)
    except ValueError:
        return None
    for v in values:
        try:
            if float(v) == number:
                return v
        except ValueError:
            continue
    return None


def _names(names: Iterable[str], limit: int = 30) -> str:
    items = [repr(n) for n in names]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more

"""Batch scoring of a `ScorecardTable` over numpy columns: tens of millions of rows a second.

Input is columnar. A numeric variable reads a float array with NaN for missing (integer and bool
arrays are converted chunk by chunk). A categorical variable reads integer codes: code i means
`vocabulary[i]`, any negative code means missing, a code >= len(vocabulary) means a category the
scorecard has not seen. Categories are integer-coded once upstream (the batch pipeline does it, or
`encode_categorical` for plain values); the scorer never touches a string. By default the vocabulary
is the scorecard's own (`CompiledScorecard.vocabularies`); `score(..., vocabularies=...)` accepts
the caller's coding instead (e.g. a DuckDB or pandas dictionary), so nothing has to be recoded.

How it is fast, pass by pass over chunks of rows that stay in cache:
- each variable becomes a small "slot" index: for a numeric one, slot = (x == x) + sum over splits
  of (x >= s), i.e. 0 for missing and 1 + the bin otherwise (compare-and-count: one comparison and
  one byte add per split, no branches, no searchsorted); for a categorical one, slot = 1 + the code
  clipped to [-1, len(vocabulary)];
- variables are packed into groups whose slot counts multiply to at most 256, and a group's index
  is the mixed-radix number of its slots in one uint8 array. One `take` from a table of the group's
  summed points then replaces one `take` and one add per variable: gathers are the dearest pass;
- chunks are shared among threads; numpy releases the GIL inside each pass.

Float order: a row's score is base + the sum of its groups' points, each group's points summed
once when the table is compiled. This differs from `ScorecardTable.score_row`'s left-to-right sum
only by rounding (a few ulps), and it is the same for every row, thread count and chunk size.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ecredit.core.scoring.table import CategoricalVariable, NumericVariable, ScorecardTable

DEFAULT_CHUNK_ROWS = 65_536
_GROUP_SLOTS = 256  # a group's index must fit in a uint8

Codes = npt.NDArray[np.int32]
Scores = npt.NDArray[np.float64]


def encode_categorical(values: Iterable[object], vocabulary: Sequence[str]) -> Codes:
    """Integer-code values against `vocabulary`: its index, -1 if missing, len(vocabulary) if unseen.

    Missing and unseen mean what `ScorecardTable.score_row` means: None or a float NaN is missing,
    and a value is looked up as `str(value)`.
    """
    lookup: dict[str, int] = {}
    for i, category in enumerate(vocabulary):
        lookup.setdefault(str(category), i)
    unseen = len(vocabulary)

    def code(value: object) -> int:
        if value is None or (isinstance(value, float) and value != value):
            return -1
        return lookup.get(str(value), unseen)

    if isinstance(values, np.ndarray) and values.dtype != object:
        # Few distinct values in a typed array: code each once.
        flat = values.ravel()
        if flat.size == 0:
            return np.empty(0, dtype=np.int32)
        distinct, inverse = np.unique(flat, return_inverse=True)
        distinct_codes = np.fromiter(map(code, distinct), dtype=np.int32, count=len(distinct))
        return distinct_codes[inverse.ravel()]
    return np.fromiter(map(code, values), dtype=np.int32)


@dataclass(frozen=True)
class _Slots:
    """One variable's slot index: which column, how to read it, and the points of each slot."""

    name: str
    splits: tuple[float, ...] | None  # numeric: sorted splits that can count (never a NaN one)
    codes: int  # categorical: len(vocabulary); slots = codes + 2
    points: npt.NDArray[np.float64]  # per slot: [missing, bin 0.. | code 0.., other]

    @property
    def count(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class _Group:
    members: tuple[_Slots, ...]  # first member is the most significant digit
    points: npt.NDArray[np.float64]  # summed points per combined index

    @property
    def narrow(self) -> bool:
        return len(self.points) <= _GROUP_SLOTS


def _numeric_slots(v: NumericVariable) -> _Slots:
    counting = tuple(sorted(s for s in v.splits if s == s))  # the count needs no order
    points = np.array((v.missing_points, *v.points[: len(counting) + 1]), dtype=np.float64)
    return _Slots(v.name, counting, 0, points)


def _categorical_slots(v: CategoricalVariable, vocabulary: Sequence[str]) -> _Slots:
    per_code = []
    for category in vocabulary:
        index = v.categories.get(str(category))
        per_code.append(v.other_points if index is None else v.points[index])
    points = np.array((v.missing_points, *per_code, v.other_points), dtype=np.float64)
    return _Slots(v.name, None, len(vocabulary), points)


def _pack(slots: Sequence[_Slots], base_points: float) -> tuple[_Group, ...]:
    """Pack the variables into few groups of at most 256 combined slots (best fit, largest
    first); fold the base points into the first group."""
    bins: list[list[_Slots]] = []
    sizes: list[int] = []
    for s in sorted(slots, key=lambda s: -s.count):
        fits = [i for i, size in enumerate(sizes) if size * s.count <= _GROUP_SLOTS]
        if fits:
            i = max(fits, key=lambda i: sizes[i])
            bins[i].append(s)
            sizes[i] *= s.count
        else:
            bins.append([s])
            sizes.append(s.count)
    groups = []
    for i, members in enumerate(bins):
        points = members[0].points + base_points if i == 0 else members[0].points
        for m in members[1:]:
            points = np.add.outer(points, m.points).ravel()
        groups.append(_Group(tuple(members), np.ascontiguousarray(points)))
    return tuple(groups)


@dataclass(frozen=True)
class CompiledScorecard:
    """A scorecard table laid out for batch scoring; build it with `compile_scorecard`."""

    table: ScorecardTable
    vocabularies: Mapping[str, tuple[str, ...]]  # categorical variable -> code -> category
    chunk_rows: int
    _groups: tuple[_Group, ...] = field(repr=False)

    @property
    def digest(self) -> str:
        """The table's digest: which scorecard version produced a score."""
        return self.table.digest

    def score(
        self,
        columns: Mapping[str, npt.ArrayLike],
        *,
        threads: int | None = None,
        vocabularies: Mapping[str, Sequence[str]] | None = None,
    ) -> Scores:
        """Score every row: base points plus each variable's points, as float64, one per row.

        `columns` maps each variable's name to a 1-D array (other keys are ignored): floats with
        NaN for missing for a numeric variable, integer codes for a categorical one. Codes index the
        scorecard's vocabulary unless `vocabularies` gives the column's own. `threads` defaults to
        the CPUs this process may use; the result does not depend on it.
        """
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        arrays, n = self._check(columns)
        groups = self._groups
        if vocabularies:
            groups = self._recoded(vocabularies)
        out = np.empty(n, dtype=np.float64)
        if n == 0:
            return out
        if not groups:
            out.fill(self.table.base_points)
            return out
        starts = range(0, n, self.chunk_rows)
        workers = min(threads or _usable_cpus(), len(starts))
        if workers == 1:
            _Worker(groups, arrays, out, self.chunk_rows).run(iter(starts), None)
            return out
        shared = iter(starts)
        lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fastscore") as pool:
            futures = [
                pool.submit(_Worker(groups, arrays, out, self.chunk_rows).run, shared, lock)
                for _ in range(workers)
            ]
            for future in futures:
                future.result()
        return out

    def _check(self, columns: Mapping[str, npt.ArrayLike]) -> tuple[dict[str, np.ndarray], int]:
        arrays: dict[str, np.ndarray] = {}
        n: int | None = None
        first = ""
        for v in self.table.variables:
            if v.name in arrays:
                continue
            if v.name not in columns:
                raise ValueError(f"column {v.name!r} is missing")
            a = np.asarray(columns[v.name])
            if a.ndim != 1:
                raise ValueError(f"column {v.name!r} must be one-dimensional, got shape {a.shape}")
            if isinstance(v, NumericVariable):
                if a.dtype.kind not in "fiub":
                    raise ValueError(f"column {v.name!r} must be numeric, got dtype {a.dtype}")
            elif a.dtype.kind not in "iu":
                raise ValueError(
                    f"column {v.name!r} must hold integer category codes, got dtype {a.dtype} "
                    "(see encode_categorical)"
                )
            if n is None:
                n, first = len(a), v.name
            elif len(a) != n:
                raise ValueError(f"column {v.name!r} has {len(a)} rows, column {first!r} has {n}")
            arrays[v.name] = a
        if n is None:  # no variables: every row scores the base points
            lengths = {len(np.asarray(c)) for c in columns.values()}
            if len(lengths) > 1:
                raise ValueError(f"columns differ in length: {sorted(lengths)}")
            n = lengths.pop() if lengths else 0
        return arrays, n

    def _recoded(self, vocabularies: Mapping[str, Sequence[str]]) -> tuple[_Group, ...]:
        unknown = sorted(set(vocabularies) - set(self.vocabularies))
        if unknown:
            raise ValueError(f"vocabularies given for columns that are not categorical: {unknown}")
        slots = [
            _numeric_slots(v)
            if isinstance(v, NumericVariable)
            else _categorical_slots(v, vocabularies.get(v.name, self.vocabularies[v.name]))
            for v in self.table.variables
        ]
        return _pack(slots, self.table.base_points)


def compile_scorecard(
    table: ScorecardTable, *, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> CompiledScorecard:
    """Lay a scorecard table out for `CompiledScorecard.score`; cheap, do it once per version."""
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    vocabularies = {
        v.name: tuple(v.categories) for v in table.variables if isinstance(v, CategoricalVariable)
    }
    slots = [
        _numeric_slots(v)
        if isinstance(v, NumericVariable)
        else _categorical_slots(v, vocabularies[v.name])
        for v in table.variables
    ]
    return CompiledScorecard(table, vocabularies, chunk_rows, _pack(slots, table.base_points))


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _Worker:
    """One thread's scratch buffers and the passes over a chunk."""

    def __init__(
        self,
        groups: tuple[_Group, ...],
        columns: dict[str, np.ndarray],
        out: Scores,
        chunk_rows: int,
    ) -> None:
        self.groups = groups
        self.columns = columns
        self.out = out
        self.chunk_rows = chunk_rows
        rows = min(chunk_rows, len(out))
        self.index = np.empty(rows, dtype=np.uint8)
        self.flags = np.empty(rows, dtype=np.uint8)
        self.wide = np.empty(rows, dtype=np.intp)
        self.points = np.empty(rows, dtype=np.float64)
        self.floats = np.empty(rows, dtype=np.float64)
        self.codes: dict[np.dtype[Any], np.ndarray] = {}

    def run(self, starts: Iterator[int], lock: threading.Lock | None) -> None:
        while True:
            if lock is None:
                start = next(starts, None)
            else:
                with lock:
                    start = next(starts, None)
            if start is None:
                return
            self.chunk(start, min(start + self.chunk_rows, len(self.out)))

    def chunk(self, start: int, stop: int) -> None:
        m = stop - start
        total = self.out[start:stop]
        for i, group in enumerate(self.groups):
            into = total if i == 0 else self.points[:m]
            if group.narrow:
                index = self.index[:m]
                for j, member in enumerate(group.members):
                    self.add_slots(index, member, j == 0, start, stop)
                wide = self.wide[:m]
                np.copyto(wide, index)
                np.take(group.points, wide, out=into, mode="clip")
            else:
                (member,) = group.members
                np.take(group.points, self.wide_slots(member, start, stop), out=into, mode="clip")
            if i:
                np.add(total, into, out=total)

    def add_slots(self, index: np.ndarray, s: _Slots, first: bool, start: int, stop: int) -> None:
        """index = index * slots + this variable's slot (all uint8; the true value is < 256)."""
        m = stop - start
        flags = self.flags[:m]
        target = index if first else flags
        if not first:
            np.multiply(index, s.count, out=index)
        if s.splits is not None:
            x = self.numeric(s.name, start, stop)
            np.equal(x, x, out=target.view(np.bool_))  # 0 for missing, 1 otherwise
            if not first:
                np.add(index, flags, out=index)
            as_bool = flags.view(np.bool_)
            for split in s.splits:
                np.greater_equal(x, split, out=as_bool)
                np.add(index, flags, out=index)
        else:
            clipped = self.clipped(s, start, stop)
            np.copyto(target, clipped, casting="unsafe")  # -1 wraps to 255, +1 below makes 0
            if not first:
                np.add(index, flags, out=index)
            np.add(index, 1, out=index)

    def wide_slots(self, s: _Slots, start: int, stop: int) -> npt.NDArray[np.intp]:
        m = stop - start
        wide = self.wide[:m]
        if s.splits is not None:
            x = self.numeric(s.name, start, stop)
            bins = np.searchsorted(np.array(s.splits), x, side="right")
            np.add(bins, 1, out=wide)
            wide[np.isnan(x)] = 0
        else:
            np.add(self.clipped(s, start, stop), 1, out=wide, casting="unsafe")
        return wide

    def numeric(self, name: str, start: int, stop: int) -> npt.NDArray[np.float64]:
        x = self.columns[name][start:stop]
        if x.dtype == np.float64:
            return x
        floats = self.floats[: stop - start]
        np.copyto(floats, x, casting="unsafe")
        return floats

    def clipped(self, s: _Slots, start: int, stop: int) -> np.ndarray:
        """The chunk's codes clipped to [-1, len(vocabulary)] in the column's own dtype."""
        codes = self.columns[s.name][start:stop]
        scratch = self.codes.get(codes.dtype)
        if scratch is None:
            scratch = self.codes[codes.dtype] = np.empty(len(self.index), dtype=codes.dtype)
        info = np.iinfo(codes.dtype)
        low, high = max(-1, info.min), min(s.codes, info.max)
        return np.clip(codes, low, high, out=scratch[: stop - start])


__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "CompiledScorecard",
    "compile_scorecard",
    "encode_categorical",
]

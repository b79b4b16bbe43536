"""What every reader shares: the row it yields, the whole-file error, limits and header rules."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import ClassVar, NamedTuple

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

MAX_FILE_BYTES = 2 * GiB
"""Default cap on the size of one uploaded file (`open_rows(max_bytes=...)` changes it)."""
MAX_LINE_BYTES = 16 * MiB
"""A longer CSV or JSON Lines line is a row error (CSV counts characters, JSON Lines bytes)."""
MAX_FIELD_CHARS = 1 * MiB
"""A longer CSV field is a row error; the cap also bounds memory when a quote is never closed."""


class FileUnreadable(Exception):
    """The file as a whole cannot be read; the message says what is wrong and what to do."""


class SourceRow(NamedTuple):
    """One data row: its values by header name, or why it could not be read.

    ``number`` is 1-based and excludes the header: the spreadsheet row minus the header row for
    CSV and XLSX (blank rows count, so a person can find it), the line number for JSON Lines,
    the row index for Parquet. A named tuple rather than a dataclass: it is made for every row.
    """

    number: int
    values: dict[str, object] | None
    error: str | None = None


class SourceReader(ABC):
    """An open source file yielding `SourceRow`s once, in file order; close it when done."""

    format: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = path
        self.headers: list[str] = []
        self.encoding: str | None = None
        self.total_bytes: int = path.stat().st_size
        self.total_rows: int | None = None
        self._rows_done = 0
        self._finished = False
        self._started = False

    def bytes_read(self) -> int:
        """How far reading has got, in bytes; estimated from rows where the format hides it."""
        if self._finished:
            return self.total_bytes
        if self.total_rows:
            return min(self.total_bytes, self.total_bytes * self._rows_done // self.total_rows)
        return 0

    def __iter__(self) -> Iterator[SourceRow]:
        if self._started:
            raise RuntimeError("a source file can be read only once; open it again")
        self._started = True
        return self._rows()

    @abstractmethod
    def _rows(self) -> Iterator[SourceRow]:
        """Yield the data rows (blank rows skipped); keep `_rows_done` and `_finished` current
        where `bytes_read` is estimated from them."""

    @abstractmethod
    def close(self) -> None:
        """Release the file."""

    def __enter__(self) -> SourceReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def normalize_header(value: object) -> str:
    """A column name as we compare it: text, stripped (BOM too) and lower-cased."""
    text = "" if value is None else value if isinstance(value, str) else plain_text(value)
    return text.strip().lstrip("\ufeff").strip().lower()


def check_headers(
    raw: Sequence[object],
    expected: Sequence[str] | None,
    column: Callable[[int], str],
) -> list[str]:
    """Normalise a header row; raise `FileUnreadable` if it is missing, empty or ambiguous.

    Trailing unnamed columns are dropped (spreadsheets and trailing commas leave them); the
    reader then rejects rows that put a value there. `column(i)` names the 0-based column i.
    """
    names = [normalize_header(value) for value in raw]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileUnreadable(
            "the header row has no column names; the first row must name the columns"
        )
    check_expected(names, expected)
    for index, name in enumerate(names):
        if not name:
            raise FileUnreadable(
                f"column {column(index)} of the header row has no name; "
                "name every column or delete the empty column"
            )
    first_seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in first_seen:
            raise FileUnreadable(
                f'column name "{name}" appears twice in the header row (columns '
                f"{column(first_seen[name])} and {column(index)}); column names must be unique"
            )
        first_seen[name] = index
    return names


def check_expected(names: Sequence[str], expected: Sequence[str] | None) -> None:
    """Raise `FileUnreadable` when none of the expected column names is in the header."""
    if not expected:
        return
    wanted = [normalize_header(name) for name in expected]
    if set(wanted) & set(names):
        return
    raise FileUnreadable(
        "none of the expected column names is in the header row: expected "
        f"{_listing(wanted)}; found {_listing(names)}. The first row must name the columns "
        "(is the header row missing, or is there a title row above it?)"
    )


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


def is_blank(values: Sequence[object]) -> bool:
    """True when no value carries anything (None, or text of only whitespace)."""
    for value in values:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True


def iso(value: date | datetime | time) -> str:
    """ISO 8601 text; a naive datetime at midnight is a date (spreadsheets store dates so)."""
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat()
    return value.isoformat()


def plain_text(value: object) -> str:
    """How a value is written as CSV text (also used for non-text header cells)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime | time):
        return iso(value)
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def size_text(size: int) -> str:
    """A byte count for people: 1.5 GiB, 20 MiB, 512 bytes."""
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"

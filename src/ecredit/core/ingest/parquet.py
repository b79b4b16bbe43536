"""Parquet: flat columns of text, numbers, booleans, dates and times, read batch by batch.

Values keep their type (as in JSON Lines), except: decimals become canonical text ("1200.50"),
dates and times ISO text, and a NaN float None (pandas writes a missing float as NaN). Nested,
binary and other types are refused for the whole file, since every row would have them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecredit.core.ingest.base import (
    FileUnreadable,
    SourceReader,
    SourceRow,
    check_headers,
    is_blank,
    iso,
)

BATCH_ROWS = 8192


class _Refused(Exception):
    """A value the row cannot be accepted with; the message is the row error."""


class ParquetReader(SourceReader):
    """Rows of a Parquet file; `total_rows` from its metadata."""

    format = "parquet"

    def __init__(self, path: Path, *, expected_headers: Sequence[str] | None = None) -> None:
        super().__init__(path)
        try:
            self._file: Any = pq.ParquetFile(path)
            schema = self._file.schema_arrow
            self.total_rows = int(self._file.metadata.num_rows)
        except Exception as exc:  # ArrowInvalid, OSError, ...: all mean "not Parquet"
            raise FileUnreadable(
                f"not a valid Parquet file ({type(exc).__name__}: {_first_line(exc)}); "
                "write it again, or export the data as CSV UTF-8"
            ) from exc
        try:
            for field in schema:
                if not _accepted(field.type):
                    raise FileUnreadable(
                        f'column "{field.name}" has the type {field.type}, which cannot be '
                        "imported; use text, numbers, booleans, dates or timestamps"
                    )
            self.headers = check_headers(
                list(schema.names), expected_headers, lambda index: str(index + 1)
            )
            self._types = list(schema.types)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._file.close()

    def _rows(self) -> Iterator[SourceRow]:
        headers = self.headers
        number = 0
        batches = self._file.iter_batches(batch_size=BATCH_ROWS)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                self._finished = True
                return
            except Exception as exc:  # a damaged page or row group
                raise FileUnreadable(
                    f"the Parquet file is damaged after row {number} "
                    f"({type(exc).__name__}: {_first_line(exc)}); write it again"
                ) from exc
            converted = [
                _column_values(batch.column(index), kind, name)
                for index, (kind, name) in enumerate(zip(self._types, headers, strict=True))
            ]
            columns = [values for values, _ in converted]
            refusing = [index for index, (_, refuses) in enumerate(converted) if refuses]
            self._rows_done = number + batch.num_rows
            for values in zip(*columns, strict=True):
                number += 1
                refused = (
                    next((values[i] for i in refusing if isinstance(values[i], _Refused)), None)
                    if refusing
                    else None
                )
                if refused is not None:
                    yield SourceRow(number, None, str(refused))
                elif not is_blank(values):
                    yield SourceRow(number, dict(zip(headers, values, strict=True)))


def _accepted(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        return _accepted(kind.value_type)
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_time(kind)
        or pa.types.is_decimal(kind)
    )


def _column_values(array: Any, kind: pa.DataType, name: str) -> tuple[list[object], bool]:
    """A column's values as Python objects, and whether some are `_Refused` (row errors)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    refusing = pa.types.is_floating(kind)
    try:
        if (pa.types.is_timestamp(kind) or pa.types.is_time64(kind)) and kind.unit == "ns":
            target = pa.timestamp("us", kind.tz) if pa.types.is_timestamp(kind) else pa.time64("us")
            array = pc.cast(array, target, safe=False)
        values: list[object] = array.to_pylist()
    except Exception:  # a value pyarrow cannot convert (bad UTF-8, a date out of range): find it
        values = [_one_value(array, index, name) for index in range(len(array))]
        refusing = True
    convert = _converter(kind, name)
    if convert is None:
        return values, refusing
    return [
        None if value is None else value if isinstance(value, _Refused) else convert(value)
        for value in values
    ], refusing


def _one_value(array: Any, index: int, name: str) -> object:
    try:
        value: object = array[index].as_py()
    except UnicodeDecodeError:
        return _Refused(f'text in column "{name}" is not valid UTF-8')
    except Exception as exc:
        return _Refused(
            f'value in column "{name}" cannot be read ({type(exc).__name__}: {_first_line(exc)})'
        )
    return value


def _converter(kind: pa.DataType, name: str) -> Callable[[Any], object] | None:
    if pa.types.is_floating(kind):

        def number(value: float) -> object:
            if math.isnan(value):
                return None
            if math.isinf(value):
                return _Refused(f'number in column "{name}" is infinite')
            return value

        return number
    if pa.types.is_decimal(kind):
        return lambda value: format(value, "f") if isinstance(value, Decimal) else value
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind) or pa.types.is_time(kind):
        return lambda value: iso(value) if isinstance(value, date | datetime | time) else value
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else "no detail"

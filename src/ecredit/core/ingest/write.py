"""`write_rows`: write rows in any of the four formats (for demos and tests)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.cell import WriteOnlyCell

from ecredit.core.ingest.base import plain_text
from ecredit.core.ingest.detect import FORMATS

PARQUET_BATCH_ROWS = 10_000


def write_rows(
    path: Path, fmt: str, headers: Sequence[str], rows: Iterable[Mapping[str, object]]
) -> Path:
    """Write `rows` (keyed by `headers`; a missing key is an empty value) to `path` as `fmt`.

    CSV is UTF-8 without a BOM; XLSX has one sheet whose text cells stay text (even "=1+1");
    JSON Lines keeps numbers and booleans; Parquet stores every column as text. Values that are
    not JSON types are written as text (dates in ISO form, decimals as written).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    path = Path(path)
    known = set(headers)
    checked = (_checked(row, known) for row in rows)
    _WRITERS[fmt](path, list(headers), checked)
    return path


def _checked(row: Mapping[str, object], known: set[str]) -> Mapping[str, object]:
    unknown = [key for key in row if key not in known]
    if unknown:
        raise ValueError(f"row has keys that are not headers: {', '.join(sorted(unknown))}")
    return row


def _write_csv(path: Path, headers: list[str], rows: Iterator[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([plain_text(row.get(header)) for header in headers])


def _write_xlsx(path: Path, headers: list[str], rows: Iterator[Mapping[str, object]]) -> None:
    book: Any = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append([_xlsx_cell(sheet, header) for header in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(header)) for header in headers])
    book.save(path)


def _xlsx_cell(sheet: Any, value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
        return cell
    if isinstance(value, bool | int | float | date | datetime | time):
        return value
    return plain_text(value)


def _write_jsonl(path: Path, headers: list[str], rows: Iterator[Mapping[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            record = {header: _json_value(row.get(header)) for header in headers}
            handle.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")


def _json_value(value: object) -> object:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Decimal | date | datetime | time):
        return plain_text(value)
    return str(value)


def _write_parquet(path: Path, headers: list[str], rows: Iterator[Mapping[str, object]]) -> None:
    schema = pa.schema([pa.field(header, pa.string()) for header in headers])
    with pq.ParquetWriter(path, schema) as writer:
        while batch := list(islice(rows, PARQUET_BATCH_ROWS)):
            columns = [
                pa.array(
                    [None if (v := row.get(header)) is None else plain_text(v) for row in batch],
                    pa.string(),
                )
                for header in headers
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
        # with no rows, closing the writer still writes the schema


_WRITERS = {
    "csv": _write_csv,
    "xlsx": _write_xlsx,
    "jsonl": _write_jsonl,
    "parquet": _write_parquet,
}

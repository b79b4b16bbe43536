"""XLSX: the first worksheet, streamed by openpyxl in read-only mode.

Values: text as is; numbers stay numbers as in JSON Lines, except that a whole float becomes an
int (Excel stores every number as a double, and 13800138000.0 is meant as 13800138000); dates and
times become ISO text (a date-time at midnight becomes a date); booleans stay booleans. A formula
cell is refused (we would store either its text, which a spreadsheet runs when the data is exported
again, or a cached result no one can check), and so is an error value such as #N/A.

openpyxl parses with the standard library's expat, which refuses external entities and, since
expat 2.4, entity-expansion bombs; the archive is checked before opening so that a part openpyxl
reads whole (shared strings, styles) cannot expand to gigabytes.
"""

from __future__ import annotations

import math
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from ecredit.core.ingest.base import (
    FileUnreadable,
    MiB,
    SourceReader,
    SourceRow,
    check_headers,
    is_blank,
    iso,
    plain_text,
    size_text,
)
from ecredit.core.ingest.detect import describe_binary, read_head

MAX_PART_BYTES = 512 * MiB
"""Largest uncompressed archive part other than a worksheet (those are streamed)."""

EXCEL_MAX_ROWS = 1_048_576

_REOPEN = "open it in Excel or WPS and save it again as .xlsx"


class _Refused(Exception):
    """A cell the row cannot be accepted with; the message is the row error."""


class XlsxReader(SourceReader):
    """Rows of the first worksheet of an XLSX workbook; `total_rows` from its stated size."""

    format = "xlsx"

    def __init__(self, path: Path, *, expected_headers: Sequence[str] | None = None) -> None:
        super().__init__(path)
        _check_archive(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._book: Any = openpyxl.load_workbook(
                    path, read_only=True, data_only=False, keep_links=False
                )
        except Exception as exc:  # openpyxl raises anything from KeyError to ParseError
            raise FileUnreadable(f"not a valid XLSX workbook ({_reason(exc)}); {_REOPEN}") from exc
        try:
            sheets = self._book.worksheets
            if not sheets:
                raise FileUnreadable(
                    "the workbook has no worksheet; put the data on the first sheet"
                )
            sheet = sheets[0]
            stated_rows = sheet.max_row
            sheet.reset_dimensions()  # a wrong stated size would pad every row to it
            self._sheet_rows: Any = sheet.iter_rows()
            self._row_index = 0
            header_cells = self._header()
            self._header_index = self._row_index
            self.headers = check_headers(
                [_header_value(cell, index) for index, cell in enumerate(header_cells)],
                expected_headers,
                get_column_letter_of_index,
            )
            if isinstance(stated_rows, int) and stated_rows >= self._header_index:
                self.total_rows = stated_rows - self._header_index
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        rows = getattr(self, "_sheet_rows", None)
        if rows is not None:
            rows.close()  # the generator holds the worksheet part open
        self._book.close()

    def _next_cells(self) -> tuple[Any, ...] | None:
        try:
            cells = next(self._sheet_rows)
        except StopIteration:
            return None
        except Exception as exc:  # damage found while streaming the sheet
            raise FileUnreadable(
                f"the workbook is damaged at row {self._row_index + 1} of the first sheet "
                f"({_reason(exc)}); {_REOPEN}"
            ) from exc
        self._row_index += 1
        if self._row_index > EXCEL_MAX_ROWS:  # a row numbered 2**31 would have us count to it
            raise FileUnreadable(
                f"the first worksheet claims more than {EXCEL_MAX_ROWS:,} rows, the most Excel "
                f"allows; {_REOPEN}, or export the data as CSV UTF-8"
            )
        return tuple(cells)

    def _header(self) -> tuple[Any, ...]:
        while (cells := self._next_cells()) is not None:
            if not is_blank([cell.value for cell in cells]):
                return cells
        raise FileUnreadable(
            "the first worksheet has no header row: it is empty; "
            "put the column names in the first row and the data below"
        )

    def _rows(self) -> Iterator[SourceRow]:
        headers = self.headers
        width = len(headers)
        while (cells := self._next_cells()) is not None:
            number = self._rows_done = self._row_index - self._header_index
            try:
                values = [_cell_value(cell, index, headers) for index, cell in enumerate(cells)]
            except _Refused as refused:
                yield SourceRow(number, None, str(refused))
                continue
            if is_blank(values):
                continue
            for index in range(width, len(values)):
                if not is_blank(values[index : index + 1]):
                    yield SourceRow(
                        number,
                        None,
                        f"value in column {get_column_letter(index + 1)}, which has no header; "
                        "name the column or delete the value",
                    )
                    break
            else:
                values.extend([None] * (width - len(values)))
                yield SourceRow(number, dict(zip(headers, values[:width], strict=True)))
        self._finished = True


def get_column_letter_of_index(index: int) -> str:
    """The spreadsheet letter of a 0-based column index."""
    return str(get_column_letter(index + 1))


def _column(index: int, headers: Sequence[str]) -> str:
    letter = get_column_letter_of_index(index)
    return f"{letter} ({headers[index]})" if index < len(headers) else letter


def _cell_value(cell: Any, index: int, headers: Sequence[str]) -> object:
    value = cell.value
    if value is None:
        return None
    data_type = cell.data_type
    if data_type == "f":
        raise _Refused(
            f"formula in column {_column(index, headers)} is not accepted (formula injection); "
            "paste values instead"
        )
    if data_type == "e":
        raise _Refused(f"error value {value} in column {_column(index, headers)}; fix or clear it")
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused(f"number in column {_column(index, headers)} is not finite")
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, date | datetime | time):
        return iso(value)
    if isinstance(value, timedelta):
        return plain_text(value)
    return plain_text(value)


def _header_value(cell: Any, index: int) -> object:
    if cell.data_type == "f":
        raise FileUnreadable(
            f"header cell {get_column_letter_of_index(index)} is a formula; type the column name"
        )
    value: object = cell.value
    return value


def _check_archive(path: Path) -> None:
    """Raise `FileUnreadable` unless `path` is a sound ZIP whose whole-read parts are small."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (unknown method), OSError, ...
        known = describe_binary(read_head(path))
        if known is not None and not known[0].startswith("a ZIP"):
            what, todo = known
            raise FileUnreadable(f"the file is {what}, not an XLSX workbook; {todo}") from exc
        raise FileUnreadable(
            f"not a valid XLSX workbook: the ZIP container is damaged or truncated; {_REOPEN}"
        ) from exc
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names:
        raise FileUnreadable(
            "the file is a ZIP archive but not an Excel workbook (.xlsx); "
            "unzip it and import the file inside"
        )
    for part in parts:
        if part.file_size > MAX_PART_BYTES and not part.filename.startswith("xl/worksheets/"):
            raise FileUnreadable(
                f"the workbook part {part.filename} expands to {size_text(part.file_size)}, "
                f"over the limit of {size_text(MAX_PART_BYTES)}; save the data as CSV UTF-8"
            )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__

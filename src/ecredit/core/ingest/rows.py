"""`open_rows`: check the file, pick the reader for its format, read the header."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ecredit.core.ingest.base import MAX_FILE_BYTES, SourceReader
from ecredit.core.ingest.csvfile import CsvReader
from ecredit.core.ingest.detect import check_file, detect_format
from ecredit.core.ingest.jsonl import JsonLinesReader
from ecredit.core.ingest.parquet import ParquetReader
from ecredit.core.ingest.xlsx import XlsxReader

READERS: dict[str, type[CsvReader | XlsxReader | JsonLinesReader | ParquetReader]] = {
    "csv": CsvReader,
    "xlsx": XlsxReader,
    "jsonl": JsonLinesReader,
    "parquet": ParquetReader,
}


def open_rows(
    path: Path,
    fmt: str | None = None,
    *,
    expected_headers: Sequence[str] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> SourceReader:
    """Open a source file for streaming its rows; `FileUnreadable` if it cannot be read at all.

    `fmt` is one of `FORMATS`, or None to detect it. With `expected_headers`, a header row that
    holds none of them is taken for a missing header row. Use the reader as a context manager.
    """
    path = Path(path)
    check_file(path, max_bytes)
    reader_class = READERS[detect_format(path, fmt)]
    return reader_class(path, expected_headers=expected_headers)

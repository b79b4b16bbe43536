"""Streaming readers for the files providers upload: CSV, XLSX, JSON Lines and Parquet.

`open_rows(path)` detects the format, checks the file and its header, and yields `SourceRow`s one
at a time, so a file of gigabytes takes little memory. A problem with one row (wrong number of
values, undecodable bytes, a formula, a line that is not a JSON object) is that row's `error` and
reading goes on; a problem with the whole file raises `FileUnreadable` with what is wrong and what
to do. See CONTRACT.md next to this file.
"""

from ecredit.core.ingest.base import (
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_LINE_BYTES,
    FileUnreadable,
    SourceReader,
    SourceRow,
)
from ecredit.core.ingest.detect import FORMATS, detect_format
from ecredit.core.ingest.rows import open_rows
from ecredit.core.ingest.write import write_rows

__all__ = [
    "FORMATS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "FileUnreadable",
    "SourceReader",
    "SourceRow",
    "detect_format",
    "open_rows",
    "write_rows",
]

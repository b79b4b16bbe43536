"""Which of the four formats a file is in: declared, by extension, else by its first bytes."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from ecredit.core.ingest.base import FileUnreadable, size_text

FORMATS = ("csv", "xlsx", "jsonl", "parquet")

EXTENSIONS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json-lines": "jsonl",
    ".parquet": "parquet",
}

HEAD_BYTES = 64 * 1024

# Files people upload by mistake, by their first bytes: what it is, what to do.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an Excel 97-2003 workbook (.xls) or a password-protected workbook",
        "open it in Excel or WPS, remove any password and save it as .xlsx or CSV UTF-8",
    ),
    (b"PK\x03\x04", "a ZIP archive", "unzip it, or save the workbook again as .xlsx"),
    (b"PAR1", "a Parquet file", "give it the .parquet extension or declare its format as parquet"),
    (b"%PDF", "a PDF document", "export the data as CSV UTF-8 or .xlsx instead"),
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first"),
    (b"BZh", "a bzip2-compressed file", "decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "decompress it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it first"),
    (b"SQLite format 3\x00", "an SQLite database", "export the table as CSV UTF-8"),
    (b"\x89PNG", "a PNG image", "upload the data file instead"),
    (b"\xff\xd8\xff", "a JPEG image", "upload the data file instead"),
)


def detect_format(path: Path, declared: str | None = None) -> str:
    """The format of `path`: `declared` if given, else by extension, else by content."""
    if declared is not None:
        fmt = declared.strip().lower()
        if fmt in FORMATS:
            return fmt
        raise FileUnreadable(f"unknown file format {declared!r}; use one of: {', '.join(FORMATS)}")
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    return _sniff(path, read_head(path))


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first bytes of a file, or `FileUnreadable` saying why it cannot be opened."""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        raise FileUnreadable(f"file not found: {path}") from None
    except IsADirectoryError:
        raise FileUnreadable(f"{path} is a directory, not a file") from None
    except PermissionError:
        raise FileUnreadable(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise FileUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None


def check_file(path: Path, max_bytes: int) -> int:
    """The size of a readable, non-empty regular file within `max_bytes`; else `FileUnreadable`."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise FileUnreadable(f"file not found: {path}") from None
    except OSError as exc:
        raise FileUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(status.st_mode):
        raise FileUnreadable(f"{path} is a directory, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise FileUnreadable(f"{path} is not a regular file")
    read_head(path, 0)  # permission
    size = status.st_size
    if size == 0:
        raise FileUnreadable("the file is empty (0 bytes); export the data again")
    if size > max_bytes:
        raise FileUnreadable(
            f"the file is {size_text(size)}, over the limit of {size_text(max_bytes)}; "
            "split it into smaller files"
        )
    return size


def describe_binary(head: bytes) -> tuple[str, str] | None:
    """What a known non-text file is and what to do with it, from its first bytes."""
    for magic, what, todo in _MAGIC:
        if head.startswith(magic):
            return what, todo
    return None


def reject_binary(path: Path, head: bytes, kind: str) -> None:
    """Raise `FileUnreadable` if a file meant to be `kind` text is a known binary, or has NULs."""
    if head.startswith(b"PK\x03\x04") and is_xlsx_archive(path, head):
        raise FileUnreadable(
            f"the file is an XLSX workbook, not {kind}; "
            "give it the .xlsx extension or declare its format as xlsx"
        )
    known = describe_binary(head)
    if known is not None:
        what, todo = known
        raise FileUnreadable(f"the file is {what}, not {kind}; {todo}")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        raise FileUnreadable(
            f"the file is UTF-16 or UTF-32 text, not UTF-8; save it as {kind} UTF-8"
        )
    probe = head[:1024]
    if b"\x00" not in probe:
        return
    even, odd = probe[0::2].count(0), probe[1::2].count(0)
    if min(even, odd) == 0 and max(even, odd) >= max(2, len(probe) // 4):
        raise FileUnreadable(
            f"the file looks like UTF-16 text without a byte-order mark; save it as {kind} UTF-8"
        )
    raise FileUnreadable(
        f"the file is not {kind} text: it has NUL bytes in the first 1 KiB (binary data or a "
        f"corrupt export); export the data again as {kind} UTF-8"
    )


def is_xlsx_archive(path: Path, head: bytes) -> bool:
    """Whether a ZIP file holds an Excel workbook (or, if damaged, seems to)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except Exception:  # BadZipFile, NotImplementedError, OSError, ...: damaged
        return b"xl/" in head


def _sniff(path: Path, head: bytes) -> str:
    if not head:
        raise FileUnreadable("the file is empty (0 bytes); export the data again")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if is_xlsx_archive(path, head):
            return "xlsx"
        raise FileUnreadable(
            "the file is a ZIP archive but not an Excel workbook (.xlsx); "
            "unzip it and import the file inside"
        )
    binary = describe_binary(head)
    if binary is not None:
        what, todo = binary
        raise FileUnreadable(f"the file is {what}, not CSV, XLSX, JSON Lines or Parquet; {todo}")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"{", b"[")):
        return "jsonl"
    return "csv"

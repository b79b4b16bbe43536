"""CSV: the encoding and delimiter found from the start of the file, then read line by line.

Encodings: UTF-8 (BOM or not), UTF-16/UTF-32 with a BOM, and GB18030 (a superset of GBK, which
Chinese government systems export) when the first 1 MiB is not UTF-8 but is valid GB18030. Bytes
that do not decode later on are replaced by a marker by a codec error handler, and the row that
holds them becomes an error; so do NUL bytes, over-long lines and over-long fields. Reading goes on.

Python's csv module caps a field at `csv.field_size_limit()`, a process-wide setting; we set it to
1 MiB (the default is 128 KiB). The cap is what stops a never-closed quote from reading the rest of
a 2 GiB file into one field.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ecredit.core.ingest.base import (
    MAX_FIELD_CHARS,
    MAX_LINE_BYTES,
    FileUnreadable,
    MiB,
    SourceReader,
    SourceRow,
    check_headers,
    is_blank,
    size_text,
)
from ecredit.core.ingest.detect import reject_binary

SAMPLE_BYTES = 1 * MiB
"""How much of the file decides the encoding and the delimiter."""
MOSTLY_VALID = 20
"""An encoding with damaged bytes is still taken if it decodes this many non-ASCII characters
per damaged spot in the sample."""

ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "gb18030": "GB18030 (GBK)",
}

_MARK_UNDECODABLE = "ecredit.ingest.mark-undecodable"
_UNDECODABLE_MARK = "\udcff"  # a lone surrogate: no strict decoder ever produces one
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        return _UNDECODABLE_MARK, error.end
    raise error


codecs.register_error(_MARK_UNDECODABLE, _mark_undecodable)


class CsvReader(SourceReader):
    """Rows of a CSV file; `encoding` and `delimiter` say what was detected."""

    format = "csv"

    def __init__(self, path: Path, *, expected_headers: Sequence[str] | None = None) -> None:
        super().__init__(path)
        csv.field_size_limit(MAX_FIELD_CHARS)
        self._problem: str | None = None
        self._binary = path.open("rb")
        self._text: io.TextIOWrapper | None = None
        try:
            sample = self._binary.read(SAMPLE_BYTES)
            encoding, text = detect_encoding(path, sample, complete=len(sample) < SAMPLE_BYTES)
            self.encoding = encoding
            self.delimiter = sniff_delimiter(text)
            self._undecodable = (
                f"bytes that are not valid {ENCODING_NAMES[encoding]} text (the encoding found "
                "at the start of the file); save the file as CSV UTF-8"
            )
            self._binary.seek(0)
            self._text = io.TextIOWrapper(
                self._binary, encoding=encoding, errors=_MARK_UNDECODABLE, newline=""
            )
            self._records = csv.reader(
                self._lines(), delimiter=self.delimiter, quotechar='"', strict=False
            )
            self.headers = check_headers(
                self._header(), expected_headers, lambda index: str(index + 1)
            )
        except BaseException:
            self.close()
            raise

    def bytes_read(self) -> int:
        if self._binary.closed:
            return self.total_bytes
        return self._binary.tell()

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        self._binary.close()

    def _note(self, problem: str) -> None:
        if self._problem is None:
            self._problem = problem

    def _lines(self) -> Iterator[str]:
        assert self._text is not None
        readline = self._text.readline
        while line := readline(MAX_LINE_BYTES + 1):
            if len(line) > MAX_LINE_BYTES:
                while line and line[-1] not in "\r\n":
                    line = readline(MiB)
                self._note(f"line longer than {size_text(MAX_LINE_BYTES)}")
                yield "\n"
                continue
            if _UNDECODABLE_MARK in line:
                self._note(self._undecodable)
            if "\x00" in line:
                self._note("NUL byte in the row (binary data or a corrupt export)")
                line = line.replace("\x00", "")
            yield line

    def _next_record(self) -> list[str] | str | None:
        """The next record's fields, or the problem that spoilt it, or None at the end."""
        self._problem = None
        try:
            fields = next(self._records)
        except StopIteration:
            return None
        except csv.Error as exc:
            return self._problem or _csv_problem(exc)
        return self._problem or fields

    def _header(self) -> list[str]:
        while True:
            record = self._next_record()
            if record is None:
                raise FileUnreadable(
                    "the file has no header row: it holds only blank lines; "
                    "the first row must name the columns"
                )
            if isinstance(record, str):
                raise FileUnreadable(f"the header row cannot be read: {record}")
            if not is_blank(record):
                return record

    def _rows(self) -> Iterator[SourceRow]:
        headers = self.headers
        width = len(headers)
        records = self._records
        number = 0
        while True:  # _next_record inlined: this loop runs for every row of a big file
            self._problem = None
            try:
                record = next(records)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield SourceRow(number, None, self._problem or _csv_problem(exc))
                continue
            number += 1
            if self._problem is not None:
                yield SourceRow(number, None, self._problem)
                continue
            if len(record) != width:
                count = len(record)
                while count > width and not record[count - 1].strip():
                    count -= 1
                if count != width:
                    if not is_blank(record):
                        yield SourceRow(
                            number,
                            None,
                            f"row has {_count(count, 'value')} "
                            f"but the header has {_count(width, 'column')}",
                        )
                    continue
                del record[width:]
            if any(map(str.strip, record)):
                yield SourceRow(number, dict(zip(headers, record, strict=True)))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if message.startswith("field larger than field limit"):
        return f"field larger than {size_text(MAX_FIELD_CHARS)}"
    return f"not valid CSV: {message}"


def detect_encoding(path: Path, sample: bytes, *, complete: bool) -> tuple[str, str]:
    """The codec for a CSV file and its decoded `sample`; `FileUnreadable` if it is not text."""
    bom_codec = _bom_codec(sample)
    if bom_codec is not None:
        text = _decode(sample, bom_codec, complete=complete, errors=_MARK_UNDECODABLE)
        if "\x00" in text[:1024]:
            raise FileUnreadable(
                "the file is not CSV text: it has NUL characters near the start (binary data or "
                "a corrupt export); export the data again as CSV UTF-8"
            )
        return bom_codec, text
    reject_binary(path, sample, "CSV")
    # UTF-8 first: text in another encoding is almost never valid UTF-8, whereas UTF-8 Chinese
    # often happens to be valid GB18030. "Mostly valid" (a few damaged bytes among many good
    # characters) still counts, so that one bad row does not condemn the file; it is a row error.
    for codec in ("utf-8", "gb18030"):
        text = _decode(sample, codec, complete=complete, errors=_MARK_UNDECODABLE)
        bad = text.count(_UNDECODABLE_MARK)
        good = len(text) - len(text.encode("ascii", "ignore")) - bad
        if bad == 0 or good >= MOSTLY_VALID * bad:
            return codec, text
    raise FileUnreadable(
        "the file is not text in UTF-8, UTF-16 or GB18030/GBK (it may be binary, or in another "
        "encoding such as Big5); save it as CSV UTF-8"
    )


def _bom_codec(sample: bytes) -> str | None:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _decode(sample: bytes, codec: str, *, complete: bool, errors: str) -> str:
    decoder = codecs.getincrementaldecoder(codec)(errors)
    text: str = decoder.decode(sample, final=complete)
    return text


def sniff_delimiter(text: str) -> str:
    """The commonest of `,` `;` and tab outside quotes on the first non-blank line; else `,`."""
    for line in _LINE_BREAK.split(text, maxsplit=100):
        if line.strip():
            break
    else:
        return ","
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in line[:65536]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","

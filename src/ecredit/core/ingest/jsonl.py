"""JSON Lines: one flat JSON object per line, UTF-8, read line by line.

Keys are normalised like CSV headers (stripped, lower-cased). `headers` are the keys of the first
object in the file; later lines may have other keys (what is missing or unknown is for the data
dictionary to say). Values must be text, numbers, true/false or null: a nested object or array,
NaN or Infinity, a duplicated key or a line that is not an object makes that line an error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from ecredit.core.ingest.base import (
    MAX_LINE_BYTES,
    FileUnreadable,
    MiB,
    SourceReader,
    SourceRow,
    check_expected,
    is_blank,
    normalize_header,
    size_text,
)
from ecredit.core.ingest.detect import reject_binary

PEEK_LINES = 1000
"""How many lines are read ahead, at most, to find the first object (whose keys are `headers`)."""
MAX_CACHED_NAMES = 10_000


class _Refused(Exception):
    """The line cannot be accepted; the message is the row error."""


class JsonLinesReader(SourceReader):
    """Rows of a JSON Lines file; a row's number is its line number."""

    format = "jsonl"

    def __init__(self, path: Path, *, expected_headers: Sequence[str] | None = None) -> None:
        super().__init__(path)
        self._file = path.open("rb")
        self._line_number = 0
        self._ahead: list[SourceRow] = []
        self._peeking = False
        self._names: dict[str, str] = {}
        try:
            head = self._file.read(64 * 1024)
            self._file.seek(0)
            reject_binary(path, head, "JSON Lines")
            self._refuse_plain_json(head)
            self._peeking = True
            while not self.headers and len(self._ahead) < PEEK_LINES:
                row = self._next_row()
                if row is None:
                    break
                self._ahead.append(row)
            self._peeking = False
            if self.headers:
                check_expected(self.headers, expected_headers)
        except BaseException:
            self.close()
            raise

    def bytes_read(self) -> int:
        if self._file.closed:
            return self.total_bytes
        return self._file.tell()

    def close(self) -> None:
        self._file.close()

    def _rows(self) -> Iterator[SourceRow]:
        yield from self._ahead
        self._ahead = []
        while (row := self._next_row()) is not None:
            yield row

    def _refuse_plain_json(self, head: bytes) -> None:
        start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        first_line = start.split(b"\n", 1)[0].strip()
        if start.startswith(b"["):
            raise FileUnreadable(
                "the file is a JSON array, not JSON Lines; write one JSON object per line "
                "with no enclosing [ ]"
            )
        if first_line == b"{":
            raise FileUnreadable(
                "the file is pretty-printed JSON, not JSON Lines; write each object on one line"
            )

    def _next_row(self) -> SourceRow | None:
        """The next non-blank line as a row, or None at the end of the file."""
        readline = self._file.readline
        while raw := readline(MAX_LINE_BYTES + 1):
            self._line_number += 1
            number = self._line_number
            if len(raw) > MAX_LINE_BYTES:
                while raw and not raw.endswith(b"\n"):
                    raw = readline(MiB)
                return SourceRow(number, None, f"line longer than {size_text(MAX_LINE_BYTES)}")
            try:
                values = _parse_line(raw, first=number == 1, names=self._names)
            except _Refused as refused:
                return SourceRow(number, None, str(refused))
            if values is None:
                continue
            if self._peeking and not self.headers:
                self.headers = list(values)
            if not is_blank(list(values.values())):
                return SourceRow(number, values)
        return None


def _parse_line(raw: bytes, *, first: bool, names: dict[str, str]) -> dict[str, object] | None:
    """The values of one line, None if it is blank; `_Refused` says what is wrong.

    `names` caches normalised keys (the same few keys come on every line).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("line is not valid UTF-8 text; JSON Lines files must be UTF-8") from None
    if first:
        text = text.removeprefix("\ufeff")
    text = text.rstrip()
    if not text:
        return None
    try:
        parsed = _DECODER.decode(text)
    except _Refused:
        raise
    except json.JSONDecodeError as exc:
        raise _Refused(f"line is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise _Refused("line is not valid JSON: nested too deeply") from None
    except ValueError:  # only an integer with more digits than Python converts gets here
        raise _Refused("line has a number with too many digits") from None
    if parsed.__class__ is not dict:
        raise _Refused(f"line is {_kind(parsed)}, not a JSON object; write one object per line")
    values: dict[str, object] = {}
    for key, value in parsed.items():
        kind = value.__class__
        if kind is dict or kind is list:
            raise _Refused(
                f'value of "{key}" is {_kind(value)}; only text, numbers, true/false and null '
                "are accepted"
            )
        if kind is float and not math.isfinite(value):
            raise _Refused(f'number in "{key}" is too large')
        name = names.get(key)
        if name is None:
            name = normalize_header(key)
            if len(names) < MAX_CACHED_NAMES:
                names[key] = name
        if not name:
            raise _Refused("a key is empty; every value needs a column name")
        if name in values:
            raise _Refused(f'key "{name}" appears twice in the object')
        values[name] = value
    return values


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict, refusing a key that appears twice (`json` keeps the last)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f'key "{normalize_header(key)}" appears twice in the object')
            seen.add(key)
    return result


def _refuse_constant(name: str) -> object:
    raise _Refused(f"{name} is not valid JSON; write null for a missing number")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, object_pairs_hook=_object)


def _kind(value: object) -> str:
    if isinstance(value, dict):
        return "a nested object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"

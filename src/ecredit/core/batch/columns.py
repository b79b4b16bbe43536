"""The snapshot's columns: record columns, one typed column per dictionary field, and conversions.

Field types map to Arrow as follows (the dictionary's normalised value on the left):

    decimal  "1200.50"        decimal128(18 + scale, scale)   exact; 18 digits before the point
    rate     0.05             float64
    integer  12               int64
    date     "2026-03-18"     date32
    month    "2026-03"        date32, the first day of the month
    boolean  true             bool
    codes    ["a", "b"]       list<string>, in the code list's order
    string, text, code, subject_id                  string

A field whose name is also a record column (`consumer_complaint.received_on`) is stored as
`value_<name>`; `field_column()` says which.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from ecredit.core.dictionary import Field, RecordType

RECORD_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("record_id", pa.int64()),
    ("enterprise_key", pa.string()),
    ("type_name", pa.string()),
    ("provider", pa.string()),
    ("natural_key", pa.string()),
    ("version", pa.int64()),
    ("occurred_on", pa.date32()),
    ("received_on", pa.date32()),
)
RECORD_COLUMN_NAMES = frozenset(name for name, _ in RECORD_COLUMNS)
DECIMAL_DIGITS_BEFORE_POINT = 18  # the dictionary's limit for every decimal field


class SnapshotError(ValueError):
    """A snapshot that cannot be written or read as asked; the message says which record or file."""


class SnapshotOutdated(SnapshotError):
    """A snapshot that must be rebuilt before it is used: a type's fields changed in the dictionary
    since it was written, or its manifest is of another format or does not parse. Rebuild =
    delete the directory and append every record again."""


def field_column(name: str) -> str:
    """The snapshot column that holds the dictionary field `name`."""
    return f"value_{name}" if name in RECORD_COLUMN_NAMES else name


def arrow_type(f: Field) -> pa.DataType:
    """The Arrow type a dictionary field is stored as."""
    if f.type == "decimal":
        scale = f.scale or 0
        return pa.decimal128(DECIMAL_DIGITS_BEFORE_POINT + scale, scale)
    if f.type == "rate":
        return pa.float64()
    if f.type == "integer":
        return pa.int64()
    if f.type in ("date", "month"):
        return pa.date32()
    if f.type == "boolean":
        return pa.bool_()
    if f.type == "codes":
        return pa.list_(pa.string())
    return pa.string()


def type_schema(rt: RecordType) -> pa.Schema:
    """The Arrow schema of one record type's snapshot dataset."""
    fields = [pa.field(name, typ, nullable=False) for name, typ in RECORD_COLUMNS]
    fields += [pa.field(field_column(f.name), arrow_type(f)) for f in rt.fields]
    return pa.schema(fields)


def schema_fingerprint(schema: pa.Schema) -> str:
    """A short hash of the column names and types, to notice a type whose fields changed."""
    text = ";".join(f"{f.name}:{f.type}" for f in schema)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def to_column_value(f: Field, value: Any) -> Any:
    """A normalised value as the Python object Arrow stores for the field; None when missing."""
    if value is None or value == "":
        return None
    if f.type == "decimal":
        try:
            dec = Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal") from exc
        if not dec.is_finite():
            raise ValueError(f"{value!r} is not a finite decimal")
        return dec
    if f.type == "rate":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    if f.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} is not an integer")
        return value
    if f.type == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if f.type == "month":
        text = str(value)
        if len(text) != 7 or text[4] != "-":
            raise ValueError(f"{value!r} is not a month (YYYY-MM)")
        return date(int(text[:4]), int(text[5:]), 1)
    if f.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not a boolean")
        return value
    if f.type == "codes":
        if not isinstance(value, list | tuple):
            raise ValueError(f"{value!r} is not a list of codes")
        return [str(v) for v in value]
    return str(value)


def from_column_value(f: Field, value: Any) -> Any:
    """The dictionary's normalised value of what Arrow stored; None when missing."""
    if value is None:
        return None
    if f.type == "decimal":
        return format(value, "f")
    if f.type == "date":
        return value.isoformat()
    if f.type == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if f.type == "codes":
        return list(value)
    return value


def column_values(rt: RecordType, values: Mapping[str, Any]) -> dict[str, Any]:
    """Field column -> stored value for one record's normalised values; refuses unknown fields."""
    unknown = sorted(set(values) - set(rt.field_names))
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} for {rt.name}")
    out: dict[str, Any] = {}
    for f in rt.fields:
        try:
            out[field_column(f.name)] = to_column_value(f, values.get(f.name))
        except ValueError as exc:
            raise ValueError(f"field {f.name}: {exc}") from exc
    return out

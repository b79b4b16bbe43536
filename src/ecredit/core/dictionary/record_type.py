"""A record type: its fields, key, date of occurrence and publicity, and validation of one row."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ecredit.core.dictionary.errors import DictionaryError
from ecredit.core.dictionary.fields import Field, FieldError
from ecredit.core.dictionary.publicity import ONE_DAY, Publicity, as_date
from ecredit.core.dictionary.schema import record_type_schema
from ecredit.core.dictionary.values import InvalidValue, JSONValue, parse_value, show

CATEGORIES = ("entity", "operation", "supervision", "service", "reward_penalty", "complaint")
DISCLOSURE_LEVELS = ("public", "shared", "restricted")
OccurredRule = Literal["on", "month_end", "year_end"]
OCCURRED_RULES: tuple[OccurredRule, ...] = ("on", "month_end", "year_end")
NATURAL_KEY_SEPARATOR = "|"
NATURAL_KEY_MAX_LENGTH = 500  # the column that stores it


@dataclass(frozen=True)
class ValidatedRow:
    """A row's normalised values and everything wrong with it (empty when valid)."""

    values: dict[str, JSONValue]
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RecordType:
    """One kind of credit record, as declared by its file in ``types/``."""

    name: str
    version: int
    label_zh: str
    label_en: str
    description_zh: str
    description_en: str
    category: str
    disclosure_level: str
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    occurred_field: str
    occurred_rule: OccurredRule
    providers: tuple[str, ...]
    publicity: Publicity | None = None
    label_ru: str = ""  # optional; Russian pages fall back to label_en
    _by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """The field called `name`; `DictionaryError` if the type has none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise DictionaryError(
                f"record type {self.name!r} has no field {name!r}; fields: {', '.join(self.field_names)}"
            ) from None

    def csv_headers(self) -> list[str]:
        return list(self.field_names)

    def validate(self, row: Mapping[str, object], *, today: date) -> ValidatedRow:
        """Normalise `row` and report every problem in it; never raises on bad data."""
        if not isinstance(row, Mapping):
            return ValidatedRow(
                {}, [FieldError("", f"a record must be a set of named fields, got {show(row)}")]
            )
        errors: list[FieldError] = []
        for key in row:
            if key not in self._by_name:
                errors.append(
                    FieldError(
                        str(key)[:100],
                        f"unknown field {show(key)}; known: {', '.join(self.field_names)}",
                    )
                )
        values: dict[str, JSONValue] = {}
        wrong: dict[str, str] = {}
        for f in self.fields:
            try:
                value = parse_value(f, row.get(f.name), today)
            except InvalidValue as exc:
                wrong[f.name] = str(exc)
                continue
            if value is not None:
                values[f.name] = value
        for f in self.fields:
            message = wrong.get(f.name) or self._field_problem(f, values)
            if message:
                errors.append(FieldError(f.name, message))
        return ValidatedRow(values, errors)

    def _field_problem(self, f: Field, values: Mapping[str, JSONValue]) -> str | None:
        """What is wrong with `f` given the other (valid) values: missing, out of order, bad key."""
        value = values.get(f.name)
        if value is None:
            if f.required:
                return f"{f.name} is missing; it is required"
            if f.required_when and all(values.get(c.field) in c.values for c in f.required_when):
                when = " and ".join(
                    f"{c.field} is {' or '.join(c.values)}" for c in f.required_when
                )
                return f"{f.name} is missing; it is required when {when}"
            return None
        if f.not_before is not None:
            other = values.get(f.not_before)
            if isinstance(other, str) and isinstance(value, str) and value < other:
                return (
                    f"{f.name} {value} is before {f.not_before} {other}; "
                    f"expected a date on or after {other}"
                )
        if f.name in self.natural_key and isinstance(value, str) and NATURAL_KEY_SEPARATOR in value:
            return (
                f"{f.name} {show(value)} contains '{NATURAL_KEY_SEPARATOR}', which separates the parts "
                "of a record's key; expected the value without it"
            )
        return None

    def natural_key_of(self, values: Mapping[str, Any]) -> str:
        """The record's identity at its provider: the natural-key values joined by ``|``."""
        parts = []
        for name in self.natural_key:
            value = values.get(name)
            if value is None or value == "":
                raise ValueError(f"{self.name}: natural-key field {name} has no value")
            parts.append(value.isoformat() if isinstance(value, date) else str(value))
        return NATURAL_KEY_SEPARATOR.join(parts)

    def occurred_on(self, values: Mapping[str, Any]) -> date:
        """The day the fact happened: the occurrence field, or the end of its month or year."""
        value = values.get(self.occurred_field)
        if value is None or value == "":
            raise ValueError(f"{self.name}: {self.occurred_field} has no value")
        if self.occurred_rule == "month_end":
            year, month = (int(p) for p in str(value).split("-"))
            return date(year, month, calendar.monthrange(year, month)[1])
        if self.occurred_rule == "year_end":
            return date(int(value), 12, 31)
        return as_date(value)

    def public_until(self, values: Mapping[str, Any]) -> date | None:
        """The last day the record is public; None = no end; before `occurred_on` = never public."""
        occurred = self.occurred_on(values)
        if self.disclosure_level != "public":
            return occurred - ONE_DAY
        if self.publicity is None:
            return None
        return self.publicity.last_day(occurred, values)

    def is_public_on(self, values: Mapping[str, Any], day: date) -> bool:
        """Whether the record is shown to the public on `day`."""
        if self.disclosure_level != "public":
            return False
        occurred = self.occurred_on(values)
        until = self.public_until(values)
        return occurred <= day and (until is None or day <= until)

    def min_public_until(self, values: Mapping[str, Any]) -> date | None:
        """The last day the record must stay public at least (credit repair may end it after)."""
        if self.disclosure_level != "public" or self.publicity is None:
            return None
        return self.publicity.period_for(values).earliest_end(self.occurred_on(values))

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema (draft 2020-12) of one record in its input form (CSV strings or JSON)."""
        return record_type_schema(self)

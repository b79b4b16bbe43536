"""A record type's fields as the dictionary declares them: type, code list, limits, conditions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

FieldType = Literal[
    "string",
    "text",
    "integer",
    "decimal",
    "rate",
    "date",
    "month",
    "boolean",
    "code",
    "codes",
    "subject_id",
]
FIELD_TYPES: tuple[FieldType, ...] = (
    "string",
    "text",
    "integer",
    "decimal",
    "rate",
    "date",
    "month",
    "boolean",
    "code",
    "codes",
    "subject_id",
)
SUBJECT_SCHEMES = ("uscc", "lei", "store", "foreign")

# Limits that belong to a field type, not to a regulator's choice.
DEFAULT_MAX_LENGTH = {"string": 500, "text": 5000}


@dataclass(frozen=True)
class Code:
    """One entry of a code list: the code as stored and its Chinese, English and Russian labels.

    Russian is optional; where it is missing, pages in Russian show the English label.
    """

    code: str
    zh: str
    en: str
    ru: str = ""


@dataclass(frozen=True)
class Condition:
    """`field`'s value is one of `values` (the condition of a `required_when`)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one field of one row; `message` says what was given and what is expected."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Field:
    """One column of a record type."""

    name: str
    type: FieldType
    required: bool
    label_zh: str
    label_en: str
    description_zh: str
    description_en: str
    unit: str | None = None
    codes: tuple[Code, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_en: str | None = None
    scale: int | None = None
    required_when: tuple[Condition, ...] = ()
    not_future: bool = False
    not_before: str | None = None
    schemes: tuple[str, ...] = ()
    label_ru: str = ""

    @property
    def code_values(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.codes)

    @property
    def length_limit(self) -> int | None:
        """The most characters a value may have: `max_length`, or the type's default."""
        return self.max_length if self.max_length is not None else DEFAULT_MAX_LENGTH.get(self.type)

    def code(self, value: str) -> Code | None:
        """The code-list entry for `value`, or None."""
        for c in self.codes:
            if c.code == value:
                return c
        return None

"""Turning one raw value (a CSV string, a JSON scalar) into the dictionary's normalised form.

`parse_value` returns the normalised value, None when the value is missing (None, blank text, no
codes), or raises `InvalidValue` with a message that names the field, shows the value and says what
is expected. Type-level limits live here; a regulator's limits (ranges, code lists) come from the
field's definition.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Context, Decimal

from ecredit.core.dictionary.fields import Field
from ecredit.core.identifiers import InvalidIdentifier, parse_subject_id

JSONValue = str | int | float | bool | list[str]

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
INTEGER_LIMIT = 2**53 - 1  # the largest integer every JSON reader keeps exact
DECIMAL_INTEGER_DIGITS = 18
BOOLEAN_WORDS = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "是": True,
    "否": False,
}
_NON_FINITE_WORDS = {
    "nan",
    "-nan",
    "+nan",
    "inf",
    "-inf",
    "+inf",
    "infinity",
    "-infinity",
    "+infinity",
}
_INTEGER = re.compile(r"-?[0-9]{1,30}")
_DECIMAL = re.compile(r"-?[0-9]{1,40}(?:\.[0-9]{1,40})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DECIMAL_CONTEXT = Context(prec=60)
_SCHEME_NAMES = {
    "uscc": "a unified social credit code",
    "lei": "an LEI (lei:<LEI>)",
    "store": "a store id (store:<platform>:<id>)",
    "foreign": "a foreign id (foreign:<country>:<number>)",
}


class InvalidValue(ValueError):
    """A value that does not fit its field; the message is shown to the provider as it is."""


def show(value: object, limit: int = 60) -> str:
    """A value as it appears in an error message: quoted, escaped, and cut short if long."""
    if isinstance(value, str):
        return (
            repr(value)
            if len(value) <= limit
            else repr(value[:limit]) + f"… ({len(value)} characters)"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    text = repr(value) if not isinstance(value, int | float | Decimal) else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({show(value)})"
    if isinstance(value, int | float | Decimal):
        return f"a number ({show(value)})"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_value(field: Field, raw: object, today: date) -> JSONValue | None:
    """The normalised value of `raw` for `field`; None if missing; `InvalidValue` if wrong."""
    if _is_blank(raw):
        return None
    match field.type:
        case "string" | "text":
            return _text(field, raw)
        case "integer":
            return _integer(field, raw)
        case "decimal":
            return _decimal(field, raw)
        case "rate":
            return _rate(field, raw)
        case "date":
            return _date(field, raw, today)
        case "month":
            return _month(field, raw, today)
        case "boolean":
            return _boolean(field, raw)
        case "code":
            return _code(field, raw)
        case "codes":
            return _codes(field, raw)
        case "subject_id":
            return _subject_id(field, raw)


def check_characters(name: str, text: str, *, multiline: bool) -> None:
    """Refuse control characters (tab and newline allowed in text), bidi overrides and lone surrogates."""
    if text.isprintable():  # fast path: no Cc, Cf, Cs, Zl or Zp character at all
        return
    for i, ch in enumerate(text, start=1):
        if multiline and ch in "\t\n":
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc":
            what = "the control character"
        elif ch in _BIDI_CONTROLS:
            what = "the bidirectional-override character"
        elif cat == "Cs":
            what = "an unpaired surrogate"
        elif not multiline and cat in ("Zl", "Zp"):
            what = "a line break"
        else:
            continue
        expected = (
            "printable text (tab and newline are allowed)"
            if multiline
            else "printable text on one line"
        )
        raise InvalidValue(
            f"{name} contains {what} U+{ord(ch):04X} at position {i}; expected {expected}"
        )


def _text(field: Field, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidValue(f"{field.name} must be text, got {_kind(raw)}")
    text = raw.strip()
    multiline = field.type == "text"
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    check_characters(field.name, text, multiline=multiline)
    limit = field.length_limit
    if limit is not None and len(text) > limit:
        raise InvalidValue(
            f"{field.name} is {len(text):,} characters long; at most {limit:,} are allowed"
        )
    if field.pattern is not None and not re.fullmatch(field.pattern, text):
        raise InvalidValue(f"{field.name} {show(text)} is not valid; expected {field.pattern_en}")
    return text


def _number_text(field: Field, raw: object, expected: str) -> str:
    """The stripped text of a numeric value given as a string; refuses non-finite spellings."""
    assert isinstance(raw, str)
    text = raw.strip()
    if text.lower() in _NON_FINITE_WORDS:
        raise InvalidValue(f"{field.name} {show(raw)} is not a finite number; expected {expected}")
    return text


def _check_range(field: Field, value: Decimal, shown: str, lo: Decimal, hi: Decimal) -> None:
    if field.min is not None and field.min > lo:
        lo = field.min
    if field.max is not None and field.max < hi:
        hi = field.max
    if value < lo:
        raise InvalidValue(f"{field.name} {shown} is below the minimum {_plain(lo)}")
    if value > hi:
        raise InvalidValue(f"{field.name} {shown} is above the maximum {_plain(hi)}")


def _plain(d: Decimal) -> str:
    return format(d, "f")


def _integer(field: Field, raw: object) -> int:
    expected = "digits only, e.g. 1200"
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise InvalidValue(f"{field.name} must be a whole number, got {_kind(raw)}")
    if isinstance(raw, str):
        text = _number_text(field, raw, expected)
        if not _INTEGER.fullmatch(text):
            raise InvalidValue(
                f"{field.name} {show(raw)} is not a whole number; expected {expected}"
            )
        value = int(text)
    else:
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if not number.is_finite():
            raise InvalidValue(
                f"{field.name} {show(raw)} is not a finite number; expected {expected}"
            )
        if number != number.to_integral_value():
            raise InvalidValue(
                f"{field.name} {show(raw)} is not a whole number; expected {expected}"
            )
        value = int(number)
    limit = Decimal(INTEGER_LIMIT)
    _check_range(field, Decimal(value), str(value), -limit, limit)
    return value


def _to_decimal(field: Field, raw: object, expected: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise InvalidValue(f"{field.name} must be a number, got {_kind(raw)}")
    if isinstance(raw, str):
        text = _number_text(field, raw, expected)
        if not _DECIMAL.fullmatch(text):
            raise InvalidValue(
                f"{field.name} {show(raw)} is not a plain decimal number; expected {expected}"
            )
        return Decimal(text)
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidValue(f"{field.name} {show(raw)} is not a finite number; expected {expected}")
    number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if not number.is_finite():
        raise InvalidValue(f"{field.name} {show(raw)} is not a finite number; expected {expected}")
    return number


def _decimal(field: Field, raw: object) -> str:
    scale = field.scale if field.scale is not None else 0
    example = "1200.50" if scale >= 2 else ("1200.5" if scale == 1 else "1200")
    expected = (
        f"digits with at most {scale} decimal places after a '.', e.g. {example} "
        "(no thousands separators, no exponent)"
    )
    number = _to_decimal(field, raw, expected)
    shown = show(raw) if isinstance(raw, str) else _plain(number)
    places = max(0, -int(number.normalize(_DECIMAL_CONTEXT).as_tuple().exponent))
    if places > scale:
        raise InvalidValue(
            f"{field.name} {shown} has {places} decimal places; at most {scale} are allowed"
        )
    whole_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
    if whole_digits > DECIMAL_INTEGER_DIGITS:
        raise InvalidValue(
            f"{field.name} {shown} has {whole_digits} digits before the decimal point; "
            f"at most {DECIMAL_INTEGER_DIGITS} are allowed"
        )
    limit = Decimal(10) ** DECIMAL_INTEGER_DIGITS
    _check_range(field, number, shown, -limit, limit)
    canonical = number.quantize(Decimal(1).scaleb(-scale), context=_DECIMAL_CONTEXT)
    if canonical.is_zero():
        canonical = abs(canonical)
    return _plain(canonical)


def _rate(field: Field, raw: object) -> float:
    expected = "a fraction between 0 and 1, e.g. 0.05 for 5%"
    if isinstance(raw, str) and raw.strip().endswith("%"):
        raise InvalidValue(f"{field.name} {show(raw)} is a percentage; expected {expected}")
    number = _to_decimal(field, raw, expected)
    shown = show(raw) if isinstance(raw, str) else _plain(number)
    _check_range(field, number, shown, Decimal(0), Decimal(1))
    return float(number)


def _date(field: Field, raw: object, today: date) -> str:
    expected = "a date written YYYY-MM-DD, e.g. 2025-03-31"
    if isinstance(raw, datetime):
        raise InvalidValue(
            f"{field.name} {show(raw.isoformat())} is a date and time; expected {expected}"
        )
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not _DATE.fullmatch(text):
            raise InvalidValue(f"{field.name} {show(raw)} is not a date; expected {expected}")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidValue(
                f"{field.name} {show(raw)} is not a valid calendar date; expected {expected}"
            ) from None
    else:
        raise InvalidValue(f"{field.name} must be a date, got {_kind(raw)}; expected {expected}")
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InvalidValue(
            f"{field.name} {day.isoformat()} is out of range; expected a date between "
            f"{EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
        )
    if field.not_future and day > today:
        raise InvalidValue(
            f"{field.name} {day.isoformat()} is in the future; expected a date on or before "
            f"{today.isoformat()}"
        )
    return day.isoformat()


def _month(field: Field, raw: object, today: date) -> str:
    expected = "a month written YYYY-MM, e.g. 2025-03"
    if not isinstance(raw, str):
        raise InvalidValue(f"{field.name} must be a month, got {_kind(raw)}; expected {expected}")
    text = raw.strip()
    if not _MONTH.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
        raise InvalidValue(f"{field.name} {show(raw)} is not a month; expected {expected}")
    year = int(text[:4])
    if not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        raise InvalidValue(
            f"{field.name} {text} is out of range; expected a month between "
            f"{EARLIEST_DATE.year}-01 and {LATEST_DATE.year}-12"
        )
    if field.not_future and text > f"{today.year:04d}-{today.month:02d}":
        raise InvalidValue(
            f"{field.name} {text} is in the future; expected a month on or before "
            f"{today.year:04d}-{today.month:02d}"
        )
    return text


def _boolean(field: Field, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        value = BOOLEAN_WORDS.get(raw.strip().lower())
        if value is not None:
            return value
    raise InvalidValue(
        f"{field.name} {show(raw)} is not a yes/no value; expected one of "
        f"{', '.join(BOOLEAN_WORDS)}"
    )


def _code_text(field: Field, raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str):
        raise InvalidValue(
            f"{field.name} must be a code, got {_kind(raw)}; expected one of "
            f"{', '.join(field.code_values)}"
        )
    return raw.strip()


def _code(field: Field, raw: object) -> str:
    text = _code_text(field, raw)
    if field.code(text) is None:
        raise InvalidValue(
            f"{field.name} {show(text)} is not one of {', '.join(field.code_values)}"
        )
    return text


def _codes(field: Field, raw: object) -> list[str] | None:
    if isinstance(raw, list | tuple):
        parts = [_code_text(field, item) for item in raw]
    elif isinstance(raw, str):
        parts = [p.strip() for p in raw.split(";")]
    else:
        raise InvalidValue(
            f"{field.name} must be codes separated by ';', got {_kind(raw)}; expected some of "
            f"{', '.join(field.code_values)}"
        )
    given = {p for p in parts if p}
    if not given:
        return None
    unknown = [p for p in dict.fromkeys(parts) if p and field.code(p) is None]
    if unknown:
        listed = ", ".join(show(u) for u in unknown[:10])
        verb = "is not one" if len(unknown) == 1 else "are not"
        raise InvalidValue(
            f"{field.name} {listed} {verb} of {', '.join(field.code_values)} "
            "(several codes are separated by ';')"
        )
    return [c for c in field.code_values if c in given]


def _subject_id(field: Field, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidValue(f"{field.name} must be text, got {_kind(raw)}")
    try:
        subject = parse_subject_id(raw)
    except InvalidIdentifier as exc:
        reason = str(exc).removeprefix("subject_id ")
        raise InvalidValue(f"{field.name} {reason}") from None
    if field.schemes and subject.scheme not in field.schemes:
        names = [_SCHEME_NAMES[s] for s in field.schemes]
        allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise InvalidValue(
            f"{field.name} {show(str(subject))} is {_SCHEME_NAMES[subject.scheme]}; expected {allowed}"
        )
    return str(subject)

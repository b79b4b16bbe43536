"""JSON Schema (draft 2020-12) of each record type, in the input form providers send.

The schema accepts what `RecordType.validate` accepts as closely as JSON Schema can say it: numbers as
JSON numbers or as text, optional fields as null or blank. Check digits, dates in the future and
field order (`x-not-future`, `x-not-before`) are left to the validator and only annotated here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecredit.core.dictionary.fields import Field
from ecredit.core.dictionary.values import BOOLEAN_WORDS, INTEGER_LIMIT

if TYPE_CHECKING:
    from ecredit.core.dictionary.loader import Dictionary
    from ecredit.core.dictionary.record_type import RecordType

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_ONE_LINE = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
_MULTI_LINE = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$"
_BLANK: dict[str, Any] = {"anyOf": [{"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]}
_USCC = "(?:[uU][sS][cC][cC]:)?[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}"
_SUBJECT_PATTERNS = {
    "uscc": _USCC,
    "lei": "[lL][eE][iI]:[0-9A-Za-z]{18}[0-9]{2}",
    "store": "[sS][tT][oO][rR][eE]:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}:[A-Za-z0-9][A-Za-z0-9_.-]{0,63}",
    "foreign": "[fF][oO][rR][eE][iI][gG][nN]:[A-Za-z]{2}:[A-Za-z0-9][A-Za-z0-9 /.-]{0,63}",
}


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else c for c in word)


def _decimal_text(scale: int) -> dict[str, Any]:
    fraction = rf"(?:\.[0-9]{{1,{scale}}})?" if scale else ""
    return {"type": "string", "pattern": rf"^\s*-?[0-9]+{fraction}\s*$"}


def _bounds(f: Field, lo: float | None, hi: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    low = float(f.min) if f.min is not None else lo
    high = float(f.max) if f.max is not None else hi
    if low is not None:
        out["minimum"] = int(low) if low == int(low) else low
    if high is not None:
        out["maximum"] = int(high) if high == int(high) else high
    return out


def value_schema(f: Field) -> dict[str, Any]:
    """The schema of a present (non-blank) value of `f`."""
    match f.type:
        case "string" | "text":
            patterns = [_MULTI_LINE if f.type == "text" else _ONE_LINE, r"\S"]
            if f.pattern is not None:
                patterns.append(rf"^\s*(?:{f.pattern})\s*$")
            return {
                "type": "string",
                "maxLength": f.length_limit,
                "allOf": [{"pattern": p} for p in patterns],
            }
        case "integer":
            limit = float(INTEGER_LIMIT)
            return {
                "anyOf": [
                    {"type": "integer", **_bounds(f, -limit, limit)},
                    {"type": "string", "pattern": r"^\s*-?[0-9]+\s*$"},
                ]
            }
        case "decimal":
            scale = f.scale or 0
            return {"anyOf": [{"type": "number", **_bounds(f, None, None)}, _decimal_text(scale)]}
        case "rate":
            return {"anyOf": [{"type": "number", **_bounds(f, 0, 1)}, _decimal_text(40)]}
        case "date":
            return {
                "type": "string",
                "format": "date",
                "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$",
            }
        case "month":
            return {"type": "string", "pattern": r"^\s*[0-9]{4}-(?:0[1-9]|1[0-2])\s*$"}
        case "boolean":
            words = "|".join(_any_case(w) for w in BOOLEAN_WORDS)
            return {
                "anyOf": [
                    {"type": "boolean"},
                    {"enum": [0, 1]},
                    {"type": "string", "pattern": rf"^\s*(?:{words})\s*$"},
                ]
            }
        case "code":
            return {"type": "string", "enum": list(f.code_values)}
        case "codes":
            one = "(?:" + "|".join(f.code_values) + ")"
            return {
                "anyOf": [
                    {"type": "array", "items": {"enum": list(f.code_values)}, "minItems": 1},
                    {"type": "string", "pattern": rf"^\s*{one}\s*(?:;\s*{one}\s*)*;?\s*$"},
                ]
            }
        case "subject_id":
            schemes = f.schemes or tuple(_SUBJECT_PATTERNS)
            union = "|".join(_SUBJECT_PATTERNS[s] for s in schemes)
            return {"type": "string", "maxLength": 200, "pattern": rf"^\s*(?:{union})\s*$"}


def field_schema(f: Field) -> dict[str, Any]:
    """The schema of one property: annotations, the value schema, and blank allowed if optional."""
    out: dict[str, Any] = {
        "title": f.label_en,
        "description": f.description_en,
        "x-label-zh": f.label_zh,
        "x-description-zh": f.description_zh,
        "x-type": f.type,
    }
    if f.unit:
        out["x-unit"] = f.unit
    if f.codes:
        out["x-codes"] = [{"code": c.code, "zh": c.zh, "en": c.en} for c in f.codes]
    if f.not_future:
        out["x-not-future"] = True
    if f.not_before:
        out["x-not-before"] = f.not_before
    value = value_schema(f)
    if f.required:
        out.update(value)
    else:
        out["anyOf"] = [value, *_BLANK["anyOf"]]
    return out


def record_type_schema(rt: RecordType) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one record of `rt`."""
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:ecredit:dictionary:{rt.name}:v{rt.version}",
        "title": rt.label_en,
        "description": rt.description_en,
        "x-label-zh": rt.label_zh,
        "x-description-zh": rt.description_zh,
        "x-category": rt.category,
        "x-disclosure-level": rt.disclosure_level,
        "x-natural-key": list(rt.natural_key),
        "type": "object",
        "properties": {f.name: field_schema(f) for f in rt.fields},
        "required": [f.name for f in rt.fields if f.required],
        "additionalProperties": False,
    }
    conditions = [
        {
            "if": {
                "properties": {c.field: {"enum": list(c.values)} for c in f.required_when},
                "required": [c.field for c in f.required_when],
            },
            "then": {"required": [f.name], "properties": {f.name: {"not": _BLANK}}},
        }
        for f in rt.fields
        if f.required_when
    ]
    if conditions:
        schema["allOf"] = conditions
    return schema


def export_json_schemas(dictionary: Dictionary, out_dir: str | Path) -> list[Path]:
    """Write ``<type>.schema.json`` for every record type into `out_dir`; return the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rt in dictionary.types.items():
        path = out / f"{name}.schema.json"
        path.write_text(
            json.dumps(rt.json_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        written.append(path)
    return written

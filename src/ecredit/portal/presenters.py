"""Turn stored records into what a reader sees: field labels and code labels in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from ecredit.core.dictionary import RecordType
from ecredit.core.dictionary.fields import Code
from ecredit.records.models import CreditRecord


def lang() -> str:
    """'zh', 'en' or 'ru': the page's language as the dictionary's labels name it."""
    code = (get_language() or "zh")[:2]
    return code if code in ("en", "ru") else "zh"


def code_text(code: Code, language: str) -> str:
    """A code's label in `language`; Russian falls back to English where the dictionary has none."""
    if language == "zh":
        return code.zh
    return (code.ru or code.en) if language == "ru" else code.en


def label_of(obj: Any, language: str) -> str:
    """`label_zh`/`label_en`/`label_ru` of a record type or field (Russian falls back to English)."""
    if language == "ru":
        return str(getattr(obj, "label_ru", "") or obj.label_en)
    return str(obj.label_zh if language == "zh" else obj.label_en)


@dataclass
class ShownRecord:
    record: CreditRecord
    title: str
    fields: list[tuple[str, str]]


def _display(value: Any, codes: dict[str, str], language: str) -> str:
    if isinstance(value, bool):
        return {"zh": ("是", "否"), "ru": ("да", "нет")}.get(language, ("yes", "no"))[
            0 if value else 1
        ]
    if isinstance(value, list):
        return ", ".join(_display(v, codes, language) for v in value)
    if isinstance(value, str) and value in codes:
        return codes[value]
    if isinstance(value, float):
        return f"{value:.2%}" if 0 <= value <= 1 else f"{value:,.4g}"
    return str(value)


def present(record: CreditRecord, rtype: RecordType | None) -> ShownRecord:
    language = lang()
    if rtype is None:
        return ShownRecord(
            record, record.type_name, [(k, str(v)) for k, v in record.values.items()]
        )
    fields = []
    for f in rtype.fields:
        if f.name == "subject_id" or f.name not in record.values:
            continue
        codes = {c.code: code_text(c, language) for c in (f.codes or ())}
        label = label_of(f, language)
        shown = _display(record.values[f.name], codes, language)
        if f.unit and f.type in ("decimal", "integer"):
            shown = f"{shown} {f.unit}"
        fields.append((label, shown))
    return ShownRecord(record, label_of(rtype, language), fields)


def code_label(rtype: RecordType | None, field_name: str, value: Any) -> str:
    """The label of a code value of one field, in the page's language (the code itself if unknown)."""
    if rtype is None:
        return str(value)
    try:
        f = rtype.field(field_name)
    except (KeyError, ValueError):
        return str(value)
    language = lang()
    codes = {c.code: code_text(c, language) for c in (f.codes or ())}
    values = value if isinstance(value, list) else [value]
    return ", ".join(codes.get(v, str(v)) for v in values)

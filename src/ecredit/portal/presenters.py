"""Turn stored records into what a reader sees: field labels and code labels in the page's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from ecredit.core.dictionary import RecordType
from ecredit.records.models import CreditRecord


def lang() -> str:
    """'zh' on Chinese pages, 'en' otherwise: the dictionary carries Chinese and English labels."""
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


@dataclass
class ShownRecord:
    record: CreditRecord
    title: str
    fields: list[tuple[str, str]]


def _display(value: Any, codes: dict[str, tuple[str, str]], zh: bool) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, list):
        return ", ".join(_display(v, codes, zh) for v in value)
    if isinstance(value, str) and value in codes:
        return codes[value][0 if zh else 1]
    if isinstance(value, float):
        return f"{value:.2%}" if 0 <= value <= 1 else f"{value:,.4g}"
    return str(value)


def present(record: CreditRecord, rtype: RecordType | None) -> ShownRecord:
    zh = lang() == "zh"
    if rtype is None:
        return ShownRecord(
            record, record.type_name, [(k, str(v)) for k, v in record.values.items()]
        )
    fields = []
    for f in rtype.fields:
        if f.name == "subject_id" or f.name not in record.values:
            continue
        codes = {c.code: (c.zh, c.en) for c in (f.codes or ())}
        label = f.label_zh if zh else f.label_en
        shown = _display(record.values[f.name], codes, zh)
        if f.unit and f.type in ("decimal", "integer"):
            shown = f"{shown} {f.unit}"
        fields.append((label, shown))
    return ShownRecord(record, rtype.label_zh if zh else rtype.label_en, fields)


def code_label(rtype: RecordType | None, field_name: str, value: Any) -> str:
    """The label of a code value of one field, in the page's language (the code itself if unknown)."""
    if rtype is None:
        return str(value)
    try:
        f = rtype.field(field_name)
    except (KeyError, ValueError):
        return str(value)
    zh = lang() == "zh"
    codes = {c.code: (c.zh, c.en) for c in (f.codes or ())}
    values = value if isinstance(value, list) else [value]
    return ", ".join(codes[v][0 if zh else 1] if v in codes else str(v) for v in values)

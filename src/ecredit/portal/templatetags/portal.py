"""Small helpers for portal templates: labels in the page's language, grade colours."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import translate_url
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def _lang3() -> str:
    code = (get_language() or "zh")[:2]
    return code if code in ("en", "ru") else "zh"


@register.filter
def label(obj: Any, prefix: str = "label") -> str:
    """`obj.label_zh`, `label_en` or `label_ru` in the page's language (else English)."""
    key = f"{prefix}_{_lang3()}"
    if isinstance(obj, dict):
        return str(obj.get(key) or obj.get(f"{prefix}_en") or "")
    return str(getattr(obj, key, "") or getattr(obj, f"{prefix}_en", ""))


@register.filter
def code_label(code: Any) -> str:
    """A code list entry's label in the page's language (Russian falls back to English)."""
    from ecredit.portal.presenters import code_text

    return code_text(code, _lang3())


@register.filter
def category_label(category: str) -> str:
    """One of the six disclosure categories, in the page's language."""
    return str(
        {
            "entity": _("Entity (主体)"),
            "operation": _("Operation (经营)"),
            "supervision": _("Supervision (监管)"),
            "service": _("Service (服务)"),
            "reward_penalty": _("Reward and penalty (奖惩)"),
            "complaint": _("Complaints and reports (投诉举报)"),
        }.get(category, category)
    )


@register.filter
def disclosure_label(level: str) -> str:
    """A disclosure level in the page's language."""
    return str(
        {
            "public": _("public"),
            "shared": _("shared with departments"),
            "restricted": _("restricted"),
        }.get(level, level)
    )


@register.filter
def reasons(evaluation: Any) -> list[str]:
    return list(evaluation.reasons_zh if _lang() == "zh" else evaluation.reasons_en)


@register.filter
def grade_tone(grade: str | None) -> str:
    if not grade:
        return "none"
    if grade in ("AAA", "AA", "A"):
        return "good"
    if grade in ("BBB", "BB"):
        return "fair"
    if grade in ("B", "CCC"):
        return "weak"
    return "bad"


@register.filter
def get(mapping: Any, key: str) -> Any:
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.filter
def fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@register.filter
def advice(evaluation: Any) -> list[str]:
    """The what-if guidance of an evaluation in the page's language."""
    data = evaluation.what_if or {}
    return list(data.get("zh" if _lang() == "zh" else "en", []))


@register.filter
def rule_reason(evaluation: Any) -> str:
    """Why the grade moved (or did not), in the page's language."""
    return str(evaluation.rule_reason_zh if _lang() == "zh" else evaluation.rule_reason_en)


@register.filter
def pct(value: Any) -> str:
    """A probability as a percentage with two significant figures (0.0042 -> 0.42%)."""
    if value is None:
        return "—"
    v = float(value) * 100
    if v == 0:
        return "0%"
    return f"{v:.2g}%" if v < 10 else f"{v:.0f}%"


@register.filter
def lang_text(texts: Any) -> str:
    """A {"zh": …, "en": …, "ru": …} mapping in the page's language (English when missing)."""
    if not isinstance(texts, dict):
        return ""
    code = (get_language() or "zh")[:2]
    return str(texts.get(code) or texts.get("en") or texts.get("zh") or "")


@register.simple_tag(takes_context=True)
def page_in(context: Any, language: str) -> str:
    """This page's URL in `language` (`/en/…`, `/ru/…`, unprefixed for Chinese).

    Computed while rendering, in the page's own language: `set_language` itself runs unprefixed,
    i.e. in Chinese, and cannot resolve an `/en/…` address into another language.
    """
    request = context.get("request")
    if request is None:
        return "/"
    return str(translate_url(request.get_full_path(), language))

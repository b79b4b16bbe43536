"""The content of a credit report: one JSON object, the data the HTML/PDF renders and embeds.

Everything a reader needs is in the content, in the report's language, so the embedded copy is
readable and checkable on its own (`core/reports/embedded.py`). The three types after
GB/T 26817-2023 differ in what they hold:

- basic: identity and identifiers, the current grade and class, list memberships;
- standard: + grade history, dimension scores, reasons, public records by the six categories,
  inspections;
- in-depth: + the indicator contributions, what-if guidance, each record's values and ledger
  leaf, and a summary of credit checks.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone, translation

from ecredit.accounts.principals import Actor
from ecredit.core.dictionary import load_dictionary
from ecredit.core.reports.embedded import CONTENT_FORMAT
from ecredit.entities.models import Enterprise
from ecredit.entities.queries import CATEGORY_ORDER, visible_records
from ecredit.lists.queries import memberships
from ecredit.portal.presenters import code_label, present
from ecredit.ratings.models import Evaluation

TYPES = ("basic", "standard", "in-depth")
LANGS = ("zh", "en")
AUDIENCES = ("public", "archive")
PER_CATEGORY = {"standard": 20, "in-depth": 100}
HISTORY = 24
ISSUER = {"zh": "ecredit 电子商务信用信息平台", "en": "ecredit e-commerce credit platform"}
TITLES = {
    "basic": {"zh": "企业信用基本信息报告", "en": "Basic information credit report"},
    "standard": {"zh": "企业标准信用报告", "en": "Standard credit report"},
    "in-depth": {"zh": "企业深度信用报告", "en": "In-depth credit report"},
}
CATEGORY_LABELS = {
    "entity": {"zh": "主体信息", "en": "Entity"},
    "operation": {"zh": "经营信息", "en": "Operation"},
    "supervision": {"zh": "监管信息", "en": "Supervision"},
    "service": {"zh": "服务信息", "en": "Service"},
    "reward_penalty": {"zh": "奖惩信息", "en": "Reward and penalty"},
    "complaint": {"zh": "投诉举报", "en": "Complaints and reports"},
}


def _actor(audience: str, enterprise: Enterprise) -> Actor | None:
    """Whose view of the archive the report shows: the public's, or the enterprise's own
    (issued for the enterprise, by an operator, or to a bank under the enterprise's consent)."""
    if audience == "public":
        return None
    return Actor(label="report", role="enterprise", enterprise_id=enterprise.pk)


def evaluation_as_of(enterprise: Enterprise, as_of: date) -> Evaluation | None:
    return (
        Evaluation.objects.filter(enterprise=enterprise, as_of__lte=as_of)
        .select_related("model_version")
        .order_by("-as_of", "-id")
        .first()
    )


def _dimension_labels() -> dict[str, tuple[str, str]]:
    from ecredit.core.scoring import load_indicator_system

    try:
        return {d.key: (d.label_zh, d.label_en) for d in load_indicator_system().dimensions}
    except Exception:  # an older system file: keys stand for labels
        return {}


def _code(dictionary: Any, field: str, value: str, lang: str) -> str:
    """The label of a registration code in the report's language ("" for no value)."""
    if not value:
        return ""
    with translation.override(lang):
        return code_label(dictionary.types.get("registration"), field, value)


def build_content(
    enterprise: Enterprise,
    *,
    report_type: str,
    lang: str,
    audience: str,
    as_of: date,
    number: str,
    issued_at: datetime,
    verify_url: str,
) -> dict[str, Any]:
    """The report's content (JSON-ready: strings, numbers, lists, objects)."""
    if report_type not in TYPES or lang not in LANGS or audience not in AUDIENCES:
        raise ValueError(
            f"unknown report type, language or audience: {report_type}, {lang}, {audience}"
        )
    zh = lang == "zh"
    li = 0 if zh else 1
    ev = evaluation_as_of(enterprise, as_of)
    dictionary = load_dictionary()
    out: dict[str, Any] = {
        "format": CONTENT_FORMAT,
        "number": number,
        "report_type": report_type,
        "title": TITLES[report_type][lang],
        "standard": "GB/T 26817-2023",
        "lang": lang,
        "audience": audience,
        "as_of": as_of.isoformat(),
        "issued_at": issued_at.astimezone(timezone.get_fixed_timezone(0)).isoformat(),
        "issuer": ISSUER[lang],
        "verify_url": verify_url,
        "subject": {
            "subject_id": enterprise.subject_id,
            "name": enterprise.name,
            "name_en": enterprise.name_en,
            "entity_type": enterprise.entity_type,
            "entity_type_label": _code(dictionary, "entity_type", enterprise.entity_type, lang),
            "region_code": enterprise.region_code,
            "status": enterprise.status,
            "status_label": _code(dictionary, "status", enterprise.status, lang),
            "legal_representative": enterprise.legal_representative,
            "address": enterprise.address if audience == "archive" else "",
            "roles": list(enterprise.roles or []),
            "identifiers": [
                {"scheme": s, "value": v}
                for s, v in enterprise.identifiers.order_by("scheme", "value").values_list(
                    "scheme", "value"
                )
            ],
        },
        "rating": None,
        "lists": [m.to_json() for m in memberships(enterprise, as_of)],
    }
    if ev is not None:
        labels = _dimension_labels()
        out["rating"] = {
            "as_of": ev.as_of.isoformat(),
            "grade": ev.grade,
            "risk_class": ev.risk_class,
            "score": ev.score,
            "system_version": ev.system_version,
            "policy_version": ev.policy_version,
            "model_version": ev.model_version.version if ev.model_version else None,
            "ledger_index": ev.ledger_index,
            "rule_reason": ev.rule_reason_zh if zh else ev.rule_reason_en,
            "reasons": list(ev.reasons_zh if zh else ev.reasons_en),
            "dimensions": [
                {
                    "key": k,
                    "label": labels.get(k, (k, k))[li],
                    "score": round(float(v), 2),
                }
                for k, v in ev.dimension_scores.items()
            ],
        }
    if report_type == "basic":
        return out
    out["history"] = [
        {"as_of": a.isoformat(), "grade": g, "risk_class": c, "score": s}
        for a, g, c, s in Evaluation.objects.filter(enterprise=enterprise, as_of__lte=as_of)
        .order_by("-as_of", "-id")
        .values_list("as_of", "grade", "risk_class", "score")[:HISTORY]
    ][::-1]
    records = visible_records(enterprise, _actor(audience, enterprise), as_of).filter(
        occurred_on__lte=as_of,
        received_at__lt=timezone.make_aware(datetime.combine(as_of, time.max)),
    )
    limit = PER_CATEGORY[report_type]
    deep = report_type == "in-depth"
    categories = []
    with translation.override(lang):
        for category in CATEGORY_ORDER:
            rows = list(records.filter(category=category).order_by("-occurred_on", "-id")[:limit])
            items = []
            for r in rows:
                shown = present(r, dictionary.types.get(r.type_name))
                item: dict[str, Any] = {
                    "type": r.type_name,
                    "title": shown.title,
                    "occurred_on": r.occurred_on.isoformat(),
                    "provider": r.provider,
                    "disclosure": r.disclosure_level,
                    "fields": [[k, v] for k, v in shown.fields][: 12 if deep else 4],
                }
                if deep:
                    item["ledger_index"] = r.ledger_index
                    item["content_hash"] = r.content_hash
                items.append(item)
            categories.append(
                {"key": category, "label": CATEGORY_LABELS[category][lang], "records": items}
            )
    out["records"] = categories
    out["inspections"] = [
        {"occurred_on": r.occurred_on.isoformat(), "result": r.values.get("result", "")}
        for r in records.filter(type_name="inspection_result").order_by("-occurred_on")[:20]
    ]
    if not deep:
        return out
    if ev is not None:
        out["rating"]["contributions"] = ev.contributions
        out["rating"]["what_if"] = {
            "target_grade": (ev.what_if or {}).get("target_grade"),
            "reached": (ev.what_if or {}).get("reached"),
            "advice": list((ev.what_if or {}).get(lang, [])),
        }
        out["rating"]["vetoes"] = ev.vetoes
    checks = enterprise.credit_checks.filter(checked_at__date__lte=as_of)
    by_context = Counter(checks.values_list("context", flat=True))
    out["credit_checks"] = {
        "total": sum(by_context.values()),
        "by_context": dict(sorted(by_context.items())),
    }
    return out

"""Writes for enterprises: resolving subjects, creating provisional ones, completing them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ecredit.core.identifiers import SubjectId, parse_subject_id
from ecredit.core.search import pinyin_keys
from ecredit.entities.models import Enterprise, EntityType, Identifier

_ENTITY_TYPE_BY_PREFIX = {
    "91": EntityType.COMPANY,
    "92": EntityType.INDIVIDUAL_BUSINESS,
    "93": EntityType.FARMERS_COOPERATIVE,
    "N3": EntityType.FARMERS_COOPERATIVE,
    "51": EntityType.SOCIAL_ORGANISATION,
    "52": EntityType.SOCIAL_ORGANISATION,
    "53": EntityType.SOCIAL_ORGANISATION,
}


def _guess_type(sid: SubjectId) -> str:
    if sid.scheme == "uscc":
        return _ENTITY_TYPE_BY_PREFIX.get(sid.value[:2], EntityType.UNKNOWN)
    if sid.scheme == "foreign":
        return EntityType.FOREIGN_COMPANY
    return EntityType.UNKNOWN


def resolve_subjects(
    subject_ids: Iterable[str], operators: Mapping[str, str] | None = None
) -> dict[str, Enterprise]:
    """Map canonical subject ids to enterprises, creating provisional ones for unknown subjects.

    `operators` maps a store subject id to the subject id of the enterprise operating it: an unknown
    store is attached to its operator rather than becoming an enterprise of its own. Must run inside
    the caller's transaction. Queries: one lookup, then two bulk inserts when some subjects are new.
    """
    wanted = set(subject_ids)
    operators = dict(operators or {})
    wanted_all = wanted | {operators[s] for s in wanted if s in operators}
    found = {
        i.value: i.enterprise
        for i in Identifier.objects.select_related("enterprise").filter(value__in=wanted_all)
    }
    missing = sorted(s for s in wanted_all if s not in found)
    parsed = {s: parse_subject_id(s) for s in missing}
    attach = {
        s: operators[s]
        for s in missing
        if parsed[s].scheme == "store" and operators.get(s) in wanted_all
    }
    new = [
        Enterprise(subject_id=s, provisional=True, entity_type=_guess_type(parsed[s]))
        for s in missing
        if s not in attach
    ]
    Enterprise.objects.bulk_create(new, batch_size=500)
    found.update((e.subject_id, e) for e in new)
    for store, operator in attach.items():
        found[store] = found[operator]
    Identifier.objects.bulk_create(
        [Identifier(enterprise=found[s], scheme=parsed[s].scheme, value=s) for s in missing],
        batch_size=500,
    )
    return {s: found[s] for s in wanted}


def apply_registration(enterprise: Enterprise, values: Mapping[str, Any]) -> None:
    """Complete an enterprise from the current version of its registration record."""
    enterprise.name = str(values.get("name", enterprise.name))[:300]
    enterprise.name_en = str(values.get("name_en", ""))[:300]
    # pinyin once per registration, so search never converts names while a reader waits
    enterprise.name_pinyin = " ".join(pinyin_keys(enterprise.name))[:1000]
    enterprise.entity_type = str(values.get("entity_type", enterprise.entity_type))
    enterprise.roles = list(values.get("ecommerce_roles", enterprise.roles) or [])
    enterprise.region_code = str(values.get("region_code", ""))[:6]
    enterprise.status = str(values.get("status", ""))[:20]
    enterprise.legal_representative = str(values.get("legal_representative", ""))[:100]
    enterprise.address = str(values.get("address", ""))[:500]
    enterprise.phone = str(values.get("phone", ""))[:50]
    enterprise.provisional = False
    enterprise.save()

"""Reads about enterprises that pages and the API share."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from ecredit.accounts.principals import Actor
from ecredit.core.identifiers import InvalidIdentifier, parse_subject_id
from ecredit.core.search import NameIndex
from ecredit.entities.models import Enterprise, Identifier
from ecredit.ratings.models import Evaluation
from ecredit.records.models import CreditRecord

CATEGORY_ORDER = ("entity", "operation", "supervision", "service", "reward_penalty", "complaint")
MAX_QUERY_LENGTH = 100


def clean_query(q: str) -> str:
    """A search query without control characters (PostgreSQL refuses NUL), at most 100 characters."""
    return "".join(ch for ch in q if ch.isprintable()).strip()[:MAX_QUERY_LENGTH]


def _with_latest(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    return qs.prefetch_related(
        Prefetch(
            "evaluations",
            queryset=Evaluation.objects.filter(is_latest=True).select_related("model_version"),
            to_attr="latest_evaluations",
        )
    )


def latest_evaluation(enterprise: Enterprise) -> Evaluation | None:
    cached = getattr(enterprise, "latest_evaluations", None)
    if cached is not None:
        return cached[0] if cached else None
    return enterprise.evaluations.filter(is_latest=True).select_related("model_version").first()


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search: region code prefix, grade, risk class, platform of a store, e-commerce role."""

    region: str = ""
    grade: str = ""
    risk_class: str = ""
    platform: str = ""
    role: str = ""

    def __bool__(self) -> bool:
        return any((self.region, self.grade, self.risk_class, self.platform, self.role))


_index_lock = threading.Lock()
_index: dict[str, Any] = {"version": None, "index": None, "pinyin": {}}


def _name_index() -> NameIndex:
    """The process's name index, rebuilt when an enterprise was added, renamed or removed."""
    version = tuple(Enterprise.objects.aggregate(n=Count("pk"), m=Max("updated_at")).values())
    with _index_lock:
        if _index["version"] != version or _index["index"] is None:
            rows = Enterprise.objects.values_list("pk", "name", "name_en", "name_pinyin").iterator(
                chunk_size=5000
            )
            _index["index"] = NameIndex.build(rows, _index["pinyin"])
            _index["version"] = version
        return cast(NameIndex, _index["index"])


def forget_search_index() -> None:
    """Drop the process's name index and platform list (tests that count queries start cold)."""
    from django.core.cache import cache

    with _index_lock:
        _index.update(version=None, index=None)
    cache.delete("entities:store-platforms")


def _filtered(qs: QuerySet[Enterprise], filters: SearchFilters) -> QuerySet[Enterprise]:
    if filters.region:
        qs = qs.filter(region_code__startswith=filters.region)
    if filters.grade or filters.risk_class:
        latest = Evaluation.objects.filter(is_latest=True)
        if filters.grade:
            latest = latest.filter(grade=filters.grade)
        if filters.risk_class:
            latest = latest.filter(risk_class=filters.risk_class)
        qs = qs.filter(pk__in=latest.values("enterprise_id"))
    if filters.platform:
        qs = qs.filter(
            pk__in=Identifier.objects.filter(
                scheme="store", value__startswith=f"store:{filters.platform.lower()}:"
            ).values("enterprise_id")
        )
    if filters.role:
        # JSON containment is not portable (SQLite has none); a quoted element is unambiguous
        qs = qs.filter(roles__icontains=f'"{filters.role}"')
    return qs


def search(
    q: str, *, limit: int = 20, offset: int = 0, filters: SearchFilters | None = None
) -> tuple[list[Enterprise], int]:
    """Enterprises matching `q` and `filters`, best match first; (page, total).

    `q` is a code or store id (exact), a name in Chinese characters, pinyin (full or initials)
    or English, with typos tolerated (`core.search`). An empty `q` with filters lists every
    enterprise that passes them, by name.
    """
    q = clean_query(q)
    filters = filters or SearchFilters()
    if not q and not filters:
        return [], 0
    qs = _filtered(Enterprise.objects.all(), filters)
    if not q:
        qs = qs.order_by("provisional", "name", "pk")
        return list(_with_latest(qs)[offset : offset + limit]), qs.count()
    try:
        sid = str(parse_subject_id(q))
    except InvalidIdentifier:
        sid = None
    by_id = (
        set(Identifier.objects.filter(value=sid).values_list("enterprise_id", flat=True))
        if sid
        else set()
    )
    if by_id:
        scores = {pk: 1000.0 for pk in by_id}
    else:
        scores = _name_index().match(q)
        if len(q) >= 4 and q.isascii():
            for pk in Identifier.objects.filter(value__istartswith=q).values_list(
                "enterprise_id", flat=True
            )[:200]:
                scores[pk] = max(scores.get(pk, 0.0), 500.0)
    if not scores:
        return [], 0
    if filters:
        # a broad name ("有限公司") matches thousands: filter everyone rather than send thousands
        # of ids (SQLite caps a statement's parameters)
        base = (
            Enterprise.objects.filter(pk__in=list(scores))
            if len(scores) <= 500
            else Enterprise.objects.all()
        )
        kept = set(_filtered(base, filters).values_list("pk", flat=True))
        scores = {pk: s for pk, s in scores.items() if pk in kept}
    ranked = sorted(scores, key=lambda pk: (-scores[pk], pk))
    page_ids = ranked[offset : offset + limit]
    found = {e.pk: e for e in _with_latest(Enterprise.objects.filter(pk__in=page_ids))}
    page = [found[pk] for pk in page_ids if pk in found]
    return page, len(ranked)


def grade_history(enterprise: Enterprise, limit: int = 24) -> list[Evaluation]:
    """The enterprise's last `limit` evaluations, one per as-of date (the latest run's), oldest first."""
    rows = (
        Evaluation.objects.filter(enterprise=enterprise)
        .order_by("-as_of", "-id")
        .only("as_of", "grade", "risk_class", "score")[: limit * 2]
    )
    by_date: dict[date, Evaluation] = {}
    for ev in rows:
        by_date.setdefault(ev.as_of, ev)
    return sorted(by_date.values(), key=lambda ev: ev.as_of)[-limit:]


def store_platforms() -> list[str]:
    """The platforms whose stores we know (`store:<platform>:<id>`), cached for five minutes."""
    from django.core.cache import cache

    platforms = cache.get("entities:store-platforms")
    if platforms is None:
        values = Identifier.objects.filter(scheme="store").values_list("value", flat=True)
        platforms = sorted({v.split(":")[1] for v in values.iterator() if v.count(":") >= 2})
        cache.set("entities:store-platforms", platforms, 300)
    return list(platforms)


def get_enterprise(subject_id: str) -> Enterprise | None:
    """The enterprise holding `subject_id` (any of its identifiers), or None."""
    try:
        sid = str(parse_subject_id(subject_id))
    except InvalidIdentifier:
        return None
    ident = Identifier.objects.select_related("enterprise").filter(value=sid).first()
    return ident.enterprise if ident else None


def visible_levels(actor: Actor | None, enterprise: Enterprise) -> tuple[str, ...]:
    """Disclosure levels this actor may see about this enterprise."""
    if actor is None:
        return ("public",)
    if actor.sees_restricted or actor.enterprise_id == enterprise.pk:
        return ("public", "shared", "restricted")
    if actor.sees_shared:
        return ("public", "shared")
    return ("public",)


def visible_records(
    enterprise: Enterprise, actor: Actor | None, today: date
) -> QuerySet[CreditRecord]:
    """Current records about `enterprise` that `actor` may see today.

    The public sees only public records still within their publicity period and not withdrawn
    (found wrong on an objection, or repaired, by `today`); the subject itself and regulators see
    its whole archive, withdrawn records included (`withdrawal` is loaded with each record).
    """
    levels = visible_levels(actor, enterprise)
    qs = CreditRecord.objects.filter(enterprise=enterprise, is_current=True).select_related(
        "withdrawal"
    )
    if levels == ("public",):
        return (
            qs.filter(disclosure_level="public")
            .filter(Q(public_until__isnull=True) | Q(public_until__gte=today))
            .exclude(withdrawal__effective_on__lte=today)
        )
    return qs.filter(disclosure_level__in=levels)


@dataclass
class CategoryGroup:
    category: str
    records: list[CreditRecord]


def grouped_by_category(
    records: QuerySet[CreditRecord], per_category: int = 50
) -> list[CategoryGroup]:
    """Records in the six disclosure categories, newest first, at most `per_category` each.

    One query per category, so a long run of monthly metrics never crowds out a penalty.
    """
    return [
        CategoryGroup(
            c, list(records.filter(category=c).order_by("-occurred_on", "-id")[:per_category])
        )
        for c in CATEGORY_ORDER
    ]

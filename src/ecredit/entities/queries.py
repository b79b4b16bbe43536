"""Reads about enterprises that pages and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from ecredit.accounts.principals import Actor
from ecredit.core.identifiers import InvalidIdentifier, parse_subject_id
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


def search(q: str, *, limit: int = 20, offset: int = 0) -> tuple[list[Enterprise], int]:
    """Enterprises whose name contains `q` or that hold identifier `q`; (page, total)."""
    q = clean_query(q)
    if not q:
        return [], 0
    cond = Q(name__icontains=q) | Q(name_en__icontains=q)
    try:
        sid = str(parse_subject_id(q))
    except InvalidIdentifier:
        sid = None
    if sid:
        cond |= Q(identifiers__value=sid)
    elif len(q) >= 4:
        cond |= Q(identifiers__value__istartswith=q)
    ids = Enterprise.objects.filter(cond).values("pk").distinct()
    qs = Enterprise.objects.filter(pk__in=ids).order_by("provisional", "name", "pk")
    total = qs.count()
    page = list(_with_latest(qs)[offset : offset + limit])
    return page, total


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

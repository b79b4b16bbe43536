"""Public pages: they parse the request, call queries and render; nothing is computed here."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.accounts.actions import actor_for_user
from ecredit.core.dictionary import load_dictionary
from ecredit.entities import queries as entity_queries
from ecredit.entities.models import ECOMMERCE_ROLES, Enterprise
from ecredit.portal import charts
from ecredit.portal.charts import GradePoint
from ecredit.portal.presenters import code_label, lang, present
from ecredit.ratings import queries as model_queries
from ecredit.ratings.models import Evaluation, EvaluationRun
from ecredit.records import queries as record_queries
from ecredit.records.models import CreditRecord

PAGE_SIZE = 20
GRADE_ORDER = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
RISK_CLASSES = ("A", "B", "C", "D")


def home(request: HttpRequest) -> HttpResponse:
    run = EvaluationRun.objects.order_by("-as_of", "-id").first()
    grades = dict(
        Evaluation.objects.filter(is_latest=True).values_list("grade").annotate(n=Count("id"))
    )
    widest = max(grades.values(), default=0) or 1
    distribution = [(g, grades.get(g, 0), 100 * grades.get(g, 0) / widest) for g in GRADE_ORDER]
    return render(
        request,
        "portal/home.html",
        {
            "enterprises": Enterprise.objects.count(),
            "records": CreditRecord.objects.filter(is_current=True).count(),
            "run": run,
            "distribution": distribution,
        },
    )


def _filters(request: HttpRequest) -> entity_queries.SearchFilters:
    """Search filters from the query string; values outside the known ones are ignored."""
    get = request.GET
    grade = get.get("grade", "")
    risk_class = get.get("class", "")
    role = get.get("role", "")
    region = get.get("region", "").strip()
    platform = get.get("platform", "").strip().lower()
    return entity_queries.SearchFilters(
        region=region if region.isdigit() and len(region) <= 6 else "",
        grade=grade if grade in GRADE_ORDER else "",
        risk_class=risk_class if risk_class in RISK_CLASSES else "",
        platform=platform if platform.replace("_", "").replace("-", "").isalnum() else "",
        role=role if role in ECOMMERCE_ROLES else "",
    )


def search(request: HttpRequest) -> HttpResponse:
    q = entity_queries.clean_query(request.GET.get("q", ""))
    filters = _filters(request)
    try:
        page_no = max(1, min(int(request.GET.get("page", "1")), 500))
    except ValueError:
        page_no = 1
    results, total = entity_queries.search(
        q, limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE, filters=filters
    )
    # one match for a typed query goes straight to the enterprise; a filtered list stays a list
    if total == 1 and page_no == 1 and q and not filters and not request.headers.get("HX-Request"):
        return redirect("portal:enterprise", subject_id=results[0].subject_id)
    paginator = Paginator(range(total), PAGE_SIZE)
    rows = [(e, entity_queries.latest_evaluation(e)) for e in results]
    partial = bool(request.headers.get("HX-Request"))
    template = "portal/_results.html" if partial else "portal/search.html"
    registration = load_dictionary().types.get("registration")
    keep = request.GET.copy()
    keep.pop("page", None)
    return render(
        request,
        template,
        {
            "q": q,
            "filters": filters,
            "searched": bool(q or filters),
            "rows": rows,
            "total": total,
            "page": paginator.get_page(page_no) if total else None,
            "keep": keep.urlencode(),
            "grades": GRADE_ORDER,
            "classes": RISK_CLASSES,
            "roles": [(r, code_label(registration, "ecommerce_roles", r)) for r in ECOMMERCE_ROLES],
            "platforms": [] if partial else entity_queries.store_platforms(),
        },
    )


def enterprise(request: HttpRequest, subject_id: str) -> HttpResponse:
    e = entity_queries.get_enterprise(subject_id)
    if e is None:
        raise Http404("no enterprise holds this identifier")
    if e.subject_id != subject_id:
        return redirect("portal:enterprise", subject_id=e.subject_id, permanent=False)
    actor = actor_for_user(request.user)
    today = timezone.localdate()
    records = entity_queries.visible_records(e, actor, today)
    dictionary = load_dictionary()
    groups = [
        (g.category, [present(r, dictionary.types.get(r.type_name)) for r in g.records])
        for g in entity_queries.grouped_by_category(records)
    ]
    evaluation = entity_queries.latest_evaluation(e)
    dims = []
    if evaluation is not None:
        from ecredit.core.scoring import load_indicator_system

        try:
            system = load_indicator_system()
            labels = {d.key: d for d in system.dimensions}
        except Exception:
            labels = {}
        for key, value in evaluation.dimension_scores.items():
            d = labels.get(key)
            dims.append(
                {
                    "key": key,
                    "label_zh": getattr(d, "label_zh", key),
                    "label_en": getattr(d, "label_en", key),
                    "value": value,
                }
            )
    history = [
        GradePoint(ev.as_of, ev.grade, ev.risk_class, ev.score)
        for ev in entity_queries.grade_history(e)
    ]
    label_key = "label_zh" if lang() == "zh" else "label_en"
    return render(
        request,
        "portal/enterprise.html",
        {
            "e": e,
            "history": history,
            "history_chart": charts.grade_history(
                history,
                _("Grade history"),
                _(
                    "Grade at each evaluation, from %(first)s to %(last)s; the table below lists them."
                )
                % {"first": history[0].as_of, "last": history[-1].as_of},
            )
            if history
            else None,
            "radar_chart": charts.radar(
                [(d[label_key], float(d["value"])) for d in dims],
                _("Indicator dimensions"),
                _("Score of each dimension out of 100; the table beside lists them."),
            )
            if len(dims) >= 3
            else None,
            "identifiers": list(e.identifiers.values_list("value", flat=True)),
            "report_types": [
                ("basic", _("Basic information report")),
                ("standard", _("Standard report")),
                ("in-depth", _("In-depth report")),
            ],
            "evaluation": evaluation,
            "dimensions": dims,
            "groups": groups,
            "levels": entity_queries.visible_levels(actor, e),
            "pool_entry": e.negative_pool_entries.filter(left_on__isnull=True).first(),
            "memberships": _memberships(e),
            "own_lists": _own_lists(actor, e, today),
            "status": code_label(dictionary.types.get("registration"), "status", e.status)
            if e.status
            else "",
            "entity_type": code_label(
                dictionary.types.get("registration"), "entity_type", e.entity_type
            ),
            "roles": code_label(dictionary.types.get("registration"), "ecommerce_roles", e.roles)
            if e.roles
            else "",
        },
    )


def _memberships(e: Enterprise) -> list[tuple[str, object]]:
    """The enterprise's published list entries in force, with the list's label."""
    from django.utils.translation import get_language

    from ecredit.core.lists import load_list_types
    from ecredit.lists.queries import memberships

    types = load_list_types()
    lang = (get_language() or "zh")[:2]
    return [(types[m.list_type].label(lang), m) for m in memberships(e) if m.list_type in types]


def _own_lists(actor: object, e: Enterprise, today: object) -> dict[str, object] | None:
    """For the enterprise's own users: its open list entries, objections and repairs."""
    if getattr(actor, "enterprise_id", None) != e.pk:
        return None
    from ecredit.core.lists import OPEN_STATES
    from ecredit.lists import queries as list_queries

    return {
        "today": today,
        "entries": list(list_queries.entries_of(e).filter(state__in=OPEN_STATES)),
        "objections": list(list_queries.objections_of(e).filter(state="open")),
        "repairs": list(list_queries.repairs_of(e).filter(state="open")),
    }


def dictionary(request: HttpRequest) -> HttpResponse:
    d = load_dictionary()
    return render(request, "portal/dictionary.html", {"d": d})


def record_type(request: HttpRequest, name: str) -> HttpResponse:
    d = load_dictionary()
    if name not in d.types:
        raise Http404("unknown record type")
    return render(request, "portal/record_type.html", {"d": d, "t": d.types[name]})


def obligations(request: HttpRequest) -> HttpResponse:
    rows = record_queries.obligations(timezone.now())
    return render(
        request,
        "portal/obligations.html",
        {"rows": rows, "overdue": sum(1 for r in rows if r.overdue)},
    )


def models(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/models.html", {"entries": model_queries.registry()})


def model(request: HttpRequest, version: str) -> HttpResponse:
    entry = model_queries.get_model(version)
    if entry is None:
        raise Http404("no such model version")
    card = model_queries.scorecard(entry)
    run = model_queries.latest_run(entry)
    return render(
        request,
        "portal/model.html",
        {
            "m": entry,
            "metrics": entry.metrics,
            "features": model_queries.feature_labels(entry),
            "base_points": card[0] if card else None,
            "card": card[1] if card else None,
            "run": run,
            "comparison": model_queries.comparison(entry),
            "plots": [p for p in ("roc", "scores", "calibration", "grades") if p in entry.plots],
        },
    )


def model_plot(request: HttpRequest, version: str, name: str) -> FileResponse:
    entry = model_queries.get_model(version)
    path = model_queries.plot_file(entry, name) if entry is not None else None
    if path is None:
        raise Http404("no such plot")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"  # a version's plots never change
    return response

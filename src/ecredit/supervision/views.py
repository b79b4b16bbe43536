"""Public pages of inspection plans ("one public"): they call queries and render."""

from __future__ import annotations

from collections import Counter

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ecredit.core.dictionary import load_dictionary
from ecredit.entities.models import Enterprise
from ecredit.portal.presenters import code_label, lang
from ecredit.supervision import queries
from ecredit.supervision.actions import RESULT_TYPE
from ecredit.supervision.leaves import seed_hex


def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/plans.html", {"plans": list(queries.plans()[:200])})


def plan(request: HttpRequest, plan_id: str) -> HttpResponse:
    found = queries.get_plan(plan_id)
    if found is None:
        raise Http404("no such inspection plan")
    results = {r.key: r for r in queries.results_of(found)}
    names = dict(
        Enterprise.objects.filter(subject_id__in=found.selected).values_list("subject_id", "name")
    )
    zh = lang() == "zh"
    reasons = {r["name"]: r["reason_zh" if zh else "reason_en"] for r in found.must_inspect_rules}
    must = {m["key"]: [reasons.get(n, n) for n in m["rules"]] for m in found.must_inspect}
    rtype = load_dictionary().types.get(RESULT_TYPE)
    rows = [
        {
            "key": k,
            "name": names.get(k, ""),
            "inspectors": found.assignments.get(k, []),
            "must": must.get(k, []),
            "result": results.get(k),
            "result_label": code_label(rtype, "result", results[k].result) if k in results else "",
        }
        for k in (found.selected if found.is_drawn else [])
    ]
    by_class = Counter(p["class"] for p in found.population)
    chosen = set(found.selected) if found.is_drawn else set()
    drawn_by_class = Counter(p["class"] for p in found.population if p["key"] in chosen)
    classes = [
        (c, found.ratios.get(c), by_class.get(c, 0), drawn_by_class.get(c, 0)) for c in "ABCD"
    ]
    return render(
        request,
        "supervision/plan.html",
        {
            "plan": found,
            "seed": seed_hex(found),
            "classes": classes,
            "rows": rows,
            "must_count": len(found.must_inspect),
            "results_count": len(results),
        },
    )

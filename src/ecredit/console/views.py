"""Regulator console pages: for regulators and operators, signed in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from ecredit.accounts.actions import actor_for_user
from ecredit.console import queries


def _lang() -> str:
    return "zh" if (get_language() or "zh").startswith("zh") else "en"


def overview(request: HttpRequest) -> HttpResponse:
    actor = actor_for_user(request.user)
    if actor is None or not actor.sees_restricted:
        return render(request, "console/forbidden.html", status=403 if actor else 401)
    runs = queries.runs()
    ctx: dict[str, object] = {"runs": runs, "today": timezone.localdate()}
    if runs:
        by_id = {r.pk: r for r in runs}
        later = by_id.get(_int(request.GET.get("run")), runs[0])
        earlier_choices = [r for r in runs if (r.as_of, r.pk) < (later.as_of, later.pk)]
        earlier = by_id.get(_int(request.GET.get("previous")))
        if earlier is None or earlier not in earlier_choices:
            earlier = earlier_choices[0] if earlier_choices else None
        ctx |= {
            "run": later,
            "previous": earlier,
            "earlier_choices": earlier_choices,
            "dist": queries.by_class_and_grade(later),
            "regions": queries.by_region(later, _lang()),
            "platforms": queries.by_platform(later),
            "moves": queries.transitions(later, earlier) if earlier else None,
        }
    ctx |= {
        "pool": queries.pool_activity(timezone.localdate()),
        "plans": queries.inspection_plans(timezone.localdate()),
        "cases": queries.casework(timezone.localdate()),
        "checks": queries.checks_summary((get_language() or "zh")[:2]),
    }
    return render(request, "console/overview.html", ctx)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text and len(text) < 19 else None
    except ValueError:
        return None

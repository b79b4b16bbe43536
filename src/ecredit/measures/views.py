"""Pages: the measures catalogue (public) and the credit-check form (departments, banks)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecredit.accounts.actions import actor_for_user
from ecredit.core.measures import CONTEXTS, load_catalogue
from ecredit.entities.queries import get_enterprise
from ecredit.measures import actions
from ecredit.measures.api import check_json


def catalogue(request: HttpRequest) -> HttpResponse:
    cat = load_catalogue()
    by_context = [
        (c, cat.context_labels[c], [m for m in cat.measures if c in m.contexts]) for c in CONTEXTS
    ]
    return render(request, "measures/catalogue.html", {"cat": cat, "by_context": by_context})


def check(request: HttpRequest) -> HttpResponse:
    """Run a credit check as the signed-in user; the check is logged like an API check."""
    actor = actor_for_user(request.user)
    cat = load_catalogue()
    ctx: dict[str, object] = {
        "contexts": [(c, cat.context_labels[c]) for c in CONTEXTS],
        "allowed": actor is not None and actions.may_check(actor),
        "subject_id": request.GET.get("subject_id", "")[:200],
        "context": request.GET.get("context", ""),
    }
    status = 200
    if ctx["allowed"] and ctx["subject_id"]:
        enterprise = get_enterprise(str(ctx["subject_id"]))
        if enterprise is None:
            ctx["error"] = "unknown"
            status = 404
        elif ctx["context"] not in CONTEXTS:
            ctx["error"] = "context"
            status = 400
        else:
            assert actor is not None
            ctx["result"] = check_json(
                actions.run_check(actor, enterprise, str(ctx["context"]), "portal")
            )
    return render(request, "measures/check.html", ctx, status=status)

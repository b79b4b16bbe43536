"""List pages: public lists; an enterprise's own entries, objections and repairs with forms; the
regulator's workbench. Views parse, authorise, call `actions` and render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecredit.accounts.actions import actor_for_user
from ecredit.accounts.principals import Actor
from ecredit.core.dictionary import load_dictionary
from ecredit.core.lists import load_list_types, load_procedure
from ecredit.core.lists.workflow import allowed_actions
from ecredit.entities.models import Enterprise
from ecredit.entities.queries import visible_records
from ecredit.lists import actions, queries
from ecredit.lists.attachments import AttachmentError, Upload, path_of
from ecredit.lists.models import Attachment, ListEntry, Objection, RepairApplication
from ecredit.portal.presenters import present
from ecredit.records.models import CreditRecord

PAGE_SIZE = 50
WORKBENCH_ROWS = 100  # entries to decide shown at once, oldest first


def _lang() -> str:
    return (get_language() or "zh")[:2]


def _types() -> list[dict[str, Any]]:
    counts = queries.counts()
    return [
        {"t": lt, "label": lt.label(_lang()), "published": counts[lt.key]}
        for lt in load_list_types().values()
    ]


def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for_user(request.user)
    return render(
        request,
        "lists/index.html",
        {
            "types": _types(),
            "actor": actor,
            "is_regulator": actor is not None and actions.is_regulator(actor),
        },
    )


def detail(request: HttpRequest, key: str) -> HttpResponse:
    lt = load_list_types().get(key)
    if lt is None:
        raise Http404("no such list")
    page = Paginator(queries.published(key), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "lists/detail.html", {"lt": lt, "label": lt.label(_lang()), "page": page}
    )


def _login_required(role: str) -> Callable[..., Any]:
    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = actor_for_user(request.user)
            if actor is None:
                return redirect(f"{reverse('lists:login')}?next={request.path}")
            ok = (
                actions.is_regulator(actor)
                if role == "regulator"
                else (actor.role == "enterprise" and actor.enterprise_id is not None)
            )
            if not ok:
                return render(
                    request,
                    "lists/forbidden.html",
                    {"role": role},
                    status=403,
                )
            return view(request, actor, *args, **kwargs)

        return inner

    return wrap


def _do(request: HttpRequest, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an action; a refused step becomes a message on the page it came from."""
    try:
        return fn(*args, **kwargs)
    except (ValueError, AttachmentError) as exc:
        messages.error(request, str(exc))
        return None


def _files(request: HttpRequest) -> list[Upload]:
    limit = load_procedure().attachment_max_bytes
    return [
        Upload(f.name or "attachment", f.read(limit + 1)) for f in request.FILES.getlist("files")
    ]


@_login_required("enterprise")
def mine(request: HttpRequest, actor: Actor) -> HttpResponse:
    e = get_object_or_404(Enterprise, pk=actor.enterprise_id)
    today = timezone.localdate()
    dictionary = load_dictionary()
    records = [
        present(r, dictionary.types.get(r.type_name))
        for r in visible_records(e, actor, today).order_by("-occurred_on", "-id")[:200]
    ]
    repairable = set(load_procedure().repairable_records)
    return render(
        request,
        "lists/mine.html",
        {
            "e": e,
            "today": today,
            "memberships": queries.memberships(e, today),
            "entries": queries.entries_of(e),
            "objections": queries.objections_of(e),
            "repairs": queries.repairs_of(e).prefetch_related("attachments"),
            "records": records,
            "repairable": repairable,
            "types": {lt.key: lt.label(_lang()) for lt in load_list_types().values()},
        },
    )


@_login_required("enterprise")
def object_form(request: HttpRequest, actor: Actor) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    record = entry = None
    try:
        if source.get("record"):
            record = CreditRecord.objects.filter(pk=int(source["record"])).first()
        elif source.get("entry"):
            entry = ListEntry.objects.filter(pk=int(source["entry"])).first()
    except ValueError:
        pass
    target = record or entry
    if target is None or target.enterprise_id != actor.enterprise_id:
        raise Http404("no such record or entry of yours")
    if request.method == "POST":
        obj = _do(
            request,
            actions.file_objection,
            actor,
            record=record,
            entry=entry,
            reason=request.POST.get("reason", ""),
            files=_files(request),
        )
        if obj is not None:
            messages.success(request, _("Your objection was filed."))
            return redirect("lists:mine")
    return render(
        request,
        "lists/object.html",
        {"record": record, "entry": entry, "reason": request.POST.get("reason", "")},
    )


@_login_required("enterprise")
def repair_form(request: HttpRequest, actor: Actor, record_id: int) -> HttpResponse:
    record = CreditRecord.objects.filter(pk=record_id, enterprise_id=actor.enterprise_id).first()
    if record is None:
        raise Http404("no such record of yours")
    if request.method == "POST":
        app = _do(
            request,
            actions.apply_for_repair,
            actor,
            record,
            correction=request.POST.get("correction", ""),
            commitment=request.POST.get("commitment", ""),
            files=_files(request),
        )
        if app is not None:
            messages.success(request, _("Your credit-repair application was filed."))
            return redirect("lists:mine")
    check = actions.repair_check(record)
    return render(
        request,
        "lists/repair.html",
        {
            "record": record,
            "s": present(record, load_dictionary().types.get(record.type_name)),
            "check": check,
            "lang": _lang(),
        },
    )


def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    actor = actor_for_user(request.user)
    a = Attachment.objects.select_related("objection", "repair").filter(pk=attachment_id).first()
    if a is None or actor is None:
        raise Http404("no such attachment")
    owner = (a.objection or a.repair).enterprise_id  # type: ignore[union-attr]
    if not (actions.is_regulator(actor) or actor.enterprise_id == owner):
        raise Http404("no such attachment")
    response = FileResponse(
        path_of(a.sha256).open("rb"), content_type=a.content_type, as_attachment=True
    )
    response["Content-Disposition"] = f'attachment; filename="{a.sha256[:16]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@_login_required("regulator")
def workbench(request: HttpRequest, actor: Actor) -> HttpResponse:
    today = timezone.localdate()
    pending = queries.to_decide()
    chosen = request.GET.get("list", "")
    if chosen in load_list_types():
        pending = pending.filter(list_type=chosen)
    decide = list(pending[:WORKBENCH_ROWS])
    return render(
        request,
        "lists/workbench.html",
        {
            "today": today,
            "objections": queries.open_objections(),
            "repairs": queries.open_repairs(),
            "entries": [(e, allowed_actions(e.state)) for e in decide],
            "pending": pending.count(),
            "chosen": chosen,
            "expiring": queries.due_to_expire(today),
            "types": {lt.key: lt.label(_lang()) for lt in load_list_types().values()},
        },
    )


@require_POST
@_login_required("regulator")
def run_sweep(request: HttpRequest, actor: Actor) -> HttpResponse:
    report = _do(request, actions.sweep, actor)
    if report is not None:
        messages.success(
            request,
            _("Sweep: %(p)d proposed, %(a)d moved on, %(c)d closed.")
            % {"p": len(report.proposed), "a": len(report.advanced), "c": len(report.closed)},
        )
    return redirect("lists:workbench")


@require_POST
@_login_required("regulator")
def propose(request: HttpRequest, actor: Actor) -> HttpResponse:
    from ecredit.entities.queries import get_enterprise

    e = get_enterprise(request.POST.get("subject_id", "").strip()[:200])
    if e is None:
        messages.error(request, _("No enterprise holds this identifier."))
        return redirect("lists:workbench")
    entry = _do(
        request,
        actions.propose,
        actor,
        e,
        request.POST.get("list_type", ""),
        reason=request.POST.get("reason", ""),
    )
    if entry is not None:
        messages.success(request, _("Entry #%(n)d proposed.") % {"n": entry.pk})
    return redirect("lists:workbench")


@require_POST
@_login_required("regulator")
def answer(request: HttpRequest, actor: Actor, objection_id: int) -> HttpResponse:
    obj = get_object_or_404(Objection, pk=objection_id)
    uphold = request.POST.get("decision") == "uphold"
    corrections = {}
    for line in request.POST.get("corrections", "").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            corrections[k.strip()] = v.strip()
    done = _do(
        request,
        actions.answer_objection,
        actor,
        obj,
        uphold=uphold,
        answer=request.POST.get("answer", ""),
        outcome=request.POST.get("outcome", "") if uphold else "",
        corrections=corrections or None,
    )
    if done is not None:
        messages.success(request, _("Objection #%(n)d answered.") % {"n": obj.pk})
    return redirect("lists:workbench")


@require_POST
@_login_required("regulator")
def decide(request: HttpRequest, actor: Actor, application_id: int) -> HttpResponse:
    app = get_object_or_404(RepairApplication, pk=application_id)
    done = _do(
        request,
        actions.decide_repair,
        actor,
        app,
        approve=request.POST.get("decision") == "approve",
        reason=request.POST.get("reason", ""),
    )
    if done is not None:
        messages.success(request, _("Repair application #%(n)d decided.") % {"n": app.pk})
    return redirect("lists:workbench")


@require_POST
@_login_required("regulator")
def step(request: HttpRequest, actor: Actor, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(ListEntry, pk=entry_id)
    done = _do(
        request,
        actions.advance,
        actor,
        entry,
        request.POST.get("action", ""),
        reason=request.POST.get("reason", ""),
    )
    if done is not None:
        messages.success(request, _("Entry #%(n)d: %(s)s.") % {"n": entry.pk, "s": done.state})
    return redirect("lists:workbench")

"""Pages: the public verification page of a report, a report's HTML and PDF, and the
enterprise's own section (issue its reports, grant and revoke consents, read its access log)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecredit.accounts.actions import actor_for_user
from ecredit.accounts.models import Organisation
from ecredit.accounts.principals import Actor
from ecredit.entities.models import Enterprise
from ecredit.reports import actions, queries
from ecredit.reports.content import LANGS, TYPES
from ecredit.reports.models import Consent, IssuedReport
from ecredit.reports.render import render_html

MAX_UPLOAD = 32 * 1024 * 1024


def _may_read(actor: Actor | None, report: IssuedReport) -> bool:
    """Public reports are for anyone holding the number; archive reports for the enterprise
    itself, operators and regulators (banks read theirs through the API)."""
    if report.audience == "public":
        return True
    return actor is not None and (
        actor.sees_restricted or actor.enterprise_id == report.enterprise_id
    )


def verify(request: HttpRequest, number: str) -> HttpResponse:
    report = queries.get_report(number)
    if report is None:
        return render(
            request, "reports/verify.html", {"number": number[:32], "report": None}, status=404
        )
    upload = None
    if request.method == "POST":
        f = request.FILES.get("pdf")
        if f is None or f.size is None or f.size > MAX_UPLOAD:
            messages.error(request, _("Choose the report's PDF file (at most 32 MiB)."))
        else:
            upload = queries.check_upload(report, f.read(MAX_UPLOAD + 1))
    return render(
        request,
        "reports/verify.html",
        {
            "number": report.number,
            "report": report,
            "s": queries.standing(report),
            "upload": upload,
        },
    )


def _readable(request: HttpRequest, number: str) -> IssuedReport:
    report = queries.get_report(number)
    if report is None or not _may_read(actor_for_user(request.user), report):
        raise Http404("no such report")
    return report


def report_html(request: HttpRequest, number: str) -> HttpResponse:
    return HttpResponse(render_html(_readable(request, number).content))


def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    report = _readable(request, number)
    response = HttpResponse(actions.pdf_of(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.number}.pdf"'
    return response


def public_report(request: HttpRequest, subject_id: str) -> HttpResponse:
    """Anyone's report of public information: today's, issued on the first request of the day."""
    from ecredit.entities.queries import get_enterprise

    report_type, lang = request.GET.get("type", "standard"), request.GET.get("lang", "zh")
    if report_type not in TYPES or lang not in LANGS:
        return HttpResponse(
            _("Choose type basic, standard or in-depth and lang zh or en."), status=400
        )
    enterprise = get_enterprise(subject_id[:200])
    if enterprise is None:
        raise Http404("no enterprise holds this identifier")
    report = actions.todays_report(
        enterprise, report_type=report_type, lang=lang, audience="public"
    )
    return redirect("reports:pdf", number=report.number)


def _enterprise_actor(request: HttpRequest) -> Actor | HttpResponse:
    actor = actor_for_user(request.user)
    if actor is None:
        return redirect(f"{reverse('lists:login')}?next={request.path}")
    if actor.role != "enterprise" or actor.enterprise_id is None:
        return render(request, "lists/forbidden.html", {"role": "enterprise"}, status=403)
    return actor


def mine(request: HttpRequest) -> HttpResponse:
    actor = _enterprise_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    e = get_object_or_404(Enterprise, pk=actor.enterprise_id)
    today = timezone.localdate()
    return render(
        request,
        "reports/mine.html",
        {
            "e": e,
            "today": today,
            "reports": IssuedReport.objects.filter(enterprise=e).order_by("-issued_at")[:50],
            "consents": queries.consents_of(e)[:200],
            "reads": queries.reads_of(e),
            "orgs": Organisation.objects.filter(kind__in=actions.CONSENT_ORG_KINDS).order_by(
                "name"
            ),
            "types": TYPES,
            "report_langs": LANGS,
            "purposes": Consent.Purpose.choices,
        },
    )


@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    actor = _enterprise_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    e = get_object_or_404(Enterprise, pk=actor.enterprise_id)
    try:
        report = actions.issue_report(
            actor,
            e,
            report_type=request.POST.get("report_type", ""),
            lang=request.POST.get("lang", ""),
            audience="archive",
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("reports:mine")
    messages.success(request, _("Report %(number)s issued.") % {"number": report.number})
    return redirect("reports:mine")


@require_POST
def grant(request: HttpRequest) -> HttpResponse:
    actor = _enterprise_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        until = date.fromisoformat(request.POST.get("valid_until", ""))
        consent = actions.grant_consent(
            actor,
            org_key=request.POST.get("org", "")[:64],
            report_type=request.POST.get("report_type", ""),
            purpose=request.POST.get("purpose", ""),
            valid_until=until,
        )
    except (ValueError, LookupError) as exc:
        messages.error(request, str(exc))
        return redirect("reports:mine")
    messages.success(request, _("Consent %(id)s granted.") % {"id": consent.pk})
    return redirect("reports:mine")


@require_POST
def revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    actor = _enterprise_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        actions.revoke_consent(actor, consent_id)
    except LookupError as exc:
        messages.error(request, str(exc))
        return redirect("reports:mine")
    messages.success(request, _("Consent %(id)s revoked.") % {"id": consent_id})
    return redirect("reports:mine")

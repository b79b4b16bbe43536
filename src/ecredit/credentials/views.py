"""The public verification page: paste a certificate, see what holds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ecredit.core.credentials import CredentialError, verify
from ecredit.credentials import actions


def verify_page(request: HttpRequest) -> HttpResponse:
    ctx: dict[str, object] = {"jwks_url": "/api/v1/credentials/jwks"}
    token = (request.POST.get("token") or "").strip() if request.method == "POST" else ""
    status = 200
    if request.method == "POST":
        ctx["token"] = token[:200]
        try:
            ctx["result"] = verify(
                token,
                actions.published_keys(),
                now=timezone.now(),
                status_token=actions.status_list_token(),
            )
        except CredentialError as exc:
            ctx["error"] = str(exc)
            status = 400
    return render(request, "credentials/verify.html", ctx, status=status)

"""Error pages: JSON under /api/, a friendly page elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "no such API path; see /api/v1/docs"},
            status=404,
            content_type="application/json",
        )
    return render(request, "portal/404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "bad request"}, status=400, content_type="application/json")
    return render(request, "portal/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": "internal error; it has been logged"},
            status=500,
            content_type="application/json",
        )
    return render(request, "portal/500.html", status=500)

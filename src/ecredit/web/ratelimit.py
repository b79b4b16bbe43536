"""Per-client request limits on the API, answered with a clear 429 when a client goes over.

A client is its bearer token when it sends one, else its IP address. Each client has a fixed
window (e.g. 120 requests per 60 s) counted in Django's cache; every API answer says how many
requests are left (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`). Over the limit
the answer is 429 with `Retry-After` and a JSON body saying when to come back and how to get a
higher limit. Requests with a token that turns out unknown (401) are also charged to the IP, so
inventing tokens does not buy fresh windows.

The default cache is per process: with several gunicorn workers each counts on its own (a
client gets at most workers × limit). Point Django's cache at Redis for one shared count.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Rate:
    """`requests` per `seconds`; parsed from "120/60" (or "off")."""

    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        text = text.strip().lower()
        if text in ("", "off", "0", "none"):
            return None
        count, sep, window = text.partition("/")
        if not sep or not count.isdigit() or not window.isdigit() or int(window) == 0:
            raise ValueError(f"{text!r}: a rate is REQUESTS/SECONDS, e.g. 120/60, or off")
        return cls(int(count), int(window))


def _client(request: HttpRequest) -> tuple[str, str]:
    """('token', hash) for a request with a bearer token, else ('ip', address)."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        digest = hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:24]
        return "token", digest
    return "ip", request.META.get("REMOTE_ADDR", "") or "unknown"


def _charge(kind: str, who: str, rate: Rate, now: float) -> tuple[int, int]:
    """Count one request in the client's current window; (requests so far, seconds to reset)."""
    window = int(now // rate.seconds)
    key = f"ratelimit:{kind}:{who}:{rate.seconds}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        used = 1
    reset = math.ceil((window + 1) * rate.seconds - now)
    return used, max(reset, 1)


def _peek(kind: str, who: str, rate: Rate, now: float) -> int:
    window = int(now // rate.seconds)
    return int(cache.get(f"ratelimit:{kind}:{who}:{rate.seconds}:{window}", 0))


def too_many(kind: str, rate: Rate, retry_after: int) -> HttpResponse:
    """The 429 answer: when to retry, what the limit is, and how to get more."""
    body = {
        "detail": f"Too many requests: this API allows {rate.requests} requests per "
        f"{rate.seconds} seconds per client. Wait {retry_after} seconds and try again.",
        "limit": rate.requests,
        "window_seconds": rate.seconds,
        "retry_after_seconds": retry_after,
        "client": "your API token" if kind == "token" else "your IP address",
        "help": "Spread requests out, cache answers you already have, or ask an operator for an "
        "API token (tokens get a higher limit): see /api/v1/docs.",
    }
    response = HttpResponse(
        json.dumps(body), status=429, content_type="application/json; charset=utf-8"
    )
    response["Retry-After"] = str(retry_after)
    response["RateLimit-Limit"] = str(rate.requests)
    response["RateLimit-Remaining"] = "0"
    response["RateLimit-Reset"] = str(retry_after)
    return response


class ApiRateLimitMiddleware:
    """Limit requests to `/api/v1/` per client (settings ECREDIT_API_RATE, ECREDIT_API_TOKEN_RATE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/v1/"):
            return self.get_response(request)
        kind, who = _client(request)
        rate: Rate | None = (
            settings.API_TOKEN_RATE if kind == "token" else settings.API_ANONYMOUS_RATE
        )
        ip_rate: Rate | None = settings.API_ANONYMOUS_RATE
        if rate is None:
            return self.get_response(request)
        now = time.time()
        ip = request.META.get("REMOTE_ADDR", "") or "unknown"
        if (
            kind == "token"
            and ip_rate is not None
            and _peek("bad-token", ip, ip_rate, now) >= ip_rate.requests
        ):
            _used, reset = _charge("bad-token", ip, ip_rate, now)
            return too_many("ip", ip_rate, reset)
        used, reset = _charge(kind, who, rate, now)
        if used > rate.requests:
            return too_many(kind, rate, reset)
        response = self.get_response(request)
        if kind == "token" and response.status_code == 401 and ip_rate is not None:
            _charge("bad-token", ip, ip_rate, now)
        response["RateLimit-Limit"] = str(rate.requests)
        response["RateLimit-Remaining"] = str(max(rate.requests - used, 0))
        response["RateLimit-Reset"] = str(reset)
        return response

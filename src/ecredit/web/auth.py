"""API authentication: `Authorization: Bearer <token>`; public reads need no token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from ecredit.accounts.actions import authenticate_token
from ecredit.accounts.principals import Actor

ANONYMOUS = Actor(label="anonymous", role="public")


class TokenAuth(HttpBearer):
    """A valid, unrevoked API token is required."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return authenticate_token(token)


class OptionalTokenAuth(TokenAuth):
    """No Authorization header: anonymous. A header with a bad token: 401, never anonymous."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get("Authorization"):
            return ANONYMOUS
        actor = super().__call__(request)
        if actor is None:
            raise AuthenticationError(message="the bearer token is unknown or revoked")
        return actor


def actor_of(request: HttpRequest) -> Actor | None:
    """The authenticated actor, or None for an anonymous request."""
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor) or actor is ANONYMOUS:
        return None
    return actor

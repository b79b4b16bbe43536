"""Schemas every API module shares."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """What every client error returns: `detail` says what is wrong (a list for 422 field errors)."""

    detail: Any


# 400 bad request, 401 no or bad token, 403 not allowed, 404 unknown, 413 too large, 422 invalid fields
ERRORS: dict[Any, type[Schema]] = {frozenset({400, 401, 403, 404, 413, 422}): ErrorOut}


def responses(ok: Any) -> dict[Any, Any]:
    """A `response=` mapping: `ok` for 200, `ErrorOut` for every 4xx."""
    return {200: ok, **ERRORS}

"""The API root: /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import HttpError

from ecredit.core.dictionary import load_dictionary
from ecredit.credentials.api import router as credentials_router
from ecredit.entities.api import router as entities_router
from ecredit.ledger.api import router as ledger_router
from ecredit.lists.api import router as lists_router
from ecredit.measures.api import router as measures_router
from ecredit.ratings.api import router as ratings_router
from ecredit.records.api import router as records_router
from ecredit.reports.api import router as reports_router
from ecredit.supervision.api import router as supervision_router
from ecredit.web.schemas import responses


class EcreditAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI marks the optional bearer token as optional (`security: [{}, ...]`)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for op in operations.values():
                security = op.get("security") if isinstance(op, dict) else None
                if (
                    security
                    and any("OptionalTokenAuth" in s for s in security)
                    and {} not in security
                ):
                    op["security"] = [{}, *security]
        return schema


api = EcreditAPI(
    title="ecredit API",
    version="1",
    description=(
        "Credit information about e-commerce operators. Public reads need no token; submitting "
        "records needs `Authorization: Bearer <token>` of a data provider."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

dictionary_router = Router(tags=["dictionary"])


@dictionary_router.get(
    "/dictionary", response=responses(dict[str, Any]), summary="The unified data dictionary"
)
def get_dictionary(request: HttpRequest) -> dict[str, Any]:
    d = load_dictionary()
    return {
        "version": d.version,
        "types": [
            {
                "name": t.name,
                "version": t.version,
                "label_zh": t.label_zh,
                "label_en": t.label_en,
                "category": t.category,
                "disclosure_level": t.disclosure_level,
                "natural_key": list(t.natural_key),
                "providers": list(t.providers),
                "fields": t.csv_headers(),
            }
            for t in d.types.values()
        ],
        "providers": [
            {
                "key": p.key,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "kind": p.kind,
                "types": list(p.types),
            }
            for p in d.providers.values()
        ],
    }


@dictionary_router.get(
    "/dictionary/types/{name}",
    response=responses(dict[str, Any]),
    summary="JSON Schema of one record type",
)
def get_record_type(request: HttpRequest, name: str) -> dict[str, Any]:
    d = load_dictionary()
    if name not in d.types:
        raise HttpError(404, f"unknown record type {name[:64]!r}; known: {', '.join(d.types)}")
    return d.types[name].json_schema()


api.add_router("", dictionary_router)
api.add_router("", records_router)
api.add_router("", entities_router)
api.add_router("", ratings_router)
api.add_router("", ledger_router)
api.add_router("", measures_router)
api.add_router("", credentials_router)
api.add_router("", supervision_router)
api.add_router("", lists_router)
api.add_router("", reports_router)


@api.exception_handler(ValueError)
def value_error(request: HttpRequest, exc: ValueError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)

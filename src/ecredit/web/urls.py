from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from ecredit.web.api import api

# The API, the admin and the language switch keep one URL; pages carry their language:
# Chinese (the default) unprefixed, `/en/…` and `/ru/…` for the others.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    *i18n_patterns(
        path("measures/", include("ecredit.measures.urls")),
        path("console/", include("ecredit.console.urls")),
        path("credentials/", include("ecredit.credentials.urls")),
        path("inspections/", include("ecredit.supervision.urls")),
        path("lists/", include("ecredit.lists.urls")),
        path("reports/", include("ecredit.reports.urls")),
        path("verify/", include("ecredit.reports.urls_verify")),
        path("", include("ecredit.portal.urls")),
        prefix_default_language=False,
    ),
]

handler400 = "ecredit.web.errors.bad_request"
handler404 = "ecredit.web.errors.not_found"
handler500 = "ecredit.web.errors.server_error"

from django.contrib import admin
from django.urls import include, path

from ecredit.web.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("measures/", include("ecredit.measures.urls")),
    path("console/", include("ecredit.console.urls")),
    path("credentials/", include("ecredit.credentials.urls")),
    path("inspections/", include("ecredit.supervision.urls")),
    path("lists/", include("ecredit.lists.urls")),
    path("reports/", include("ecredit.reports.urls")),
    path("verify/", include("ecredit.reports.urls_verify")),
    path("", include("ecredit.portal.urls")),
]

handler400 = "ecredit.web.errors.bad_request"
handler404 = "ecredit.web.errors.not_found"
handler500 = "ecredit.web.errors.server_error"

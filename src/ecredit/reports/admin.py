from django.contrib import admin

from ecredit.reports.models import Consent, IssuedReport, ReportRead


@admin.register(IssuedReport)
class IssuedReportAdmin(admin.ModelAdmin):
    list_display = ("number", "subject_id", "report_type", "lang", "audience", "as_of", "issued_at")
    list_filter = ("report_type", "lang", "audience")
    search_fields = ("number", "subject_id")
    readonly_fields = [f.name for f in IssuedReport._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "enterprise",
        "organisation",
        "report_type",
        "purpose",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("report_type", "purpose")
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReportRead)
class ReportReadAdmin(admin.ModelAdmin):
    list_display = ("id", "report", "organisation", "reader", "purpose", "format", "read_at")
    readonly_fields = [f.name for f in ReportRead._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

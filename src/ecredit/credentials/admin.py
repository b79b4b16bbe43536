from django.contrib import admin

from ecredit.credentials.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("credential_id", "enterprise", "grade", "as_of", "valid_until", "revoked_at")
    list_filter = ("grade",)
    search_fields = ("credential_id", "enterprise__subject_id", "enterprise__name")
    raw_id_fields = ("enterprise", "evaluation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

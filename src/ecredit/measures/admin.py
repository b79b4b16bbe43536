from django.contrib import admin

from ecredit.measures.models import CheckFeedback, CreditCheck


@admin.register(CreditCheck)
class CreditCheckAdmin(admin.ModelAdmin):
    list_display = ("id", "enterprise", "context", "checked_by", "as_of", "checked_at")
    list_filter = ("context",)
    search_fields = ("enterprise__subject_id", "enterprise__name", "checked_by")
    raw_id_fields = ("enterprise", "organisation")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckFeedback)
class CheckFeedbackAdmin(admin.ModelAdmin):
    list_display = ("check_ref", "outcome", "given_by", "given_at")
    list_filter = ("outcome",)
    raw_id_fields = ("check_ref",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

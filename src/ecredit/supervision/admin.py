from django.contrib import admin

from ecredit.supervision.models import (
    ConflictOfInterest,
    InspectionPlan,
    InspectionResult,
    Inspector,
)


class _ReadOnly(admin.ModelAdmin):
    """Plans, results and conflicts change only through `supervision.actions` (API and CLI), so
    every change is audited and its ledger leaf stays true."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Inspector)
class InspectorAdmin(_ReadOnly):
    list_display = ("code", "name", "organisation", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(_ReadOnly):
    list_display = ("inspector", "enterprise", "reason", "declared_at", "declared_by")
    search_fields = ("inspector__code", "enterprise__subject_id")
    raw_id_fields = ("inspector", "enterprise")


@admin.register(InspectionPlan)
class InspectionPlanAdmin(_ReadOnly):
    list_display = ("public_id", "name", "status", "region", "due_on", "created_at")
    list_filter = ("status",)
    search_fields = ("public_id", "name")
    exclude = ("seed",)


@admin.register(InspectionResult)
class InspectionResultAdmin(_ReadOnly):
    list_display = ("plan", "key", "version", "is_current", "result", "inspected_on", "recorded_by")
    list_filter = ("result", "is_current")
    search_fields = ("key",)
    raw_id_fields = ("plan", "enterprise", "record")

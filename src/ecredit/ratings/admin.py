from django.contrib import admin

from ecredit.ratings.models import Evaluation, EvaluationRun, ModelVersion, NegativePoolEntry


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ("id", "as_of", "system_version", "evaluated", "started_at", "finished_at")

    def has_add_permission(self, request):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "as_of", "score", "grade", "risk_class", "is_latest")
    list_filter = ("grade", "risk_class", "is_latest")
    search_fields = ("enterprise__subject_id", "enterprise__name")
    raw_id_fields = ("enterprise", "run", "model_version")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NegativePoolEntry)
class NegativePoolEntryAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "entered_on", "reason", "left_on")
    list_filter = ("left_on",)
    search_fields = ("enterprise__subject_id", "enterprise__name")
    raw_id_fields = ("enterprise", "entered_by", "left_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """Read-only: models are trained, promoted and retired with `ecredit model`, so every change
    is audited and the artefact hash always matches."""

    list_display = ("version", "family", "status", "as_of", "system_version", "created_at")
    list_filter = ("status", "family")
    search_fields = ("version",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

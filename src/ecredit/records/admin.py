from django.contrib import admin

from ecredit.records.models import CreditRecord, Submission, Withdrawal


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records change only through ingestion, so that every change is a version and is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "provider",
        "type_name",
        "channel",
        "filename",
        "received_at",
        "stored",
        "duplicates",
        "corrected",
        "rejected",
    )
    list_filter = ("provider", "type_name", "channel")


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "type_name",
        "subject_id",
        "natural_key",
        "version",
        "is_current",
        "occurred_on",
        "disclosure_level",
    )
    list_filter = ("type_name", "is_current", "disclosure_level", "category")
    search_fields = ("subject_id", "natural_key")
    raw_id_fields = ("enterprise", "supersedes", "submission")


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "effective_on", "basis", "decided_by", "ledger_index")
    list_filter = ("basis",)
    raw_id_fields = ("record",)

from django.contrib import admin

from ecredit.lists.models import Attachment, ListEntry, ListStep, Objection, RepairApplication


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists change only through `lists.actions`, so that every step is a leaf and audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "list_type",
        "enterprise",
        "state",
        "proposed_on",
        "published_on",
        "until",
    )
    list_filter = ("list_type", "state")
    raw_id_fields = ("enterprise",)


@admin.register(ListStep)
class ListStepAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "action", "to_state", "on", "by", "ledger_index")
    list_filter = ("action",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "enterprise", "record", "entry", "state", "filed_on", "answer_due")
    list_filter = ("state",)
    raw_id_fields = ("enterprise", "record", "entry")


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "enterprise", "record", "state", "filed_on", "decide_by")
    list_filter = ("state",)
    raw_id_fields = ("enterprise", "record", "commitment_record")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "content_type", "size", "sha256", "objection", "repair")

from django.contrib import admin

from ecredit.entities.models import Enterprise, Identifier


class IdentifierInline(admin.TabularInline):
    model = Identifier
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("subject_id", "name", "entity_type", "region_code", "provisional")
    list_filter = ("provisional", "entity_type")
    search_fields = ("subject_id", "name")
    inlines = [IdentifierInline]


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ("value", "scheme", "enterprise")
    list_filter = ("scheme",)
    search_fields = ("value",)
    raw_id_fields = ("enterprise",)

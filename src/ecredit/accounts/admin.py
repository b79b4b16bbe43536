from django.contrib import admin

from ecredit.accounts.models import ApiToken, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "kind", "provider_key", "enterprise")
    list_filter = ("kind",)
    search_fields = ("key", "name", "provider_key")
    raw_id_fields = ("enterprise",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "organisation", "role", "created_at", "last_used_at", "revoked_at")
    list_filter = ("role", "revoked_at")
    readonly_fields = ("token_hash", "prefix", "created_at", "created_by", "last_used_at")

    def has_add_permission(self, request):  # tokens are created with `ecredit tokens create`
        return False

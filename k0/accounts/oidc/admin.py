from django.contrib import admin

from .models import GroupMapping, Identity


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    """The group mapping table (used when OIDC_GROUP_MAPPING is on).

    Each row gives the members of one provider group one role in one school, at their next
    city log-in or session confirmation; a removed row or a user who left the group loses the
    role the same way. Only school roles can be mapped: programme office and administrator
    rights are always given by hand.
    """

    list_display = ["group", "school", "role"]
    list_filter = ["role", "school"]
    search_fields = ["group", "school__name"]
    autocomplete_fields = ["school"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """Which users log in through the city log-in. Read-only: made at the first log-in."""

    list_display = ["user", "issuer", "created_at", "last_login_at"]
    list_select_related = ["user"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    readonly_fields = ["user", "issuer", "subject", "created_at", "last_login_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""Case records are deliberately absent from the admin: personal data about children is
read through the case pages, where access is checked and logged. The admin shows only the
access log, read-only, for audits."""

from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "role", "action", "view", "case"]
    list_filter = ["action", "role"]
    search_fields = ["case__reference", "user__username"]
    list_select_related = ["user", "case"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

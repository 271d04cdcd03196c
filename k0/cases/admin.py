"""Case records are deliberately absent from the admin: personal data about children is
read through the case pages, where access is checked and logged. The admin shows only the
access log, read-only, for audits."""

from django.contrib import admin

from k0.readonly_admin import ReadOnlyAdminMixin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "user", "role", "action", "view", "case"]
    list_filter = ["action", "role"]
    search_fields = ["case__reference", "user__username"]
    list_select_related = ["user", "case"]
    date_hierarchy = "at"
    deletable = False

from django.contrib import admin

from k0.readonly_admin import ReadOnlyAdminMixin

from .models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: for operators to see what ran and why it failed."""

    list_display = ("pk", "kind", "requested_by", "status", "progress", "created_at", "expires_at")
    list_filter = ("status", "kind")
    # Not the result file: downloads go through the checked view only (and a private file
    # has no URL to show, so listing it here made the change page fail).
    readonly_fields = [f.name for f in Job._meta.fields if f.name != "result_file"]
    exclude = ("result_file",)

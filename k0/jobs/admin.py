from django.contrib import admin

from k0.readonly_admin import ReadOnlyAdminMixin

from .models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: for operators to see what ran and why it failed."""

    list_display = ("pk", "kind", "requested_by", "status", "progress", "created_at", "expires_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]
    exclude = ("result_file",)  # downloads go through the checked view only

from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: for operators to see what ran and why it failed."""

    list_display = ("pk", "kind", "requested_by", "status", "progress", "created_at", "expires_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]
    exclude = ("result_file",)  # downloads go through the checked view only

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

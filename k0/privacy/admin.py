from django.contrib import admin

from k0.readonly_admin import ReadOnlyAdminMixin

from .models import DataSubjectRequest


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "kind", "party_id", "case", "handled_by"]
    list_filter = ["kind"]
    list_select_related = ["case", "handled_by"]
    deletable = False

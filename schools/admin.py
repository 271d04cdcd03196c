from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Area, Membership, School


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["school"]


class SchoolMembershipInline(MembershipInline):
    autocomplete_fields = ["user"]


@admin.register(Area)
class AreaAdmin(SimpleHistoryAdmin):
    search_fields = ["name", "name_sv"]
    list_display = ["name", "name_sv"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["name", "area", "kind", "is_active"]
    list_filter = ["area", "kind", "is_active"]
    search_fields = ["name"]
    inlines = [SchoolMembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "school"]
    list_filter = ["role", "school__area", "school"]
    search_fields = ["user__username", "user__last_name", "school__name"]
    autocomplete_fields = ["user", "school"]
    list_select_related = ["user", "school"]

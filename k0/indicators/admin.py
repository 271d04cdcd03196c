"""Administration of BI tokens: create (the secret is shown once), revoke, read the use log."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, ApiTokenUse, IndicatorSnapshot


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = [
        "name",
        "expires_at",
        "prefix",
        "created_by",
        "created_at",
        "revoked_at",
        "last_used_at",
        "uses",
    ]
    readonly_fields = ["prefix", "created_by", "created_at", "revoked_at", "last_used_at", "uses"]
    actions = ["revoke"]
    list_select_related = ["created_by"]

    def has_delete_permission(self, request, obj=None):
        # Revoke instead: deleting a token would delete the log of its uses too.
        return False

    @admin.display(description=_("use log"))
    def uses(self, obj):
        if obj.pk is None:
            return "–"
        url = reverse("admin:indicators_apitokenuse_changelist") + f"?token__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every use of this token"))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            # Kept on the request only, for response_add to show once; never stored.
            request._k0_new_token = obj.set_new_secret()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Token created"),
            "token": obj,
            "raw_token": request._k0_new_token,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "indicators/admin/token_created.html", context)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ApiTokenUse)
class ApiTokenUseAdmin(admin.ModelAdmin):
    list_display = ["used_at", "token", "query", "status"]
    list_filter = ["status", "token"]
    date_hierarchy = "used_at"
    list_select_related = ["token"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndicatorSnapshot)
class IndicatorSnapshotAdmin(admin.ModelAdmin):
    """When each period's figures were frozen. Read-only, and the counts are not shown: they
    are the unsuppressed numbers, which only the pages may show, after disclosure control."""

    list_display = ["__str__", "period_kind", "definitions_version", "frozen_at"]
    list_filter = ["period_kind", "definitions_version"]
    fields = ["period_kind", "period_start", "period_end", "definitions_version", "frozen_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would recount the period from today's data: published figures would change.
        return False

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.readonly_admin import ReadOnlyAdminMixin
from schools.admin import MembershipInline

from .models import EnrolmentCode, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ("language",)}),
    )
    inlines = [MembershipInline]
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    actions = ["issue_enrolment_codes"]

    def has_issue_enrolment_code_permission(self, request):
        return request.user.has_perm("accounts.add_enrolmentcode")

    @admin.action(
        description=_("Issue two-factor enrolment codes to the selected users"),
        permissions=["issue_enrolment_code"],
    )
    def issue_enrolment_codes(self, request, queryset):
        issued = [
            (code, raw)
            for code, raw in (
                EnrolmentCode.issue(user, created_by=request.user)
                for user in queryset.order_by("username")
            )
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enrolment codes issued"),
            "issued": issued,
            "opts": self.model._meta,
        }
        # Shown this once; only hashes are stored. The page is never cached (no-store).
        return TemplateResponse(request, "accounts/admin/enrolment_codes_issued.html", context)


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The record of issued codes. Codes are issued from the user list (or by
    `manage.py issue_enrolment_code`), never typed in here, and never shown again."""

    list_display = ["user", "created_at", "created_by", "expires_at", "used_at", "revoked_at"]
    list_filter = [("used_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username"]
    list_select_related = ["user", "created_by"]
    fields = ["user", "created_by", "created_at", "expires_at", "used_at", "revoked_at"]
    actions = ["revoke"]
    deletable = False

    def has_revoke_permission(self, request):
        return request.user.has_perm("accounts.add_enrolmentcode")

    @admin.action(description=_("Revoke the selected unused codes"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = queryset.valid().update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d code revoked.", "%(count)d codes revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdminMixin, BaseTOTPDeviceAdmin):
    """Devices can be listed and deleted (a lost phone), never read: no key, no QR code.

    With OTP_ADMIN_HIDE_SENSITIVE_DATA django-otp already hides the key of an existing device
    and refuses its QR views; adding a device here would show a key, so that is off too. A
    new phone is enrolled by its user with an enrolment code.
    """

    def get_urls(self):
        # Without django-otp's config/ and qrcode/ views: they answer 404, not 403.
        return admin.ModelAdmin.get_urls(self)

from django.contrib import admin

from k0.readonly_admin import ReadOnlyAdminMixin

from .models import (
    ClosureNotice,
    DigestLog,
    InactiveCaseNotice,
    InvitationDelivery,
    MeetingInvitation,
    ReminderLog,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Delivery records, for operators to see what was sent and what failed."""


@admin.register(ReminderLog)
class ReminderLogAdmin(ReadOnlyAdmin):
    list_display = ("for_date", "follow_up_id", "kind", "recipient", "status", "attempts")
    list_filter = ("status", "kind", "for_date")
    readonly_fields = ("last_error",)


@admin.register(DigestLog)
class DigestLogAdmin(ReadOnlyAdmin):
    list_display = ("week_start", "recipient", "status", "attempts")
    list_filter = ("status", "week_start")


@admin.register(MeetingInvitation)
class MeetingInvitationAdmin(ReadOnlyAdmin):
    list_display = ("uid", "case", "sequence", "starts_at", "cancelled")


@admin.register(InvitationDelivery)
class InvitationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("invitation_id", "recipient", "sequence", "method", "status", "attempts")
    list_filter = ("status", "method")


@admin.register(InactiveCaseNotice)
class InactiveCaseNoticeAdmin(ReadOnlyAdmin):
    list_display = ("announced_at", "case", "recipient", "status", "attempts")
    list_filter = ("status", "announced_at")
    list_select_related = ("case", "recipient")


@admin.register(ClosureNotice)
class ClosureNoticeAdmin(ReadOnlyAdmin):
    list_display = ("closure_id", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status",)
    readonly_fields = ("last_error",)

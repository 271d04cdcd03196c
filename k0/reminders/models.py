"""What has been (or is to be) sent: reminders, digests, meeting invitations and closure
notices to principals.

Every e-mail K-0 sends in the background has an outbox row here before it is sent. The row
is the claim: a unique key says what may be sent at most once (one reminder per follow-up per
day, one digest per user per week, one invitation per attendee per revision, one closure
notice per principal per closure), and a conditional update from *pending* to *sent* — done
in the same transaction as the SMTP call — decides which worker sends it. See
`k0.reminders.delivery`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from k0.cases.models import Case, FollowUp, Intervention, PhaseChange


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not needed any more")


class Outbox(models.Model):
    """Delivery state shared by every kind of e-mail sent from the background."""

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The SMTP error class and server reply, never message content.
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        abstract = True


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class ReminderLog(Outbox):
    """A reminder about one follow-up on one day (muistutus). Unique per follow-up and day,
    so however often the daily scan runs, a follow-up is reminded at most once a day."""

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("follow-up")
    )
    for_date = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )

    class Meta:
        verbose_name = _("follow-up reminder")
        verbose_name_plural = _("follow-up reminders")
        ordering = ["-for_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "for_date"], name="reminder_once_per_follow_up_and_day"
            )
        ]
        indexes = [models.Index(fields=["for_date", "status", "recipient"])]


class DigestLog(Outbox):
    """The weekly digest of one user (viikkokooste); unique per user and week."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    week_start = models.DateField(_("week (Monday)"))

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        ordering = ["-week_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "week_start"], name="digest_once_per_user_and_week"
            )
        ]


class MeetingInvitation(models.Model):
    """The calendar event of a planned meeting (intervention), sent as iCalendar.

    The UID never changes; `sequence` goes up with every revision sent, as iCalendar
    (RFC 5545/5546) requires for updates and cancellations. The row outlives the
    intervention (SET_NULL), because a removed meeting still has to be cancelled.
    """

    uid = models.CharField(_("UID"), max_length=100, unique=True)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    intervention = models.OneToOneField(
        Intervention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("intervention"),
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("organizer"),
    )
    # Who holds the event in their calendar now: they get updates and the cancellation.
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("attendees")
    )
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting invitation")
        verbose_name_plural = _("meeting invitations")


class InvitationMethod(models.TextChoices):
    REQUEST = "REQUEST", _("Invitation or update")
    CANCEL = "CANCEL", _("Cancellation")


class InvitationDelivery(Outbox):
    """One revision of an invitation to one attendee."""

    invitation = models.ForeignKey(
        MeetingInvitation, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    sequence = models.PositiveIntegerField(_("revision"))
    method = models.CharField(_("method"), max_length=10, choices=InvitationMethod.choices)

    class Meta:
        verbose_name = _("invitation e-mail")
        verbose_name_plural = _("invitation e-mails")
        ordering = ["sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "recipient", "sequence"],
                name="invitation_once_per_attendee_and_revision",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class InactiveCaseNotice(Outbox):
    """Tells a case's coordinator or responsible member, once, that the open case has had no
    recorded activity for CASE_INACTIVE_DAYS and will be closed as discontinued unless
    something is recorded in it (k0.privacy). Unique per case, recipient and announcement
    (`Case.inactivity_notice_at`): a later stretch of inactivity is announced anew."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    announced_at = models.DateTimeField(_("announced"))

    class Meta:
        verbose_name = _("inactive case notice")
        verbose_name_plural = _("inactive case notices")
        ordering = ["-announced_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "recipient", "announced_at"],
                name="inactive_notice_once_per_recipient_and_announcement",
            )
        ]
        indexes = [models.Index(fields=["status", "recipient"])]


class ClosureNotice(Outbox):
    """An e-mail telling a principal that a closure awaits their acknowledgement.

    Unique per closure (the phase change that closed the case) and principal: however often
    it is tried, each principal hears of a closure once; a case reopened and closed again is
    a new closure, and is notified again."""

    closure = models.ForeignKey(
        PhaseChange, on_delete=models.CASCADE, related_name="+", verbose_name=_("closure")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )

    class Meta:
        verbose_name = _("closure notice")
        verbose_name_plural = _("closure notices")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "recipient"], name="closure_notice_once_per_principal"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class DutyReminder(Outbox):
    """A reminder of a duty that has come due (k0.cases.due): guardians not informed by the
    §29.7 deadline, an agreement review or a safety-measure review. Unique per duty, its due
    date and recipient, so each is reminded once; a review moved to a new date is reminded
    again when that comes. The e-mail carries references and links only."""

    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.PositiveIntegerField(_("record"))
    due_on = models.DateField(_("due"))
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )

    class Meta:
        verbose_name = _("duty reminder")
        verbose_name_plural = _("duty reminders")
        ordering = ["-due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "due_on", "recipient"],
                name="duty_reminder_once",
            )
        ]
        indexes = [models.Index(fields=["status", "recipient"])]


class CaseEventNotice(Outbox):
    """An e-mail about a transfer of a case to another school (proposed, accepted, declined)
    or a handover of its responsibility (`k0.cases.transfers`). Unique per event and
    recipient, so each recipient hears of an event once however often it is tried."""

    event = models.CharField(_("event"), max_length=40)  # e.g. "transfer:12:proposed"
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )

    class Meta:
        verbose_name = _("transfer or handover notice")
        verbose_name_plural = _("transfer and handover notices")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="case_event_notice_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="case_event_due")]

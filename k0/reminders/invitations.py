"""Calendar invitations for planned meetings (interventions with a date and a start time).

A user sends the invitation from the case page (`send_invitation`); from then on every
invitation follows its meeting as the database holds it: after each change to a case
(`k0.reminders.followers`), a task (`sync_case_invitations_task`) compares each invitation of
the case with its meeting (`sync_invitation`) and the attendees get an update or a
cancellation — also when the meeting was removed (its invitation stays, without meeting).
The cases app knows nothing of this. Invitations go to the intervention's facilitators —
staff users with an e-mail address; children and guardians are never users and never get
one.

Each revision is one outbox row per attendee (`InvitationDelivery`, unique per invitation,
attendee and SEQUENCE) sent by `deliver_invitation` with the claim in `delivery`.

"Done" never cancels. A meeting recorded as *done* took place — the model refuses "done"
before the start (`Intervention.clean`) — and a cancellation would remove it from everyone's
calendar afterwards. If it is recorded at another time than the invitation said, the
attendees get an update, so their calendars show when it really took place; otherwise they
get nothing. A cancellation goes out only when the meeting is removed, or is no longer a
meeting with a date and a time, or an attendee is taken off it.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from k0.cases.choices import InterventionStatus
from k0.cases.models import Intervention
from k0.jobs.enqueue import enqueue_on_commit

from . import delivery, ical
from .delivery import Result
from .emails import MeetingItem, case_link, render_email
from .models import DeliveryStatus, InvitationDelivery, InvitationMethod, MeetingInvitation

logger = logging.getLogger(__name__)

DEFAULT_DURATION_MINUTES = 60


class InvitationError(Exception):
    """Why an invitation cannot be sent, in words for the user."""


def is_schedulable(intervention: Intervention) -> bool:
    return intervention.is_planned_meeting


def _schedule(intervention: Intervention) -> tuple[dt.datetime, int]:
    duration = intervention.duration_minutes or DEFAULT_DURATION_MINUTES
    try:
        starts_at = intervention.starts_at
        _check_representable(starts_at, duration)
    except OverflowError:
        # A date at the very edge of the calendar (year 1, 9999-12-31), stored past the
        # model's range check: no calendar can hold it, so no invitation is made for it.
        logger.warning("Intervention %s: date out of range for an invitation.", intervention.pk)
        raise InvitationError(_("The meeting's date is out of range for an invitation.")) from None
    return starts_at, duration


def _check_representable(starts_at: dt.datetime, duration: int) -> None:
    """Raises OverflowError unless the start and the end exist in UTC and in local time:
    they are stored in UTC, sent in UTC and shown in local time."""
    ends_at = starts_at + dt.timedelta(minutes=duration)
    for moment in (starts_at, ends_at):
        timezone.localtime(moment.astimezone(dt.UTC))


def _recipients(intervention: Intervention) -> set[int]:
    return set(
        intervention.facilitators.filter(is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )


def _issue(invitation: MeetingInvitation, recipients: set[int]) -> None:
    """Queues revision `invitation.sequence`: the event for `recipients`, a cancellation for
    attendees who are no longer on the list."""
    current = set(invitation.attendees.values_list("pk", flat=True))
    now = timezone.now()
    rows = [
        InvitationDelivery(
            invitation=invitation,
            recipient_id=pk,
            sequence=invitation.sequence,
            method=InvitationMethod.REQUEST,
            next_attempt_at=now,
        )
        for pk in sorted(recipients)
    ] + [
        InvitationDelivery(
            invitation=invitation,
            recipient_id=pk,
            sequence=invitation.sequence,
            method=InvitationMethod.CANCEL,
            next_attempt_at=now,
        )
        for pk in sorted(current - recipients)
    ]
    InvitationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    invitation.attendees.set(recipients)
    enqueue_on_commit(_deliver_task(), invitation.pk)


def _deliver_task():
    from .tasks import deliver_invitation_task

    return deliver_invitation_task


def _revise(
    invitation: MeetingInvitation,
    *,
    starts_at: dt.datetime | None = None,
    duration: int | None = None,
    cancelled: bool | None = None,
) -> None:
    """The next revision (SEQUENCE) of the event, with what changed; `_issue` sends it."""
    invitation.sequence += 1
    if starts_at is not None:
        invitation.starts_at = starts_at
        invitation.duration_minutes = duration
    if cancelled is not None:
        invitation.cancelled = cancelled
    invitation.updated_at = timezone.now()
    invitation.save()


def _locked_invitation(intervention: Intervention) -> MeetingInvitation | None:
    # Two people saving the same meeting at once must not issue the same SEQUENCE twice.
    return (
        MeetingInvitation.objects.select_for_update()
        .filter(intervention_id=intervention.pk)
        .first()
    )


@transaction.atomic
def send_invitation(*, intervention: Intervention, by) -> MeetingInvitation:
    """Sends (or sends again) the invitation to the meeting's facilitators.

    1. Refuse a meeting that is not planned with a date and time, or a closed case.
    2. Refuse when no facilitator has an e-mail address.
    3. Create the invitation (SEQUENCE 0), or raise the SEQUENCE of the existing one.
    4. Queue one e-mail per attendee (and a cancellation for anyone no longer on the list);
       they are sent after commit.
    """
    if not is_schedulable(intervention):
        raise InvitationError(
            _("Only a planned meeting with a date and a start time can be sent as an invitation.")
        )
    if intervention.case.is_closed:
        raise InvitationError(_("The case is closed."))
    recipients = _recipients(intervention)
    if not recipients:
        raise InvitationError(_("None of the meeting's facilitators has an e-mail address in K-0."))
    starts_at, duration = _schedule(intervention)
    invitation = _locked_invitation(intervention)
    if invitation is None:
        invitation = MeetingInvitation.objects.create(
            uid=f"{uuid.uuid4().hex}@{ical.uid_domain()}",
            case=intervention.case,
            intervention=intervention,
            organizer=by,
            starts_at=starts_at,
            duration_minutes=duration,
        )
    else:
        _revise(invitation, starts_at=starts_at, duration=duration, cancelled=False)
    _issue(invitation, recipients)
    logger.info(
        "Invitation %s revision %s queued for %s attendee(s).",
        invitation.pk,
        invitation.sequence,
        len(recipients),
    )
    return invitation


@transaction.atomic
def intervention_changed(intervention: Intervention, *, by=None) -> MeetingInvitation | None:
    """After an intervention (and its facilitators) was saved: sends an update when the
    time, length or attendees of an invited meeting changed, and a cancellation when it is
    no longer a planned meeting with a date and time — unless it was recorded as done (see
    `_record_held`)."""
    invitation = _locked_invitation(intervention)
    if invitation is None:
        return None  # never sent: invitations are sent on request only
    if not is_schedulable(intervention):
        if invitation.cancelled:
            return invitation
        if intervention.status == InterventionStatus.DONE:
            return _record_held(invitation, intervention)
        return _cancel(invitation)
    try:
        starts_at, duration = _schedule(intervention)
    except InvitationError:
        return invitation  # a date no calendar holds (logged): the attendees keep the last one
    recipients = _recipients(intervention)
    if not recipients:
        return invitation if invitation.cancelled else _cancel(invitation)
    unchanged = (
        not invitation.cancelled
        and invitation.starts_at == starts_at
        and invitation.duration_minutes == duration
        and set(invitation.attendees.values_list("pk", flat=True)) == recipients
    )
    if unchanged:
        return invitation  # e.g. only the notes changed: no e-mail
    _revise(invitation, starts_at=starts_at, duration=duration, cancelled=False)
    _issue(invitation, recipients)
    return invitation


def sync_case_invitations(case_id: int) -> None:
    """Brings every invitation of a case in line with its meeting as saved."""
    ids = (
        MeetingInvitation.objects.filter(case_id=case_id)
        .exclude(intervention__isnull=True, cancelled=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for invitation_id in list(ids):
        sync_invitation(invitation_id)


# The sweep compares invitations whose meeting starts from this long ago on: an update of a
# meeting that ended weeks ago matters to nobody's calendar.
SWEEP_PAST = dt.timedelta(days=7)


def sync_standing_invitations() -> int:
    """Periodic (the outbox sweep): every invitation still standing is compared with its
    meeting, so a change whose sync task was lost (the broker was down when the case was
    saved) still reaches the calendars. Returns how many got a new revision."""
    standing = MeetingInvitation.objects.filter(
        cancelled=False, starts_at__gte=timezone.now() - SWEEP_PAST
    )
    revised = 0
    for pk, sequence in list(standing.order_by("pk").values_list("pk", "sequence")):
        invitation = sync_invitation(pk)
        revised += invitation is not None and invitation.sequence != sequence
    return revised


@transaction.atomic
def sync_invitation(invitation_id: int) -> MeetingInvitation | None:
    """An update or a cancellation if the meeting changed since the last revision; nothing
    otherwise. A meeting that was removed (the invitation's link is emptied) is cancelled."""
    invitation = (
        # Only the invitation's row is locked: PostgreSQL cannot lock the nullable side of the
        # outer join to a meeting that may have been removed.
        MeetingInvitation.objects.select_for_update(of=("self",))
        .select_related("intervention")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return None
    if invitation.intervention is None:
        return invitation if invitation.cancelled else _cancel(invitation)
    return intervention_changed(invitation.intervention)


@transaction.atomic
def intervention_removed(intervention: Intervention, *, by=None) -> MeetingInvitation | None:
    """Call before deleting an intervention: its attendees get a cancellation."""
    invitation = _locked_invitation(intervention)
    if invitation is None or invitation.cancelled:
        return invitation
    return _cancel(invitation)


def _record_held(invitation: MeetingInvitation, intervention: Intervention) -> MeetingInvitation:
    """A meeting recorded as done: never a cancellation. The attendees who hold the event
    get an update only if it is recorded at another time or length than invited; a change
    of facilitators after the meeting changes nobody's calendar."""
    if intervention.starts_at is None:
        return invitation  # recorded without a start time: the invited time stands
    starts_at, duration = _schedule(intervention)
    if invitation.starts_at == starts_at and invitation.duration_minutes == duration:
        return invitation
    _revise(invitation, starts_at=starts_at, duration=duration)
    _issue(invitation, set(invitation.attendees.values_list("pk", flat=True)))
    return invitation


def _cancel(invitation: MeetingInvitation) -> MeetingInvitation:
    _revise(invitation, cancelled=True)
    _issue(invitation, set())  # everyone who holds the event gets METHOD:CANCEL
    logger.info("Invitation %s cancelled (revision %s).", invitation.pk, invitation.sequence)
    return invitation


def deliver_invitation(invitation_id: int) -> dict[str, int]:
    """Sends the pending e-mails of one invitation; an attendee gets only the newest revision."""
    counts = {"sent": 0, "failed": 0}
    pending = InvitationDelivery.objects.filter(
        invitation_id=invitation_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=timezone.now(),
    ).order_by("recipient_id", "-sequence")
    # Newest first per attendee: once it is sent, the older revisions are skipped.
    for row_pk in list(pending.values_list("pk", flat=True)):
        result = delivery.deliver(InvitationDelivery, [row_pk], _build_invitation)
        if result == Result.SENT:
            counts["sent"] += 1
        elif result == Result.FAILED:
            counts["failed"] += 1
    return counts


def _build_invitation(rows):
    (row,) = rows
    superseded = (
        InvitationDelivery.objects.filter(
            invitation_id=row.invitation_id,
            recipient_id=row.recipient_id,
            sequence__gt=row.sequence,
        )
        .exclude(status=DeliveryStatus.SKIPPED)
        .exists()
    )
    if superseded:
        return None, []  # a newer revision replaces this one
    invitation = MeetingInvitation.objects.select_related("case", "organizer").get(
        pk=row.invitation_id
    )
    recipient = get_user_model().objects.get(pk=row.recipient_id)
    if not recipient.email:
        return None, []
    try:
        _check_representable(invitation.starts_at, invitation.duration_minutes)
    except OverflowError:
        # Stored out of range past every check (a bulk update): skipped, not retried for ever.
        logger.warning("Invitation %s not sent: its time is out of range.", invitation.pk)
        return None, []
    ends_at = invitation.starts_at + dt.timedelta(minutes=invitation.duration_minutes)
    reference = invitation.case.reference
    anchor = f"intervention-{invitation.intervention_id}" if invitation.intervention_id else ""
    url = case_link(reference, anchor)
    if row.method == InvitationMethod.REQUEST:
        attendees = list(
            invitation.attendees.exclude(email="").order_by("pk").values_list("email", flat=True)
        ) or [recipient.email]
    else:
        attendees = [recipient.email]
    organizer = (
        invitation.organizer.email
        if invitation.organizer and invitation.organizer.email
        else ical.sender_address()
    )
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        data = ical.meeting(
            method=row.method,
            uid=invitation.uid,
            sequence=row.sequence,
            starts_at=invitation.starts_at,
            ends_at=ends_at,
            reference=reference,
            url=url,
            organizer=organizer,
            attendees=attendees,
        )
    template = (
        "meeting_invitation" if row.method == InvitationMethod.REQUEST else "meeting_cancellation"
    )
    message = render_email(
        template,
        user=recipient,
        context={
            "meeting": MeetingItem(
                reference=reference,
                starts_at=timezone.localtime(invitation.starts_at),
                ends_at=timezone.localtime(ends_at),
                url=url,
            ),
            "is_update": row.sequence > 0,
        },
        attachments=(ical.as_attachment(data, method=row.method),),
    )
    return message, rows


def deliver_pending_invitations() -> dict[str, int]:
    """For the periodic sweep: invitations whose e-mails are pending and due."""
    totals = {"sent": 0, "failed": 0}
    ids = (
        InvitationDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("invitation_id", flat=True)
        .distinct()
    )
    for invitation_id in list(ids):
        counts = deliver_invitation(invitation_id)
        totals["sent"] += counts["sent"]
        totals["failed"] += counts["failed"]
    return totals

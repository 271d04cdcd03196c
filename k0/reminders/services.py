"""Follow-up reminders and the weekly digest, derived from the database each time.

Nothing is scheduled when a follow-up is saved: the daily run looks at what is due. So a
follow-up saved while the broker was down, or changed after the run, is still found, and
running the day twice (a retry, two beats, the command by hand) sends nothing twice — the
outbox rows are unique per follow-up and day and per user and week (see `delivery`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from k0.cases.choices import Phase
from k0.cases.models import Case, FollowUp
from schools.models import Role

from . import delivery
from .delivery import Result
from .emails import CaseItem, FollowUpItem, case_link, render_email
from .models import DeliveryStatus, DigestLog, ReminderKind, ReminderLog

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    reminders_recorded: int = 0
    reminder_emails: int = 0
    digests: int = 0
    failed: int = 0
    # Seconds until the earliest recorded failure is due to be tried again.
    retry_in: float | None = field(default=None)

    def as_dict(self) -> dict:
        return asdict(self)


def reminder_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """(today, last due date that counts as "due soon"). Calendar days in Helsinki, not
    hours: across a DST change a day has 23 or 25 hours, and "due in two days" still means
    the day after tomorrow."""
    return today, today + dt.timedelta(days=settings.REMINDER_DUE_SOON_DAYS)


def due_follow_ups(today: dt.date):
    """Open follow-ups of open cases that are overdue or due within the window."""
    _, horizon = reminder_window(today)
    return (
        FollowUp.objects.filter(
            done_at__isnull=True, not_needed_on__isnull=True, due_date__lte=horizon
        )
        .exclude(case__phase=Phase.CLOSED)
        .filter(responsible__is_active=True)
        .exclude(responsible__email="")
    )


def record_due_reminders(*, today: dt.date) -> int:
    """Writes today's reminder rows; rows that exist already are left alone."""
    User = get_user_model()
    now = timezone.now()
    by_user: dict[int, list[tuple[int, int, dt.date]]] = defaultdict(list)
    for pk, case_id, user_id, due in due_follow_ups(today).values_list(
        "pk", "case_id", "responsible_id", "due_date"
    ):
        by_user[user_id].append((pk, case_id, due))
    rows = []
    for user in User.objects.filter(pk__in=list(by_user)):
        # Someone who has left the case team (or the school) gets no reminder about it.
        visible = set(
            Case.objects.visible_to(user)
            .filter(pk__in={case_id for _, case_id, _ in by_user[user.pk]})
            .values_list("pk", flat=True)
        )
        for pk, case_id, due in by_user[user.pk]:
            if case_id in visible:
                kind = ReminderKind.OVERDUE if due < today else ReminderKind.DUE_SOON
                rows.append(
                    ReminderLog(
                        follow_up_id=pk,
                        for_date=today,
                        kind=kind,
                        recipient=user,
                        next_attempt_at=now,
                    )
                )
    ReminderLog.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def deliver_reminders(*, recipient, today: dt.date) -> Result:
    """One e-mail to `recipient` covering their pending reminders of `today`."""
    pks = ReminderLog.objects.filter(
        recipient=recipient, for_date=today, status=DeliveryStatus.PENDING
    ).values_list("pk", flat=True)

    def build(rows):
        follow_ups = FollowUp.objects.select_related("case").in_bulk(
            [row.follow_up_id for row in rows]
        )
        still_due = []
        items = []
        _, horizon = reminder_window(today)
        for row in rows:
            follow_up = follow_ups.get(row.follow_up_id)
            if (
                follow_up is None
                or follow_up.done_at is not None
                or follow_up.case.phase == Phase.CLOSED
                or follow_up.responsible_id != row.recipient_id
                or follow_up.due_date > horizon
            ):
                continue  # done or moved since the scan: not worth an e-mail any more
            still_due.append(row)
            items.append(
                FollowUpItem(
                    reference=follow_up.case.reference,
                    due_date=follow_up.due_date,
                    days_overdue=max((today - follow_up.due_date).days, 0),
                    url=case_link(follow_up.case.reference, f"follow-up-{follow_up.pk}"),
                )
            )
        if not items:
            return None, []
        items.sort(key=lambda item: (item.due_date, item.reference))
        message = render_email(
            "follow_up_reminder",
            user=recipient,
            context={
                "overdue": [i for i in items if i.days_overdue],
                "due_soon": [i for i in items if not i.days_overdue],
                "today": today,
            },
        )
        return message, still_due

    return delivery.deliver(ReminderLog, pks, build)


def send_follow_up_reminders(*, today: dt.date, record: bool = True) -> Summary:
    summary = Summary()
    # A pending reminder of an earlier day is out of date: today's rows replace it.
    ReminderLog.objects.filter(for_date__lt=today, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SKIPPED
    )
    if record:
        summary.reminders_recorded = record_due_reminders(today=today)
    User = get_user_model()
    recipients = ReminderLog.objects.filter(
        for_date=today, status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values("recipient")
    for user in User.objects.filter(pk__in=recipients).order_by("pk"):
        _count(summary, deliver_reminders(recipient=user, today=today), "reminder_emails")
    return summary


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def digest_recipients():
    User = get_user_model()
    return (
        User.objects.filter(
            is_active=True,
            memberships__role__in=[Role.TEAM_MEMBER, Role.COORDINATOR],
            memberships__school__is_active=True,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def deliver_digest(*, recipient, today: dt.date) -> Result:
    log, _ = DigestLog.objects.get_or_create(recipient=recipient, week_start=week_start(today))

    def build(rows):
        now = timezone.now()
        idle_after = dt.timedelta(days=settings.CASE_STALE_DAYS)
        cases = list(
            Case.objects.visible_to(recipient)
            .exclude(phase=Phase.CLOSED)
            .with_follow_up_signals(today)
            .order_by("reference")
        )
        if not cases:
            return None, []
        items = [
            CaseItem(
                reference=case.reference,
                phase=Phase(case.phase).label,
                next_follow_up=case.next_follow_up,
                overdue=case.overdue_follow_ups or 0,
                idle_days=(now - case.last_activity_at).days
                if now - case.last_activity_at >= idle_after
                else 0,
                url=case_link(case.reference),
            )
            for case in cases
        ]
        overdue = [
            FollowUpItem(
                reference=f.case.reference,
                due_date=f.due_date,
                days_overdue=(today - f.due_date).days,
                url=case_link(f.case.reference, f"follow-up-{f.pk}"),
            )
            for f in FollowUp.objects.filter(
                case__in=[c.pk for c in cases],
                done_at__isnull=True,
                not_needed_on__isnull=True,
                due_date__lt=today,
            )
            .select_related("case")
            .order_by("due_date", "pk")
        ]
        message = render_email(
            "weekly_digest",
            user=recipient,
            context={
                "cases": items,
                "overdue": overdue,
                "idle": [item for item in items if item.idle_days],
                "stale_days": settings.CASE_STALE_DAYS,
                "today": today,
            },
        )
        return message, rows

    return delivery.deliver(DigestLog, [log.pk], build)


def send_weekly_digests(*, today: dt.date) -> Summary:
    summary = Summary()
    DigestLog.objects.filter(
        week_start__lt=week_start(today), status=DeliveryStatus.PENDING
    ).update(status=DeliveryStatus.SKIPPED)
    for user in digest_recipients():
        if Case.objects.visible_to(user).exclude(phase=Phase.CLOSED).exists():
            _count(summary, deliver_digest(recipient=user, today=today), "digests")
    return summary


def run_daily(*, today: dt.date | None = None, digest: bool | None = None) -> Summary:
    """What the daily task and `manage.py send_reminders` run: today's follow-up reminders,
    and on DIGEST_WEEKDAY (ISO, 1 = Monday) the weekly digests."""
    today = today or timezone.localdate()
    if digest is None:
        digest = today.isoweekday() == settings.DIGEST_WEEKDAY
    summary = send_follow_up_reminders(today=today)
    _add_duties(summary, today=today)
    if digest:
        digests = send_weekly_digests(today=today)
        summary.digests = digests.digests
        summary.failed += digests.failed
    retries = [
        delivery.earliest_retry(ReminderLog, for_date=today),
        delivery.earliest_retry(DigestLog, week_start=week_start(today)) if digest else None,
    ]
    retries = [r for r in retries if r is not None]
    summary.retry_in = min(retries).total_seconds() if retries else None
    logger.info(
        "Daily reminders for %s: %s recorded, %s e-mails, %s digests, %s failed.",
        today,
        summary.reminders_recorded,
        summary.reminder_emails,
        summary.digests,
        summary.failed,
    )
    return summary


def _add_duties(summary: Summary, *, today: dt.date, record: bool = True) -> None:
    """Reminders of duties come due (§29.7 informing, agreement and safety reviews)."""
    from .duties import send_duty_reminders

    recorded, sent, failed = send_duty_reminders(today=today, record=record)
    summary.reminders_recorded += recorded
    summary.reminder_emails += sent
    summary.failed += failed


def _count(summary: Summary, result: Result, attribute: str) -> None:
    if result == Result.SENT:
        setattr(summary, attribute, getattr(summary, attribute) + 1)
    elif result == Result.FAILED:
        summary.failed += 1


def retry_pending(*, today: dt.date | None = None) -> Summary:
    """For the periodic sweep: send what is pending and due (a failure whose back-off has
    passed, a run whose worker died). Records nothing new: that is the daily run's job."""
    today = today or timezone.localdate()
    summary = send_follow_up_reminders(today=today, record=False)
    _add_duties(summary, today=today, record=False)
    logs = DigestLog.objects.filter(
        week_start=week_start(today),
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=timezone.now(),
    ).select_related("recipient")
    for log in logs:
        _count(summary, deliver_digest(recipient=log.recipient, today=today), "digests")
    return summary

"""Reminders of duties that have come due (`k0.cases.due.to_remind`): guardians not informed
by the §29.7 deadline, agreement reviews and safety-measure reviews.

Derived from the database on each run, like the follow-up reminders: a `DutyReminder` row per
duty, due date and recipient is the claim (unique), and `delivery.deliver` sends one e-mail
per recipient for their pending rows. Before sending, the items are computed again: a duty
done since the scan is skipped, not reminded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from k0.cases import due
from k0.cases.models import Case

from . import delivery
from .delivery import Result
from .emails import case_link, render_email
from .models import DeliveryStatus, DutyReminder


@dataclass(frozen=True)
class DutyItem:
    reference: str
    label: str  # lazily translated, rendered in the recipient's language
    due_on: dt.date
    url: str


def _key(kind, object_id, due_on) -> tuple:
    return (str(kind), object_id, due_on)


def record_duty_reminders(*, today: dt.date) -> int:
    """Writes the rows of duties due today; rows that exist already are left alone."""
    User = get_user_model()
    by_user: dict[int, list[due.DueItem]] = defaultdict(list)
    for item in due.to_remind(today):
        by_user[item.owner_id].append(item)
    rows = []
    now = timezone.now()
    users = User.objects.filter(pk__in=list(by_user), is_active=True).exclude(email="")
    for user in users:
        # Someone who has left the case team (or the school) gets no reminder about it.
        visible = set(
            Case.objects.visible_to(user)
            .filter(pk__in={i.case_id for i in by_user[user.pk]})
            .values_list("pk", flat=True)
        )
        for item in by_user[user.pk]:
            if item.case_id in visible:
                rows.append(
                    DutyReminder(
                        kind=item.kind,
                        object_id=item.object_id,
                        due_on=item.date,
                        case_id=item.case_id,
                        recipient=user,
                        next_attempt_at=now,
                    )
                )
    DutyReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def deliver_duty_reminders(*, recipient, today: dt.date) -> Result:
    pks = DutyReminder.objects.filter(
        recipient=recipient, status=DeliveryStatus.PENDING
    ).values_list("pk", flat=True)

    def build(rows):
        still = {
            _key(i.kind, i.object_id, i.date): i
            for i in due.to_remind(today)
            if i.owner_id == recipient.pk
        }
        covered, items = [], []
        for row in rows:
            item = still.get(_key(row.kind, row.object_id, row.due_on))
            if item is None:
                continue  # done, moved or no longer theirs since the scan
            covered.append(row)
            items.append(
                DutyItem(
                    reference=item.reference,
                    label=item.label,
                    due_on=item.date,
                    url=case_link(item.reference, item.anchor),
                )
            )
        if not items:
            return None, []
        items.sort(key=lambda i: (i.due_on, i.reference))
        message = render_email(
            "duty_reminder", user=recipient, context={"items": items, "today": today}
        )
        return message, covered

    return delivery.deliver(DutyReminder, pks, build)


def send_duty_reminders(*, today: dt.date, record: bool = True) -> tuple[int, int, int]:
    """(rows recorded, e-mails sent, failures)."""
    recorded = record_duty_reminders(today=today) if record else 0
    sent = failed = 0
    User = get_user_model()
    recipients = DutyReminder.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values("recipient")
    for user in User.objects.filter(pk__in=recipients).order_by("pk"):
        result = deliver_duty_reminders(recipient=user, today=today)
        sent += result == Result.SENT
        failed += result == Result.FAILED
    return recorded, sent, failed

"""The e-mail that tells a coordinator and a responsible member that an open case has had no
activity for CASE_INACTIVE_DAYS and will be closed as discontinued (see k0.privacy.inactive).

The nightly retention run records one outbox row per case, recipient and announcement and
then sends each recipient one e-mail covering their pending rows; the outbox sweep retries
failures. Claimed like every other background e-mail (`delivery.deliver`), so a second run or
a retry never sends a notice twice. Like all K-0 e-mail it carries references and dates only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from k0.cases.choices import Phase
from k0.cases.models import Case

from . import delivery
from .delivery import Result
from .emails import InactiveCaseItem, case_link, render_email
from .models import DeliveryStatus, InactiveCaseNotice


def recipients(case: Case) -> list:
    """The coordinator and the responsible member, if they can still be told: active, with an
    e-mail address, and still able to open the case (someone who has left the school or the
    case team is not told about it)."""
    people = [case.coordinator, case.responsible]
    found = []
    for user in people:
        if user is None or user in found or not user.is_active or not user.email:
            continue
        if Case.objects.visible_to(user).filter(pk=case.pk).exists():
            found.append(user)
    return found


def record_notices(case: Case) -> int:
    """Outbox rows for the case's current announcement; existing rows are left alone."""
    now = timezone.now()
    rows = [
        InactiveCaseNotice(
            case=case, recipient=user, announced_at=case.inactivity_notice_at, next_attempt_at=now
        )
        for user in recipients(case)
    ]
    InactiveCaseNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def deliver_notices(*, recipient) -> Result:
    """One e-mail to `recipient` covering their pending notices."""
    pks = InactiveCaseNotice.objects.filter(
        recipient=recipient, status=DeliveryStatus.PENDING
    ).values_list("pk", flat=True)

    def build(rows):
        cases = Case.objects.in_bulk([row.case_id for row in rows])
        still_due, items = [], []
        for row in rows:
            case = cases.get(row.case_id)
            if (
                case is None
                or case.phase == Phase.CLOSED
                or case.inactivity_notice_at != row.announced_at
                or not case.inactivity_announced
            ):
                continue  # worked on or closed since the announcement: nothing to tell
            still_due.append(row)
            items.append(
                InactiveCaseItem(
                    reference=case.reference,
                    last_activity=timezone.localdate(case.last_activity_at),
                    closes_on=case.inactivity_closes_on(),
                    url=case_link(case.reference),
                )
            )
        if not items:
            return None, []
        items.sort(key=lambda item: (item.closes_on, item.reference))
        message = render_email("inactive_cases", user=recipient, context={"cases": items})
        return message, still_due

    return delivery.deliver(InactiveCaseNotice, pks, build)


def send_pending_notices() -> dict:
    """Sends every recipient's pending notices that are due (a new announcement, or a failure
    whose back-off has passed)."""
    counts = {"sent": 0, "failed": 0}
    User = get_user_model()
    waiting = InactiveCaseNotice.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values("recipient")
    for user in User.objects.filter(pk__in=waiting).order_by("pk"):
        result = deliver_notices(recipient=user)
        if result == Result.SENT:
            counts["sent"] += 1
        elif result == Result.FAILED:
            counts["failed"] += 1
    return counts

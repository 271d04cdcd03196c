"""Telling principals that a closure awaits their acknowledgement (päättämisen kuittaus).

When a user has closed a case, `closure_changed` (called by `k0.reminders.followers` after
the closing transaction commits) finds the closure awaiting acknowledgement in the database
and `closure_awaits_acknowledgement` writes one outbox row per principal of the case's
school — unique per closure and principal, so each principal hears of a closure once however
often delivery is tried — and enqueues the delivery. A case reopened and closed again is a new
closure (a new phase change) and is notified again. The periodic outbox sweep sends what a
broker outage left pending.

The e-mail carries the case reference and a link to the principal's progress page: never a
name, nor anything written about the case. A notice still unsent when the closure was
acknowledged, or the case reopened, is not needed any more and is skipped.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from k0.cases.choices import Phase
from k0.cases.models import Case, PhaseChange
from k0.jobs.enqueue import enqueue_on_commit
from schools.models import Role

from . import delivery
from .delivery import Result
from .emails import absolute, render_email
from .models import ClosureNotice, DeliveryStatus

logger = logging.getLogger(__name__)


def principals_of(school_id: int):
    """Active principals of an active school who have an e-mail address."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__school_id=school_id,
            memberships__school__is_active=True,
            memberships__role=Role.PRINCIPAL,
        )
        .exclude(email="")
        .distinct()
    )


def closure_awaits_acknowledgement(*, closure: PhaseChange) -> int:
    """Queues the notices of `closure` (the phase change that closed a case). Returns the
    number of principals to be told."""
    if closure.to_phase != Phase.CLOSED:
        raise ValueError("Only a closure awaits acknowledgement.")
    now = timezone.now()
    rows = [
        ClosureNotice(closure=closure, recipient_id=pk, next_attempt_at=now)
        for pk in principals_of(closure.case.school_id).order_by("pk").values_list("pk", flat=True)
    ]
    ClosureNotice.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        enqueue_on_commit(_deliver_task(), closure.pk)
    return len(rows)


def closure_changed(case_id: int) -> int:
    """After a change to a case: if the case is closed, its closure awaits acknowledgement
    and nobody was told of it yet, queue the notices. Reads the committed state, so calling
    it again (or for a case that was not closed) does nothing."""
    closure = (
        PhaseChange.objects.filter(
            case_id=case_id,
            to_phase=Phase.CLOSED,
            case__phase=Phase.CLOSED,
            case__closure_acknowledged_at__isnull=True,
        )
        .select_related("case")
        .order_by("-changed_at", "-pk")
        .first()
    )
    if closure is None or ClosureNotice.objects.filter(closure=closure).exists():
        return 0
    return closure_awaits_acknowledgement(closure=closure)


def _deliver_task():
    from .tasks import deliver_closure_notices_task

    return deliver_closure_notices_task


def deliver_closure_notices(closure_id: int) -> dict[str, int]:
    """Sends the pending notices of one closure, one e-mail per principal."""
    counts = {"sent": 0, "failed": 0}
    pending = ClosureNotice.objects.filter(
        closure_id=closure_id,
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=timezone.now(),
    ).order_by("pk")
    for row_pk in list(pending.values_list("pk", flat=True)):
        result = delivery.deliver(ClosureNotice, [row_pk], _build_notice)
        if result == Result.SENT:
            counts["sent"] += 1
        elif result == Result.FAILED:
            counts["failed"] += 1
    return counts


def _build_notice(rows):
    (row,) = rows
    closure = PhaseChange.objects.select_related("case").get(pk=row.closure_id)
    case = closure.case
    current_closure = (
        case.phase_changes.filter(to_phase=Phase.CLOSED)
        .order_by("-changed_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    awaiting = (
        case.phase == Phase.CLOSED
        and case.closure_acknowledged_at is None
        and current_closure == closure.pk
    )
    if not awaiting:
        return None, []  # acknowledged or reopened meanwhile
    recipient = principals_of(case.school_id).filter(pk=row.recipient_id).first()
    if recipient is None:
        return None, []  # no longer a principal of the school
    message = render_email(
        "closure_awaits_acknowledgement",
        user=recipient,
        context={
            "reference": case.reference,
            "url": absolute(reverse("cases:progress", args=[case.reference])),
        },
    )
    return message, rows


# How far back the sweep looks for closures nobody was told of.
UNTOLD_WITHIN = dt.timedelta(days=30)


def queue_untold_closures() -> int:
    """For the periodic sweep: closures that await acknowledgement but have no notices yet —
    the process that closed the case ended between the commit and writing them. Returns how
    many closures got their notices."""
    untold = (
        Case.objects.filter(
            phase=Phase.CLOSED,
            closure_acknowledged_at__isnull=True,
            closed_at__gte=timezone.now() - UNTOLD_WITHIN,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # closure_changed does nothing for a closure whose notices exist (one query each).
    return sum(1 for case_id in list(untold) if closure_changed(case_id))


def deliver_pending_closure_notices() -> dict[str, int]:
    """For the periodic sweep: closures whose notices are pending and due."""
    totals = {"sent": 0, "failed": 0}
    ids = (
        ClosureNotice.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .values_list("closure_id", flat=True)
        .distinct()
    )
    for closure_id in list(ids):
        counts = deliver_closure_notices(closure_id)
        totals["sent"] += counts["sent"]
        totals["failed"] += counts["failed"]
    return totals

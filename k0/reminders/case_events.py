"""E-mails about transfers of a case between schools and handovers of its responsibility
(`k0.cases.transfers`), written after the change commits (`followers.case_changed`) and
sent from the outbox like every other e-mail: case reference and school names only.

- proposed: the principals and K-0 coordinators of the receiving school;
- accepted / declined: whoever proposed it (and, when accepted, the new responsible member);
- handover: the previous responsible member.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from k0.cases.models import CaseTransfer, Handover
from k0.jobs.enqueue import enqueue_on_commit
from schools.models import Role

from . import delivery
from .delivery import Result
from .emails import absolute, render_email
from .models import CaseEventNotice, DeliveryStatus


def _deciders(school_id: int) -> list[int]:
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__school_id=school_id,
            memberships__role__in=[Role.PRINCIPAL, Role.COORDINATOR],
        )
        .exclude(email="")
        .distinct()
        .values_list("pk", flat=True)
    )


# Events older than this are not announced any more (say, to a coordinator who joined the
# school later): the sweep and every change of the case look only this far back.
RECENT = dt.timedelta(days=14)


def _events(case_id: int) -> list[tuple[str, int]]:
    """(event, recipient id) of the recent transfers and handovers of the case."""
    since = timezone.now() - RECENT
    out = []
    for t in CaseTransfer.objects.filter(case_id=case_id, proposed_at__gte=since):
        if t.status == "proposed":
            out += [(f"transfer:{t.pk}:proposed", pk) for pk in _deciders(t.to_school_id)]
    decided = CaseTransfer.objects.filter(case_id=case_id, decided_at__gte=since)
    for t in decided:
        out.append((f"transfer:{t.pk}:{t.status}", t.proposed_by_id))
        if t.responsible_id:
            out.append((f"transfer:{t.pk}:{t.status}", t.responsible_id))
    for h in Handover.objects.filter(case_id=case_id, at__gte=since):
        out.append((f"handover:{h.pk}", h.previous_responsible_id))
    return out


def case_events_changed(case_id: int) -> int:
    """Queues the notices of events nobody was told of yet; returns how many were new."""
    events = _events(case_id)
    if not events:
        return 0
    now = timezone.now()
    known = set(
        CaseEventNotice.objects.filter(case_id=case_id).values_list("event", "recipient_id")
    )
    rows = [
        CaseEventNotice(event=e, case_id=case_id, recipient_id=r, next_attempt_at=now)
        for e, r in dict.fromkeys(events)
        if (e, r) not in known
    ]
    CaseEventNotice.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        enqueue_on_commit(_deliver_task(), case_id)
    return len(rows)


def _deliver_task():
    from .tasks import deliver_case_event_notices_task

    return deliver_case_event_notices_task


def deliver_case_event_notices(case_id: int | None = None) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0}
    pending = CaseEventNotice.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
    )
    if case_id is not None:
        pending = pending.filter(case_id=case_id)
    for pk in list(pending.order_by("pk").values_list("pk", flat=True)):
        result = delivery.deliver(CaseEventNotice, [pk], _build)
        if result == Result.SENT:
            counts["sent"] += 1
        elif result == Result.FAILED:
            counts["failed"] += 1
    return counts


def _build(rows):
    (row,) = rows
    recipient = get_user_model().objects.filter(pk=row.recipient_id, is_active=True).first()
    if recipient is None or not recipient.email:
        return None, []
    kind, pk, *status = row.event.split(":")
    if kind == "handover":
        handover = Handover.objects.select_related("case").get(pk=pk)
        context = {"event": "handover", "reference": handover.case.reference}
        context["url"] = absolute(reverse("reminders:my_work"))
    else:
        transfer = CaseTransfer.objects.select_related("case", "from_school", "to_school").get(
            pk=pk
        )
        context = {
            "event": f"transfer_{status[0]}",
            "reference": transfer.case.reference,
            "from_school": transfer.from_school.name,
            "to_school": transfer.to_school.name,
            "url": absolute(
                reverse("cases:transfers_incoming")
                if status[0] == "proposed"
                else reverse("reminders:my_work")
            ),
        }
    return render_email("case_event", user=recipient, context=context), rows

"""What the principal of the sending school keeps of a case transferred away: its
pseudonymised progress up to the transfer — counts and the phase history until then, never
anything recorded at the receiving school."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from .choices import InterventionStatus
from .counting import party_counts


def transferred_progress(request, case, transfer):
    cutoff = transfer.decided_at
    parties = case.parties.filter(created_at__lte=cutoff).only("kind", "role")
    groups = case.groups.all().only("head_count")
    central, bystanders = party_counts(list(parties), list(groups))
    context = {
        "case": case,
        "transfer": transfer,
        "central_count": central,
        "bystander_count": bystanders,
        "done_interventions": case.interventions.filter(
            status=InterventionStatus.DONE, date__lte=timezone.localdate(cutoff)
        ).count(),
        "follow_ups_done": case.follow_ups.filter(done_at__lte=timezone.localdate(cutoff)).count(),
        "phase_changes": list(
            case.phase_changes.filter(changed_at__lte=cutoff).select_related("changed_by")
        ),
    }
    return render(request, "cases/progress_transferred.html", context)

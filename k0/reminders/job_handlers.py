"""Job kinds of this app (registered with `k0.jobs`)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from k0.cases.choices import Phase
from k0.cases.models import Case, FollowUp
from k0.jobs.registry import job_handler

from . import ical
from .emails import case_link


def _still_sees_every_case(user, job) -> bool:
    """The calendar lists the cases the requester saw when it was made; taken off one of
    them since, they must not keep its reference and link (start the job again instead)."""
    if job.result_case_ids is None:
        # Not made yet (its run looks at what the user sees then), or made before the
        # calendar recorded its cases: that file cannot be vouched for.
        return not job.result_file
    wanted = set(job.result_case_ids)
    return Case.objects.visible_to(user).filter(pk__in=wanted).count() == len(wanted)


@job_handler(
    "my_follow_ups_ics",
    label=_("My follow-ups as a calendar file"),
    allowed=_still_sees_every_case,
)
def my_follow_ups_ics(job) -> tuple[str, str, bytes]:
    """The requester's open follow-ups from today on, as all-day events (.ics).

    The file leaves K-0 (into a phone or a shared calendar), so it holds references and
    links only, like the reminder e-mails.
    """
    user = job.requested_by
    today = timezone.localdate()
    follow_ups = list(
        FollowUp.objects.filter(
            responsible=user,
            done_at__isnull=True,
            not_needed_on__isnull=True,
            due_date__gte=today,
            case__in=Case.objects.visible_to(user).exclude(phase=Phase.CLOSED),
        )
        .select_related("case")
        .order_by("due_date", "pk")
    )
    job.set_progress(30)
    job.result_case_ids = [follow_up.case_id for follow_up in follow_ups]
    items = []
    for index, follow_up in enumerate(follow_ups, start=1):
        items.append(
            {
                # Stable, so importing the file again updates the entries instead of
                # duplicating them.
                "uid": f"follow-up-{follow_up.pk}@{ical.uid_domain()}",
                "due_date": follow_up.due_date,
                "reference": follow_up.case.reference,
                "url": case_link(follow_up.case.reference, f"follow-up-{follow_up.pk}"),
            }
        )
        if index % 50 == 0:
            job.set_progress(30 + 60 * index // len(follow_ups))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        data = ical.follow_up_calendar(items)
    job.set_progress(95)
    return f"k0-follow-ups-{today.isoformat()}.ics", "text/calendar", data

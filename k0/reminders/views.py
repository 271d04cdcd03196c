"""The "My work" page, the follow-up calendar download and sending meeting invitations."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from k0.cases import due
from k0.cases.access import get_case_for, refuses_closed_case
from k0.cases.choices import Phase
from k0.cases.models import Case, FollowUp, Intervention
from k0.jobs.services import start_job
from k0.ratelimits import rate_limited
from schools.models import Role
from schools.roles import role_required

from .invitations import InvitationError, send_invitation


@role_required(Role.TEAM_MEMBER, Role.COORDINATOR)
def my_work(request):
    """Follow-ups due this week, overdue ones and idle cases, across the user's cases.

    htmx refreshes the lists every minute; without JavaScript it is an ordinary page.
    """
    today = timezone.localdate()
    week_end = today + dt.timedelta(days=6 - today.weekday())
    cases = Case.objects.visible_to(request.user).exclude(phase=Phase.CLOSED)
    open_follow_ups = (
        FollowUp.objects.filter(case__in=cases, done_at__isnull=True, not_needed_on__isnull=True)
        .select_related("case", "responsible")
        .order_by("due_date", "pk")
    )
    idle_since = timezone.now() - dt.timedelta(days=settings.CASE_STALE_DAYS)
    context = {
        "today": today,
        "week_end": week_end,
        "overdue": list(open_follow_ups.filter(due_date__lt=today)),
        "due_this_week": list(open_follow_ups.filter(due_date__gte=today, due_date__lte=week_end)),
        "idle_cases": list(
            cases.filter(last_activity_at__lt=idle_since)
            .select_related("school", "responsible")
            .order_by("last_activity_at")
        ),
        "stale_days": settings.CASE_STALE_DAYS,
        # §29.7 informing, agreement and safety reviews, unanswered consent (k0.cases.due);
        # follow-ups have their own lists.
        "duties": due.for_cases(
            cases, today, kinds=[k for k in due.DueKind if k != due.DueKind.FOLLOW_UP]
        ),
        "now": timezone.localtime(),
    }
    template = "reminders/_my_work.html" if request.htmx else "reminders/my_work.html"
    return render(request, template, context)


@role_required(Role.TEAM_MEMBER, Role.COORDINATOR)
@require_POST
@rate_limited("jobs")
def follow_ups_calendar(request):
    """Starts a job that builds the user's follow-ups as an .ics file."""
    job = start_job(kind="my_follow_ups_ics", requested_by=request.user, params={})
    return redirect("jobs:detail", pk=job.pk)


@refuses_closed_case
def invite(request, reference, pk):
    """Sends the calendar invitation of a planned meeting to its facilitators."""
    case = get_case_for(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case.ensure_open()
    intervention = get_object_or_404(
        Intervention.objects.filter(case=case).select_related("case"), pk=pk
    )
    try:
        invitation = send_invitation(intervention=intervention, by=request.user)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        count = invitation.attendees.count()
        messages.success(
            request,
            ngettext(
                "The calendar invitation is being sent to %(count)d participant.",
                "The calendar invitation is being sent to %(count)d participants.",
                count,
            )
            % {"count": count},
        )
    return redirect(f"{case.get_absolute_url()}#intervention-{intervention.pk}")

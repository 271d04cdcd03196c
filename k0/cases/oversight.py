"""Views for those who oversee cases rather than work on them: the principal's school
overview and per-case progress (pseudonymised, no narrative), the coordinator's cases, and
the case team's view of who changed what."""

from __future__ import annotations

from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Role
from schools.roles import role_required, schools_where

from . import due, forms
from .access import get_case_for, progress_case, progress_case_or_transferred
from .audit import log_access
from .choices import Phase
from .models import (
    AccessAction,
    AccessLog,
    AcknowledgementError,
    Agreement,
    Case,
    FollowUp,
    Guardianship,
    Intervention,
    Party,
    PrincipalReview,
)
from .progress import progress_context
from .pseudonyms import party_pseudonyms
from .transfer_progress import transferred_progress

PAGE_SIZE = 50


def _signals(cases):
    today = timezone.localdate()
    rows = []
    for case in cases:
        rows.append(
            {
                "case": case,
                "days_open": (
                    (case.closed_at.date() if case.closed_at else today) - case.referred_on
                ).days,
                "days_idle": (timezone.now() - case.last_activity_at).days,
                "awaiting_ack": case.awaits_acknowledgement,
            }
        )
    return rows


@role_required(Role.PRINCIPAL)
def principal_overview(request):
    """The principal's schools' cases: phase, age, activity, overdue follow-ups, closures
    awaiting acknowledgement. No names or narrative reach this page."""
    schools = schools_where(request.user, Role.PRINCIPAL)
    cases = (
        Case.objects.in_schools_of_principal(request.user)
        .select_related("school")
        .with_follow_up_signals()
        .order_by("phase" if request.GET.get("sort") == "phase" else "-opened_at")
    )
    awaiting = Q(phase=Phase.CLOSED, closure_acknowledged_at__isnull=True)
    if request.GET.get("show") == "awaiting":
        cases = cases.filter(awaiting)
    elif request.GET.get("show") != "all":
        cases = cases.exclude(phase=Phase.CLOSED, closure_acknowledged_at__isnull=False)
    counts = Case.objects.in_schools_of_principal(request.user).aggregate(
        awaiting=Count("pk", filter=awaiting),
        **{phase: Count("pk", filter=Q(phase=phase)) for phase in Phase.values},
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/principal_overview.html",
        {
            "schools": schools,
            "rows": _signals(page.object_list),
            "page": page,
            "phase_counts": [(Phase(p).label, counts[p]) for p in Phase.values],
            "awaiting_count": counts["awaiting"],
            "show": request.GET.get("show", ""),
        },
    )


def school_figures(user, schools) -> list:
    """The coordinator's schools, each with the figures of the cases the coordinator sees
    there: open cases, overdue follow-ups of open cases, closures awaiting the principal's
    acknowledgement. Two queries, whatever the number of schools."""
    today = timezone.localdate()
    open_case = ~Q(phase=Phase.CLOSED)
    figures = {
        row["school"]: row
        for row in Case.objects.visible_to(user)
        .order_by()
        .values("school")
        .annotate(
            open_cases=Count("pk", filter=open_case, distinct=True),
            overdue=Count(
                "follow_ups",
                filter=open_case
                & Q(
                    follow_ups__done_at__isnull=True,
                    follow_ups__not_needed_on__isnull=True,
                    follow_ups__due_date__lt=today,
                ),
                distinct=True,
            ),
            awaiting=Count(
                "pk",
                filter=Q(phase=Phase.CLOSED, closure_acknowledged_at__isnull=True),
                distinct=True,
            ),
        )
    }
    rows = list(schools)
    for school in rows:
        row = figures.get(school.pk, {})
        school.open_cases = row.get("open_cases", 0)
        school.overdue = row.get("overdue", 0)
        school.awaiting = row.get("awaiting", 0)
    return rows


@role_required(Role.COORDINATOR)
def coordinator_home(request):
    """Cases assigned to the coordinator across schools, with the same progress signals."""
    cases = (
        Case.objects.visible_to(request.user)
        .filter(coordinator=request.user)
        .select_related("school", "responsible")
        .with_follow_up_signals()
        .order_by("school__name", "-opened_at")
    )
    if request.GET.get("show") != "all":
        cases = cases.exclude(phase=Phase.CLOSED)
    schools = schools_where(request.user, Role.COORDINATOR).select_related("area")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    # Open cases nobody has worked on for CASE_INACTIVE_DAYS, with the day the nightly run
    # closes them as discontinued unless something is recorded first (k0.privacy.inactive).
    inactive = (
        Case.objects.visible_to(request.user)
        .filter(coordinator=request.user)
        .inactive()
        .select_related("school")
        .order_by("last_activity_at", "pk")
    )
    return render(
        request,
        "cases/coordinator_home.html",
        {
            "schools": school_figures(request.user, schools),
            "rows": _signals(page.object_list),
            "page": page,
            "show": request.GET.get("show", ""),
            "inactive": [
                {"case": case, "closes_on": case.inactivity_closes_on()} for case in inactive
            ],
            "inactive_days": settings.CASE_INACTIVE_DAYS,
        },
    )


def case_progress(request, reference, review_form=None):
    case, transferred = progress_case_or_transferred(request, reference)
    if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
        # A principal on the case team works on the case and sees all of it.
        return redirect(case)
    log_access(request, case, AccessAction.PROGRESS, role=Role.PRINCIPAL)
    if transferred is not None:
        # Transferred away from the principal's school: the progress up to the transfer.
        return transferred_progress(request, case, transferred)
    case = Case.objects.prefetch_related(
        Prefetch(
            "parties",
            queryset=Party.objects.prefetch_related(
                "pupil_links",
                Prefetch("guardian_links", queryset=Guardianship.objects.all()),
                "consents",
            ),
        ),
        "groups",
        Prefetch("interventions", queryset=Intervention.objects.prefetch_related("participants")),
        Prefetch("agreements", queryset=Agreement.objects.prefetch_related("parties")),
        Prefetch("follow_ups", queryset=FollowUp.objects.prefetch_related("answers")),
        "phase_changes__changed_by",
        Prefetch("reviews", queryset=PrincipalReview.objects.select_related("author")),
    ).get(pk=case.pk)
    parties = list(case.parties.all())
    names = party_pseudonyms(parties)
    context = {
        "case": case,
        "parties": [{"party": p, "pseudonym": names[p.pk]} for p in parties],
        **progress_context(case, names),
        "follow_ups": list(case.follow_ups.all()),
        "review_form": review_form or forms.PrincipalReviewForm(),
        "can_acknowledge": case.awaits_acknowledgement,
        "access_log": AccessLog.objects.filter(case=case).select_related("user")[:50],
        "today": timezone.localdate(),
        "duty_counts": due.duty_counts(case),
    }
    return render(request, "cases/progress.html", context)


def case_review(request, reference):
    """The principal acknowledges a closure and/or leaves a review comment."""
    case = progress_case(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if case.personal_data_removed:
        # Retention has run; a comment written now would be personal data kept for ever.
        messages.error(
            request, _("The personal data of this case was removed; it takes no comments.")
        )
        return redirect("cases:progress", case.reference)
    form = forms.PrincipalReviewForm(request.POST)
    acknowledge = request.POST.get("acknowledge") == "1"
    if not form.is_valid():
        # E.g. too long: the page again, with the message on the comment and all of it kept.
        return case_progress(request, reference, review_form=form)
    comment = form.cleaned_data["comment"]
    if acknowledge:
        try:
            case.acknowledge_closure(by=request.user, comment=comment)
        except AcknowledgementError as error:
            messages.error(request, str(error))
            return redirect("cases:progress", case.reference)
        messages.success(request, _("Closure acknowledged."))
    elif comment.strip():
        review = form.save(commit=False)
        review.case, review.author = case, request.user
        review._history_user = request.user
        review.save()
        messages.success(request, _("Comment saved."))
    else:
        messages.error(request, _("Write a comment or acknowledge the closure."))
        return redirect("cases:progress", case.reference)
    log_access(request, case, AccessAction.CHANGE, role=Role.PRINCIPAL)
    return redirect("cases:progress", case.reference)


HISTORY_MODELS = [
    "parties",
    "groups",
    "interventions",
    "agreements",
    "follow_ups",
    "notes",
    "reviews",
]
HISTORY_LIMIT = 300


def case_history(request, reference):
    """Who changed what and when, from the model history of the case and its records."""
    case = get_case_for(request, reference)
    party_ids = list(case.parties.values_list("pk", flat=True))
    sources = [case.history.all().select_related("history_user")]
    for related in HISTORY_MODELS:
        model = getattr(case, related).model
        sources.append(model.history.filter(case_id=case.pk).select_related("history_user"))
    sources.append(
        Guardianship.history.filter(pupil_id__in=party_ids).select_related("history_user")
    )
    records = sorted(
        chain.from_iterable(src.order_by("-history_date")[:HISTORY_LIMIT] for src in sources),
        key=lambda r: r.history_date,
        reverse=True,
    )[:HISTORY_LIMIT]
    rows = [_history_row(record) for record in records]
    return render(request, "cases/history.html", {"case": case, "rows": rows})


def _history_row(record):
    model = record.instance_type
    changed = []
    if record.history_type == "~":
        previous = record.prev_record
        if previous is not None:
            delta = record.diff_against(previous)
            changed = [str(model._meta.get_field(c.field).verbose_name) for c in delta.changes]
    return {
        "when": record.history_date,
        "who": record.history_user,
        "what": model._meta.verbose_name,
        "type": {"+": _("created"), "~": _("changed"), "-": _("removed")}[record.history_type],
        "fields": changed,
    }

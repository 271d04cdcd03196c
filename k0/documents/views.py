from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect

from k0.cases.access import get_case_for, progress_case
from k0.cases.models import AccessAction, Intervention
from k0.jobs.services import start_job
from k0.ratelimits import by_user, refuse_if_limited

POST_ONLY = ["POST"]


def _case_for_post(request, reference):
    """The case of a POST, logged as an export. A GET answers 404 to those who may not know
    the case exists and 405 to the others, and writes no log row (nothing was exported)."""
    if request.method != "POST":
        get_case_for(request, reference, log=False)
        return None
    return get_case_for(request, reference, log_action=AccessAction.EXPORT)


def _start(request, *, kind, case, **params):
    refused = refuse_if_limited(request, "jobs", by_user(request))
    if refused is not None:
        return refused
    job = start_job(
        kind=kind,
        requested_by=request.user,
        params={"case_id": case.pk, "language": request.LANGUAGE_CODE, **params},
    )
    return redirect("jobs:detail", job.pk)


def case_summary(request, reference):
    """Starts rendering the team's case summary; the job page shows progress."""
    case = _case_for_post(request, reference)
    if case is None:
        return HttpResponseNotAllowed(POST_ONLY)
    return _start(request, kind="case_summary_pdf", case=case, variant="team")


def case_progress_summary(request, reference):
    """The principal's pseudonymised variant."""
    case = progress_case(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(POST_ONLY)
    return _start(request, kind="case_summary_pdf", case=case, variant="principal")


def meeting_record(request, reference, pk):
    case = _case_for_post(request, reference)
    if case is None:
        return HttpResponseNotAllowed(POST_ONLY)
    intervention = get_object_or_404(Intervention, case=case, pk=pk)
    return _start(
        request,
        kind="meeting_record_pdf",
        case=case,
        variant="team",
        intervention_id=intervention.pk,
    )

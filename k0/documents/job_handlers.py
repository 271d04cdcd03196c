"""PDF rendering runs as background jobs (k0.jobs): the page shows progress, the result is
stored privately and every download is checked and logged again."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from k0.cases.audit import log_access
from k0.cases.models import AccessAction, Case, Intervention
from k0.jobs.registry import job_handler

from .case_documents import case_summary_pdf, meeting_record_pdf


def _cases_for(user, job):
    if job.params.get("variant", "team") == "principal":
        return Case.objects.in_schools_of_principal(user)
    return Case.objects.visible_to(user)


def _may_see_case(user, job) -> bool:
    """Team documents need the case visible to the requester now (not only when the job
    started); the pseudonymised variant needs the principal's school."""
    return _cases_for(user, job).filter(pk=job.params.get("case_id")).exists()


def _log_download(request, job) -> None:
    case = _cases_for(request.user, job).filter(pk=job.params.get("case_id")).first()
    if case is None:  # access lost between the check and now
        raise Http404
    principal = job.params.get("variant") == "principal"
    log_access(request, case, AccessAction.DOWNLOAD, role="principal" if principal else None)


@job_handler(
    "case_summary_pdf",
    label=_("Case summary (PDF)"),
    allowed=_may_see_case,
    on_download=_log_download,
)
def case_summary(job):
    job.set_progress(10)
    name, pdf = case_summary_pdf(
        job.params["case_id"], variant=job.params["variant"], language=job.params["language"]
    )
    return name, "application/pdf", pdf


@job_handler(
    "meeting_record_pdf",
    label=_("Meeting record (PDF)"),
    allowed=_may_see_case,
    on_download=_log_download,
)
def meeting_record(job):
    job.set_progress(10)
    intervention = Intervention.objects.get(
        pk=job.params["intervention_id"], case_id=job.params["case_id"]
    )
    name, pdf = meeting_record_pdf(intervention.pk, language=job.params["language"])
    return name, "application/pdf", pdf

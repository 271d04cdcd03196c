"""PDF rendering runs as background jobs (k0.jobs): the page shows progress, the result is
stored privately and every download is checked and logged again."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from k0.cases.audit import log_access
from k0.cases.models import AccessAction, Case, Intervention
from k0.jobs.registry import job_handler

from .case_documents import case_summary_pdf, meeting_record_pdf


def _check_case_download(request, job) -> None:
    """Team documents need the case visible to the requester now (not only when the job
    started); the pseudonymised variant needs the principal's school."""
    variant = job.params.get("variant", "team")
    if variant == "principal":
        cases = Case.objects.in_schools_of_principal(request.user)
    else:
        cases = Case.objects.visible_to(request.user)
    case = cases.filter(pk=job.params.get("case_id")).first()
    if case is None:
        raise Http404
    log_access(
        request, case, AccessAction.DOWNLOAD, role="principal" if variant == "principal" else None
    )


@job_handler("case_summary_pdf", label=_("Case summary (PDF)"), on_download=_check_case_download)
def case_summary(job):
    job.set_progress(10)
    name, pdf = case_summary_pdf(
        job.params["case_id"], variant=job.params["variant"], language=job.params["language"]
    )
    return name, "application/pdf", pdf


@job_handler(
    "meeting_record_pdf", label=_("Meeting record (PDF)"), on_download=_check_case_download
)
def meeting_record(job):
    job.set_progress(10)
    intervention = Intervention.objects.get(
        pk=job.params["intervention_id"], case_id=job.params["case_id"]
    )
    name, pdf = meeting_record_pdf(intervention.pk, language=job.params["language"])
    return name, "application/pdf", pdf

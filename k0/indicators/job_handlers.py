"""The indicator report as a PDF (for the city board): rendered as a background job."""

from __future__ import annotations

import base64

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from k0.documents.rendering import render_pdf
from k0.jobs.registry import JobError, job_handler
from schools.models import Role
from schools.roles import has_role

from . import charts
from . import definitions as d
from .forms import SelectionForm, first_referral, period_title
from .report import published_report


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _check_office(user, job) -> bool:
    return has_role(user, Role.PROGRAMME_OFFICE)


@job_handler(
    "indicator_report_pdf", label=gettext_lazy("Indicator report (PDF)"), allowed=_check_office
)
def indicator_report_pdf(job):
    language = job.params.get("language", "fi")
    with translation.override(language):
        form = SelectionForm(
            {"period": job.params["period"], "by": job.params.get("by", "")}, first=first_referral()
        )
        if not form.is_valid():
            raise JobError(_("The period is not available."))
        period, breakdown = form.selection
        job.set_progress(20)
        published = published_report(period, breakdown)
        job.set_progress(60)
        context = {
            "report": published,
            "period_title": period_title(period),
            "breakdown_label": d.BREAKDOWNS.get(breakdown, ""),
            "note": d.note_in(language),
            "resolved_labels": published.resolved_labels,
            "parties_chart": _data_uri(charts.parties_chart(published)),
            "outcomes_chart": _data_uri(charts.outcomes_chart(published)),
        }
        title = _("K-0 indicators: %(period)s") % {"period": period_title(period)}
        pdf = render_pdf("pdf/indicator_report.html", context, language=language, title=title)
    suffix = f"-{breakdown}" if breakdown else ""
    return (
        f"k0-indicators-{job.params['period'].replace(':', '-')}{suffix}.pdf",
        "application/pdf",
        pdf,
    )

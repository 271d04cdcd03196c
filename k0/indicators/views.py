"""Programme-office pages, chart images, downloads and the token-authenticated BI endpoint.

Everything here shows anonymised, suppressed counts only (`report.Report`); no view reads a
case, a party or a note. Only ended periods are shown, from their frozen counts
(`report.published_reports`): the selection form refuses a running period with the reason.
Pages and downloads need the programme-office role. The BI endpoint is the one view open
without a log-in session: it takes a bearer token in the Authorization header and nothing
else (a token in a URL would end up in proxy and browser logs).
"""

from __future__ import annotations

import logging

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from k0 import ratelimits
from k0.jobs.services import start_job
from schools.models import Role
from schools.roles import role_required

from . import charts
from . import definitions as d
from .exports import as_json, build_export
from .forms import TrendForm, first_referral, selection_form
from .models import ApiToken, ApiTokenUse
from .periods import span
from .report import Report, published_report, published_reports

logger = logging.getLogger(__name__)

programme_office_only = role_required(Role.PROGRAMME_OFFICE)


# Charts drawn from one period's report; the dashboard shows them inside the page.
CHARTS_OF_REPORT = {"parties": charts.parties_chart, "outcomes": charts.outcomes_chart}


def _context(form, **extra) -> dict:
    """What every indicator page shows: the selection and the note on hidden numbers."""
    shown = extra.get("report") or next(iter(extra.get("reports") or []), None)
    return {
        "form": form,
        "note": d.note_in(get_language()),
        # Frozen figures say which outcomes they counted as resolved when they were frozen.
        "resolved_labels": shown.resolved_labels if shown else d.resolved_labels(),
        **extra,
    }


def _selected(request):
    """The bound selection form and, when it is valid, the report it asks for."""
    form = selection_form(request.GET, first=first_referral())
    if not form.is_valid():
        return form, None
    period, breakdown = form.selection
    return form, published_report(period, breakdown)


def _page(request, template: str, *, charts_shown=(), **extra):
    form, published = _selected(request)
    context = _context(form, report=published, **extra)
    if published is not None:
        context["charts"] = {
            name: charts.data_uri(CHARTS_OF_REPORT[name](published)) for name in charts_shown
        }
        context["query"] = form.query_string()
        context["selection_params"] = [
            ("period", form.cleaned_data["period"]),
            ("by", form.cleaned_data["by"] or ""),
        ]
        context["breakdown_label"] = d.BREAKDOWNS.get(published.breakdown, "")
    return render(request, template, context, status=400 if published is None else 200)


@programme_office_only
@require_GET
def dashboard(request):
    return _page(
        request, "indicators/dashboard.html", section="dashboard", charts_shown=CHARTS_OF_REPORT
    )


@programme_office_only
@require_GET
def tables(request):
    return _page(request, "indicators/tables.html", section="tables")


@programme_office_only
@require_GET
def trend(request):
    form = TrendForm(request.GET or {"kind": "school_year"})
    trend_reports: list[Report] = []
    cumulative = None
    if form.is_valid():
        periods = form.periods()
        # The cumulative total is counted (and frozen) together with the years themselves.
        whole = [span(periods)] if len(periods) > 1 else []
        trend_reports = published_reports(periods + whole)
        if whole:
            cumulative = _cumulative_row(trend_reports.pop())
    context = _context(
        form,
        section="trend",
        reports=trend_reports,
        chart=charts.data_uri(charts.trend_chart(trend_reports)) if trend_reports else None,
        rows=_trend_rows(trend_reports),
        series=[d.BY_CODE[code] for code in d.TREND],
        kind=form.cleaned_data.get("kind") if form.is_valid() else None,
        cumulative=cumulative,
    )
    return render(request, "indicators/trend.html", context, status=200 if form.is_valid() else 400)


def _cumulative_row(whole: Report) -> dict:
    """The key figures over the whole span of the trend, as one period: distinct persons
    over all the years (a child counted in two years is one child here), cases once each.
    Suppressed like any period's figures."""
    return {"period": whole.period, "values": [whole.city_figure(code) for code in d.TREND]}


def _trend_rows(trend_reports: list[Report]) -> list[dict]:
    return [
        {
            "period": r.period,
            "values": [r.city_figure(code) for code in d.TREND],
        }
        for r in trend_reports
    ]


# The image has no script and cannot get one: `script-src 'none'`. Its own inline <style>
# needs 'unsafe-inline' for styles, in this response only.
_SVG_POLICY = csp_replace(
    {"default-src": ["'none'"], "script-src": ["'none'"], "style-src": ["'unsafe-inline'"]}
)


def _trend_chart(request) -> bytes | None:
    form = TrendForm(request.GET or {"kind": "school_year"})
    return charts.trend_chart(published_reports(form.periods())) if form.is_valid() else None


def _report_chart(render_chart):
    def render(request) -> bytes | None:
        _form, published = _selected(request)
        return None if published is None else render_chart(published)

    return render


CHARTS = {
    **{name: _report_chart(draw) for name, draw in CHARTS_OF_REPORT.items()},
    "trend": _trend_chart,
}


@programme_office_only
@require_GET
@_SVG_POLICY
def chart(request, name: str):
    svg = CHARTS[name](request)
    if svg is None:
        return HttpResponse(status=400)
    return HttpResponse(svg, content_type="image/svg+xml")


@programme_office_only
@require_GET
@ratelimits.rate_limited("jobs", methods=("GET",))
def export(request, fmt: str):
    form = selection_form(request.GET, first=first_referral())
    if not form.is_valid():
        return _page(request, "indicators/tables.html", section="tables")
    content, content_type, filename = build_export(*form.selection, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- BI endpoint ---------------------------------------------------------------------------


def _bearer(request) -> str:
    scheme, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _unauthorised(error: str | None = None) -> JsonResponse:
    response = JsonResponse({"error": "unauthorised"}, status=401)
    challenge = 'Bearer realm="k0-indicators"'
    if error:
        challenge += f', error="{error}"'
    response["WWW-Authenticate"] = challenge
    return response


@login_not_required
@require_GET
def api_indicators(request):
    """Indicators as JSON for BI tools: `Authorization: Bearer <token>`, same parameters as
    the pages (`period=school_year:2025`, optional `by=area|school_kind|grade_band`)."""
    raw = _bearer(request)
    token = ApiToken.find(raw)
    if token is None:
        logger.warning("indicator API: %s token refused", "missing" if not raw else "unknown")
        return _unauthorised("invalid_token" if raw else None)
    # Only the known parameters: anything else (a token pasted into the URL by mistake, say)
    # must not end up in the log.
    # Percent-encoding can triple the length; the log column holds 300 characters.
    query = urlencode([(k, request.GET[k][:100]) for k in ("period", "by") if k in request.GET])
    query = query[:300]
    if not token.is_usable:
        ApiTokenUse.objects.create(token=token, query=query, status=401)
        return _unauthorised("invalid_token")
    wait = ratelimits.hit(request, "api", str(token.pk))
    if wait is not None:
        ApiTokenUse.objects.create(token=token, query=query, status=429)
        return ratelimits.too_many_requests_json(wait)
    form = selection_form(request.GET, first=first_referral())
    if not form.is_valid():
        ApiTokenUse.objects.create(token=token, query=query, status=400)
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    published = published_report(*form.selection)
    ApiTokenUse.objects.create(token=token, query=query, status=200)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    response = JsonResponse(as_json(published), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@programme_office_only
@ratelimits.rate_limited("jobs")
def report_pdf(request):
    """Starts rendering the indicator report as a PDF; the job page shows progress."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = selection_form(request.POST, first=first_referral())
    if not form.is_valid():
        # The posted selection with its errors (a running period says why), not the page's.
        context = _context(form, report=None, section="tables")
        return render(request, "indicators/tables.html", context, status=400)
    job = start_job(
        kind="indicator_report_pdf",
        requested_by=request.user,
        params={
            "period": form.cleaned_data["period"],
            "by": form.cleaned_data["by"],
            "language": get_language(),
        },
    )
    return redirect("jobs:detail", job.pk)

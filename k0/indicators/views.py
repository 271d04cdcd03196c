"""Programme-office pages, chart images, downloads and the token-authenticated BI endpoint.

Everything here shows anonymised, suppressed counts only (`report.Report`); no view reads a
case, a party or a note. Pages and downloads need the programme-office role. The BI endpoint
is the one view open without a log-in session: it takes a bearer token in the Authorization
header and nothing else (a token in a URL would end up in proxy and browser logs).
"""

from __future__ import annotations

import logging

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from schools.models import Role
from schools.roles import role_required

from . import charts
from . import definitions as d
from .exports import FORMATS, as_json, build_export
from .forms import TrendForm, first_year, selection_form
from .models import ApiToken, ApiTokenUse
from .report import Report, report, reports

logger = logging.getLogger(__name__)

programme_office_only = role_required(Role.PROGRAMME_OFFICE)


def _context(request, form, **extra) -> dict:
    return {
        "form": form,
        "note": d.note_in(get_language()),
        "marker": d.MARKER,
        "threshold": d.threshold(),
        "resolved_labels": d.resolved_labels(),
        **extra,
    }


def _selected(request):
    """The bound selection form and, when it is valid, the report it asks for."""
    form = selection_form(request.GET, first=first_year())
    if not form.is_valid():
        return form, None
    period, breakdown = form.selection
    return form, report(period, breakdown)


def _page(request, template: str, **extra):
    form, published = _selected(request)
    context = _context(request, form, report=published, **extra)
    if published is not None:
        context["query"] = form.query_string()
        context["breakdown_label"] = d.BREAKDOWNS.get(published.breakdown, "")
    return render(request, template, context, status=200 if published else 400)


@require_GET
@programme_office_only
def dashboard(request):
    return _page(request, "indicators/dashboard.html", section="dashboard")


@require_GET
@programme_office_only
def tables(request):
    return _page(request, "indicators/tables.html", section="tables")


@require_GET
@programme_office_only
def trend(request):
    form = TrendForm(request.GET or {"kind": "school_year"})
    trend_reports: list[Report] = []
    if form.is_valid():
        trend_reports = reports(form.periods())
    context = _context(
        request,
        form,
        section="trend",
        reports=trend_reports,
        rows=_trend_rows(trend_reports),
        series=[d.BY_CODE[indicator] for _t, indicator, _c in charts.TREND_SERIES],
        kind=form.cleaned_data.get("kind") if form.is_valid() else None,
    )
    return render(request, "indicators/trend.html", context, status=200 if form.is_valid() else 400)


def _trend_rows(trend_reports: list[Report]) -> list[dict]:
    return [
        {
            "period": r.period,
            "complete": r.is_complete,
            "values": [r.city_value(t, i, c) for t, i, c in charts.TREND_SERIES],
        }
        for r in trend_reports
    ]


# The image has no script and cannot get one: `script-src 'none'`. Its own inline <style>
# needs 'unsafe-inline' for styles, in this response only.
_SVG_POLICY = csp_replace(
    {"default-src": ["'none'"], "script-src": ["'none'"], "style-src": ["'unsafe-inline'"]}
)


@require_GET
@programme_office_only
@_SVG_POLICY
def chart(request, name: str):
    if name == "trend":
        form = TrendForm(request.GET)
        if not form.is_valid():
            return HttpResponse(status=400)
        svg = charts.trend_chart(reports(form.periods()))
    elif name in ("parties", "outcomes"):
        form, published = _selected(request)
        if published is None:
            return HttpResponse(status=400)
        svg = (charts.parties_chart if name == "parties" else charts.outcomes_chart)(published)
    else:
        raise Http404
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
@programme_office_only
def export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    form = selection_form(request.GET, first=first_year())
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
    query = request.GET.urlencode()[:300]
    if not token.is_usable:
        ApiTokenUse.objects.create(token=token, query=query, status=401)
        return _unauthorised("invalid_token")
    form = selection_form(request.GET, first=first_year())
    if not form.is_valid():
        ApiTokenUse.objects.create(token=token, query=query, status=400)
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    published = report(*form.selection)
    ApiTokenUse.objects.create(token=token, query=query, status=200)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    response = JsonResponse(as_json(published), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response

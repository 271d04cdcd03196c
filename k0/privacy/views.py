"""Data-subject requests, for administrators only. Searches are POSTed so that a child's
name never appears in a URL (and so not in any access or proxy log)."""

from __future__ import annotations

import json
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from k0.cases.audit import log_access
from k0.cases.models import AccessAction, Party
from k0.documents.rendering import render_pdf

from .inactive import inactive_cases
from .models import DataSubjectRequest, RequestKind
from .subject import erase_party, party_record


def administrator_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class SearchForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the person"), min_length=3, max_length=200)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason and legal basis"),
        widget=forms.Textarea,
        max_length=DataSubjectRequest._meta.get_field("reason").max_length,
        help_text=gettext_lazy("E.g. the data subject's request of 1.12.2026; GDPR art. 17."),
    )


def _audit(request, party, kind, reason=""):
    DataSubjectRequest.objects.create(
        kind=kind, party_id=party.pk, case=party.case, handled_by=request.user, reason=reason
    )
    log_access(request, party.case, AccessAction.EXPORT, role="administrator")


@administrator_required
def search(request):
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = (
            Party.objects.filter(name__icontains=form.cleaned_data["name"])
            .select_related("case", "case__school")
            .order_by("case__reference")[:100]
        )
    return render(request, "privacy/search.html", {"form": form, "results": results})


@administrator_required
def party_detail(request, pk):
    party = get_object_or_404(Party.objects.select_related("case", "case__school"), pk=pk)
    return _party_page(request, party, EraseForm())


def _party_page(request, party, erase_form, status=200):
    log_access(request, party.case, AccessAction.VIEW, role="administrator")
    requests = DataSubjectRequest.objects.filter(party_id=party.pk).select_related("handled_by")
    return render(
        request,
        "privacy/party.html",
        {"party": party, "erase_form": erase_form, "requests": requests},
        status=status,
    )


@administrator_required
@require_POST  # an export is an audited act, not something a link should be able to trigger
def export_json(request, pk):
    party = get_object_or_404(Party.objects.select_related("case", "case__school"), pk=pk)
    _audit(request, party, RequestKind.EXPORT_JSON)
    data = json.dumps(party_record(party), ensure_ascii=False, indent=2)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="party-{party.pk}.json"'
    return response


@administrator_required
@require_POST  # an export is an audited act, not something a link should be able to trigger
def export_pdf(request, pk):
    party = get_object_or_404(Party.objects.select_related("case", "case__school"), pk=pk)
    _audit(request, party, RequestKind.EXPORT_PDF)
    pdf = render_pdf(
        "pdf/party_record.html",
        {"record": party_record(party), "reference": party.case.reference, "confidential": True},
        language=request.LANGUAGE_CODE,
        title=_("Information held about a person"),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="party-{party.pk}.pdf"'
    return response


@administrator_required
def erase(request, pk):
    party = get_object_or_404(Party.objects.select_related("case"), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = EraseForm(request.POST)
    if not form.is_valid():
        # Shown again with the field's error (missing, or too long) and the reason as typed.
        messages.error(request, _("Give the reason and legal basis for the erasure."))
        return _party_page(request, party, form)
    erase_party(party)
    _audit(request, party, RequestKind.ERASE, form.cleaned_data["reason"])
    messages.success(request, _("The person's data was pseudonymised."))
    return redirect("privacy:party", party.pk)


@administrator_required
def inactive(request):
    """Open cases city-wide with no activity for CASE_INACTIVE_DAYS, and the day the nightly
    run closes each as discontinued. References, schools and staff only: nothing about the
    children, so no access-log row is needed."""
    now = timezone.now()
    page = Paginator(inactive_cases(now), 50).get_page(request.GET.get("page"))
    rows = [
        {
            "case": case,
            "announced": case.inactivity_notice_at if case.inactivity_announced else None,
            "closes_on": case.inactivity_closes_on(now),
        }
        for case in page.object_list
    ]
    return render(
        request,
        "privacy/inactive.html",
        {
            "page": page,
            "rows": rows,
            "inactive_days": settings.CASE_INACTIVE_DAYS,
            "grace_days": settings.CASE_INACTIVE_GRACE_DAYS,
        },
    )

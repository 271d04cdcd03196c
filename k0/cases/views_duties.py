"""Views of the duties and safety records: consent per guardian and the case's consent rule,
notices, safety measures and service referrals. Same pattern as the other things recorded in
a case (`views.child_form`): a panel form opened into its section's panel slot
(static/js/k0.js), and an ordinary page with POST/redirect/GET without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import forms_duties
from .access import get_case_for, refuses_closed_case
from .models_duties import GuardianConsent, SafetyMeasure, ServiceReferral, StatutoryNotice
from .views import _case_changed


@dataclass(frozen=True)
class DutyKind:
    model: type
    form: type
    add_title: str
    edit_title: str
    # Set to the user saving a new record (who recorded it, who made it).
    by_field: str = ""


# The id of a saved record on the case page, and the section it sits in.
DUTY_ANCHORS = {
    "consents": ("consent", "consents"),
    "notices": ("notice", "notices"),
    "safety-measures": ("safety-measure", "safety-plan"),
    "service-referrals": ("service-referral", "service-referrals"),
}

DUTY_KINDS = {
    "consents": DutyKind(
        GuardianConsent,
        forms_duties.ConsentForm,
        gettext_lazy("Record a guardian's consent"),
        gettext_lazy("Consent"),
        "recorded_by",
    ),
    "notices": DutyKind(
        StatutoryNotice,
        forms_duties.NoticeForm,
        gettext_lazy("Record a notice"),
        gettext_lazy("Notice"),
    ),
    "safety-measures": DutyKind(
        SafetyMeasure,
        forms_duties.SafetyMeasureForm,
        gettext_lazy("Add a safety measure"),
        gettext_lazy("Safety measure"),
    ),
    "service-referrals": DutyKind(
        ServiceReferral,
        forms_duties.ServiceReferralForm,
        gettext_lazy("Refer to a service"),
        gettext_lazy("Service referral"),
    ),
}


def _queryset(kind: str, case):
    model = DUTY_KINDS[kind].model
    if model is GuardianConsent:
        return GuardianConsent.objects.filter(pupil__case=case)
    return model.objects.filter(case=case)


@refuses_closed_case
def duty_form(request, reference, kind, pk=None):
    case = get_case_for(request, reference)
    spec = DUTY_KINDS[kind]
    instance = get_object_or_404(_queryset(kind, case), pk=pk) if pk else None
    if request.method == "POST":
        case.ensure_open()
    form = spec.form(request.POST or None, case=case, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if spec.by_field and not obj.pk:
                setattr(obj, spec.by_field, request.user)
            obj._history_user = request.user
            obj.save()
        messages.success(request, _("Saved."))
        return _case_changed(request, case, anchor=f"{DUTY_ANCHORS[kind][0]}-{obj.pk}")
    context = {
        "case": case,
        "form": form,
        "title": spec.edit_title if instance else spec.add_title,
        "kind": kind,
        "section": DUTY_ANCHORS[kind][1],
        "instance": instance,
        "remove_url": reverse(f"cases:{kind.replace('-', '_')}_remove", args=[reference, pk])
        if instance
        else None,
    }
    return render(request, "cases/child_form.html", context)


@refuses_closed_case
def duty_delete(request, reference, kind, pk):
    case = get_case_for(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case.ensure_open()
    obj = get_object_or_404(_queryset(kind, case), pk=pk)
    obj._history_user = request.user
    obj.delete()
    messages.success(request, _("Removed."))
    return _case_changed(request, case, anchor=DUTY_ANCHORS[kind][1])


@refuses_closed_case
def consent_rule(request, reference):
    """Whose consent the mapping needs, and the justified exception."""
    case = get_case_for(request, reference)
    if request.method == "POST":
        case.ensure_open()
    form = forms_duties.ConsentRuleForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj._history_user = request.user
        obj.save()
        messages.success(request, _("Saved."))
        return _case_changed(request, case, anchor="consent-rule")
    return render(
        request,
        "cases/case_form.html",
        {"case": case, "form": form, "title": _("Consent needed from"), "section": "consents"},
    )

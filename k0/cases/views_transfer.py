"""Transfer of a case to another school, handover inside a school, and the earlier K-0 cases
of a case's pupils (`transfers`, `persons`)."""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import Role, School
from schools.roles import role_required, schools_where

from .access import get_case_for, refuses_closed_case
from .audit import log_access
from .choices import PartyKind
from .forms import TeamFieldsMixin, UserChoiceField, team_candidates
from .limits import DETAIL
from .models import AccessAction, Case
from .persons import visible_cases_of
from .transfers import CaseTransfer, Handover, TransferError, TransferStatus


class ProposeTransferForm(django_forms.Form):
    to_school = django_forms.ModelChoiceField(
        label=gettext_lazy("Receiving school"), queryset=School.objects.none()
    )
    reason = django_forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=DETAIL,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "E.g. moving to lower secondary school. The receiving school's coordinator reads "
            "this; its principal does not."
        ),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_school"].queryset = (
            School.objects.filter(is_active=True).exclude(pk=case.school_id).order_by("name")
        )


@refuses_closed_case
def transfer_propose(request, reference):
    case = get_case_for(request, reference)
    if request.method == "POST":
        case.ensure_open()
    form = ProposeTransferForm(request.POST or None, case=case)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            CaseTransfer.propose(
                case=case,
                to_school=form.cleaned_data["to_school"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except TransferError as error:
            errors.append(str(error))
        else:
            messages.success(request, _("Transfer proposed. The receiving school answers."))
            if getattr(request, "htmx", False):
                # The form was posted into its panel: load the whole case page instead.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = case.get_absolute_url()
                return response
            return redirect(case)
    context = {"case": case, "form": form, "errors": errors, "title": _("Propose a transfer")}
    return render(request, "cases/case_form.html", context)


def _deciders_transfers(user):
    schools = schools_where(user, Role.PRINCIPAL, Role.COORDINATOR)
    return CaseTransfer.objects.filter(to_school__in=schools).select_related(
        "case", "from_school", "to_school"
    )


@role_required(Role.PRINCIPAL, Role.COORDINATOR)
def transfers_incoming(request):
    """Transfers proposed to the user's schools, for a principal or coordinator to answer."""
    pending = _deciders_transfers(request.user).filter(status=TransferStatus.PROPOSED)
    coordinator_of = set(schools_where(request.user, Role.COORDINATOR).values_list("pk", flat=True))
    rows = [{"transfer": t, "show_reason": t.to_school_id in coordinator_of} for t in pending]
    return render(request, "cases/transfers_incoming.html", {"rows": rows})


class AnswerTransferForm(django_forms.Form):
    decision = django_forms.ChoiceField(
        label=gettext_lazy("Answer"),
        choices=[
            ("accept", gettext_lazy("Accept the case")),
            ("decline", gettext_lazy("Decline")),
        ],
        widget=django_forms.RadioSelect,
    )
    responsible = UserChoiceField(
        label=gettext_lazy("Responsible member at the receiving school"),
        queryset=None,
        required=False,
    )
    answer = django_forms.CharField(
        label=gettext_lazy("Message to the sending team (optional)"),
        max_length=DETAIL,
        required=False,
        widget=django_forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("No names here."),
    )

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = team_candidates(school)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("responsible"):
            self.add_error("responsible", _("Choose who is responsible for the case."))
        return data


@role_required(Role.PRINCIPAL, Role.COORDINATOR)
def transfer_answer(request, pk):
    transfer = get_object_or_404(_deciders_transfers(request.user), pk=pk)
    if transfer.status != TransferStatus.PROPOSED:
        messages.info(request, _("This transfer has already been answered."))
        return redirect("cases:transfers_incoming")
    form = AnswerTransferForm(request.POST or None, school=transfer.to_school)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                transfer.accept(
                    by=request.user,
                    responsible=form.cleaned_data["responsible"],
                    answer=form.cleaned_data["answer"],
                )
            else:
                transfer.decline(by=request.user, answer=form.cleaned_data["answer"])
        except TransferError as error:
            errors.append(str(error))
        else:
            role = Role.COORDINATOR if _is_coordinator(request.user, transfer.to_school) else None
            log_access(request, transfer.case, AccessAction.CHANGE, role=role or Role.PRINCIPAL)
            accepted = transfer.status == TransferStatus.ACCEPTED
            messages.success(
                request, _("Transfer accepted.") if accepted else _("Transfer declined.")
            )
            if accepted and Case.objects.visible_to(request.user).filter(pk=transfer.case_id):
                return redirect(transfer.case)
            return redirect("cases:transfers_incoming")
    show_reason = _is_coordinator(request.user, transfer.to_school)
    context = {"transfer": transfer, "form": form, "errors": errors, "show_reason": show_reason}
    return render(request, "cases/transfer_answer.html", context)


def _is_coordinator(user, school) -> bool:
    return schools_where(user, Role.COORDINATOR).filter(pk=school.pk).exists()


class HandoverForm(TeamFieldsMixin, django_forms.Form):
    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_team_fields(case.school)
        # The one handing over does not put themselves on a case they are not on: a
        # principal would otherwise reach the records that principals never see.
        on_team = user.pk == case.responsible_id or case.members.filter(pk=user.pk).exists()
        if not on_team:
            for name in ("responsible", "members"):
                field = self.fields[name]
                field.queryset = field.queryset.exclude(pk=user.pk)
        if not self.is_bound:
            self.initial = {
                "responsible": case.responsible_id,
                "members": [u.pk for u in case.members.all()],
            }
        self.fields.pop("coordinator", None)


@refuses_closed_case
def case_handover(request, reference):
    """A principal or coordinator of the case's school hands the case to another responsible
    member and team. The principal sees staff names only, never the case's records."""
    schools = schools_where(request.user, Role.PRINCIPAL, Role.COORDINATOR)
    case = get_object_or_404(
        Case.objects.filter(school__in=schools).select_related("school", "responsible"),
        reference=reference,
    )
    if request.method == "POST":
        case.ensure_open()
    form = HandoverForm(request.POST or None, case=case, user=request.user)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            Handover.hand_over(
                case=case,
                responsible=form.cleaned_data["responsible"],
                members=set(form.cleaned_data["members"]),
                by=request.user,
            )
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            role = Role.COORDINATOR if _is_coordinator(request.user, case.school) else None
            log_access(request, case, AccessAction.CHANGE, role=role or Role.PRINCIPAL)
            messages.success(request, _("The case was handed over."))
            if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
                return redirect(case)
            return redirect("cases:progress", case.reference)
    context = {"case": case, "form": form, "errors": errors, "title": _("Hand the case over")}
    return render(request, "cases/handover_form.html", context)


def earlier_cases(request, reference):
    """The earlier K-0 cases of this case's pupils that the user may see: reference, dates,
    outcome. Each earlier case shown is written to its own access log."""
    case = get_case_for(request, reference, log=False)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    pupils = [
        p
        for p in case.parties.filter(kind=PartyKind.PUPIL, person__isnull=False).select_related(
            "person"
        )
    ]
    rows, seen = [], set()
    for pupil in pupils:
        for other in visible_cases_of(request.user, pupil.person, exclude_case=case):
            rows.append({"pupil": pupil, "case": other})
            if other.pk not in seen:
                seen.add(other.pk)
                log_access(request, other, AccessAction.VIEW)
    # htmx loads the list into the case page; the link without JavaScript opens a page of its own.
    template = "cases/_earlier_cases_list.html" if request.htmx else "cases/earlier_cases.html"
    return render(request, template, {"case": case, "rows": rows})

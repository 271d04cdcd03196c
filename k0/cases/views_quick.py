"""One-click facts on the case page: a party heard, a guardian informed, a follow-up done.

Each is a POST from a small form in the row it changes (no panel, no whole form), records
today (Helsinki) with history, shows in the timeline, and has its way back: the same row
offers "undo" while the fact stands as the quick action recorded it. A fact recorded some
other way (a hearing meeting, a follow-up with answers) is changed where it was recorded.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import get_case_for, refuses_closed_case
from .choices import HeardHow, InformedHow
from .hearings import sync_hearings
from .models import FollowUp, Guardianship, Party
from .views import _case_changed


class HeardForm(forms.Form):
    how = forms.ChoiceField(choices=HeardHow.choices)


class InformedForm(forms.Form):
    how = forms.ChoiceField(choices=InformedHow.choices)


def _post_on_open_case(view):
    """POST only, on a case the user works on that is open (`refuses_closed_case`)."""

    @refuses_closed_case
    def wrapped(request, reference, pk):
        case = get_case_for(request, reference)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case.ensure_open()
        return view(request, case, pk)

    return wrapped


def _invalid(request, case, anchor: str):
    messages.error(request, _("Choose one of the options offered."))
    return _case_changed(request, case, anchor=anchor)


@_post_on_open_case
def party_heard(request, case, pk):
    party = get_object_or_404(Party, case=case, pk=pk)
    form = HeardForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, anchor=f"party-{pk}")
    if party.heard_on:
        messages.info(request, _("%(name)s is already marked heard.") % {"name": party.name})
        return _case_changed(request, case, anchor=f"party-{pk}")
    party.heard_on = timezone.localdate()
    party.heard_how = form.cleaned_data["how"]
    party.heard_in = None
    party._history_user = request.user
    party.save(update_fields=["heard_on", "heard_how", "heard_in"])
    messages.success(request, _("%(name)s marked heard today.") % {"name": party.name})
    return _case_changed(request, case, anchor=f"party-{pk}")


@_post_on_open_case
def party_unheard(request, case, pk):
    """Takes back a hearing marked by hand; a hearing meeting is changed in the meeting."""
    party = get_object_or_404(Party, case=case, pk=pk)
    # Undo takes back what a quick action records (today); an older date is changed in the
    # party's form, so a hearing typed in weeks ago is never wiped by one click.
    if party.heard_on == timezone.localdate() and party.heard_in_id is None:
        party.heard_on = None
        party.heard_how = ""
        party._history_user = request.user
        party.save(update_fields=["heard_on", "heard_how"])
        sync_hearings(case, by=request.user)  # a hearing meeting, if any, counts again
        messages.success(
            request, _("The hearing of %(name)s was taken back.") % {"name": party.name}
        )
    return _case_changed(request, case, anchor=f"party-{pk}")


@_post_on_open_case
def guardian_informed(request, case, pk):
    link = get_object_or_404(
        Guardianship.objects.select_related("guardian"), pupil__case=case, pk=pk
    )
    form = InformedForm(request.POST)
    if not form.is_valid():
        return _invalid(request, case, anchor=f"guardian-{pk}")
    if not link.informed_on:
        link.informed_on = timezone.localdate()
        link.informed_how = form.cleaned_data["how"]
        link.informed_by = request.user
        link._history_user = request.user
        link.save(update_fields=["informed_on", "informed_how", "informed_by"])
        messages.success(
            request, _("%(name)s marked informed today.") % {"name": link.guardian.name}
        )
    return _case_changed(request, case, anchor=f"guardian-{pk}")


@_post_on_open_case
def guardian_uninformed(request, case, pk):
    link = get_object_or_404(
        Guardianship.objects.select_related("guardian"), pupil__case=case, pk=pk
    )
    if link.informed_on == timezone.localdate():  # today's quick fact; older in the form
        link.informed_on = None
        link.informed_how = ""
        link.informed_by = None
        link._history_user = request.user
        link.save(update_fields=["informed_on", "informed_how", "informed_by"])
        messages.success(
            request, _("Informing %(name)s was taken back.") % {"name": link.guardian.name}
        )
    return _case_changed(request, case, anchor=f"guardian-{pk}")


@_post_on_open_case
def follow_up_done(request, case, pk):
    """Done today, without answers: the answers can be added in the follow-up's form."""
    follow_up = get_object_or_404(FollowUp, case=case, pk=pk)
    if follow_up.is_open:
        follow_up.done_at = timezone.localdate()
        follow_up._history_user = request.user
        follow_up.save(update_fields=["done_at"])
        messages.success(request, _("Follow-up marked done today."))
    return _case_changed(request, case, anchor=f"follow-up-{pk}")


@_post_on_open_case
def follow_up_undone(request, case, pk):
    """Takes back a follow-up marked done without answers (one with answers is changed in its
    form, so no answer is lost by a click)."""
    follow_up = get_object_or_404(FollowUp, case=case, pk=pk)
    if follow_up.done_at and not follow_up.answers.exists():
        follow_up.done_at = None
        follow_up._history_user = request.user
        follow_up.save(update_fields=["done_at"])
        messages.success(request, _("The follow-up is open again."))
    return _case_changed(request, case, anchor=f"follow-up-{pk}")

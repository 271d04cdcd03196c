from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import Role
from schools.roles import has_role, role_required, schools_where

from . import due, forms
from .access import get_case_for, refuses_closed_case
from .attachments import EXTENSIONS, download_name
from .audit import access_days
from .choices import (
    PHASE_ORDER,
    AgreementStatus,
    HeardHow,
    InformedHow,
    InterventionStatus,
    Phase,
)
from .filters import CaseFilter
from .forms_persons import PersonPartyForm
from .hearings import sync_hearings
from .models import (
    REOPEN_REFUSED_DATA_REMOVED,
    AccessAction,
    Agreement,
    Attachment,
    Case,
    CaseNote,
    FollowUp,
    Guardianship,
    Intervention,
    Party,
    PartyGroup,
    PhaseError,
    inactive_limit,
)
from .services import open_case, set_case_team

PAGE_SIZE = 25


def _detail_case(pk, *, full_timeline: bool = False) -> Case:
    """The case for its page (`CaseQuerySet.for_case_page`). Notes appear only in the
    timeline, which shows the latest TIMELINE_PAGE entries: unless `full_timeline`, only
    that many notes are read into `timeline_notes` (no older note can be among the latest
    entries), and `notes_total` counts them all."""
    case = Case.objects.for_case_page().get(pk=pk)
    notes = case.notes.select_related("author").order_by("-created_at", "-pk")
    case.timeline_notes = list(notes if full_timeline else notes[:TIMELINE_PAGE])
    return case


@role_required(Role.TEAM_MEMBER, Role.COORDINATOR)
def case_list(request):
    schools = schools_where(request.user, Role.TEAM_MEMBER, Role.COORDINATOR)
    base = (
        Case.objects.visible_to(request.user)
        .select_related("school", "responsible")
        .with_follow_up_signals()
        .annotate(informing_overdue=due.informing_overdue())
        .order_by("-opened_at")
    )
    case_filter = CaseFilter(request.GET or None, queryset=base, schools=schools)
    cases = case_filter.qs if case_filter.is_bound and case_filter.is_valid() else base
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": case_filter,
        "page": page,
        "query": query.urlencode(),
        "can_create": has_role(request.user, Role.TEAM_MEMBER),
        "today": timezone.localdate(),
    }
    template = "cases/_case_table.html" if request.htmx else "cases/list.html"
    return render(request, template, context)


@role_required(Role.TEAM_MEMBER)
def case_create(request):
    form = forms.CaseCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        case = open_case(
            created_by=request.user,
            school=data.pop("school"),
            responsible=data.pop("responsible"),
            members=list(data.pop("members")),
            coordinator=data.pop("coordinator"),
            **data,
        )
        messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
        return redirect(case)
    return render(request, "cases/create.html", {"form": form})


@dataclass
class TimelineEntry:
    when: datetime | date
    kind: str
    title: str
    text: str = ""
    by: str = ""
    anchor: str = ""
    # The entry's own id on the page (a note, which has no other place), for `K0-Changed`.
    item_id: str = ""

    # Within one moment, causes before their effects: a meeting before the phase change it
    # allowed, a follow-up before the closure.
    RANK = {"intervention": 0, "follow_up": 1, "agreement": 2, "attachment": 3, "note": 4}

    @property
    def has_time(self) -> bool:
        return isinstance(self.when, datetime)

    @property
    def sort_key(self):
        when = self.when
        if not isinstance(when, datetime):
            when = timezone.make_aware(datetime.combine(when, datetime.min.time()))
        return (when, self.RANK.get(self.kind, 9))

    @property
    def day(self) -> date:
        return timezone.localdate(self.when) if self.has_time else self.when


def _happened_at(day: date, recorded_at: datetime, start_time=None) -> datetime | date:
    """When something dated only by its day happened: at its start time if it has one; at
    the moment it was recorded if that was the same day (it cannot have happened later);
    otherwise just the day, which sorts first within that day."""
    if start_time is not None:
        return timezone.make_aware(datetime.combine(day, start_time))
    if recorded_at is not None and timezone.localdate(recorded_at) == day:
        return recorded_at
    return day


def build_timeline(case: Case) -> list[TimelineEntry]:
    """What has happened — phase changes, interventions, agreements, follow-ups, notes,
    attachments and the principal's reviews — newest first. Planned meetings and meetings
    dated in the future are not here but in `coming_up`.
    Uses only prefetched rows, so its cost does not grow with queries."""
    today = timezone.localdate()
    entries = []
    for change in case.phase_changes.all():
        title = _("Phase: %(phase)s") % {"phase": Phase(change.to_phase).label}
        if change.from_phase == Phase.CLOSED:
            title = _("Reopened")
        entries.append(
            TimelineEntry(change.changed_at, "phase", title, change.reason, change.actor)
        )
    for item in case.interventions.all():
        if item.is_planned or item.status == InterventionStatus.CANCELLED or item.date > today:
            continue
        entries.append(
            TimelineEntry(
                _happened_at(item.date, item.created_at, item.start_time),
                "intervention",
                item.get_kind_display(),
                item.summary,
                "",
                f"intervention-{item.pk}",
            )
        )
    for item in case.agreements.all():
        entries.append(
            TimelineEntry(
                item.created_at, "agreement", _("Agreement"), item.text, "", f"agreement-{item.pk}"
            )
        )
    for item in case.follow_ups.all():
        if item.done_at:
            entries.append(
                TimelineEntry(
                    item.done_at,
                    "follow_up",
                    _("Follow-up done"),
                    item.next_step,
                    str(item.responsible),
                    f"follow-up-{item.pk}",
                )
            )
    entries.extend(_per_party_entries(case))
    for note in case.timeline_notes:
        entries.append(
            TimelineEntry(
                note.created_at,
                "note",
                _("Note"),
                note.text,
                str(note.author),
                item_id=f"note-{note.pk}",
            )
        )
    for item in case.attachments.all():
        entries.append(
            TimelineEntry(
                item.uploaded_at,
                "attachment",
                _("Attachment"),
                item.description or item.original_name,
                str(item.uploaded_by),
                f"attachment-{item.pk}",
            )
        )
    for review in case.reviews.all():
        title = (
            _("The principal acknowledged the closure")
            if review.acknowledges_closure
            else _("Comment from the principal")
        )
        entries.append(
            TimelineEntry(
                review.created_at,
                "review",
                title,
                review.comment,
                str(review.author),
                "principal-review",
            )
        )
    for notice in case.notices.all():
        entries.append(
            TimelineEntry(
                notice.made_on,
                "notice",
                notice.label,
                "",
                str(notice.made_by or ""),
                f"notice-{notice.pk}",
            )
        )
    entries.extend(transfer_timeline(case))
    entries.append(
        TimelineEntry(case.opened_at, "phase", _("Case opened"), "", str(case.created_by))
    )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def _per_party_entries(case: Case) -> list[TimelineEntry]:
    """Hearings, guardians informed, meetings cancelled and follow-ups found not needed on
    closing: from the prefetched rows, like the rest of the timeline."""
    entries = []
    for party in case.parties.all():
        if party.heard_on:
            how = (
                party.heard_in.get_kind_display()
                if party.heard_in
                else party.get_heard_how_display()
            )
            entries.append(
                TimelineEntry(
                    party.heard_on,
                    "heard",
                    _("Heard: %(name)s") % {"name": party.name},
                    how,
                    "",
                    f"intervention-{party.heard_in_id}" if party.heard_in_id else "",
                )
            )
        for link in party.guardian_links.all():
            if link.informed_on:
                entries.append(
                    TimelineEntry(
                        link.informed_on,
                        "informed",
                        _("Guardian informed: %(name)s") % {"name": link.guardian.name},
                        link.get_informed_how_display(),
                    )
                )
    # Only closing cancels a meeting (one dated on or after the closing day): the entry sits
    # at that closing, not at the meeting's own (future) date.
    closings = sorted(c.changed_at for c in case.phase_changes.all() if c.to_phase == Phase.CLOSED)
    for item in case.interventions.all():
        if item.status == InterventionStatus.CANCELLED:
            closed_at = [at for at in closings if timezone.localdate(at) <= item.date]
            entries.append(
                TimelineEntry(
                    closed_at[-1] if closed_at else item.date,
                    "intervention",
                    _("Cancelled: %(meeting)s") % {"meeting": item.get_kind_display()},
                    "",
                    "",
                    f"intervention-{item.pk}",
                )
            )
    for item in case.follow_ups.all():
        if item.not_needed_on:
            entries.append(
                TimelineEntry(
                    item.not_needed_on,
                    "follow_up",
                    _("Follow-up not needed (case closed)"),
                    "",
                    "",
                    f"follow-up-{item.pk}",
                )
            )
    return entries


def transfer_timeline(case: Case) -> list[TimelineEntry]:
    """Proposals of transfer to another school and their answers (prefetched)."""
    entries = []
    for t in case.transfers.all():
        names = {"from": t.from_school, "to": t.to_school}
        entries.append(
            TimelineEntry(
                t.proposed_at,
                "transfer",
                _("Transfer proposed from %(from)s to %(to)s") % names,
                t.reason,
                str(t.proposed_by),
            )
        )
        if t.decided_at:
            title = (
                _("Transfer accepted: the case moved from %(from)s to %(to)s")
                if t.status == "accepted"
                else _("Transfer declined by %(to)s")
            )
            entries.append(
                TimelineEntry(t.decided_at, "transfer", title % names, t.answer, str(t.decided_by))
            )
    return entries


def coming_up(case: Case) -> list[TimelineEntry]:
    """What is planned, soonest first: planned or future meetings, follow-ups not yet done,
    reviews of open agreements. From prefetched rows only."""
    today = timezone.localdate()
    entries = []
    if case.phase == Phase.CLOSED:
        return entries
    for item in case.interventions.all():
        if item.status != InterventionStatus.CANCELLED and (item.is_planned or item.date > today):
            when = (
                timezone.make_aware(datetime.combine(item.date, item.start_time))
                if item.start_time
                else item.date
            )
            entries.append(
                TimelineEntry(
                    when, "intervention", item.get_kind_display(), "", "", f"intervention-{item.pk}"
                )
            )
    for item in case.follow_ups.all():
        if item.is_open:
            entries.append(
                TimelineEntry(
                    item.due_date,
                    "follow_up",
                    _("Follow-up"),
                    "",
                    str(item.responsible),
                    f"follow-up-{item.pk}",
                )
            )
    for item in case.agreements.all():
        if item.review_on and item.review_on >= today and item.status == AgreementStatus.OPEN:
            entries.append(
                TimelineEntry(
                    item.review_on,
                    "agreement",
                    _("Review of an agreement"),
                    "",
                    "",
                    f"agreement-{item.pk}",
                )
            )
    return sorted(entries, key=lambda e: e.sort_key)


def timeline_days(entries: list[TimelineEntry]) -> list[tuple[date, list[TimelineEntry]]]:
    """The timeline by day, newest day first; within a day in the order things happened,
    so a meeting reads before the phase change it allowed."""
    days: dict[date, list[TimelineEntry]] = {}
    for entry in entries:
        days.setdefault(entry.day, []).append(entry)
    return [(day, list(reversed(items))) for day, items in days.items()]


# The parties table: pupils first (the children the case is about), then their guardians,
# staff and other adults; central parties before bystanders within each.
KIND_ORDER = {"pupil": 0, "guardian": 1, "staff": 2, "other": 3}


def case_detail(request, reference):
    case = get_case_for(request, reference)
    full = request.GET.get("timeline") == "all"
    case = _detail_case(case.pk, full_timeline=full)
    return render(request, "cases/detail.html", _detail_context(case, full_timeline=full))


TIMELINE_PAGE = 50
TIMELINE_OPEN_DAYS = 5
INTERVENTIONS_OPEN = 3


def _detail_context(case, *, full_timeline: bool = False, **extra):
    timeline = build_timeline(case)
    shown = timeline if full_timeline else timeline[:TIMELINE_PAGE]
    days = timeline_days(shown)
    parties = sorted(
        case.parties.all(), key=lambda p: (KIND_ORDER.get(p.kind, 9), p.role != "central")
    )
    interventions = sorted(case.interventions.all(), key=lambda i: (i.date, i.pk), reverse=True)
    guardianships = [link for p in parties for link in p.guardian_links.all()]
    # Each follow-up answer shows under its party's (or group's) name, from prefetched rows.
    names = {("p", p.pk): p.name for p in parties}
    names.update({("g", g.pk): g.name for g in case.groups.all()})
    for follow_up in case.follow_ups.all():
        for answer in follow_up.answers.all():
            key = ("p", answer.party_id) if answer.party_id else ("g", answer.group_id)
            answer.subject_name = names.get(key, "")
    phase_index = PHASE_ORDER.index(case.phase)
    context = {
        "case": case,
        "parties": parties,
        "guardianships": guardianships,
        "phases": [
            (p, Phase(p).label, i < phase_index, i == phase_index)
            for i, p in enumerate(PHASE_ORDER)
        ],
        "checklist": case.checklist() if case.next_phase else [],
        "next_phase": Phase(case.next_phase).label if case.next_phase else None,
        "can_advance": case.next_phase not in (None, Phase.CLOSED),
        # A long case shows its latest entries; the rest are one link away.
        "timeline": shown,
        # The latest days open, older ones folded; the same for interventions.
        "timeline_open": days[:TIMELINE_OPEN_DAYS],
        "timeline_more": days[TIMELINE_OPEN_DAYS:],
        "coming_up": coming_up(case),
        "interventions_recent": interventions[:INTERVENTIONS_OPEN],
        "interventions_earlier": interventions[INTERVENTIONS_OPEN:],
        "timeline_hidden": 0
        if full_timeline
        else max(0, len(timeline) + case.notes_total - len(case.timeline_notes) - TIMELINE_PAGE),
        # Own ids: the agreement form, opened in the panel on the same page, also has "text".
        "note_form": forms.NoteForm(case=case, auto_id="id_note_%s"),
        "today": timezone.localdate(),
        "is_closed": case.is_closed,
        # Open but untouched for CASE_INACTIVE_DAYS: the day it will be closed (k0.privacy).
        "inactive_closes_on": case.inactivity_closes_on()
        if case.phase != Phase.CLOSED and case.last_activity_at <= inactive_limit()
        else None,
        "case_labels": case.choice_labels(),
        "access_days": access_days(case),
        "heard_how_choices": HeardHow.choices,
        "informed_how_choices": InformedHow.choices,
        **_review_context(case),
        **due.case_page_context(case),
    }
    context.update(extra)
    return context


def _review_context(case) -> dict:
    """What the principal said about the case, newest first: their form tells them that the
    case team sees it."""
    reviews = sorted(case.reviews.all(), key=lambda r: (r.created_at, r.pk), reverse=True)
    return {"principal_reviews": reviews}


def _case_changed(request, case, anchor: str = ""):
    """After a successful change: htmx swaps in the refreshed case body; plain browsers
    are redirected (POST/redirect/GET) to the case page, scrolled to `anchor` (the id of the
    changed item or its section). For htmx the anchor travels in the `K0-Changed` header:
    static/js/k0.js brings that item into view and moves focus to it."""
    case.record_activity()
    if request.htmx:
        fresh = _detail_case(case.pk)
        response = render(request, "cases/detail.html", _detail_context(fresh))
        response["HX-Retarget"] = "#case-body"
        response["HX-Reselect"] = "#case-body"
        response["HX-Reswap"] = "outerHTML"
        response["HX-Push-Url"] = case.get_absolute_url()
        if anchor:
            response["K0-Changed"] = anchor
        return response
    url = case.get_absolute_url()
    return redirect(f"{url}#{anchor}" if anchor else url)


@dataclass(frozen=True)
class ChildKind:
    model: type
    form: type
    add_title: str
    edit_title: str


CHILD_KINDS = {
    "parties": ChildKind(
        Party, PersonPartyForm, gettext_lazy("Add a party"), gettext_lazy("Edit party")
    ),
    "guardians": ChildKind(
        Guardianship,
        forms.GuardianshipForm,
        gettext_lazy("Link a guardian to a pupil"),
        gettext_lazy("Edit guardian link"),
    ),
    "groups": ChildKind(
        PartyGroup,
        forms.PartyGroupForm,
        gettext_lazy("Add a bystander group"),
        gettext_lazy("Edit bystander group"),
    ),
    "interventions": ChildKind(
        Intervention,
        forms.InterventionForm,
        gettext_lazy("Record an intervention or meeting"),
        gettext_lazy("Edit intervention"),
    ),
    "agreements": ChildKind(
        Agreement,
        forms.AgreementForm,
        gettext_lazy("Record an agreement"),
        gettext_lazy("Edit agreement"),
    ),
    "follow-ups": ChildKind(
        FollowUp,
        forms.FollowUpForm,
        gettext_lazy("Schedule a follow-up"),
        gettext_lazy("Follow-up"),
    ),
    "notes": ChildKind(
        CaseNote, forms.NoteForm, gettext_lazy("Write a note"), gettext_lazy("Edit note")
    ),
}


# Where a kind of record sits on the case page: the id prefix of one item (f"{prefix}-{pk}")
# and the id of its section, which a removal returns to.
CHILD_ANCHORS = {
    "parties": ("party", "parties"),
    "guardians": ("guardian", "parties"),
    "groups": ("group", "parties"),
    "interventions": ("intervention", "interventions"),
    "agreements": ("agreement", "interventions"),
    "follow-ups": ("follow-up", "follow-ups"),
    "notes": ("note", "timeline"),
}


def _child_queryset(kind: str, case: Case):
    model = CHILD_KINDS[kind].model
    if model is Guardianship:
        return Guardianship.objects.filter(pupil__case=case)
    return model.objects.filter(case=case)


@refuses_closed_case
def child_form(request, reference, kind, pk=None):
    """Add or edit something recorded in a case (party, group, intervention, …)."""
    case = get_case_for(request, reference)
    spec = CHILD_KINDS[kind]
    instance = get_object_or_404(_child_queryset(kind, case), pk=pk) if pk else None
    if request.method == "POST":
        case.ensure_open()
    form = spec.form(request.POST or None, case=case, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if isinstance(obj, CaseNote) and not obj.pk:
                obj.author = request.user
            obj._history_user = request.user
            obj.save()
            form.save_m2m()
            if isinstance(obj, Intervention):
                sync_hearings(case, by=request.user)
        messages.success(request, _("Saved."))
        prefix = CHILD_ANCHORS[kind][0]
        return _case_changed(request, case, anchor=f"{prefix}-{obj.pk}")
    context = {
        "case": case,
        "form": form,
        "title": spec.edit_title if instance else spec.add_title,
        "kind": kind,
        "section": CHILD_ANCHORS[kind][1],
        "instance": instance,
        "remove_url": reverse(f"cases:{kind.replace('-', '_')}_remove", args=[reference, pk])
        if instance
        else None,
    }
    template = "cases/follow_up_form.html" if kind == "follow-ups" else "cases/child_form.html"
    return render(request, template, context)


@refuses_closed_case
def child_delete(request, reference, kind, pk):
    case = get_case_for(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case.ensure_open()
    obj = get_object_or_404(_child_queryset(kind, case), pk=pk)
    obj._history_user = request.user
    with transaction.atomic():
        heard_here = (
            list(obj.heard_parties.values_list("pk", flat=True)) if kind == "interventions" else []
        )
        if kind == "follow-ups":
            # Its agreement checks go with it: those agreements await a review again.
            for agreement in obj.agreement_checks.all():
                agreement.status = AgreementStatus.OPEN
                agreement._history_user = request.user
                agreement.save(update_fields=["status"])
        obj.delete()
        if kind == "interventions":
            sync_hearings(case, by=request.user, forget=heard_here)
        if kind in ("parties", "groups"):
            # Their answers went with them; each follow-up's summary is made again from
            # the answers that remain.
            for follow_up in case.follow_ups.filter(done_at__isnull=False):
                follow_up.summarise()
                follow_up._history_user = request.user
                follow_up.save(update_fields=["bullying", "situation", "agreements"])
    messages.success(request, _("Removed."))
    return _case_changed(request, case, anchor=CHILD_ANCHORS[kind][1])


@refuses_closed_case
def _case_form_view(
    request, reference, form_class, title, template="cases/case_form.html", anchor=""
):
    case = get_case_for(request, reference)
    if request.method == "POST":
        case.ensure_open()
    form = form_class(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj._history_user = request.user
        obj.save()
        messages.success(request, _("Saved."))
        return _case_changed(request, case, anchor=anchor)
    return render(
        request, template, {"case": case, "form": form, "title": title, "section": anchor}
    )


def case_edit_referral(request, reference):
    return _case_form_view(
        request, reference, forms.CaseReferralForm, _("Referral"), anchor="referral"
    )


def case_edit_work(request, reference):
    return _case_form_view(
        request, reference, forms.CaseWorkForm, _("Summary, root causes and plan"), anchor="work"
    )


@refuses_closed_case
def case_team(request, reference):
    case = get_case_for(request, reference)
    if request.method == "POST":
        case.ensure_open()
    form = forms.CaseTeamForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        members = set(form.cleaned_data["members"])
        set_case_team(
            case=case,
            responsible=form.cleaned_data["responsible"],
            members=members,
            coordinator=form.cleaned_data["coordinator"],
            by=request.user,
        )
        messages.success(request, _("Case team saved."))
        if not Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
            return redirect("cases:list")
        return _case_changed(request, case, anchor="team")
    return render(
        request,
        "cases/case_form.html",
        {"case": case, "form": form, "title": _("Case team"), "section": "team"},
    )


def case_advance(request, reference):
    case = get_case_for(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = request.POST.get("phase", "")
    try:
        case.advance_to(target, by=request.user)
    except PhaseError as error:
        messages.error(request, _("The case cannot move on yet:"))
        for item in error.missing:
            messages.error(request, item)
    else:
        messages.success(
            request, _("The case moved to phase %(phase)s.") % {"phase": case.get_phase_display()}
        )
    return _case_changed(request, case, anchor="now")


def case_close(request, reference):
    case = get_case_for(request, reference)
    form = forms.CloseForm(
        request.POST or None,
        initial={
            # "Close as discontinued", offered when a consent is withdrawn, preselects it.
            "outcome": case.outcome
            or ("discontinued" if request.GET.get("outcome") == "discontinued" else ""),
            "closing_summary": case.closing_summary,
            "aftercare_plan": case.aftercare_plan,
        },
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            case.close(by=request.user, **form.cleaned_data)
        except PhaseError as error:
            errors = error.missing
        else:
            messages.success(request, _("Case closed."))
            return _case_changed(request, case, anchor="now")
    return render(
        request,
        "cases/close.html",
        {
            "case": case,
            "form": form,
            "errors": errors,
            "checklist": case.checklist(Phase.CLOSED) if case.phase != Phase.CLOSED else [],
        },
    )


def case_reopen(request, reference):
    case = get_case_for(request, reference)
    form = forms.ReopenForm(request.POST or None)
    errors: list[str] = []
    if case.personal_data_removed:
        # Said before anyone writes a reason; `Case.reopen` refuses in any case.
        errors = [str(REOPEN_REFUSED_DATA_REMOVED)]
    elif request.method == "POST" and form.is_valid():
        try:
            case.reopen(by=request.user, reason=form.cleaned_data["reason"])
        except PhaseError as error:
            errors = error.missing
        else:
            messages.success(request, _("Case reopened."))
            return _case_changed(request, case, anchor="now")
    return render(
        request,
        "cases/reopen.html",
        {
            "case": case,
            "form": form,
            "title": _("Reopen the case"),
            "errors": errors,
            "can_open_cases": has_role(request.user, Role.TEAM_MEMBER),
        },
    )


# Categorical referral fields a new case takes over from the closed case it follows. Never
# the texts, parties or anything else personal: a case whose data was removed has none left,
# and one whose data is kept must not have it copied past its retention.
FOLLOW_ON_FIELDS = [
    "referral_source",
    "forms_of_bullying",
    "locations",
    "already_tried",
]


def case_follow_on(request, reference):
    """A new case for new events after a closed case (the only way on from a case whose
    personal data was removed): prefilled with the old case's school and categorical referral
    fields, and linked to it by `follows`. Only team members open cases, as on `case_create`;
    the case is looked up first, so anyone else who may not know it gets 404."""
    previous = get_case_for(request, reference)
    if not has_role(request.user, Role.TEAM_MEMBER):
        raise PermissionDenied
    if previous.phase != Phase.CLOSED:
        messages.error(request, _("The case is still open: record the new events in it."))
        return redirect(previous)
    initial = {"school": previous.school_id}
    initial.update({name: getattr(previous, name) for name in FOLLOW_ON_FIELDS})
    form = forms.CaseCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        case = open_case(
            created_by=request.user,
            school=data.pop("school"),
            responsible=data.pop("responsible"),
            members=list(data.pop("members")),
            coordinator=data.pop("coordinator"),
            follows=previous,
            **data,
        )
        messages.success(
            request,
            _("Case %(ref)s opened; it follows case %(old)s.")
            % {"ref": case.reference, "old": previous.reference},
        )
        return redirect(case)
    return render(request, "cases/create.html", {"form": form, "follows": previous})


@refuses_closed_case
def attachment_add(request, reference):
    case = get_case_for(request, reference)
    if request.method == "POST":
        case.ensure_open()
    form = forms.AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        checked = form.cleaned_data["file"]
        attachment = Attachment(
            case=case,
            # The detected type decides the extension: "report.html" that is really a PDF
            # is kept (and downloaded) as "report.pdf".
            original_name=download_name(form.cleaned_data["original_name"], checked.extension),
            content_type=checked.content_type,
            size=len(checked.content),
            description=form.cleaned_data["description"],
            uploaded_by=request.user,
        )
        attachment.file.save(
            f"upload.{checked.extension}", ContentFile(checked.content), save=False
        )
        attachment._history_user = request.user
        attachment.save()
        messages.success(request, _("Attachment saved."))
        return _case_changed(request, case, anchor=f"attachment-{attachment.pk}")
    return render(request, "cases/attachment_form.html", {"case": case, "form": form})


def attachment_download(request, reference, pk):
    """Files are never under a public URL: this view checks the case and logs the download."""
    case = get_case_for(request, reference, log_action=AccessAction.DOWNLOAD)
    attachment = get_object_or_404(Attachment, case=case, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        # Again at download: files uploaded before names followed the detected type.
        filename=download_name(
            attachment.original_name, EXTENSIONS.get(attachment.content_type, "bin")
        ),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@refuses_closed_case
def attachment_remove(request, reference, pk):
    case = get_case_for(request, reference)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case.ensure_open()
    attachment = get_object_or_404(Attachment, case=case, pk=pk)
    attachment._history_user = request.user
    attachment.file.delete(save=False)
    attachment.delete()
    messages.success(request, _("Removed."))
    return _case_changed(request, case, anchor="attachments")

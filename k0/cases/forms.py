"""Forms parse and validate; views call the model or service. Every ModelForm lists its
fields explicitly, so a new model field never becomes editable by accident."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Role
from schools.roles import belongs_to, schools_where, users_with_role

from . import dates
from .answers import FollowUpAnswers
from .attachments import check_upload
from .choices import (
    AlreadyTried,
    BullyingForm,
    Outcome,
    PartyKind,
    RootCause,
    Setting,
)
from .models import (
    Agreement,
    Case,
    CaseNote,
    FollowUp,
    Guardianship,
    Intervention,
    Party,
    PartyGroup,
    PhaseChange,
    PrincipalReview,
)
from .models_duties import pupil_consent_withdrawn

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _checkboxes(choices, label, required=False):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=required, widget=forms.CheckboxSelectMultiple
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def team_candidates(school):
    return users_with_role(school, Role.TEAM_MEMBER).order_by("last_name", "first_name")


def coordinator_candidates(school):
    return users_with_role(school, Role.COORDINATOR).order_by("last_name", "first_name")


def limit_date_inputs(form, *, not_before=None, after_referral=()):
    """Gives each date input the `min` and `max` of its model field's range (k0.cases.dates),
    so the date picker offers only dates the model accepts; `after_referral` names the fields
    that cannot precede `not_before` (the referral) either. The model checks again."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.DateField):
            continue
        try:
            limits = dates.range_of(form._meta.model._meta.get_field(name))
        except FieldDoesNotExist:
            continue
        if limits is None:
            continue
        earliest, latest = limits
        if name in after_referral and not_before:
            earliest = max(earliest, not_before)
        field.widget.attrs.update(min=earliest.isoformat(), max=latest.isoformat())


class KeepPastedText:
    """Textareas without `maxlength`: a browser cuts text pasted past it without a word,
    and the end of a long note would be lost unseen. The form refuses it instead, naming the
    limit and the length, and shows all of it again to shorten."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs.pop("maxlength", None)


def _text_limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class TeamFieldsMixin:
    """Responsible member, case team and coordinator, chosen from the school's people."""

    def _setup_team_fields(self, school):
        candidates = team_candidates(school) if school else User.objects.none()
        self.fields["responsible"] = UserChoiceField(
            label=_("Responsible member"), queryset=candidates
        )
        self.fields["members"] = UserMultipleChoiceField(
            label=_("Case team"),
            queryset=candidates,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Members of the school's K-0 team who work on this case."),
        )
        self.fields["coordinator"] = UserChoiceField(
            label=_("K-0 coordinator"),
            required=False,
            queryset=coordinator_candidates(school) if school else User.objects.none(),
            empty_label=_("No coordinator"),
        )


REFERRAL_FIELDS = [
    "referred_on",
    "referral_source",
    "referral_source_detail",
    "known_at_referral",
    "forms_of_bullying",
    "locations",
    "started_around",
    "already_tried",
    "already_tried_notes",
]


class CaseReferralForm(KeepPastedText, forms.ModelForm):
    """The referral (vireilletulo): what is known, the source, forms and places of bullying."""

    forms_of_bullying = _checkboxes(BullyingForm.choices, _("Forms of bullying"), required=True)
    locations = _checkboxes(Setting.choices, _("Where it happens"))
    already_tried = _checkboxes(AlreadyTried.choices, _("Already tried"))

    class Meta:
        model = Case
        fields = REFERRAL_FIELDS
        widgets = {"referred_on": DateInput(), "started_around": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_date_inputs(self)

    def clean_referred_on(self):
        # Its range, and the bullying not starting after it, are checked by the model.
        referred = self.cleaned_data.get("referred_on")
        if referred and self.instance.pk:
            first = self.instance.interventions.order_by("date").values_list("date", flat=True)
            if first[:1] and first[0] < referred:
                raise forms.ValidationError(_("There are interventions before this date."))
        return referred


class CaseCreateForm(TeamFieldsMixin, CaseReferralForm):
    """The referral that opens a case, with its school and case team."""

    class Meta(CaseReferralForm.Meta):
        fields = ["school", *REFERRAL_FIELDS]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = schools_where(user, Role.TEAM_MEMBER)
        self.fields["school"].queryset = schools
        self.fields["school"].empty_label = None
        if not self.is_bound:
            self.initial.setdefault("referred_on", timezone.localdate())
            self.initial.setdefault("responsible", user.pk)
        school = None
        if self.is_bound:
            try:
                school = schools.filter(pk=int(self.data.get("school") or 0)).first()
            except (TypeError, ValueError):
                school = None  # the school field itself reports the bad value
        elif self.initial.get("school"):  # a new case following an old one: the old school
            school = schools.filter(pk=self.initial["school"]).first()
        school = school or schools.first()
        self._setup_team_fields(school)

    def clean(self):
        data = super().clean()
        school = data.get("school")
        for name in ("responsible", "coordinator"):
            person = data.get(name)
            if person and school and not belongs_to(person, school):
                self.add_error(name, _("This person is not in the chosen school."))
        return data


class CaseWorkForm(KeepPastedText, forms.ModelForm):
    """Summary, consent exception, root causes and plan: the mapping and planning work."""

    root_causes = _checkboxes(RootCause.choices, _("Root causes"))

    class Meta:
        model = Case
        fields = ["summary", "consent_exception", "root_causes", "root_cause_notes", "plan"]


class CaseTeamForm(TeamFieldsMixin, forms.Form):
    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_team_fields(case.school)
        if not self.is_bound:
            self.initial = {
                "responsible": case.responsible_id,
                "members": [u.pk for u in case.members.all()],
                "coordinator": case.coordinator_id,
            }


def _no_preselection(form, name: str) -> None:
    """A radio group with no choice made in advance: without the blank radio that Django
    adds for a model field without a default, and, on a new record, without the field's
    default. The field stays required, so skipping it is an error, not a decision."""
    field = form.fields[name]
    field.choices = [c for c in field.choices if c[0]]
    field.required = True
    if not form.instance.pk and not form.is_bound:
        form.initial[name] = None
        field.initial = None


class CaseChildForm(KeepPastedText, forms.ModelForm):
    """A form for something recorded in a case; `case` scopes every choice to that case."""

    # Date fields that cannot be before the referral (the forms' or models' clean says so).
    after_referral: tuple[str, ...] = ()

    def __init__(self, *args, case, user=None, **kwargs):
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)
        self.instance.case = case
        limit_date_inputs(self, not_before=case.referred_on, after_referral=self.after_referral)

    def _parties(self):
        return Party.objects.filter(case=self.case)


class PartyForm(CaseChildForm):
    class Meta:
        model = Party
        fields = [
            "name",
            "role",
            "kind",
            "class_name",
            "grade",
            "gender",
            "position",
            "contact",
            "heard_on",
            "heard_how",
            "support_needs",
        ]
        widgets = {
            "heard_on": DateInput(),
            "role": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A decision that feeds statistics starts empty and is required: no blank radio
        # checked in advance, so nobody records "bystander" or "central" by skipping it.
        _no_preselection(self, "role")

    def clean(self):
        data = super().clean()
        for name in ("heard_on",):
            value = data.get(name)
            if value and value < self.case.referred_on - timedelta(days=366):
                self.add_error(name, _("The date is more than a year before the referral."))
        return data

    def save(self, commit=True):
        # A hearing date typed here is a hearing marked by hand: it no longer follows the
        # meeting (k0.cases.hearings).
        if "heard_on" in self.changed_data:
            self.instance.heard_in = None
            if not self.instance.heard_on:
                self.instance.heard_how = ""
        return super().save(commit)


class GuardianshipForm(CaseChildForm):
    class Meta:
        model = Guardianship
        fields = ["guardian", "pupil", "custody", "informed_on", "informed_how", "informed_by"]
        widgets = {"informed_on": DateInput()}
        # The model's links have no verbose names of their own to translate.
        labels = {"guardian": _("Guardian"), "pupil": _("Pupil")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = self._parties().filter(kind=PartyKind.GUARDIAN)
        self.fields["pupil"].queryset = self._parties().filter(kind=PartyKind.PUPIL)
        self.fields["informed_by"] = UserChoiceField(
            label=_("Informed by"),
            queryset=User.objects.filter(pk__in=[u.pk for u in self.case.team_users()]),
            required=False,
        )

    def clean(self):
        data = super().clean()
        if data.get("informed_on") and not data.get("informed_how"):
            self.add_error("informed_how", _("Say how the guardian was informed."))
        if data.get("informed_by") and not data.get("informed_on"):
            self.add_error("informed_on", _("Give the date the guardian was informed."))
        return data

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except forms.ValidationError:
            self.add_error(None, _("This guardian is already linked to this pupil."))


class PartyGroupForm(CaseChildForm):
    class Meta:
        model = PartyGroup
        fields = ["name", "head_count", "grade"]


class InterventionForm(CaseChildForm):
    after_referral = ("date",)

    class Meta:
        model = Intervention
        fields = [
            "kind",
            "status",
            "date",
            "start_time",
            "duration_minutes",
            "facilitators",
            "participants",
            "groups",
            "external_participants",
            "summary",
            "notes",
        ]
        widgets = {
            "date": DateInput(),
            "start_time": TimeInput(),
            "status": forms.RadioSelect,
            "facilitators": forms.CheckboxSelectMultiple,
            "participants": forms.CheckboxSelectMultiple,
            "groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Done or planned is asked, not assumed: done interventions count in the indicators.
        _no_preselection(self, "status")
        self.fields["participants"].queryset = self._parties()
        self.fields["groups"].queryset = PartyGroup.objects.filter(case=self.case)
        self.fields["facilitators"] = UserMultipleChoiceField(
            label=_("Facilitators"),
            queryset=User.objects.filter(pk__in=[u.pk for u in self.case.team_users()]),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def clean_participants(self):
        # A withdrawn consent stops new work with the pupil at once: nobody whose consent
        # is withdrawn joins an intervention (those already in one stay on its record).
        participants = self.cleaned_data.get("participants")
        if not participants:
            return participants
        already = (
            set(self.instance.participants.values_list("pk", flat=True))
            if self.instance.pk
            else set()
        )
        withdrawn = [
            p.name
            for p in participants
            if p.pk not in already and p.is_pupil and pupil_consent_withdrawn(p)
        ]
        if withdrawn:
            raise forms.ValidationError(
                _("Consent has been withdrawn for: %(names)s. No new work with them.")
                % {"names": ", ".join(withdrawn)}
            )
        return participants


class AgreementForm(CaseChildForm):
    after_referral = ("review_on",)

    class Meta:
        model = Agreement
        fields = ["text", "intervention", "parties", "review_on", "status"]
        widgets = {"review_on": DateInput(), "parties": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parties"].queryset = self._parties()
        self.fields["intervention"].queryset = Intervention.objects.filter(case=self.case)

    def clean_review_on(self):
        review = self.cleaned_data.get("review_on")
        if review and review < self.case.referred_on:
            raise forms.ValidationError(_("The review date is before the referral."))
        return review


class FollowUpForm(CaseChildForm):
    """A follow-up: when and by whom, and once done, each party's answers and the check of
    each open agreement (`answers.FollowUpAnswers`). The case-level assessment is derived
    from the answers (`FollowUp.summarise`), never typed."""

    after_referral = ("due_date", "done_at")

    class Meta:
        model = FollowUp
        fields = ["due_date", "responsible", "done_at", "method", "notes", "next_step"]
        widgets = {"due_date": DateInput(), "done_at": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"] = UserChoiceField(
            label=_("Responsible"),
            queryset=User.objects.filter(pk__in=[u.pk for u in self.case.team_users()]),
        )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("due_date", timezone.localdate() + timedelta(days=14))
        self.answers = FollowUpAnswers(
            self.data if self.is_bound else None, case=self.case, follow_up=self.instance
        )
        self.fields.update(self.answers.fields)

    def clean(self):
        data = super().clean()
        if data.get("done_at"):
            if not data.get("method"):
                self.add_error("method", _("Needed when the follow-up is done."))
            if data.get("done_at") < self.case.referred_on:
                self.add_error("done_at", _("The date is before the referral."))
        for field, message in self.answers.check(data, done=bool(data.get("done_at"))):
            self.add_error(field, message)
        return data

    def _save_m2m(self):
        super()._save_m2m()
        self.answers.save(self.cleaned_data, by=getattr(self.instance, "_history_user", None))

    # For the template (cases/follow_up_form.html): the follow-up's own fields, then a
    # fieldset per party with its answers and its agreements' checks.
    def own_fields(self):
        return [self[name] for name in self.fields if name not in self.answers.fields]

    def answer_rows(self):
        return [
            {
                "row": row,
                "answers": [self[f"{row.prefix}_bullying"], self[f"{row.prefix}_situation"]],
                "checks": [self[f"a{a.pk}"] for a in row.checks],
            }
            for row in self.answers.rows
        ]

    def has_optional_rows(self):
        return any(not row.central for row in self.answers.rows)

    def other_checks(self):
        return [self[f"a{a.pk}"] for a in self.answers.unassigned]


class NoteForm(CaseChildForm):
    class Meta:
        model = CaseNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class CloseForm(KeepPastedText, forms.Form):
    # No outcome is chosen in advance: the outcome feeds the headline indicator.
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Choose the outcome")), *Outcome.choices]
    )
    closing_summary = forms.CharField(
        label=_("Closing summary"),
        widget=forms.Textarea,
        max_length=_text_limit(Case, "closing_summary"),
    )
    aftercare_plan = forms.CharField(
        label=_("Aftercare plan"),
        widget=forms.Textarea,
        required=False,
        max_length=_text_limit(Case, "aftercare_plan"),
        help_text=_("What the school keeps doing, and who follows up."),
    )


class ReopenForm(KeepPastedText, forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea,
        max_length=_text_limit(PhaseChange, "reason"),
    )


class PrincipalReviewForm(KeepPastedText, forms.ModelForm):
    class Meta:
        model = PrincipalReview
        fields = ["comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}
        labels = {"comment": _("Comment to the case team")}
        help_texts = {"comment": _("Visible to the case team. Do not write pupils' names here.")}


class AttachmentForm(forms.Form):
    # The help text is set per form: a lazy text formatted here, at import, would stay in
    # the language of the process, not the user's.
    file = forms.FileField(label=_("File"))
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("What the file shows. No pupils' names needed here."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Screenshots and photos (PNG, JPEG, WebP, GIF) or PDF, at most %(mb)s MB."
        ) % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB).")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            )
        self.cleaned_data["original_name"] = Path(upload.name).name[:200]
        return check_upload(upload.read())

"""Forms of the duties and safety records (consent per guardian, notices, the safety plan,
service referrals). Each lists its fields, scopes every choice to the case, and leaves the
rules to the models' `clean`, which the ModelForm runs."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PartyKind
from .forms import CaseChildForm, DateInput, KeepPastedText, UserChoiceField
from .models import Case, Guardianship
from .models_duties import (
    POLICE_NUMBER_MAX,
    ConsentStatus,
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)

User = get_user_model()


def _team(case):
    return User.objects.filter(pk__in=[u.pk for u in case.team_users()]).order_by(
        "last_name", "first_name"
    )


class ConsentForm(CaseChildForm):
    """One guardian's answer for one pupil, or "not needed" for a bystander; a given consent
    can be withdrawn here too (date and reason)."""

    after_referral = ()

    class Meta:
        model = GuardianConsent
        fields = [
            "pupil",
            "guardian",
            "status",
            "decided_on",
            "scope",
            "recorded_how",
            "reason",
            "withdrawn_on",
            "withdrawal_reason",
        ]
        widgets = {
            "decided_on": DateInput(),
            "withdrawn_on": DateInput(),
            "status": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parties = self._parties()
        self.fields["pupil"].queryset = parties.filter(kind=PartyKind.PUPIL)
        self.fields["guardian"].queryset = parties.filter(kind=PartyKind.GUARDIAN)
        self.fields["guardian"].help_text = _("Empty only when consent is not needed.")

    def clean(self):
        data = super().clean()
        pupil, guardian = data.get("pupil"), data.get("guardian")
        if (
            pupil
            and guardian
            and not Guardianship.objects.filter(pupil=pupil, guardian=guardian).exists()
        ):
            self.add_error("guardian", _("This guardian is not linked to this pupil."))
        if pupil and data.get("status") == ConsentStatus.NOT_NEEDED and pupil.role != "bystander":
            self.add_error(
                "status",
                _(
                    "Consent can be marked not needed only for a bystander. For a central "
                    "pupil, write the justification for proceeding without consent instead."
                ),
            )
        if data.get("status") == ConsentStatus.NOT_NEEDED and guardian:
            self.add_error("guardian", _("Leave the guardian empty when consent is not needed."))
        return data

    def validate_unique(self):
        try:
            self.instance.validate_constraints()
        except forms.ValidationError:
            self.add_error(None, _("This guardian's answer for this pupil is already recorded."))


class ConsentRuleForm(KeepPastedText, forms.ModelForm):
    """Whose consent the mapping needs in this case, and the justified exception."""

    class Meta:
        model = Case
        fields = ["consent_rule", "consent_exception"]
        widgets = {"consent_rule": forms.RadioSelect}


class NoticeForm(CaseChildForm):
    class Meta:
        model = StatutoryNotice
        fields = [
            "kind",
            "other_kind",
            "made_on",
            "made_by",
            "pupil",
            "office",
            "police_case_number",
        ]
        widgets = {"made_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = self._parties().filter(kind=PartyKind.PUPIL)
        self.fields["made_by"] = UserChoiceField(
            label=_("Made by"), queryset=_team(self.case), required=False
        )
        # No maxlength attribute: a browser would cut a pasted number without a word; the
        # form says how long it may be instead.
        self.fields["police_case_number"].widget.attrs.pop("maxlength", None)
        self.fields["police_case_number"].help_text = _(
            "At most %(n)s characters, as the police gave it."
        ) % {"n": POLICE_NUMBER_MAX}
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("made_on", timezone.localdate())


class SafetyMeasureForm(CaseChildForm):
    class Meta:
        model = SafetyMeasure
        fields = ["kind", "what", "party", "owner", "starts_on", "review_on", "status"]
        widgets = {
            "starts_on": DateInput(),
            "review_on": DateInput(),
            "status": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self._parties()
        self.fields["owner"] = UserChoiceField(
            label=_("Owner"),
            queryset=_team(self.case),
            help_text=_("The team member who sees to the measure and reviews it."),
            error_messages={"required": _("Choose the team member who owns the measure.")},
        )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("starts_on", timezone.localdate())


class ServiceReferralForm(CaseChildForm):
    class Meta:
        model = ServiceReferral
        fields = ["party", "service", "other_service", "referred_on", "referred_by", "status"]
        widgets = {"referred_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = self._parties()
        self.fields["referred_by"] = UserChoiceField(
            label=_("By whom"), queryset=_team(self.case), required=False
        )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("referred_on", timezone.localdate())

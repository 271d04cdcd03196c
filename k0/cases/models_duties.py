"""Legal duties and safety recorded as things with owners and dates.

- `GuardianConsent`: each guardian of a pupil gives or refuses consent, and may withdraw it
  (suostumus); a bystander heard individually may have consent "not needed", with a reason.
- `StatutoryNotice`: a child welfare notification (Child Welfare Act §25,
  lastensuojeluilmoitus), a crime report or a police request for assistance, or another
  notice, with its date and for which pupil.
- `SafetyMeasure`: the immediate measures of the safety plan (turvallisuussuunnitelma).
- `ServiceReferral`: a party referred to a service (palveluihin ohjaaminen).

The §29.7 informing of a guardian stays on `Guardianship` (informed_on, informed_how,
informed_by); its deadline is INFORMING_DEADLINE_DAYS from the referral or from when the
pupil was added (`informing_deadline`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import dates
from .choices import ConsentRule, NoticeKind, PartyKind, PartyRole, Position
from .models import Case, Party

# Positions whose pupils' guardians must be informed (Basic Education Act §29.7).
INFORMED_POSITIONS = (Position.HARMED, Position.ACTED, Position.BOTH)


def needs_informing(party: Party) -> bool:
    """A pupil whose guardians must be told: every central pupil, and every pupil whose
    position is experienced harm, acted harmfully or both — bystanders too."""
    return party.kind == PartyKind.PUPIL and (
        party.role == PartyRole.CENTRAL or party.position in INFORMED_POSITIONS
    )


NEEDS_INFORMING = Q(kind=PartyKind.PUPIL) & (
    Q(role=PartyRole.CENTRAL) | Q(position__in=INFORMED_POSITIONS)
)


def informing_deadline(referred_on: dt.date, added_at: dt.datetime) -> dt.date:
    """The day by which the guardians of a pupil must have been informed: the deadline
    counts from the referral, or from when the pupil was added to the case if later."""
    start = max(referred_on, timezone.localdate(added_at))
    return start + dt.timedelta(days=settings.INFORMING_DEADLINE_DAYS)


@deconstructible
class NoControlCharacters:
    """Refuses control characters (a NUL byte breaks PostgreSQL, others hide text)."""

    message = _("Remove the control characters (such as line breaks or tabs).")

    def __call__(self, value):
        if value and any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
            raise ValidationError(self.message, code="control_characters")

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters)


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_NEEDED = "not_needed", _("Not needed")


class ConsentRecordedHow(models.TextChoices):
    WRITTEN = "written", _("In writing")
    MESSAGE = "message", _("By school message (Wilma)")
    MEETING = "meeting", _("In a meeting")
    PHONE = "phone", _("By phone")
    OTHER = "other", _("Other")


class PupilConsent(models.TextChoices):
    """The state of a pupil's consent under the case's rule (computed, never stored)."""

    GIVEN = "given", _("Given")
    NOT_NEEDED = "not_needed", _("Not needed")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MISSING = "missing", _("Missing")


class GuardianConsent(models.Model):
    """One guardian's answer about a pupil's participation, or "not needed" (no guardian)."""

    personal_fields = ("scope", "reason", "withdrawal_reason")

    pupil = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="consents", verbose_name=_("pupil")
    )
    guardian = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consents_as_guardian",
        verbose_name=_("guardian"),
    )
    status = models.CharField(_("answer"), max_length=12, choices=ConsentStatus.choices)
    decided_on = models.DateField(
        _("date"), validators=[dates.past_date_around_referral], null=True, blank=True
    )
    scope = models.CharField(_("scope of consent"), max_length=300, blank=True)
    recorded_how = models.CharField(
        _("recorded how"), max_length=10, choices=ConsentRecordedHow.choices, blank=True
    )
    reason = models.CharField(_("why consent is not needed"), max_length=300, blank=True)
    withdrawn_on = models.DateField(
        _("withdrawn on"), null=True, blank=True, validators=[dates.past_date_around_referral]
    )
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pupil", "pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "guardian"],
                condition=Q(guardian__isnull=False),
                name="consent_once_per_guardian",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(decided_on__isnull=True)
                | Q(withdrawn_on__gte=models.F("decided_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def clean(self):
        errors = {}
        if self.status == ConsentStatus.NOT_NEEDED:
            if not self.reason.strip():
                errors["reason"] = _("Say why consent is not needed.")
        else:
            if self.guardian_id is None:
                errors["guardian"] = _("Choose the guardian who answered.")
            if self.decided_on is None:
                errors["decided_on"] = _("Give the date of the answer.")
        if self.withdrawn_on:
            if self.status != ConsentStatus.GIVEN:
                errors["withdrawn_on"] = _("Only a given consent can be withdrawn.")
            elif self.decided_on and self.withdrawn_on < self.decided_on:
                errors["withdrawn_on"] = _("The withdrawal cannot be before the consent.")
            if not self.withdrawal_reason.strip():
                errors["withdrawal_reason"] = _("Give the reason for the withdrawal.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_withdrawn(self) -> bool:
        return self.status == ConsentStatus.GIVEN and self.withdrawn_on is not None


def pupil_consent(pupil: Party, rule: str) -> str:
    """The pupil's consent under `rule` (`ConsentRule`), from prefetched rows:

    - withdrawn when any guardian withdrew a given consent (it blocks new work at once);
    - given when one guardian (ONE), or every guardian with custody (ALL), has given it;
    - not needed when so recorded, for a bystander;
    - refused when a guardian refused and it is not given; otherwise missing.
    """
    consents = list(pupil.consents.all())
    if any(c.is_withdrawn for c in consents):
        return PupilConsent.WITHDRAWN
    given = {c.guardian_id for c in consents if c.status == ConsentStatus.GIVEN}
    if rule == ConsentRule.ALL:
        custodians = {link.guardian_id for link in pupil.guardian_links.all() if link.custody}
        ok = bool(custodians) and custodians <= given
    else:
        ok = bool(given)
    if ok:
        return PupilConsent.GIVEN
    if pupil.role == PartyRole.BYSTANDER and any(
        c.status == ConsentStatus.NOT_NEEDED for c in consents
    ):
        return PupilConsent.NOT_NEEDED
    if any(c.status == ConsentStatus.REFUSED for c in consents):
        return PupilConsent.REFUSED
    return PupilConsent.MISSING


def pupil_consent_withdrawn(pupil: Party) -> bool:
    """Whether a guardian has withdrawn a consent given for the pupil (one query)."""
    return GuardianConsent.objects.filter(
        pupil=pupil, status=ConsentStatus.GIVEN, withdrawn_on__isnull=False
    ).exists()


POLICE_NOTICES = (NoticeKind.CRIME_REPORT, NoticeKind.POLICE_REQUEST)
POLICE_NUMBER_MAX = 40


class StatutoryNotice(models.Model):
    """A notice the school made to an authority about the case."""

    personal_fields = ("other_kind", "office", "police_case_number")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notices", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    other_kind = models.CharField(
        _("kind of notice (other)"),
        max_length=100,
        blank=True,
        validators=[NoControlCharacters()],
    )
    made_on = models.DateField(_("date"), validators=[dates.past_date_around_referral])
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    pupil = models.ForeignKey(
        Party,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("for which pupil"),
    )
    office = models.CharField(
        _("to which office"),
        max_length=200,
        blank=True,
        validators=[NoControlCharacters()],
        help_text=_("E.g. the child welfare office of the area."),
    )
    police_case_number = models.CharField(
        _("police case number"),
        max_length=POLICE_NUMBER_MAX,
        blank=True,
        validators=[NoControlCharacters()],
    )
    # Made from the referral's yes/no flag by migration: the date is the referral's.
    from_referral = models.BooleanField(_("recorded at referral"), default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["made_on", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["kind", "case"], name="notice_kind_case")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.kind == NoticeKind.OTHER and self.other_kind:
            return self.other_kind
        return str(self.get_kind_display())

    def clean(self):
        errors = {}
        if self.pupil_id and self.case_id and self.pupil.case_id != self.case_id:
            errors["pupil"] = _("The pupil is not a party of this case.")
        if self.pupil_id and self.pupil.kind != PartyKind.PUPIL:
            errors["pupil"] = _("Choose a pupil.")
        if self.kind == NoticeKind.OTHER and not self.other_kind.strip():
            errors["other_kind"] = _("Say what kind of notice it is.")
        if self.police_case_number and self.kind not in POLICE_NOTICES:
            errors["police_case_number"] = _(
                "A police case number belongs to a crime report or a request for assistance."
            )
        if errors:
            raise ValidationError(errors)


class MeasureKind(models.TextChoices):
    SUPERVISED_BREAKS = "supervised_breaks", _("Supervised breaks")
    SEPARATE_ROUTES = "separate_routes", _("Separate routes or timetables")
    ONLINE_REMOVAL = "online_removal", _("Removal of online material")
    SAFE_ADULT = "safe_adult", _("A safe adult")
    OTHER = "other", _("Other")


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class SafetyMeasure(models.Model):
    """An immediate measure of the safety plan, with an owner and a review date."""

    personal_fields = ("what",)

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="safety_measures", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    what = models.CharField(_("what"), max_length=300, validators=[NoControlCharacters()])
    party = models.ForeignKey(
        Party,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="safety_measures",
        verbose_name=_("for which party"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    starts_on = models.DateField(_("start date"), validators=[dates.planned_date])
    review_on = models.DateField(
        _("review date"), null=True, blank=True, validators=[dates.planned_date]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("safety measure")
        verbose_name_plural = _("safety measures")
        indexes = [
            models.Index(fields=["status", "review_on"], name="safety_measure_review"),
        ]

    def clean(self):
        if self.review_on and self.starts_on and self.review_on < self.starts_on:
            raise ValidationError({"review_on": _("The review date is before the start.")})
        if self.party_id and self.case_id and self.party.case_id != self.case_id:
            raise ValidationError({"party": _("The party is not in this case.")})


class ServiceKind(models.TextChoices):
    SCHOOL_SOCIAL_WORKER = "school_social_worker", _("School social worker")
    PSYCHOLOGIST = "psychologist", _("School psychologist")
    SCHOOL_NURSE = "school_nurse", _("School nurse")
    YOUTH_SERVICES = "youth_services", _("Youth services")
    FAMILY_SOCIAL_WORK = "family_social_work", _("Family social work")
    CHILD_PSYCHIATRY = "child_psychiatry", _("Child psychiatry")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    MADE = "made", _("Made")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class ServiceReferral(models.Model):
    """A party referred to a service."""

    personal_fields = ("other_service",)

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="service_referrals", verbose_name=_("case")
    )
    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="service_referrals", verbose_name=_("party")
    )
    service = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices)
    other_service = models.CharField(
        _("service (other)"), max_length=100, blank=True, validators=[NoControlCharacters()]
    )
    referred_on = models.DateField(_("date"), validators=[dates.planned_date])
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by whom"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.PROPOSED,
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["referred_on", "pk"]
        verbose_name = _("service referral")
        verbose_name_plural = _("service referrals")

    @property
    def label(self) -> str:
        if self.service == ServiceKind.OTHER and self.other_service:
            return self.other_service
        return str(self.get_service_display())

    def clean(self):
        errors = {}
        if self.party_id and self.case_id and self.party.case_id != self.case_id:
            errors["party"] = _("The party is not in this case.")
        if self.service == ServiceKind.OTHER and not self.other_service.strip():
            errors["other_service"] = _("Name the service.")
        if errors:
            raise ValidationError(errors)

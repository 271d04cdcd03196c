"""The K-0 case and everything recorded in it.

Rules about one case live on `Case` (phase guards in `missing_for`, transitions in
`advance_to`, `close`, `reopen`; a closed case is read-only, `ensure_open`; the principal's
`acknowledge_closure`; `record_activity` after every change); which cases a user may see is
decided in one place, `Case.objects.visible_to(user)`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from schools.models import Role, School
from schools.roles import schools_where

from . import changes, dates
from .choices import (
    EARLY_OUTCOMES,
    PHASE_ORDER,
    REVIEWED_AGREEMENTS_OUTCOMES,
    AgreementsAssessment,
    AgreementStatus,
    AlreadyTried,
    BullyingAssessment,
    BullyingForm,
    ConsentRule,
    FollowUpMethod,
    Gender,
    HeardHow,
    InformedHow,
    InterventionKind,
    InterventionStatus,
    Outcome,
    PartyKind,
    PartyRole,
    Phase,
    Position,
    ReferralSource,
    RootCause,
    Setting,
    SituationAssessment,
)
from .limits import DETAIL, NOTES, SUMMARY, ChoiceListValidator, text_limit
from .persons import Person, PersonDuplicate, PersonMerge  # noqa: F401 - models of this app
from .transfers import CaseTransfer, Handover  # noqa: F401 - models of this app


class CasePerm(StrEnum):
    """Object permissions on a case, granted to the case team and the coordinator."""

    VIEW = "view_case"
    CHANGE = "change_case"


class CaseClosedError(Exception):
    """A change was refused because the case is closed; views show it and go back to the
    case page (`k0.cases.access.refuses_closed_case`)."""

    def __init__(self, case: Case):
        self.case = case
        super().__init__(gettext("The case is closed. Reopen it to make changes."))


class AcknowledgementError(Exception):
    """The principal's acknowledgement was refused; the message is for the user."""


class PhaseError(Exception):
    """A transition was refused; `missing` lists, in the user's language, what is lacking."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__("; ".join(str(m) for m in missing))


class ReferenceCounter(models.Model):
    """The last case number used in a year. Incremented under a row lock, so concurrent
    referrals never get the same reference."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    @classmethod
    def next_reference(cls, year: int) -> str:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    cls.objects.get_or_create(year=year)
            except IntegrityError:
                pass  # another transaction created the row first; the update below waits for it
            cls.objects.filter(year=year).update(last=F("last") + 1)
            number = cls.objects.get(year=year).last
        return f"K0-{year}-{number:04d}"


REOPEN_REFUSED_DATA_REMOVED = _(
    "The personal data of this case was removed under the retention policy, so it cannot be "
    "reopened. Open a new case that refers to it instead."
)


def inactive_limit(now: dt.datetime | None = None) -> dt.datetime:
    """An open case whose last activity is at or before this is inactive."""
    return (now or timezone.now()) - dt.timedelta(days=settings.CASE_INACTIVE_DAYS)


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """The one place deciding which cases' full records a user may see.

        A user sees a case when they hold the view permission on it (case team, assigned
        coordinator) *and* still hold a team or coordinator role in the case's school, so
        leaving a school's K-0 team ends access even before permissions are tidied up.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        permitted = CaseUserObjectPermission.objects.filter(
            user=user, permission__codename=CasePerm.VIEW
        ).values("content_object_id")
        schools = schools_where(user, Role.TEAM_MEMBER, Role.COORDINATOR).values("id")
        return self.filter(pk__in=permitted, school_id__in=schools)

    def in_schools_of_principal(self, user) -> CaseQuerySet:
        return self.filter(school__in=schools_where(user, Role.PRINCIPAL))

    def inactive(self, now: dt.datetime | None = None) -> CaseQuerySet:
        """Open cases with no recorded activity for CASE_INACTIVE_DAYS. They are listed to
        their coordinator and the administrator and, after CASE_INACTIVE_GRACE_DAYS, closed as
        discontinued by the nightly retention run (`Case.close_as_inactive`), so that their
        data then ages like any closed case's."""
        return self.exclude(phase=Phase.CLOSED).filter(last_activity_at__lte=inactive_limit(now))

    def for_case_page(self) -> CaseQuerySet:
        """Cases with everything the case page and the case documents show, in a fixed
        number of queries whatever the case holds — but the notes, which the page reads in
        part (`cases.views._detail_case`) and the documents in full. `notes_total` counts
        them."""
        notes_total = (
            CaseNote.objects.filter(case=models.OuterRef("pk"))
            .order_by()
            .values("case")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return (
            self.select_related(
                "school", "school__area", "responsible", "coordinator", "created_by", "follows"
            )
            .annotate(notes_total=Coalesce(models.Subquery(notes_total), 0))
            .prefetch_related(
                "members",
                Prefetch("followed_by", queryset=Case.objects.only("reference", "follows")),
                Prefetch(
                    "parties",
                    queryset=Party.objects.select_related("heard_in").prefetch_related(
                        Prefetch(
                            "guardian_links",
                            queryset=Guardianship.objects.select_related("guardian"),
                        ),
                        "pupil_links",
                        Prefetch(
                            "consents", queryset=GuardianConsent.objects.select_related("guardian")
                        ),
                    ),
                ),
                Prefetch(
                    "notices",
                    queryset=StatutoryNotice.objects.select_related("pupil", "made_by"),
                ),
                Prefetch(
                    "safety_measures",
                    queryset=SafetyMeasure.objects.select_related("party", "owner"),
                ),
                Prefetch(
                    "service_referrals",
                    queryset=ServiceReferral.objects.select_related("party", "referred_by"),
                ),
                "groups",
                Prefetch(
                    "interventions",
                    queryset=Intervention.objects.prefetch_related(
                        "participants", "groups", "facilitators"
                    ),
                ),
                Prefetch(
                    "agreements",
                    queryset=Agreement.objects.select_related("intervention").prefetch_related(
                        "parties"
                    ),
                ),
                Prefetch(
                    "follow_ups",
                    queryset=FollowUp.objects.select_related("responsible").prefetch_related(
                        "answers"
                    ),
                ),
                Prefetch(
                    "phase_changes", queryset=PhaseChange.objects.select_related("changed_by")
                ),
                Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
                Prefetch("reviews", queryset=PrincipalReview.objects.select_related("author")),
                Prefetch(
                    "transfers",
                    queryset=CaseTransfer.objects.select_related(
                        "from_school", "to_school", "proposed_by", "decided_by"
                    ),
                ),
            )
        )

    def with_follow_up_signals(self, today: dt.date | None = None) -> CaseQuerySet:
        """Annotates next due follow-up and the number of overdue ones, in the same query."""
        today = today or timezone.localdate()
        pending = FollowUp.objects.filter(
            case=models.OuterRef("pk"), done_at__isnull=True, not_needed_on__isnull=True
        )
        return self.annotate(
            next_follow_up=models.Subquery(pending.order_by("due_date").values("due_date")[:1]),
            overdue_follow_ups=models.Subquery(
                pending.filter(due_date__lt=today)
                .values("case")
                .annotate(n=models.Count("pk"))
                .values("n")[:1]
            ),
        )


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    details: str = ""
    required: bool = True


class Case(models.Model):
    """A severe bullying case (tapaus) handled with the K-0 method."""

    # Free text that may name or describe people; blanked by retention (k0.privacy).
    personal_fields = (
        "referral_source_detail",
        "known_at_referral",
        "already_tried_notes",
        "summary",
        "consent_exception",
        "root_cause_notes",
        "plan",
        "closing_summary",
        "aftercare_plan",
    )

    reference = models.CharField(_("case reference"), max_length=20, unique=True, editable=False)
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="cases", verbose_name=_("school")
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.REFERRAL, db_index=True
    )

    # Referral (vireilletulo)
    referred_on = models.DateField(_("referred on"), validators=[dates.referral_date])
    referral_source = models.CharField(
        _("referral source"), max_length=30, choices=ReferralSource.choices
    )
    referral_source_detail = models.CharField(
        _("referrer (details)"),
        max_length=200,
        blank=True,
        help_text=_("E.g. the referrer's title or unit. No pupil names here."),
    )
    known_at_referral = models.TextField(_("what is known"), blank=True, **text_limit(SUMMARY))
    forms_of_bullying = models.JSONField(
        _("forms of bullying"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(BullyingForm)],
    )
    locations = models.JSONField(
        _("where it happens"), default=list, blank=True, validators=[ChoiceListValidator(Setting)]
    )
    started_around = models.DateField(
        _("started around"),
        null=True,
        blank=True,
        validators=[dates.start_date],
        help_text=_("An approximate date is enough."),
    )
    already_tried = models.JSONField(
        _("already tried"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator(AlreadyTried)],
    )
    already_tried_notes = models.TextField(
        _("already tried (details)"), blank=True, **text_limit(DETAIL)
    )

    # Mapping and plan
    summary = models.TextField(_("case summary"), blank=True, **text_limit(SUMMARY))
    consent_exception = models.TextField(
        _("justification for proceeding without consent"),
        blank=True,
        **text_limit(DETAIL),
        help_text=_("Only where the law allows working without a guardian's consent."),
    )
    # Whose consent the mapping needs (k0.cases.models_duties.pupil_consent).
    consent_rule = models.CharField(
        _("consent needed from"),
        max_length=5,
        choices=ConsentRule.choices,
        default=ConsentRule.ONE,
    )
    root_causes = models.JSONField(
        _("root causes"), default=list, blank=True, validators=[ChoiceListValidator(RootCause)]
    )
    root_cause_notes = models.TextField(
        _("root causes (details)"), blank=True, **text_limit(DETAIL)
    )
    plan = models.TextField(
        _("plan"), blank=True, **text_limit(NOTES), help_text=_("The measures chosen and why.")
    )

    # Team
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsible_cases",
        verbose_name=_("responsible member"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="member_cases",
        verbose_name=_("case team"),
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coordinated_cases",
        verbose_name=_("K-0 coordinator"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    # Closure (päättäminen)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    closing_summary = models.TextField(_("closing summary"), blank=True, **text_limit(SUMMARY))
    aftercare_plan = models.TextField(
        _("aftercare plan"),
        blank=True,
        **text_limit(SUMMARY),
        help_text=_("What the school keeps doing, and who follows up."),
    )

    opened_at = models.DateTimeField(_("opened"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    pseudonymised_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)
    retention_policy = models.CharField(_("retention policy applied"), max_length=100, blank=True)
    closure_acknowledged_at = models.DateTimeField(
        _("closure acknowledged by the principal"), null=True, blank=True
    )
    # A case whose personal data was removed is never reopened; new events go into a new case
    # that refers to it (and only by reference: nothing personal is copied).
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows case"),
    )
    # When the nightly run announced that the case is inactive (to its coordinator and
    # responsible member). Activity after this time starts a new stretch; see
    # `inactivity_announced`. Bookkeeping like last_activity_at, so not in history.
    inactivity_notice_at = models.DateTimeField(
        _("announced as inactive"), null=True, blank=True, editable=False
    )

    history = HistoricalRecords(excluded_fields=["last_activity_at", "inactivity_notice_at"])
    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at"]
        default_permissions = ("view", "change")
        indexes = [
            models.Index(fields=["school", "phase"]),
            # Indicators: cases referred in a period.
            models.Index(fields=["referred_on"], name="case_referred_on"),
            # Indicators: cases closed in a period (with their outcome) and cases still open
            # at a period's end; covers those queries so no case row is read.
            models.Index(
                fields=["closed_at", "outcome", "referred_on", "school"], name="case_closed_outcome"
            ),
            # Indicators: interventions and follow-ups of a period find their case's school
            # here; PostgreSQL reads this narrow index instead of every (wide) case row.
            models.Index(fields=["id", "school"], name="case_id_school"),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("cases:detail", args=[self.reference])

    def save(self, *args, **kwargs):
        if not self.reference:
            year = (self.referred_on or timezone.localdate()).year
            self.reference = ReferenceCounter.next_reference(year)
        super().save(*args, **kwargs)

    def clean(self):
        if self.started_around and self.referred_on and self.started_around > self.referred_on:
            raise ValidationError(
                {"started_around": _("The bullying cannot start after the referral.")}
            )

    def choice_labels(self) -> dict[str, list[str]]:
        """Display labels of the multiple-choice fields (stored as lists of codes)."""

        def labels(values, choices):
            names = dict(choices.choices)
            return [str(names.get(v, v)) for v in values]

        return {
            "forms": labels(self.forms_of_bullying, BullyingForm),
            "locations": labels(self.locations, Setting),
            "already_tried": labels(self.already_tried, AlreadyTried),
            "root_causes": labels(self.root_causes, RootCause),
        }

    # --- team ------------------------------------------------------------------------------

    def team_users(self) -> set:
        users = {self.responsible, *self.members.all()}
        if self.coordinator_id:
            users.add(self.coordinator)
        return users

    def record_activity(self) -> None:
        """Records that someone worked on the case: stamps `last_activity_at` (for "no
        activity for N days"; bookkeeping, not a change worth history) and, after commit,
        tells the apps that follow case changes (`k0.cases.changes`), e.g. reminders, which
        synchronise meeting invitations and closure notices from the database."""
        self.last_activity_at = timezone.now()
        Case.objects.filter(pk=self.pk).update(last_activity_at=self.last_activity_at)
        changes.announce(self.pk)

    # --- open or closed --------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    def ensure_open(self) -> None:
        """A closed case is read-only until it is reopened: raises `CaseClosedError`."""
        if self.is_closed:
            raise CaseClosedError(self)

    @property
    def awaits_acknowledgement(self) -> bool:
        """Closed and not yet acknowledged by the principal (päättämisen kuittaus)."""
        return self.is_closed and self.closure_acknowledged_at is None

    def acknowledge_closure(self, *, by, comment: str = "") -> PrincipalReview:
        """The principal acknowledges the closure, with an optional comment.

        1. Lock the case row, so two acknowledgements (two principals, a double click) or
           an acknowledgement racing a reopening cannot both pass the check.
        2. Refuse unless the case is closed and not yet acknowledged.
        3. Record the review (it shows in the timeline) and the acknowledgement time.
        """
        with transaction.atomic():
            case = self._locked()
            if not case.awaits_acknowledgement:
                raise AcknowledgementError(
                    gettext("Only a closed case that is not yet acknowledged can be acknowledged.")
                )
            review = PrincipalReview(
                case=case, author=by, comment=comment, acknowledges_closure=True
            )
            review._history_user = by
            review.save()
            case.closure_acknowledged_at = timezone.now()
            case._history_user = by
            case.save(update_fields=["closure_acknowledged_at"])
        self.refresh_from_db()
        return review

    # --- retention -------------------------------------------------------------------------

    @property
    def personal_data_removed(self) -> bool:
        """Pseudonymised by retention (k0.privacy): the case takes no new personal data and
        is never reopened."""
        return self.pseudonymised_at is not None

    @property
    def inactivity_announced(self) -> bool:
        """Whether the current stretch without activity has been announced; anything recorded
        after the announcement stops the countdown (and a later stretch is announced anew)."""
        return (
            self.inactivity_notice_at is not None
            and self.inactivity_notice_at >= self.last_activity_at
        )

    def inactivity_closes_on(self, now: dt.datetime | None = None) -> dt.date:
        """The day the nightly run closes this inactive case unless something is recorded
        first: CASE_INACTIVE_GRACE_DAYS after the announcement (tonight's, if not yet made)."""
        announced = self.inactivity_notice_at if self.inactivity_announced else None
        start = timezone.localdate(announced or now or timezone.now())
        return start + dt.timedelta(days=settings.CASE_INACTIVE_GRACE_DAYS)

    # --- phase guards ----------------------------------------------------------------------

    @property
    def next_phase(self) -> str | None:
        index = PHASE_ORDER.index(self.phase)
        return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None

    def _central_pupils(self):
        return [p for p in self.parties.all() if p.role == PartyRole.CENTRAL and p.is_pupil]

    def checklist(self, phase: str | None = None) -> list[ChecklistItem]:
        """What entering `phase` (default: the next one) needs, as guidance for the case page.

        The same items decide `missing_for`, so the page and the guard never disagree.
        """
        phase = phase or self.next_phase
        items: list[ChecklistItem] = []
        pupils = self._central_pupils()
        early_close = phase == Phase.CLOSED and self.outcome in EARLY_OUTCOMES
        if phase is not None and phase != Phase.REFERRAL and not early_close:
            items.append(
                ChecklistItem(
                    gettext("At least one central party recorded"),
                    any(p.role == PartyRole.CENTRAL for p in self.parties.all()),
                )
            )
        if phase == Phase.MAPPING:
            lacking = [p.label for p in pupils if not p.has_consent]
            exception = bool(self.consent_exception.strip())
            items.append(
                ChecklistItem(
                    gettext("Guardian consent recorded for every central pupil"),
                    not lacking or exception,
                    gettext("Guardian consent missing for: %(names)s")
                    % {"names": ", ".join(lacking)}
                    if lacking and not exception
                    else "",
                )
            )
        if phase == Phase.PLAN:
            unheard = [
                p.label
                for p in self.parties.all()
                if not p.heard_on and (p.role == PartyRole.CENTRAL or p.is_guardian_of_any(pupils))
            ]
            items.append(
                ChecklistItem(
                    gettext("Every central party and their guardians heard"),
                    not unheard,
                    gettext("Not heard yet: %(names)s") % {"names": ", ".join(unheard)}
                    if unheard
                    else "",
                )
            )
            items.append(
                ChecklistItem(gettext("At least one root cause recorded"), bool(self.root_causes))
            )
        if phase == Phase.MEASURES:
            items.append(ChecklistItem(gettext("The plan is written"), bool(self.plan.strip())))
        if phase == Phase.FOLLOW_UP:
            items.append(
                ChecklistItem(
                    gettext("At least one intervention done"),
                    any(i.status == InterventionStatus.DONE for i in self.interventions.all()),
                )
            )
        if phase == Phase.CLOSED:
            items.extend(self._closing_items())
        if phase is not None:
            # Every pupil whose guardians must be told: central pupils, and bystanders whose
            # position is experienced harm, acted harmfully or both.
            uninformed = [
                p.label
                for p in self.parties.all()
                if needs_informing(p) and not p.guardians_informed
            ]
            items.append(
                ChecklistItem(
                    gettext(
                        "Guardians of every pupil involved informed (Basic Education Act §29.7)"
                    ),
                    not uninformed,
                    gettext("Guardians not informed: %(names)s") % {"names": ", ".join(uninformed)}
                    if uninformed
                    else "",
                    required=phase == Phase.CLOSED,
                )
            )
        return items

    def _closing_items(self) -> list[ChecklistItem]:
        outcome = self.outcome
        items = [
            ChecklistItem(gettext("Outcome chosen"), bool(outcome)),
            ChecklistItem(gettext("Closing summary written"), bool(self.closing_summary.strip())),
        ]
        if outcome not in EARLY_OUTCOMES:
            items.append(
                ChecklistItem(gettext("Aftercare plan written"), bool(self.aftercare_plan.strip()))
            )
            done = [i.date for i in self.interventions.all() if i.status == InterventionStatus.DONE]
            last = max(done) if done else None
            completed = [f.done_at for f in self.follow_ups.all() if f.done_at]
            ok = bool(completed) and (last is None or max(completed) >= last)
            items.append(
                ChecklistItem(gettext("A follow-up completed after the last intervention"), ok)
            )
        items.extend(self._still_planned_items(outcome))
        return items

    def _still_planned_items(self, outcome: str) -> list[ChecklistItem]:
        """What closing leaves behind: agreements not reviewed (resolved or improved needs
        every one reviewed), and the meetings and follow-ups still planned, which closing
        cancels (`_cancel_what_is_planned`)."""
        items = []
        unreviewed = [a for a in self.agreements.all() if not a.is_reviewed]
        items.append(
            ChecklistItem(
                gettext("Every agreement reviewed"),
                not unreviewed,
                gettext("Not reviewed yet: %(agreements)s")
                % {"agreements": "; ".join(f"“{a}”" for a in unreviewed)}
                if unreviewed
                else "",
                required=outcome in REVIEWED_AGREEMENTS_OUTCOMES,
            )
        )
        planned = [i for i in self.interventions.all() if i.is_planned]
        if planned:
            items.append(
                ChecklistItem(
                    gettext("Meetings still planned"),
                    False,
                    gettext(
                        "%(meetings)s. Closing cancels those still ahead and their calendar "
                        "invitations."
                    )
                    % {
                        "meetings": ", ".join(
                            f"{i.get_kind_display()} {_day(i.date)}" for i in planned
                        )
                    },
                    required=False,
                )
            )
        pending = [f for f in self.follow_ups.all() if f.is_open]
        if pending:
            items.append(
                ChecklistItem(
                    gettext("Follow-ups still open"),
                    False,
                    gettext("Due %(dates)s. Closing marks them not needed.")
                    % {"dates": ", ".join(_day(f.due_date) for f in pending)},
                    required=False,
                )
            )
        return items

    def _cancel_what_is_planned(self, *, by) -> None:
        """On closing: meetings still planned from today on are cancelled (their calendar
        invitations follow, `k0.reminders.invitations`) and open follow-ups are marked not
        needed; both with history, and both shown in the timeline."""
        today = timezone.localdate()
        for meeting in self.interventions.filter(
            status=InterventionStatus.PLANNED, date__gte=today
        ):
            meeting.status = InterventionStatus.CANCELLED
            meeting._history_user = by
            meeting.save(update_fields=["status"])
        for follow_up in self.follow_ups.filter(done_at=None, not_needed_on=None):
            follow_up.not_needed_on = today
            follow_up._history_user = by
            follow_up.save(update_fields=["not_needed_on"])

    def missing_for(self, phase: str) -> list[str]:
        """Required checklist items not yet met for entering `phase`."""
        missing = []
        for item in self.checklist(phase):
            if item.required and not item.done:
                missing.append(item.details or item.label)
        return missing

    # --- transitions -----------------------------------------------------------------------

    def _locked(self) -> Case:
        return Case.objects.select_for_update().get(pk=self.pk)

    def advance_to(self, phase: str, *, by) -> PhaseChange:
        """Moves the case one phase forward.

        1. Lock the case row so two users cannot move it at once.
        2. Refuse unless `phase` is the next phase (closing goes through `close`).
        3. Refuse with the list of what is missing, if anything is.
        4. Record the change (who, when) and save.
        """
        with transaction.atomic():
            case = self._locked()
            if phase == Phase.CLOSED:
                raise PhaseError([gettext("Use closing to close a case.")])
            if phase not in Phase.values:
                raise PhaseError([gettext("Unknown phase.")])
            if phase != case.next_phase:
                raise PhaseError(
                    [
                        gettext("The case cannot move from %(a)s to %(b)s.")
                        % {"a": case.get_phase_display(), "b": Phase(phase).label}
                    ]
                )
            missing = case.missing_for(phase)
            if missing:
                raise PhaseError(missing)
            change = case._set_phase(phase, by=by)
        self.refresh_from_db()
        return change

    def close(self, *, by, outcome: str, closing_summary: str, aftercare_plan: str) -> PhaseChange:
        """Closes the case.

        1. Lock the case row.
        2. Resolved, improved and not-resolved cases must be in follow-up, have an aftercare
           plan and a follow-up completed after the last intervention; a transferred or
           discontinued case may close from any open phase.
        3. The guardians of every central pupil must have been informed; resolved and improved
           need every agreement reviewed.
        4. Record outcome, texts, closing time and the phase change.
        5. Cancel the meetings still ahead and mark open follow-ups not needed.
        """
        with transaction.atomic():
            case = self._locked()
            if case.phase == Phase.CLOSED:
                raise PhaseError([gettext("The case is already closed.")])
            if outcome not in EARLY_OUTCOMES and case.phase != Phase.FOLLOW_UP:
                raise PhaseError(
                    [gettext("Only a case in follow-up can be closed with this outcome.")]
                )
            case.outcome = outcome or ""
            case.closing_summary = closing_summary
            case.aftercare_plan = aftercare_plan
            missing = case.missing_for(Phase.CLOSED)
            if missing:
                raise PhaseError(missing)
            case.closed_at = timezone.now()
            change = case._set_phase(Phase.CLOSED, by=by)
            case._cancel_what_is_planned(by=by)
        self.refresh_from_db()
        return change

    def reopen(self, *, by, reason: str) -> PhaseChange:
        """Reopens a closed case into follow-up; the reason is recorded.

        A case whose personal data was removed by retention is not reopened: it would be open
        again with its data gone, and new data in it would escape the retention that already
        ran. New events go into a new case that refers to it (`follows`).
        """
        with transaction.atomic():
            case = self._locked()
            if case.personal_data_removed:
                raise PhaseError([str(REOPEN_REFUSED_DATA_REMOVED)])
            if case.phase != Phase.CLOSED:
                raise PhaseError([gettext("Only a closed case can be reopened.")])
            if not reason.strip():
                raise PhaseError([gettext("Give a reason for reopening.")])
            case.outcome = ""
            case.closed_at = None
            case.closure_acknowledged_at = None
            change = case._set_phase(Phase.FOLLOW_UP, by=by, reason=reason)
        self.refresh_from_db()
        return change

    def close_as_inactive(self, *, now: dt.datetime | None = None) -> PhaseChange | None:
        """Closes a case nobody has worked on as discontinued (the nightly retention run), so
        that its data then ages like any closed case's. Returns None if it is not due.

        1. Lock the case row.
        2. Do nothing unless the case is still open and inactive, its inactivity was
           announced (`inactivity_announced`: nothing recorded since) and the grace period
           since the announcement has passed.
        3. Outcome *discontinued*; the closing summary and the timeline say why, in the
           responsible member's language. No checklist: nobody is working on the case.
        4. Record the phase change with no user: the system did it, not a person.
        """
        now = now or timezone.now()
        with transaction.atomic():
            case = self._locked()
            due = (
                case.phase != Phase.CLOSED
                and case.last_activity_at <= inactive_limit(now)
                and case.inactivity_announced
                and case.inactivity_closes_on(now) <= timezone.localdate(now)
            )
            if not due:
                return None
            language = case.responsible.language or settings.LANGUAGE_CODE
            with translation.override(language):
                note = gettext(
                    "Closed automatically as discontinued: nothing was recorded in the case "
                    "after %(last)s, and nothing during the notice period after the K-0 "
                    "coordinator and the responsible member were told on %(told)s."
                ) % {
                    "last": _short_date(case.last_activity_at),
                    "told": _short_date(case.inactivity_notice_at),
                }
            case.outcome = Outcome.DISCONTINUED
            case.closing_summary = note
            case.closed_at = now
            change = case._set_phase(Phase.CLOSED, by=None, reason=note)
        self.refresh_from_db()
        return change

    def _set_phase(self, phase: str, *, by, reason: str = "") -> PhaseChange:
        change = PhaseChange.objects.create(
            case=self, from_phase=self.phase, to_phase=phase, changed_by=by, reason=reason
        )
        self.phase = phase
        self.last_activity_at = timezone.now()
        self._history_user = by
        self.save()
        return change


def _day(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _short_date(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localdate(moment), "SHORT_DATE_FORMAT")


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key permission table for cases (fast list queries)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class PhaseChange(models.Model):
    personal_fields = ("reason",)  # a reopening reason may name a child

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="phase_changes")
    from_phase = models.CharField(_("from"), max_length=20, choices=Phase.choices)
    to_phase = models.CharField(_("to"), max_length=20, choices=Phase.choices)
    # Empty when K-0 itself made the change (an inactive case closed by the nightly run).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True, **text_limit(DETAIL))

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")

    @property
    def actor(self) -> str:
        return str(self.changed_by) if self.changed_by_id else gettext("K-0 (automatic)")


def not_in_future(value):
    # Replaced by the range validators of `dates`; kept for the migrations that name it.
    if value and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")


class Party(models.Model):
    """A person in a case (osallinen). Central or bystander, never "bully" or "victim"."""

    personal_fields = ("name", "class_name", "contact", "support_needs")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    # The person across cases (`k0.cases.persons`); empty once retention deleted the person
    # (the indicators of ended periods are frozen) or for parties recorded before persons.
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parties",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role in the case"), max_length=20, choices=PartyRole.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    class_name = models.CharField(
        _("class"), max_length=20, blank=True, help_text=_("E.g. 7B. For pupils.")
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(13)],
        help_text=_("0 for pre-school, 1–9 for basic education, 10–13 for upper secondary."),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    position = models.CharField(
        _("position (optional)"),
        max_length=10,
        choices=Position.choices,
        blank=True,
        help_text=_("Never required. K-0 does not label anyone a culprit or a victim."),
    )
    contact = models.CharField(_("contact details"), max_length=200, blank=True)
    heard_on = models.DateField(
        _("heard on"), null=True, blank=True, validators=[dates.past_date_around_referral]
    )
    # The done hearing meeting (`HEARING_KINDS`) that set `heard_on`; empty when the party was
    # marked heard by hand (then `heard_how` says how). Kept in step by `k0.cases.hearings`.
    heard_in = models.ForeignKey(
        "Intervention",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="heard_parties",
        verbose_name=_("heard in"),
    )
    heard_how = models.CharField(
        _("heard how"), max_length=10, choices=HeardHow.choices, blank=True
    )
    support_needs = models.TextField(
        _("support needs and referrals"), blank=True, **text_limit(DETAIL)
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "kind", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        indexes = [
            # Indicators: the parties of the cases counted, read from the index alone.
            models.Index(
                fields=["case", "role", "kind", "grade", "heard_on"], name="party_case_role_kind"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_pupil(self) -> bool:
        return self.kind == PartyKind.PUPIL

    @property
    def label(self) -> str:
        return self.name

    @property
    def consent_state(self) -> str:
        """Consent under the case's rule, from the guardians' answers (`pupil_consent`)."""
        return pupil_consent(self, self.case.consent_rule)

    def get_consent_state_display(self) -> str:
        return str(PupilConsent(self.consent_state).label)

    @property
    def has_consent(self) -> bool:
        return self.consent_state in (PupilConsent.GIVEN, PupilConsent.NOT_NEEDED)

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_state == PupilConsent.WITHDRAWN

    @property
    def needs_informing(self) -> bool:
        return needs_informing(self)

    @property
    def guardians_informed(self) -> bool:
        """True when the pupil has guardians recorded and every one has been informed."""
        links = list(self.guardian_links.all())
        return bool(links) and all(link.informed_on for link in links)

    def is_guardian_of_any(self, pupils) -> bool:
        ids = {p.pk for p in pupils}
        return any(link.pupil_id in ids for link in self.pupil_links.all())


class Guardianship(models.Model):
    """A guardian of a pupil party, and when and how they were told about the case
    (Basic Education Act §29.7 requires informing the guardians of every pupil involved)."""

    guardian = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="pupil_links")
    pupil = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="guardian_links")
    informed_on = models.DateField(
        _("informed on"), null=True, blank=True, validators=[dates.past_date_around_referral]
    )
    informed_how = models.CharField(
        _("informed how"), max_length=20, choices=InformedHow.choices, blank=True
    )
    informed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("informed by"),
    )
    # The consent rule "every guardian with custody" counts only these.
    custody = models.BooleanField(_("has custody"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "pupil"], name="guardianship_unique"),
            models.CheckConstraint(condition=~Q(guardian=F("pupil")), name="guardianship_not_self"),
        ]


class PartyGroup(models.Model):
    """Bystanders recorded as a group with a head count, e.g. a whole class."""

    personal_fields = ("name",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("group"), max_length=200, help_text=_("E.g. class 7B."))
    head_count = models.PositiveIntegerField(
        _("head count"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    grade = models.PositiveSmallIntegerField(
        _("grade"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(13)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("bystander group")
        verbose_name_plural = _("bystander groups")
        constraints = [
            models.CheckConstraint(condition=Q(head_count__gte=1), name="group_head_count_min")
        ]

    def __str__(self):
        return self.name


class Intervention(models.Model):
    """A measure or meeting (toimenpide / tapaaminen)."""

    personal_fields = ("external_participants", "summary", "notes")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(_("kind"), max_length=20, choices=InterventionKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InterventionStatus.choices,
        default=InterventionStatus.DONE,
    )
    date = models.DateField(_("date"), validators=[dates.planned_date])
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_interventions",
        verbose_name=_("facilitators"),
    )
    participants = models.ManyToManyField(
        Party, blank=True, related_name="interventions", verbose_name=_("participants")
    )
    groups = models.ManyToManyField(
        PartyGroup, blank=True, related_name="interventions", verbose_name=_("groups")
    )
    external_participants = models.TextField(
        _("external professionals"),
        blank=True,
        **text_limit(DETAIL),
        help_text=_("Titles and organisations, e.g. school police officer, child welfare."),
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True, **text_limit(NOTES))
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[participants, groups, facilitators])

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        indexes = [
            # Indicators: interventions done in a period, by kind.
            models.Index(
                fields=["date", "status", "kind", "case"], name="intervention_date_status"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"

    @property
    def is_planned(self) -> bool:
        """Still to take place (a planned meeting), as the case page marks it."""
        return self.status == InterventionStatus.PLANNED

    @property
    def is_planned_meeting(self) -> bool:
        """Planned, with a date and a start time: a meeting that can be put in calendars
        (the case page offers its invitation; reminders sends and updates it)."""
        return self.is_planned and self.date is not None and self.start_time is not None

    def clean(self):
        if (
            self.status == InterventionStatus.DONE
            and self.date
            and self.date > timezone.localdate()
        ):
            raise ValidationError({"date": _("A done intervention cannot be dated in the future.")})
        if self.case_id and self.date and self.date < self.case.referred_on:
            raise ValidationError({"date": _("The date is before the referral.")})
        self._clean_not_done_before_start()

    @property
    def starts_at(self) -> dt.datetime | None:
        """The start as an aware time on the schools' clock (Helsinki), or None without a date
        and a start time."""
        if self.date is None or self.start_time is None:
            return None
        naive = dt.datetime.combine(self.date, self.start_time)
        return timezone.make_aware(naive, timezone.get_default_timezone())

    def _clean_not_done_before_start(self):
        # A meeting cannot have taken place before it starts. Marking an invited meeting done
        # too early used to cancel it in everyone's calendar (the date alone is checked above).
        starts_at = self.starts_at
        if self.status == InterventionStatus.DONE and starts_at and starts_at > timezone.now():
            raise ValidationError(
                {
                    "status": _(
                        "The meeting starts on %(date)s at %(time)s: it cannot be marked done "
                        "before it starts. Keep it planned, or correct the date or the start time."
                    )
                    % {
                        "date": formats.date_format(self.date, "SHORT_DATE_FORMAT"),
                        "time": f"{self.start_time:%H:%M}",
                    }
                }
            )


class Agreement(models.Model):
    personal_fields = ("text",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    intervention = models.ForeignKey(
        Intervention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreements",
        verbose_name=_("made in"),
    )
    text = models.TextField(_("what was agreed"), **text_limit(DETAIL))
    parties = models.ManyToManyField(
        Party, blank=True, related_name="agreements", verbose_name=_("agreed by")
    )
    review_on = models.DateField(
        _("review date"), null=True, blank=True, validators=[dates.planned_date]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    # The follow-up at which the agreement was last checked (its status then set).
    checked_in = models.ForeignKey(
        "FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agreement_checks",
        verbose_name=_("checked at follow-up"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[parties])

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return self.text[:60]

    @property
    def is_reviewed(self) -> bool:
        return self.status != AgreementStatus.OPEN

    @property
    def made_on(self) -> dt.date:
        """The day of the agreement: its meeting's date, or the day it was recorded."""
        if self.intervention_id and self.intervention.date:
            return self.intervention.date
        return timezone.localdate(self.created_at)

    def clean(self):
        if self.review_on and self.review_on < self.made_on:
            raise ValidationError(
                {"review_on": _("The review date is before the agreement was made.")}
            )


class FollowUp(models.Model):
    """A scheduled check that things are getting better (seuranta)."""

    personal_fields = ("notes", "next_step")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_date = models.DateField(_("due date"), db_index=True, validators=[dates.planned_date])
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("responsible"),
    )
    done_at = models.DateField(_("done on"), null=True, blank=True, validators=[dates.past_date])
    method = models.CharField(
        _("method"), max_length=20, choices=FollowUpMethod.choices, blank=True
    )
    bullying = models.CharField(
        _("bullying has"), max_length=10, choices=BullyingAssessment.choices, blank=True
    )
    situation = models.CharField(
        _("the situation is"), max_length=10, choices=SituationAssessment.choices, blank=True
    )
    agreements = models.CharField(
        _("agreements have been"),
        max_length=10,
        choices=AgreementsAssessment.choices,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True, **text_limit(NOTES))
    next_step = models.TextField(_("next step"), blank=True, **text_limit(DETAIL))
    # Set when the case closed while the follow-up was still open (`Case.close`).
    not_needed_on = models.DateField(_("not needed since"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            # Reminder scans (open follow-ups due soon, across all cases).
            models.Index(fields=["done_at", "due_date"]),
            # A case's next and overdue follow-ups (case lists, overviews).
            models.Index(fields=["case", "done_at", "due_date"], name="followup_case_open_due"),
        ]

    def clean(self):
        if self.case_id and self.due_date and self.due_date < self.case.referred_on:
            raise ValidationError({"due_date": _("The due date is before the referral.")})

    @property
    def is_open(self) -> bool:
        return self.done_at is None and self.not_needed_on is None

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    def summarise(self) -> None:
        """Sets the case-level assessments from the per-party answers (`FollowUpAnswer`):
        the least favourable answer of any party, so a summary never reads better than what
        one child said. Not saved here; the caller saves."""
        answers = list(self.answers.all())
        for name, order in SUMMARY_ORDER.items():
            given = [getattr(a, name) for a in answers if getattr(a, name)]
            setattr(self, name, max(given, key=order.index) if given else "")


# Most favourable first: the summary of a follow-up is the last of its answers in this order.
SUMMARY_ORDER = {
    "bullying": [
        BullyingAssessment.STOPPED,
        BullyingAssessment.DECREASED,
        BullyingAssessment.CONTINUED,
    ],
    "situation": [SituationAssessment.BETTER, SituationAssessment.SAME, SituationAssessment.WORSE],
    "agreements": [
        AgreementsAssessment.NONE,
        AgreementsAssessment.KEPT,
        AgreementsAssessment.PARTLY,
        AgreementsAssessment.BROKEN,
    ],
}


class FollowUpAnswer(models.Model):
    """What one party (or one bystander group) said at a follow-up (seurannan vastaus):
    the bullying and the situation as they see it, and how their agreements were kept.
    `migrated` marks answers made from a follow-up recorded before answers were per party:
    the case-level assessment was copied to each central party of the case."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="answers")
    party = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up_answers",
        verbose_name=_("party"),
    )
    group = models.ForeignKey(
        PartyGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follow_up_answers",
        verbose_name=_("group"),
    )
    bullying = models.CharField(
        _("bullying has"), max_length=10, choices=BullyingAssessment.choices, blank=True
    )
    situation = models.CharField(
        _("the situation is"), max_length=10, choices=SituationAssessment.choices, blank=True
    )
    agreements = models.CharField(
        _("their agreements have been"),
        max_length=10,
        choices=AgreementsAssessment.choices,
        blank=True,
    )
    migrated = models.BooleanField(_("copied from the case-level assessment"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["follow_up", "party", "group", "pk"]
        verbose_name = _("follow-up answer")
        verbose_name_plural = _("follow-up answers")
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "party"],
                condition=Q(party__isnull=False),
                name="follow_up_answer_party_once",
            ),
            models.UniqueConstraint(
                fields=["follow_up", "group"],
                condition=Q(group__isnull=False),
                name="follow_up_answer_group_once",
            ),
            models.CheckConstraint(
                condition=Q(party__isnull=False, group__isnull=True)
                | Q(party__isnull=True, group__isnull=False),
                name="follow_up_answer_party_or_group",
            ),
        ]

    @property
    def subject(self):
        return self.party if self.party_id else self.group


class CaseNote(models.Model):
    """A free journal entry in the case timeline."""

    personal_fields = ("text",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"), **text_limit(NOTES))
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")


class PrincipalReview(models.Model):
    """A principal's acknowledgement of a closure, or a review comment on a case's progress."""

    personal_fields = ("comment",)

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("principal"),
    )
    acknowledges_closure = models.BooleanField(_("acknowledges the closure"), default=False)
    comment = models.TextField(_("comment"), blank=True, **text_limit(DETAIL))
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("principal's review")
        verbose_name_plural = _("principal's reviews")


def attachment_path(instance, filename):
    # A random name: the original file name may contain a child's name.
    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class Attachment(models.Model):
    """Evidence such as a screenshot, stored privately (never under a public URL)."""

    personal_fields = ("original_name", "description")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class AccessAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CHANGE = "change", _("Changed")
    PROGRESS = "progress", _("Viewed progress")
    DOWNLOAD = "download", _("Downloaded")
    EXPORT = "export", _("Exported")


# How the access log names the way someone reached the case (`audit.role_in_case` and the
# `role=` of the views that log).
ACCESS_ROLE_LABELS = {
    "case_team": _("Case team"),
    "team_member": _("K-0 team member"),
    "principal": _("Principal"),
    "coordinator": _("K-0 coordinator"),
    "programme_office": _("Programme office"),
    "administrator": _("Administrator"),
    "staff": _("Administrator"),
    "other": _("Other"),
}


class AccessLog(models.Model):
    """Who opened which case's records, when, through which view (lokitiedot).

    Never holds field contents. Append-only: on PostgreSQL a trigger refuses UPDATE and
    DELETE (migration 0002), so not even the application can rewrite the trail.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="access_logs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=30)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    view = models.CharField(_("view"), max_length=80)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["case", "-at"])]

    @property
    def role_label(self) -> str:
        return str(ACCESS_ROLE_LABELS.get(self.role, self.role))


# Duties and safety (consent per guardian, notices, safety plan, service referrals) live in
# their own module; imported here so that Django finds the models and the rules above can
# use them.
from .models_duties import (  # noqa: E402
    GuardianConsent,
    PupilConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
    needs_informing,
    pupil_consent,
)

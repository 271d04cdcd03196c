"""A case moves with the child: transfer to another school (siirto), and handover of the
responsibility inside a school.

Transfer: the case team (or its coordinator) proposes a transfer with a reason; a principal
or K-0 coordinator of the receiving school accepts — naming the responsible member there —
or declines. On acceptance the case keeps its reference, history, timeline and documents,
moves to the new school, gets the new school's team, and the sending team loses access at
once (`services.sync_case_permissions`). The sending school's principal keeps the
pseudonymised progress up to the transfer (`oversight.case_progress`). Only an open case is
transferred; a closed case is reopened first (and can be reopened at the new school after
a transfer). The indicators need nothing: they count a case at the school where it was
closed, in the period of closure.

Handover: a principal or coordinator of the case's school changes the responsible member and
the case team (the team itself can already do so on the team form); the previous responsible
member is told by e-mail.

E-mails (reference only) are written by `k0.reminders` from these rows after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Role, School
from schools.roles import schools_where, users_with_role

from .limits import DETAIL, text_limit


class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class TransferError(Exception):
    pass


def may_decide_for(user, school: School) -> bool:
    """A principal or K-0 coordinator of `school` decides on transfers to it."""
    return schools_where(user, Role.PRINCIPAL, Role.COORDINATOR).filter(pk=school.pk).exists()


class CaseTransfer(models.Model):
    """A proposal to move a case to another school, and its answer."""

    personal_fields = ("reason", "answer")  # may say why, and so name or describe the child

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="transfers", verbose_name=_("case")
    )
    from_school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("from school")
    )
    to_school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("to school")
    )
    reason = models.TextField(_("reason"), **text_limit(DETAIL))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TransferStatus.choices,
        default=TransferStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True, **text_limit(DETAIL))
    # The member named responsible at the receiving school on acceptance.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["proposed_at", "pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="proposed"),
                name="one_open_transfer_per_case",
            )
        ]
        indexes = [models.Index(fields=["to_school", "status"], name="transfer_to_status")]

    def __str__(self):
        return f"{self.case} → {self.to_school}"

    @classmethod
    def propose(cls, *, case, to_school: School, reason: str, by) -> CaseTransfer:
        """The case team proposes moving the case to `to_school`.

        1. Lock the case row (a second proposal, a closure racing this).
        2. Refuse for a closed case, the case's own school, an inactive school, or while
           another proposal waits for an answer.
        3. Record the proposal (history, timeline) and the activity.
        """
        with transaction.atomic():
            locked = type(case).objects.select_for_update().get(pk=case.pk)
            if locked.is_closed:
                raise TransferError(gettext("A closed case cannot be transferred."))
            if to_school.pk == locked.school_id or not to_school.is_active:
                raise TransferError(gettext("Choose another school."))
            if cls.objects.filter(case=locked, status=TransferStatus.PROPOSED).exists():
                raise TransferError(gettext("A transfer of this case already awaits an answer."))
            if not reason.strip():
                raise TransferError(gettext("Give a reason for the transfer."))
            transfer = cls(
                case=locked,
                from_school_id=locked.school_id,
                to_school=to_school,
                reason=reason,
                proposed_by=by,
            )
            transfer._history_user = by
            transfer.save()
        case.record_activity()
        return transfer

    def decline(self, *, by, answer: str = "") -> None:
        with transaction.atomic():
            transfer = self._locked_open(by)
            transfer.status = TransferStatus.DECLINED
            transfer.decided_by = by
            transfer.decided_at = timezone.now()
            transfer.answer = answer
            transfer._history_user = by
            transfer.save()
        self.refresh_from_db()
        self.case.record_activity()

    def accept(self, *, by, responsible, answer: str = "") -> None:
        """The receiving school takes the case over.

        1. Lock the transfer and the case; refuse unless the proposal still waits, the case
           is still open at the sending school, `by` decides for the receiving school and
           `responsible` is on the receiving school's K-0 team.
        2. Move the case: school, responsible member, case team (the responsible member) and
           coordinator (`by` if a coordinator there, else none) — with history.
        3. Grant and revoke the object permissions: the sending team loses access now.
        4. Hand the case's open work to the new responsible member: open follow-ups and
           active safety measures, and take the sending school's staff off planned meetings
           (their calendar invitations are then cancelled by the invitation sync).
        """
        from .services import sync_case_permissions

        with transaction.atomic():
            transfer = self._locked_open(by)
            case = type(self.case).objects.select_for_update().get(pk=transfer.case_id)
            if case.is_closed or case.school_id != transfer.from_school_id:
                raise TransferError(gettext("The case can no longer be transferred."))
            team = users_with_role(transfer.to_school, Role.TEAM_MEMBER)
            if responsible is None or not team.filter(pk=responsible.pk).exists():
                raise TransferError(
                    gettext("Choose a K-0 team member of the receiving school as responsible.")
                )
            coordinators = users_with_role(transfer.to_school, Role.COORDINATOR)
            case.school = transfer.to_school
            case.responsible = responsible
            case.coordinator = by if coordinators.filter(pk=by.pk).exists() else None
            case._history_user = by
            case.save()
            case.members.set([responsible])
            sync_case_permissions(case=case)
            _hand_over_open_work(case, responsible=responsible, by=by)
            transfer.status = TransferStatus.ACCEPTED
            transfer.responsible = responsible
            transfer.decided_by = by
            transfer.decided_at = timezone.now()
            transfer.answer = answer
            transfer._history_user = by
            transfer.save()
        self.refresh_from_db()
        case.record_activity()

    def _locked_open(self, by) -> CaseTransfer:
        transfer = (
            CaseTransfer.objects.select_for_update().select_related("to_school").get(pk=self.pk)
        )
        if transfer.status != TransferStatus.PROPOSED:
            raise TransferError(gettext("This transfer has already been answered."))
        if not may_decide_for(by, transfer.to_school):
            raise TransferError(gettext("Only the receiving school can answer."))
        return transfer


def last_transfer_out(case, user) -> CaseTransfer | None:
    """The latest accepted transfer of `case` away from a school where `user` is principal:
    the principal's view of the case ends at its time."""
    return (
        CaseTransfer.objects.filter(
            case=case,
            status=TransferStatus.ACCEPTED,
            from_school__in=schools_where(user, Role.PRINCIPAL),
        )
        .order_by("-decided_at")
        .first()
    )


class Handover(models.Model):
    """A principal or coordinator gave the case to another responsible member (and team)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="handovers", verbose_name=_("case")
    )
    previous_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    new_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["at", "pk"]
        default_permissions = ("view",)

    @classmethod
    def hand_over(cls, *, case, responsible, members, by) -> Handover | None:
        """Sets the responsible member and case team; returns the handover record when the
        responsible member changed (their predecessor is told), else None."""
        from .services import set_case_team

        if (
            case.school.pk
            and not users_with_role(case.school, Role.TEAM_MEMBER)
            .filter(pk=responsible.pk)
            .exists()
        ):
            raise ValidationError(gettext("Choose a K-0 team member of the school."))
        with transaction.atomic():
            previous = case.responsible
            set_case_team(
                case=case,
                responsible=responsible,
                members={responsible, *members},
                coordinator=case.coordinator,
                by=by,
            )
            handover = None
            if previous.pk != responsible.pk:
                handover = cls.objects.create(
                    case=case, previous_responsible=previous, new_responsible=responsible, by=by
                )
        case.record_activity()
        return handover


def _hand_over_open_work(case, *, responsible, by) -> None:
    """After a transfer the sending school's staff no longer see the case: what they were
    to do next passes to the receiving school's responsible member, with history."""
    from .choices import InterventionStatus
    from .models_duties import MeasureStatus

    for follow_up in case.follow_ups.filter(done_at=None, not_needed_on=None).exclude(
        responsible=responsible
    ):
        follow_up.responsible = responsible
        follow_up._history_user = by
        follow_up.save(update_fields=["responsible"])
    for measure in case.safety_measures.filter(status=MeasureStatus.ACTIVE).exclude(
        owner=responsible
    ):
        measure.owner = responsible
        measure._history_user = by
        measure.save(update_fields=["owner"])
    receiving = users_with_role(case.school, Role.TEAM_MEMBER)
    for meeting in case.interventions.filter(status=InterventionStatus.PLANNED):
        meeting.facilitators.remove(*meeting.facilitators.exclude(pk__in=receiving))

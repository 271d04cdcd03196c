"""Retention: personal data of cases closed long ago leaves; categorical data stays.

Each case is pseudonymised in its own transaction, so a run stopped half-way leaves every
case either untouched or complete, and the next run simply continues (it picks the cases not
yet pseudonymised since their latest closing). Before that, the run closes open cases nobody
has worked on for years (`k0.privacy.inactive`), so that no case escapes by staying open.

Names become stable pseudonyms ("Oppilas A"); free text is blanked; attachments and generated
files are deleted; the same is done to every history row, which holds the same personal data.
Roles, kinds, grades, phases, dates, outcomes, intervention kinds and assessments are kept, so
the indicators do not change.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from k0.cases.models import (
    Agreement,
    Attachment,
    Case,
    CaseNote,
    CaseTransfer,
    FollowUp,
    Intervention,
    Party,
    PartyGroup,
    Person,
    PhaseChange,
    PrincipalReview,
)
from k0.cases.models_duties import (
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)
from k0.cases.pseudonyms import party_pseudonyms

from .inactive import InactivityReport, handle_inactive_cases

log = logging.getLogger("k0.retention")

CHILD_MODELS = [
    Intervention,
    Agreement,
    FollowUp,
    CaseNote,
    PrincipalReview,
    StatutoryNotice,
    SafetyMeasure,
    ServiceReferral,
    CaseTransfer,  # the reason and the answer may describe the child
]
UNTRACKED_MODELS = [PhaseChange]  # no history table


def policy_name() -> str:
    return f"closed+{settings.RETENTION_YEARS}y"


def retention_limit(now=None):
    """Cases closed before this are past the retention period."""
    now = now or timezone.now()
    return now - timedelta(days=round(365.25 * settings.RETENTION_YEARS))


# Not pseudonymised since the latest closing. A pseudonymised case is never reopened
# (`Case.reopen`), but should any route ever bring one back, whatever it gathered while open
# ages from its new closing and is removed in turn.
NOT_PSEUDONYMISED = Q(pseudonymised_at__isnull=True) | Q(pseudonymised_at__lt=F("closed_at"))


def due_cases(now=None):
    """Closed cases past the retention period that may hold personal data."""
    return Case.objects.filter(closed_at__isnull=False, closed_at__lt=retention_limit(now)).filter(
        NOT_PSEUDONYMISED
    )


def _scrub(model, ids: list[int], values: dict) -> None:
    """Sets `values` on the live rows and on all their history rows."""
    if not ids:
        return
    model.objects.filter(pk__in=ids).update(**values)
    model.history.filter(id__in=ids).update(**values)


def pseudonymise_parties(parties: list[Party], only: set[int] | None = None) -> None:
    """Replaces the parties' names with pseudonyms and blanks their other personal data.

    Pseudonyms are computed over all of the case's parties (so "Oppilas B" stays "Oppilas B"
    however many are erased early); `only` limits which parties are changed.
    """
    with translation.override(settings.LANGUAGE_CODE):
        names = party_pseudonyms(parties)
    blank = {name: "" for name in Party.personal_fields if name != "name"}
    for party in parties:
        if only is None or party.pk in only:
            _scrub(Party, [party.pk], {"name": names[party.pk], **blank})


def delete_persons_without_cases_left(person_ids: set[int], case: Case) -> int:
    """Deletes the person records (and their history) that have no case left inside the
    retention period once `case` is pseudonymised: every other case of theirs is
    pseudonymised too. Their parties keep their pseudonyms and lose the link; the
    indicators of ended periods are frozen, so they stay as published."""
    if not person_ids:
        return 0
    still_held = set(
        Party.objects.filter(person_id__in=person_ids)
        .exclude(case=case)
        .filter(case__pseudonymised_at__isnull=True)
        .values_list("person_id", flat=True)
    )
    gone = sorted(person_ids - still_held)
    if gone:
        # Records an administrator merged into these go with them (no party links to them).
        gone += list(Person.objects.filter(merged_into__in=gone).values_list("pk", flat=True))
        Person.objects.filter(pk__in=gone).delete()
        # After the deletion, whose own history row would hold the name again.
        Person.history.filter(id__in=gone).delete()
        Party.history.filter(person_id__in=gone).update(person=None)
    return len(gone)


def delete_generated_files(case: Case) -> int:
    """Result files of jobs made from this case (summaries, meeting records)."""
    from k0.jobs.models import Job

    count = 0
    for job in Job.objects.filter(Q(params__case_id=case.pk)):
        job.expire()
        count += 1
    return count


def scrub_duties_of_parties(party_ids: list[int]) -> None:
    """Blanks the free text of the consents given for or by these parties, and of the
    notices, safety measures and service referrals about them (early erasure of a party)."""
    consents = list(
        GuardianConsent.objects.filter(
            Q(pupil_id__in=party_ids) | Q(guardian_id__in=party_ids)
        ).values_list("pk", flat=True)
    )
    _scrub(GuardianConsent, consents, {name: "" for name in GuardianConsent.personal_fields})
    for model, key in ((StatutoryNotice, "pupil_id"), (SafetyMeasure, "party_id")):
        ids = list(model.objects.filter(**{f"{key}__in": party_ids}).values_list("pk", flat=True))
        _scrub(model, ids, {name: "" for name in model.personal_fields})
    ids = list(ServiceReferral.objects.filter(party_id__in=party_ids).values_list("pk", flat=True))
    _scrub(ServiceReferral, ids, {name: "" for name in ServiceReferral.personal_fields})


@transaction.atomic
def pseudonymise_case(case_id: int, *, policy: str, now=None) -> bool:
    """Removes the personal data of one case. Returns False if it is not due (any more):
    already done, or reopened since it was selected."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if not due_cases(now).filter(pk=case_id).exists():
        return False
    parties = list(case.parties.prefetch_related("pupil_links"))
    pseudonymise_parties(parties)
    scrub_duties_of_parties([p.pk for p in parties])
    delete_persons_without_cases_left({p.person_id for p in parties if p.person_id}, case)
    for index, group in enumerate(case.groups.order_by("pk"), start=1):
        with translation.override(settings.LANGUAGE_CODE):
            _scrub(PartyGroup, [group.pk], {"name": _("Group %(n)s") % {"n": index}})
    for model in CHILD_MODELS:
        ids = list(model.objects.filter(case=case).values_list("pk", flat=True))
        _scrub(model, ids, {name: "" for name in model.personal_fields})
    for model in UNTRACKED_MODELS:
        model.objects.filter(case=case).update(**{name: "" for name in model.personal_fields})
    for attachment in Attachment.objects.filter(case=case):
        attachment.file.delete(save=False)
    attachment_ids = list(Attachment.objects.filter(case=case).values_list("pk", flat=True))
    _scrub(Attachment, attachment_ids, {"original_name": "", "description": "", "file": ""})
    delete_generated_files(case)
    values = {name: "" for name in Case.personal_fields}
    _scrub(Case, [case.pk], values)
    Case.objects.filter(pk=case.pk).update(
        pseudonymised_at=now or timezone.now(), retention_policy=policy
    )
    return True


@dataclass
class RetentionReport:
    dry_run: bool
    per_school: Counter = field(default_factory=Counter)
    done: int = 0
    inactive: InactivityReport = field(default_factory=InactivityReport)

    @property
    def total(self) -> int:
        return sum(self.per_school.values())


def apply_retention(
    *, dry_run: bool = False, now=None, stop_after: int | None = None
) -> RetentionReport:
    """Closes inactive open cases whose notice period is over and announces newly inactive
    ones (`k0.privacy.inactive`), then pseudonymises every due case (or, with dry_run, only
    reports what would happen).

    `stop_after` ends the run after that many cases, for tests of an interrupted run.
    """
    report = RetentionReport(dry_run=dry_run)
    now = now or timezone.now()
    report.inactive = handle_inactive_cases(now, dry_run=dry_run)
    due = due_cases(now).select_related("school").order_by("pk")
    for case in due:
        report.per_school[case.school.name] += 1
    if dry_run:
        return report
    policy = policy_name()
    # One case, one transaction (`pseudonymise_case`): an interrupted run leaves whole
    # cases done or untouched, and the next run carries on.
    for case_id in list(due.values_list("pk", flat=True)):
        if stop_after is not None and report.done >= stop_after:
            return report
        if pseudonymise_case(case_id, policy=policy, now=now):
            report.done += 1
    log.info("retention pseudonymised %s cases (policy %s)", report.done, policy)
    return report

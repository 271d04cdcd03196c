"""What the team must do next: one list per case ("due now" on the case page) and one across
a user's cases ("My work", the reminder e-mails).

Items: guardians of a pupil involved not yet informed (§29.7, with its deadline), follow-ups,
agreement reviews, safety-measure reviews, and consent not yet answered. `for_case` reads
only what `CaseQuerySet.for_case_page` prefetched (no query); `for_cases` runs one query per
kind, whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    AgreementStatus,
    ConsentRule,
    InterventionKind,
    NoticeKind,
    PartyKind,
    PartyRole,
    Phase,
)
from .models import Agreement, Case, FollowUp, Guardianship, Party
from .models_duties import (
    NEEDS_INFORMING,
    GuardianConsent,
    MeasureStatus,
    PupilConsent,
    ReferralStatus,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
    informing_deadline,
    needs_informing,
)


class DueKind(StrEnum):
    INFORMING = "informing"
    FOLLOW_UP = "follow_up"
    AGREEMENT_REVIEW = "agreement_review"
    SAFETY_REVIEW = "safety_review"
    CONSENT = "consent"


LABELS = {
    DueKind.INFORMING: _("Inform the guardians (§29.7)"),
    DueKind.FOLLOW_UP: _("Follow-up"),
    DueKind.AGREEMENT_REVIEW: _("Agreement review"),
    DueKind.SAFETY_REVIEW: _("Safety measure review"),
    DueKind.CONSENT: _("Consent not answered"),
}

# Kinds the daily run reminds by e-mail once they are due (reference and link only).
REMINDED = (DueKind.INFORMING, DueKind.AGREEMENT_REVIEW, DueKind.SAFETY_REVIEW)


@dataclass(frozen=True)
class DueItem:
    kind: str
    case_id: int
    reference: str
    date: dt.date
    overdue: bool
    anchor: str
    object_id: int
    # Who is reminded: the case's responsible member, or the safety measure's owner.
    owner_id: int | None = None

    @property
    def label(self):
        return LABELS[DueKind(self.kind)]

    @property
    def url(self) -> str:
        return f"{reverse('cases:detail', args=[self.reference])}#{self.anchor}"


def horizon(today: dt.date) -> dt.date:
    """The last date that counts as "due now": today and the next REMINDER_DUE_SOON_DAYS."""
    return today + dt.timedelta(days=settings.REMINDER_DUE_SOON_DAYS)


def _sorted(items: list[DueItem]) -> list[DueItem]:
    return sorted(items, key=lambda i: (not i.overdue, i.date, i.reference, i.kind, i.object_id))


def consent_expected(party: Party, individually_heard: set[int]) -> bool:
    """Consent is asked for every central pupil, and for a bystander pupil who is heard
    individually (an individual discussion with them recorded)."""
    return party.kind == PartyKind.PUPIL and (
        party.role == PartyRole.CENTRAL or party.pk in individually_heard
    )


def for_case(case: Case, today: dt.date | None = None) -> list[DueItem]:
    """The case's due items, from the rows `for_case_page` prefetched."""
    if case.phase == Phase.CLOSED:
        return []
    today = today or timezone.localdate()
    last = horizon(today)
    ref = case.reference
    items: list[DueItem] = []
    heard = {
        p.pk
        for i in case.interventions.all()
        if i.kind == InterventionKind.INDIVIDUAL
        for p in i.participants.all()
    }
    for party in case.parties.all():
        if needs_informing(party) and not party.guardians_informed:
            deadline = informing_deadline(case.referred_on, party.created_at)
            items.append(
                DueItem(
                    DueKind.INFORMING,
                    case.pk,
                    ref,
                    deadline,
                    deadline < today,
                    f"duties-pupil-{party.pk}",
                    party.pk,
                    case.responsible_id,
                )
            )
        if consent_expected(party, heard) and party.consent_state == PupilConsent.MISSING:
            added = timezone.localdate(party.created_at)
            items.append(
                DueItem(
                    DueKind.CONSENT,
                    case.pk,
                    ref,
                    added,
                    False,
                    f"duties-pupil-{party.pk}",
                    party.pk,
                )
            )
    for f in case.follow_ups.all():
        if f.done_at is None and f.not_needed_on is None and f.due_date <= last:
            items.append(
                DueItem(
                    DueKind.FOLLOW_UP,
                    case.pk,
                    ref,
                    f.due_date,
                    f.due_date < today,
                    f"follow-up-{f.pk}",
                    f.pk,
                    f.responsible_id,
                )
            )
    for a in case.agreements.all():
        if a.status == AgreementStatus.OPEN and a.review_on and a.review_on <= last:
            items.append(
                DueItem(
                    DueKind.AGREEMENT_REVIEW,
                    case.pk,
                    ref,
                    a.review_on,
                    a.review_on < today,
                    f"agreement-{a.pk}",
                    a.pk,
                    case.responsible_id,
                )
            )
    for m in case.safety_measures.all():
        if m.status == MeasureStatus.ACTIVE and m.review_on and m.review_on <= last:
            items.append(
                DueItem(
                    DueKind.SAFETY_REVIEW,
                    case.pk,
                    ref,
                    m.review_on,
                    m.review_on < today,
                    f"safety-measure-{m.pk}",
                    m.pk,
                    m.owner_id,
                )
            )
    return _sorted(items)


def _uninformed_pupils(cases):
    """Pupils whose guardians must be informed and are not all: none recorded, or one
    not yet informed."""
    links = Guardianship.objects.filter(pupil=OuterRef("pk"))
    return (
        Party.objects.filter(case__in=cases)
        .filter(NEEDS_INFORMING)
        .filter(~Exists(links) | Exists(links.filter(informed_on__isnull=True)))
    )


def informing_overdue(today: dt.date | None = None) -> Exists:
    """For a case queryset: whether the §29.7 deadline of a pupil of the case has passed with
    a guardian not informed (the case list's flag), in the same query."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=settings.INFORMING_DEADLINE_DAYS)
    midnight = timezone.make_aware(dt.datetime.combine(cutoff, dt.time.min))
    links = Guardianship.objects.filter(pupil=OuterRef("pk"))
    pupils = (
        Party.objects.filter(case=OuterRef("pk"), created_at__lt=midnight)
        .filter(NEEDS_INFORMING)
        .filter(~Exists(links) | Exists(links.filter(informed_on__isnull=True)))
        .filter(case__referred_on__lt=cutoff)
        .exclude(case__phase=Phase.CLOSED)
    )
    return Exists(pupils)


def _unanswered_consents(cases):
    """Pupils expected to consent (central, or a bystander heard individually) without an
    answer: no answer at all, or, under the rule "every guardian with custody", a guardian
    with custody who has not answered."""
    any_answer = GuardianConsent.objects.filter(pupil=OuterRef("pk"))
    unanswered_custodian = Guardianship.objects.filter(pupil=OuterRef("pk"), custody=True).exclude(
        Exists(
            GuardianConsent.objects.filter(pupil=OuterRef("pupil"), guardian=OuterRef("guardian"))
        )
    )
    heard = Party.interventions.through.objects.filter(
        party=OuterRef("pk"), intervention__kind=InterventionKind.INDIVIDUAL
    )
    return (
        Party.objects.filter(case__in=cases, kind=PartyKind.PUPIL)
        .filter(Q(role=PartyRole.CENTRAL) | Exists(heard))
        .filter(
            ~Exists(any_answer)
            | (Q(case__consent_rule=ConsentRule.ALL) & Exists(unanswered_custodian))
        )
        .exclude(Exists(any_answer.filter(withdrawn_on__isnull=False)))
    )


def for_cases(cases, today: dt.date | None = None, *, kinds=tuple(DueKind)) -> list[DueItem]:
    """Due items of the open cases among `cases` (a queryset), one query per kind."""
    today = today or timezone.localdate()
    last = horizon(today)
    cases = cases.exclude(phase=Phase.CLOSED)
    items: list[DueItem] = []
    if DueKind.INFORMING in kinds:
        for pk, case_id, ref, referred, added, owner in _uninformed_pupils(cases).values_list(
            "pk",
            "case_id",
            "case__reference",
            "case__referred_on",
            "created_at",
            "case__responsible",
        ):
            deadline = informing_deadline(referred, added)
            items.append(
                DueItem(
                    DueKind.INFORMING,
                    case_id,
                    ref,
                    deadline,
                    deadline < today,
                    f"duties-pupil-{pk}",
                    pk,
                    owner,
                )
            )
    if DueKind.CONSENT in kinds:
        for pk, case_id, ref, added, owner in _unanswered_consents(cases).values_list(
            "pk", "case_id", "case__reference", "created_at", "case__responsible"
        ):
            items.append(
                DueItem(
                    DueKind.CONSENT,
                    case_id,
                    ref,
                    timezone.localdate(added),
                    False,
                    f"duties-pupil-{pk}",
                    pk,
                    owner,
                )
            )
    if DueKind.FOLLOW_UP in kinds:
        rows = FollowUp.objects.filter(
            case__in=cases, done_at__isnull=True, not_needed_on__isnull=True, due_date__lte=last
        )
        for pk, case_id, ref, due, owner in rows.values_list(
            "pk", "case_id", "case__reference", "due_date", "responsible"
        ):
            items.append(
                DueItem(
                    DueKind.FOLLOW_UP, case_id, ref, due, due < today, f"follow-up-{pk}", pk, owner
                )
            )
    if DueKind.AGREEMENT_REVIEW in kinds:
        rows = Agreement.objects.filter(
            case__in=cases, status=AgreementStatus.OPEN, review_on__lte=last
        )
        for pk, case_id, ref, due, owner in rows.values_list(
            "pk", "case_id", "case__reference", "review_on", "case__responsible"
        ):
            items.append(
                DueItem(
                    DueKind.AGREEMENT_REVIEW,
                    case_id,
                    ref,
                    due,
                    due < today,
                    f"agreement-{pk}",
                    pk,
                    owner,
                )
            )
    if DueKind.SAFETY_REVIEW in kinds:
        rows = SafetyMeasure.objects.filter(
            case__in=cases, status=MeasureStatus.ACTIVE, review_on__lte=last
        )
        for pk, case_id, ref, due, owner in rows.values_list(
            "pk", "case_id", "case__reference", "review_on", "owner"
        ):
            items.append(
                DueItem(
                    DueKind.SAFETY_REVIEW,
                    case_id,
                    ref,
                    due,
                    due < today,
                    f"safety-measure-{pk}",
                    pk,
                    owner,
                )
            )
    return _sorted(items)


def for_user(user, today: dt.date | None = None) -> list[DueItem]:
    """Due items across the cases the user works on ("My work")."""
    return for_cases(Case.objects.visible_to(user), today)


def to_remind(today: dt.date) -> list[DueItem]:
    """Items the daily run reminds by e-mail: §29.7 informing past its deadline, and agreement
    and safety-measure reviews due today or earlier, in every open case."""
    items = for_cases(Case.objects.all(), today, kinds=REMINDED)
    return [
        i
        for i in items
        if (i.overdue if i.kind == DueKind.INFORMING else i.date <= today) and i.owner_id
    ]


def case_page_context(case: Case) -> dict:
    """What the duties' partials of the case page need, from the prefetched rows."""
    parties = list(case.parties.all())
    by_party: dict[int, list] = {}
    for referral in case.service_referrals.all():
        by_party.setdefault(referral.party_id, []).append(referral)
    return {
        "due_now": for_case(case),
        "withdrawn_consents": [p for p in parties if p.is_pupil and p.consent_withdrawn],
        "referrals_by_party": [(p, by_party[p.pk]) for p in parties if p.pk in by_party],
    }


def duty_counts(case: Case, today: dt.date | None = None) -> dict:
    """The duties of a case as counts only, for the principal's progress page: no names, no
    text, no office or police case number."""
    today = today or timezone.localdate()
    notices = dict(
        StatutoryNotice.objects.filter(case=case)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    referrals = dict(
        ServiceReferral.objects.filter(case=case)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    measures = SafetyMeasure.objects.filter(case=case, status=MeasureStatus.ACTIVE)
    informing = [i for i in for_case_rows(case, today) if i.kind == DueKind.INFORMING]
    return {
        "notices": [(label, notices.get(kind, 0)) for kind, label in NoticeKind.choices],
        "referrals": [(label, referrals.get(s, 0)) for s, label in ReferralStatus.choices],
        "active_measures": measures.count(),
        "measure_reviews_overdue": measures.filter(review_on__lt=today).count(),
        "informing_open": len(informing),
        "informing_overdue": sum(1 for i in informing if i.overdue),
    }


def for_case_rows(case: Case, today: dt.date) -> list[DueItem]:
    """`for_cases` for one case (when its rows are not prefetched)."""
    return for_cases(Case.objects.filter(pk=case.pk), today, kinds=[DueKind.INFORMING])

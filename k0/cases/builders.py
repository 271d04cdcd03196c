"""Making cases as a K-0 team would, for demo data (`seed_demo`), the bench seed (`seed_bench`)
and the test factories (`tests/cases/factories.py`).

What a case holds once it has reached a phase — the things each phase's checklist
(`Case.checklist`) asks for, and on which day after the referral the team recorded them — is
written here once. These are plain functions over the models and the workflow methods, not
factory_boy factories: `seed_demo` runs in `make run` with only the runtime requirements, and
factory_boy (with Faker) is a test dependency that production has no use for.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from .choices import (
    PHASE_ORDER,
    AgreementsAssessment,
    AgreementStatus,
    BullyingAssessment,
    FollowUpMethod,
    InformedHow,
    InterventionKind,
    InterventionStatus,
    Outcome,
    PartyKind,
    PartyRole,
    Phase,
    RootCause,
    SituationAssessment,
)
from .models import (
    Agreement,
    Case,
    FollowUp,
    FollowUpAnswer,
    Guardianship,
    Intervention,
    Party,
    Person,
)
from .models_duties import ConsentRecordedHow, ConsentStatus, GuardianConsent

# Days after the referral on which the work is recorded.
INFORMED_AFTER = 2  # guardians told, consent given
HEARD_AFTER = 7
MEETING_AFTER = 12
FOLLOW_UP_AFTER = 26

# Fictional texts, in Finnish as a team would write them.
SUMMARY = "Kahden oppilaan välinen vanha riita on laajentunut koko luokkaan."
ROOT_CAUSES = [RootCause.OLD_QUARREL, RootCause.GROUP_DYNAMICS, RootCause.ONLINE_DYNAMICS]
PLAN = "Yksilökeskustelut, sovittelu oppilaiden välillä ja luokan ryhmätyöskentely."
CONSENT_SCOPE = "Keskustelut ja sovittelu"
MEETING_SUMMARY = "Sovittelu oppilaiden välillä."
MEETING_NOTES = "Molemmat kertoivat näkemyksensä. Ilmapiiri rauhallinen."
AGREEMENT = "Kuvia ei jaeta. Välitunnilla kumpikin saa olla rauhassa."
NEXT_STEP = "Jälkiseuranta."
CLOSING_SUMMARY = "Kiusaaminen on loppunut ja sopimukset ovat pitäneet."
AFTERCARE_PLAN = "Luokanvalvoja seuraa tilannetta kuukausittain."


def reached(phase: str, step: str) -> bool:
    """True when a case in `phase` has gone through `step`."""
    return PHASE_ORDER.index(phase) >= PHASE_ORDER.index(step)


def after_referral(case: Case, days: int) -> dt.date:
    return case.referred_on + dt.timedelta(days=days)


def case_fields_at(phase: str, *, outcome: str = Outcome.RESOLVED) -> dict:
    """The case's own fields that the checklists up to `phase` ask for."""
    fields = {}
    if reached(phase, Phase.PLAN):
        fields.update(summary=SUMMARY, root_causes=list(ROOT_CAUSES))
    if reached(phase, Phase.MEASURES):
        fields["plan"] = PLAN
    if phase == Phase.CLOSED:
        fields.update(
            outcome=outcome, closing_summary=CLOSING_SUMMARY, aftercare_plan=AFTERCARE_PLAN
        )
    return fields


def central_party_dates_at(phase: str, referred_on: dt.date) -> dict:
    """The consent and hearing dates of a central pupil once the case has reached `phase`."""
    dates = {}
    if reached(phase, Phase.MAPPING):
        dates["consent_given_on"] = referred_on + dt.timedelta(days=INFORMED_AFTER)
    if reached(phase, Phase.PLAN):
        dates["heard_on"] = referred_on + dt.timedelta(days=HEARD_AFTER)
    return dates


def add_party(
    case, name, *, role=PartyRole.CENTRAL, kind=PartyKind.PUPIL, person=None, **fields
) -> Party:
    """A party of `case`, linked to `person` (an earlier record of the same person) or to a
    new person record."""
    person = person or Person.objects.create(kind=kind, name=name)
    return Party.objects.create(case=case, name=name, role=role, kind=kind, person=person, **fields)


def add_guardian(
    case, pupil, name, *, informed_on=None, informed_how=InformedHow.PHONE, **fields
) -> Party:
    """A guardian of `pupil`, told about the case on `informed_on` (None: not yet)."""
    guardian = add_party(case, name, role=pupil.role, kind=PartyKind.GUARDIAN, **fields)
    Guardianship.objects.create(
        guardian=guardian,
        pupil=pupil,
        informed_on=informed_on,
        informed_how=informed_how if informed_on else "",
    )
    return guardian


def advance(case: Case, phase: str, *, by, outcome: str = Outcome.RESOLVED) -> Case:
    """Moves `case` forward to `phase` through the workflow (`advance_to`, `close`), first
    recording on each step what its checklist asks for, as a team would. What the case
    already holds is kept: a case without a central party gets a pupil and a guardian, a
    case with its own parties gets only the consents, hearings and meetings they lack.
    """
    steps = PHASE_ORDER[PHASE_ORDER.index(case.phase) + 1 : PHASE_ORDER.index(phase) + 1]
    for step in steps:
        _record_for(case, step, by=by)
        if step == Phase.CLOSED:
            fields = case_fields_at(Phase.CLOSED, outcome=outcome)
            case.close(
                by=by,
                outcome=outcome,
                closing_summary=case.closing_summary or fields["closing_summary"],
                aftercare_plan=case.aftercare_plan or fields["aftercare_plan"],
            )
        else:
            case.advance_to(step, by=by)
    return case


def _central_pupils(case) -> list[Party]:
    return list(case.parties.filter(role=PartyRole.CENTRAL, kind=PartyKind.PUPIL))


def _record_for(case: Case, step: str, *, by) -> None:
    if step == Phase.MAPPING:
        if not case.parties.filter(role=PartyRole.CENTRAL).exists():
            pupil = add_party(case, "Oppilas Esimerkki", class_name="6A", grade=6)
            add_guardian(
                case, pupil, "Huoltaja Esimerkki", informed_on=after_referral(case, INFORMED_AFTER)
            )
        dates = central_party_dates_at(Phase.MAPPING, case.referred_on)
        for pupil in _central_pupils(case):
            link = pupil.guardian_links.select_related("guardian").first()
            if not pupil.has_consent and link is not None:
                GuardianConsent.objects.update_or_create(
                    pupil=pupil,
                    guardian=link.guardian,
                    defaults={
                        "status": ConsentStatus.GIVEN,
                        "decided_on": dates["consent_given_on"],
                        "scope": CONSENT_SCOPE,
                        "recorded_how": ConsentRecordedHow.WRITTEN,
                        "withdrawn_on": None,
                    },
                )
    if step == Phase.PLAN:
        heard_on = central_party_dates_at(Phase.PLAN, case.referred_on)["heard_on"]
        pupils = _central_pupils(case)
        unheard = case.parties.filter(
            Q(role=PartyRole.CENTRAL) | Q(pupil_links__pupil__in=pupils), heard_on=None
        ).distinct()
        for party in unheard:  # save(), not update(): parties are audited
            party.heard_on = heard_on
            party.save()
    if step in (Phase.PLAN, Phase.MEASURES):
        for name, value in case_fields_at(step).items():
            if not getattr(case, name):
                setattr(case, name, value)
        case.save()
    if (
        step == Phase.FOLLOW_UP
        and not case.interventions.filter(status=InterventionStatus.DONE).exists()
    ):
        pupils = _central_pupils(case)
        meeting = Intervention.objects.create(
            case=case,
            kind=InterventionKind.MEDIATION,
            date=after_referral(case, MEETING_AFTER),
            duration_minutes=60,
            summary=MEETING_SUMMARY,
            notes=MEETING_NOTES,
        )
        meeting.participants.set(pupils)
        meeting.facilitators.set([by])
        agreement = Agreement.objects.create(
            case=case,
            intervention=meeting,
            text=AGREEMENT,
            review_on=after_referral(case, FOLLOW_UP_AFTER),
        )
        agreement.parties.set(pupils)
    if step == Phase.CLOSED:
        for link in Guardianship.objects.filter(pupil__case=case, informed_on=None):
            link.informed_on = after_referral(case, INFORMED_AFTER)
            link.informed_how = InformedHow.PHONE
            link.save()
        done = case.interventions.filter(status=InterventionStatus.DONE)
        last = max((i.date for i in done), default=case.referred_on)
        if not case.follow_ups.filter(done_at__gte=last).exists():
            on = max(last, after_referral(case, FOLLOW_UP_AFTER))
            follow_up = FollowUp.objects.create(
                case=case,
                due_date=on,
                responsible=case.responsible,
                done_at=on,
                method=FollowUpMethod.MEETING,
                next_step=NEXT_STEP,
            )
            record_answers(follow_up)


def record_answers(follow_up: FollowUp) -> None:
    """Each central pupil says bullying stopped and things are better, and every agreement
    not yet reviewed is checked as kept at this follow-up (as the follow-up form records it)."""
    case = follow_up.case
    for agreement in case.agreements.filter(status=AgreementStatus.OPEN):
        agreement.status = AgreementStatus.KEPT
        agreement.checked_in = follow_up
        agreement.save()
    for pupil in _central_pupils(case):
        FollowUpAnswer.objects.create(
            follow_up=follow_up,
            party=pupil,
            bullying=BullyingAssessment.STOPPED,
            situation=SituationAssessment.BETTER,
            agreements=AgreementsAssessment.KEPT
            if pupil.agreements.exists()
            else AgreementsAssessment.NONE,
        )
    follow_up.summarise()
    follow_up.save()

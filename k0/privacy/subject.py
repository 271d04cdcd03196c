"""Data-subject requests: everything held about one party, and early erasure."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from k0.cases.models import (
    Agreement,
    Case,
    FollowUpAnswer,
    Guardianship,
    Intervention,
    Party,
    Person,
)
from k0.cases.models_duties import (
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)


def _date(value):
    return value.isoformat() if value else None


def party_record(party: Party) -> dict:
    """Everything the system holds about one party, as JSON-ready data.

    Free text of the case that may mention the party (summary, notes) is listed too: the
    system cannot tell which sentences are about whom, so the administrator reviews it.
    """
    case = party.case
    guardians = Guardianship.objects.filter(pupil=party).select_related("guardian")
    pupils = Guardianship.objects.filter(guardian=party).select_related("pupil")
    interventions = Intervention.objects.filter(participants=party).order_by("date")
    agreements = Agreement.objects.filter(parties=party).order_by("created_at")
    history = party.history.order_by("history_date")
    answers = (
        FollowUpAnswer.objects.filter(party=party)
        .select_related("follow_up")
        .order_by("follow_up__done_at", "pk")
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "party": {
            "id": party.pk,
            "name": party.name,
            "role": party.get_role_display(),
            "kind": party.get_kind_display(),
            "class": party.class_name,
            "grade": party.grade,
            "gender": party.get_gender_display(),
            "position": party.get_position_display(),
            "contact": party.contact,
            "heard_on": _date(party.heard_on),
            "heard_how": party.get_heard_how_display(),
            "heard_in": (
                f"{party.heard_in.get_kind_display()} {_date(party.heard_in.date)}"
                if party.heard_in
                else None
            ),
            "support_needs": party.support_needs,
        },
        "person": _person_record(party),
        "case": {
            "reference": case.reference,
            "school": case.school.name,
            "phase": case.get_phase_display(),
            "referred_on": _date(case.referred_on),
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "outcome": case.get_outcome_display(),
        },
        "guardians": [
            {
                "name": link.guardian.name,
                "informed_on": _date(link.informed_on),
                "informed_how": link.get_informed_how_display(),
            }
            for link in guardians
        ],
        "guardian_of": [{"name": link.pupil.name} for link in pupils],
        **duties_record(party),
        "interventions": [
            {
                "date": _date(i.date),
                "kind": i.get_kind_display(),
                "summary": i.summary,
                "notes": i.notes,
            }
            for i in interventions
        ],
        "agreements": [
            {"text": a.text, "status": a.get_status_display(), "review_on": _date(a.review_on)}
            for a in agreements
        ],
        "follow_up_answers": [
            {
                "follow_up_done_on": _date(a.follow_up.done_at),
                "bullying": a.get_bullying_display(),
                "situation": a.get_situation_display(),
                "agreements": a.get_agreements_display(),
                "copied_from_case_level": a.migrated,
            }
            for a in answers
        ],
        "case_texts_to_review": {
            "known_at_referral": case.known_at_referral,
            "summary": case.summary,
            "notes": [n.text for n in case.notes.order_by("created_at")],
            "transfers": [
                {"reason": t.reason, "answer": t.answer} for t in case.transfers.order_by("pk")
            ],
        },
        "history": [
            {
                "at": h.history_date.isoformat(),
                "change": h.get_history_type_display(),
                "name": h.name,
                "heard_on": _date(h.heard_on),
            }
            for h in history
        ],
    }


def duties_record(party: Party) -> dict:
    """Consents given or refused for or by the party, notices about the pupil, safety
    measures and service referrals of the party."""
    consents = (
        GuardianConsent.objects.filter(Q(pupil=party) | Q(guardian=party))
        .select_related("pupil", "guardian")
        .order_by("pk")
    )
    return {
        "consents": [
            {
                "pupil": c.pupil.name,
                "guardian": c.guardian.name if c.guardian else None,
                "answer": c.get_status_display(),
                "date": _date(c.decided_on),
                "scope": c.scope,
                "recorded_how": c.get_recorded_how_display(),
                "reason": c.reason,
                "withdrawn_on": _date(c.withdrawn_on),
                "withdrawal_reason": c.withdrawal_reason,
            }
            for c in consents
        ],
        "notices": [
            {
                "kind": n.label,
                "date": _date(n.made_on),
                "office": n.office,
                "police_case_number": n.police_case_number,
            }
            for n in StatutoryNotice.objects.filter(pupil=party).order_by("made_on", "pk")
        ],
        "safety_measures": [
            {
                "kind": m.get_kind_display(),
                "what": m.what,
                "starts_on": _date(m.starts_on),
                "review_on": _date(m.review_on),
                "status": m.get_status_display(),
            }
            for m in SafetyMeasure.objects.filter(party=party).order_by("starts_on", "pk")
        ],
        "service_referrals": [
            {
                "service": r.label,
                "date": _date(r.referred_on),
                "status": r.get_status_display(),
            }
            for r in ServiceReferral.objects.filter(party=party).order_by("referred_on", "pk")
        ],
    }


def _person_record(party: Party) -> dict | None:
    """The person record behind the party and the references of all their cases: the
    administrator answers for the whole city, so every case of the person is listed."""
    person = party.person
    if person is None:
        return None
    cases = (
        Case.objects.filter(parties__person=person)
        .distinct()
        .order_by("referred_on", "pk")
        .values_list("reference", flat=True)
    )
    return {
        "id": person.pk,
        "kind": person.get_kind_display(),
        "name": person.name,
        "birth_date": _date(person.birth_date),
        "birth_year": person.birth_year,
        "learner_number": person.learner_number,
        "cases": list(cases),
        "history": [
            {
                "at": h.history_date.isoformat(),
                "change": h.get_history_type_display(),
                "name": h.name,
                "learner_number": h.learner_number,
            }
            for h in person.history.order_by("history_date")
        ],
    }


@transaction.atomic
def erase_party(party: Party) -> None:
    """Pseudonymises one party early, including its history rows, and removes the personal
    data of its person record (name, birth, learner number, and in its history). The record
    itself stays, empty, so that the indicators still count the person once."""
    from .retention import pseudonymise_parties, scrub_duties_of_parties

    parties = list(party.case.parties.prefetch_related("pupil_links"))
    pseudonymise_parties(parties, only={party.pk})
    scrub_duties_of_parties([party.pk])
    if party.person_id:
        party.refresh_from_db(fields=["name"])
        values = {"name": party.name, "birth_date": None, "birth_year": None, "learner_number": ""}
        Person.objects.filter(pk=party.person_id).update(**values)
        Person.history.filter(id=party.person_id).update(**values)

"""Data-subject requests: everything held about one party, and early erasure."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from k0.cases.models import Agreement, Case, Guardianship, Intervention, Party, Person


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
            "consent_given_on": _date(party.consent_given_on),
            "consent_given_by": party.consent_given_by.name if party.consent_given_by else None,
            "consent_scope": party.consent_scope,
            "heard_on": _date(party.heard_on),
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
    from .retention import pseudonymise_parties

    parties = list(party.case.parties.prefetch_related("pupil_links"))
    pseudonymise_parties(parties, only={party.pk})
    if party.person_id:
        party.refresh_from_db(fields=["name"])
        values = {"name": party.name, "birth_date": None, "birth_year": None, "learner_number": ""}
        Person.objects.filter(pk=party.person_id).update(**values)
        Person.history.filter(id=party.person_id).update(**values)

"""Data-subject requests: everything held about one party, and early erasure."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from k0.cases.models import Agreement, FollowUpAnswer, Guardianship, Intervention, Party


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
            "consent_given_on": _date(party.consent_given_on),
            "consent_given_by": party.consent_given_by.name if party.consent_given_by else None,
            "consent_scope": party.consent_scope,
            "heard_on": _date(party.heard_on),
            "heard_how": party.get_heard_how_display(),
            "heard_in": (
                f"{party.heard_in.get_kind_display()} {_date(party.heard_in.date)}"
                if party.heard_in
                else None
            ),
            "support_needs": party.support_needs,
        },
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


@transaction.atomic
def erase_party(party: Party) -> None:
    """Pseudonymises one party early, including its history rows."""
    from .retention import pseudonymise_parties

    parties = list(party.case.parties.prefetch_related("pupil_links"))
    pseudonymise_parties(parties, only={party.pk})

"""A case's progress as its records show it, built once for the principal's progress page
(`oversight.case_progress`) and the case summary PDF (`k0.documents.case_documents`), so the
page and the document never count differently.

Each party appears under the name the caller gives it (`names`): pseudonyms for the
principal (`pseudonyms.party_pseudonyms`), names for the case team. Reads only prefetched
rows (`parties`, `groups`, `interventions` with `participants`, `agreements` with `parties`,
`follow_ups` with `answers`).
"""

from __future__ import annotations

from .choices import AgreementStatus, InterventionStatus, PartyKind, PartyRole
from .counting import BYSTANDER_PARTIES_RULE, CENTRAL_PARTIES_RULE, party_counts


def progress_context(case, names: dict[int, str]) -> dict:
    interventions = list(case.interventions.all())
    agreements = list(case.agreements.all())
    # Counted exactly as the indicators count them (pupils only, groups by head count), so
    # a principal and the programme office never read two different numbers for one case.
    central_count, bystander_count = party_counts(case.parties.all(), case.groups.all())
    return {
        "interventions": [
            {
                "item": item,
                "participants": [names[p.pk] for p in item.participants.all() if p.pk in names],
            }
            for item in interventions
        ],
        "done_interventions": sum(1 for i in interventions if i.status == InterventionStatus.DONE),
        "agreement_counts": {
            status: sum(1 for a in agreements if a.status == status)
            for status in AgreementStatus.values
        },
        "party_status": party_status(case, names),
        "central_count": central_count,
        "central_rule": CENTRAL_PARTIES_RULE,
        "bystander_count": bystander_count,
        "bystander_rule": BYSTANDER_PARTIES_RULE,
    }


def party_status(case, names: dict[int, str]) -> list[dict]:
    """Per party, under the caller's name for it: the answers of their latest follow-up and
    how many of their agreements were kept ("Pupil A: bullying stopped; 2 of 2 agreements
    kept"). Central parties (not guardians, who speak for their child) and anyone who
    answered; categorical values only, never a note."""
    latest = {}
    for follow_up in case.follow_ups.all():
        if not follow_up.done_at:
            continue
        for answer in follow_up.answers.all():
            if answer.party_id is None:
                continue
            order = (follow_up.done_at, follow_up.pk)
            if answer.party_id not in latest or order > latest[answer.party_id][0]:
                latest[answer.party_id] = (order, answer)
    agreements = list(case.agreements.all())
    rows = []
    for party in case.parties.all():
        central = party.role == PartyRole.CENTRAL and party.kind != PartyKind.GUARDIAN
        if party.pk not in names or not (central or party.pk in latest):
            continue
        answer = latest.get(party.pk, (None, None))[1]
        theirs = [a for a in agreements if any(p.pk == party.pk for p in a.parties.all())]
        rows.append(
            {
                "name": names[party.pk],
                "answer": answer,
                "agreements": len(theirs),
                "kept": sum(1 for a in theirs if a.status == AgreementStatus.KEPT),
                "reviewed": sum(1 for a in theirs if a.status != AgreementStatus.OPEN),
            }
        )
    return rows

"""A case's progress as its records show it, built once for the principal's progress page
(`oversight.case_progress`) and the case summary PDF (`k0.documents.case_documents`), so the
page and the document never count differently.

Each party appears under the name the caller gives it (`names`): pseudonyms for the
principal (`pseudonyms.party_pseudonyms`), names for the case team. Reads only prefetched
rows (`parties`, `groups`, `interventions` with `participants`, `agreements`).
"""

from __future__ import annotations

from .choices import AgreementStatus, InterventionStatus
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
        "central_count": central_count,
        "central_rule": CENTRAL_PARTIES_RULE,
        "bystander_count": bystander_count,
        "bystander_rule": BYSTANDER_PARTIES_RULE,
    }

"""Case documents: the case summary (team and principal variants) and the meeting record.

The principal variant is built from the same pseudonymised data as the principal's progress
page and leaves out every free-text field, so no name or narrative reaches it.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from k0.cases.models import (
    Agreement,
    Case,
    CaseNote,
    Intervention,
)
from k0.cases.progress import progress_context
from k0.cases.pseudonyms import party_pseudonyms

from .rendering import render_pdf

VARIANTS = ("team", "principal")


def _case(case_id: int) -> Case:
    """The case with what its page shows (`CaseQuerySet.for_case_page`) and all its notes."""
    return (
        Case.objects.for_case_page()
        .prefetch_related(Prefetch("notes", queryset=CaseNote.objects.select_related("author")))
        .get(pk=case_id)
    )


def case_summary_pdf(case_id: int, *, variant: str, language: str) -> tuple[str, bytes]:
    """Returns (file name, PDF bytes)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    with translation.override(language):
        case = _case(case_id)
        parties = list(case.parties.all())
        names = (
            party_pseudonyms(parties) if variant == "principal" else {p.pk: p.name for p in parties}
        )
        context = {
            "case": case,
            "variant": variant,
            "team_variant": variant == "team",
            "labels": case.choice_labels(),
            "parties": [{"party": p, "name": names[p.pk]} for p in parties],
            "guardianships": [
                (names[link.guardian_id], names[link.pupil_id], link)
                for p in parties
                for link in p.guardian_links.all()
            ],
            **progress_context(case, names),
            "agreements": [
                {
                    "item": a,
                    "parties": [names[p.pk] for p in a.parties.all()],
                }
                for a in case.agreements.all()
            ],
            "generated_at": timezone.localtime(),
            "reference": case.reference,
            "confidential": True,
        }
        title = _("Case summary %(ref)s") % {"ref": case.reference}
        if variant == "principal":
            title = _("Case progress %(ref)s") % {"ref": case.reference}
        pdf = render_pdf("pdf/case_summary.html", context, language=language, title=title)
    return f"{case.reference}-{variant}.pdf", pdf


def meeting_record_pdf(intervention_id: int, *, language: str) -> tuple[str, bytes]:
    """A record of one meeting with its participants, agreements and signature lines."""
    with translation.override(language):
        item = (
            Intervention.objects.select_related("case", "case__school")
            .prefetch_related(
                "participants",
                "groups",
                "facilitators",
                Prefetch("agreements", queryset=Agreement.objects.prefetch_related("parties")),
            )
            .get(pk=intervention_id)
        )
        signers = [p.name for p in item.participants.all()]
        signers += [str(u) for u in item.facilitators.all()]
        context = {
            "item": item,
            "case": item.case,
            "signers": signers,
            "reference": item.case.reference,
            "confidential": True,
            "generated_at": timezone.localtime(),
        }
        title = _("Meeting record %(ref)s") % {"ref": item.case.reference}
        pdf = render_pdf("pdf/meeting_record.html", context, language=language, title=title)
    return f"{item.case.reference}-meeting-{item.date:%Y-%m-%d}.pdf", pdf

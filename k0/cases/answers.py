"""A follow-up asks each party (seuranta osallisittain).

`FollowUpAnswers` builds, for a follow-up form, two answers per party — the bullying and
the situation as that party sees it — for every central party (and optionally bystanders
and bystander groups), and one check per agreement not yet reviewed (kept / partly kept /
broken), shown under the first party who made it. Saving writes one `FollowUpAnswer` per
party answered, sets each checked agreement's status (with history), and derives the case-
level summary of the follow-up from the answers.

Field names carry ids (`p12_bullying`, `g3_situation`, `a7`); a posted name whose id is not
offered for this case (another case's party or agreement, an agreement reviewed meanwhile)
is refused with a message instead of being ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import (
    AgreementsAssessment,
    AgreementStatus,
    BullyingAssessment,
    PartyKind,
    PartyRole,
    SituationAssessment,
)
from .models import SUMMARY_ORDER, Agreement, FollowUp, FollowUpAnswer, Party, PartyGroup

CHECKS = [
    (AgreementStatus.KEPT, AgreementStatus.KEPT.label),
    (AgreementStatus.PARTLY, AgreementStatus.PARTLY.label),
    (AgreementStatus.BROKEN, AgreementStatus.BROKEN.label),
]
_ANSWER_NAME = re.compile(r"^([pg])(\d+)_(bullying|situation)$")
_CHECK_NAME = re.compile(r"^a(\d+)$")


@dataclass
class Row:
    """One party (or group) in the form: its two answer fields and its agreements' checks."""

    subject: Party | PartyGroup
    prefix: str
    central: bool
    checks: list[Agreement] = field(default_factory=list)

    @property
    def key(self) -> tuple[int | None, int | None]:
        if isinstance(self.subject, Party):
            return (self.subject.pk, None)
        return (None, self.subject.pk)


def _choice(label, choices) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect)


class FollowUpAnswers:
    def __init__(self, data, *, case, follow_up: FollowUp):
        self.data = data
        self.case = case
        self.follow_up = follow_up
        # Guardians speak for their child, so they give no answers of their own.
        parties = sorted(
            Party.objects.filter(case=case).exclude(kind=PartyKind.GUARDIAN),
            key=lambda p: (p.role != PartyRole.CENTRAL, p.pk),
        )
        groups = list(PartyGroup.objects.filter(case=case))
        existing = (
            {(a.party_id, a.group_id): a for a in follow_up.answers.all()} if follow_up.pk else {}
        )
        self.rows = [Row(p, f"p{p.pk}", p.role == PartyRole.CENTRAL) for p in parties]
        self.rows += [Row(g, f"g{g.pk}", False) for g in groups]
        # Agreements still to review, and those reviewed at this very follow-up (to change).
        self.agreements = [
            a
            for a in Agreement.objects.filter(case=case).prefetch_related("parties")
            if a.status == AgreementStatus.OPEN
            or (follow_up.pk and a.checked_in_id == follow_up.pk)
        ]
        by_party = {row.subject.pk: row for row in self.rows if isinstance(row.subject, Party)}
        self.unassigned: list[Agreement] = []
        for agreement in self.agreements:
            owners = [by_party[p.pk] for p in agreement.parties.all() if p.pk in by_party]
            (owners[0].checks if owners else self.unassigned).append(agreement)

        self.fields: dict[str, forms.Field] = {}
        for row in self.rows:
            answer = existing.get(row.key)
            for name, label, choices in (
                ("bullying", _("Bullying has"), BullyingAssessment.choices),
                ("situation", _("The situation is"), SituationAssessment.choices),
            ):
                f = _choice(label, choices)
                f.initial = getattr(answer, name, "") if answer else ""
                self.fields[f"{row.prefix}_{name}"] = f
        for agreement in self.agreements:
            f = _choice(str(agreement), CHECKS)
            if follow_up.pk and agreement.checked_in_id == follow_up.pk:
                f.initial = agreement.status
            self.fields[f"a{agreement.pk}"] = f

    # --- validation ------------------------------------------------------------------------

    def check(self, data, *, done: bool) -> list[tuple[str | None, str]]:
        """(field, message) for every problem; nothing is saved unless the list is empty."""
        errors = self._foreign_names()
        answered = []
        for row in self.rows:
            given = [data.get(f"{row.prefix}_{n}") for n in ("bullying", "situation")]
            if any(given):
                answered.append(row)
                for name, value in zip(("bullying", "situation"), given, strict=True):
                    if not value:
                        errors.append(
                            (f"{row.prefix}_{name}", gettext("Give both answers of this party."))
                        )
        checked = [a for a in self.agreements if data.get(f"a{a.pk}")]
        if not done and (answered or checked):
            errors.append(
                ("done_at", gettext("Give the date the follow-up was done to record answers."))
            )
        if done and not answered:
            errors.append((None, gettext("Record the answers of at least one party.")))
        return errors

    def _foreign_names(self) -> list[tuple[None, str]]:
        if self.data is None:
            return []
        offered = set(self.fields)
        errors = []
        for name in self.data:
            if name in offered:
                continue
            if _ANSWER_NAME.match(name):
                errors.append(
                    (
                        None,
                        gettext(
                            "The answers name a party who is not in this case. Reload the "
                            "page and record them again."
                        ),
                    )
                )
            elif match := _CHECK_NAME.match(name):
                # A number no id can be (longer than a bigint) is simply not in this case.
                pk = int(match[1]) if len(match[1]) <= 18 else None
                agreement = Agreement.objects.filter(case=self.case, pk=pk).first() if pk else None
                if agreement is None:
                    message = gettext("An agreement of another case cannot be checked here.")
                else:
                    message = gettext(
                        "The agreement “%(agreement)s” has already been reviewed "
                        "(%(status)s). Reload the page to see it."
                    ) % {"agreement": agreement, "status": agreement.get_status_display()}
                errors.append((None, message))
        return list(dict.fromkeys(errors))

    # --- saving ----------------------------------------------------------------------------

    def save(self, data, *, by) -> None:
        follow_up = self.follow_up
        checked: dict[int, str] = {}
        for agreement in self.agreements:
            value = data.get(f"a{agreement.pk}") or ""
            mine = agreement.checked_in_id == follow_up.pk
            if value:
                checked[agreement.pk] = value
                if agreement.status == value and mine:
                    continue
                agreement.status, agreement.checked_in = value, follow_up
            elif mine:  # the check was taken back: the agreement is open again
                agreement.status, agreement.checked_in = AgreementStatus.OPEN, None
            else:
                continue
            agreement._history_user = by
            agreement.save(update_fields=["status", "checked_in"])

        existing = {(a.party_id, a.group_id): a for a in follow_up.answers.all()}
        for row in self.rows:
            bullying = data.get(f"{row.prefix}_bullying") or ""
            situation = data.get(f"{row.prefix}_situation") or ""
            answer = existing.get(row.key)
            if not bullying and not situation:
                if answer is not None:
                    answer._history_user = by
                    answer.delete()
                continue
            agreements = self._agreements_of(row, checked)
            values = (bullying, situation, agreements)
            if answer is None:
                answer = FollowUpAnswer(
                    follow_up=follow_up, party_id=row.key[0], group_id=row.key[1]
                )
            elif (answer.bullying, answer.situation, answer.agreements) == values:
                continue
            answer.bullying, answer.situation, answer.agreements = values
            answer.migrated = False
            answer._history_user = by
            answer.save()

        follow_up.summarise()
        follow_up._history_user = by
        follow_up.save(update_fields=["bullying", "situation", "agreements"])

    def _agreements_of(self, row: Row, checked: dict[int, str]) -> str:
        """The party's agreements as checked at this follow-up: the least kept of them, "no
        agreements" if the party made none, empty if theirs were not checked."""
        if not isinstance(row.subject, Party):
            return ""
        party = row.subject
        theirs = list(party.agreements.all())
        if not theirs:
            return AgreementsAssessment.NONE
        statuses = [checked[a.pk] for a in theirs if a.pk in checked]
        if not statuses:
            return ""
        return max(statuses, key=SUMMARY_ORDER["agreements"].index)

"""One person across cases: the record a party links to (henkilö).

A party is a person's part in one case; the `Person` is the person, held once per city, so
that a child in two cases is one child in the indicators and a team can see that the pupil
of a new referral had a K-0 case before. A person is always linked or created explicitly by
the team (`forms_persons.PersonPartyForm`), never merged silently; likely duplicates are
proposed to an administrator (`manage.py propose_person_duplicates`), who merges them with a
reviewed, logged and reversible action (`PersonMerge`).

Privacy: no personal identity code (henkilötunnus) is ever stored; the national learner
number (oppijanumero) is optional. Only the case team and coordinator (who see the case) see
a person; principals and the programme office never do. Retention deletes a person when none
of their cases is left inside the retention period (`k0.privacy.retention`).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import dates
from .choices import PartyKind

# Oppijanumero: the person OID of the Finnish National Agency for Education (node 24), whose
# last digit is a check digit computed like a Finnish reference number (weights 7, 3, 1 from
# the right).
LEARNER_NUMBER_PREFIX = "1.2.246.562.24."
_LEARNER_NUMBER = re.compile(r"^1\.2\.246\.562\.24\.([1-9][0-9]{10})$")
EARLIEST_BIRTH_YEAR = 1930


def learner_number_check_digit(payload: str) -> int:
    weights = (7, 3, 1)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(payload)))
    return (10 - total % 10) % 10


def validate_learner_number(value: str) -> None:
    match = _LEARNER_NUMBER.match(value or "")
    if not match or learner_number_check_digit(match[1][:-1]) != int(match[1][-1]):
        raise ValidationError(
            _("A learner number looks like 1.2.246.562.24.12345678901 and ends in a check digit."),
            code="learner_number",
        )


def birth_year_validators():
    return [MinValueValidator(EARLIEST_BIRTH_YEAR), _not_after_this_year]


def _not_after_this_year(value):
    if value is not None and value > timezone.localdate().year:
        raise ValidationError(_("The year cannot be in the future."), code="future")


class Person(models.Model):
    """A pupil, guardian, member of staff or other adult, held once and linked from each
    of their parties. Never holds a personal identity code (henkilötunnus)."""

    personal_fields = ("name", "birth_date", "birth_year", "learner_number")

    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    birth_date = models.DateField(
        _("date of birth"),
        null=True,
        blank=True,
        validators=[dates.DateRangeValidator(dt.date(EARLIEST_BIRTH_YEAR, 1, 1))],
    )
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=birth_year_validators(),
        help_text=_("If the date of birth is not known."),
    )
    learner_number = models.CharField(
        _("learner number (oppijanumero)"),
        max_length=26,
        blank=True,
        validators=[validate_learner_number],
        help_text=_("Optional. Never enter a personal identity code."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when an administrator merged this record into another (`PersonMerge`); its parties
    # then link to that one. Kept so that the merge can be undone.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name", "pk"]
        default_permissions = ("view", "change")
        # The learner number is not unique: a team may enter one that another school's
        # record already holds, and must learn nothing about that record; such pairs are
        # proposed to an administrator as duplicates instead.
        indexes = [
            models.Index(fields=["kind", "name"], name="person_kind_name"),
            models.Index(fields=["learner_number"], name="person_learner_number"),
        ]

    def __str__(self):
        return self.name

    @property
    def year_of_birth(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year


def candidates_for(
    user, *, kind: str, name: str, birth_year: int | None, learner_number: str, exclude_case=None
):
    """Earlier person records that may be the person being added, found only through the
    cases `user` may see: the same learner number, or the same name (case-insensitive) and
    year of birth."""
    from .models import Case, Party

    match = Q()
    if learner_number:
        match |= Q(learner_number=learner_number)
    if name and birth_year:
        match |= Q(name__iexact=name.strip()) & (
            Q(birth_year=birth_year) | Q(birth_date__year=birth_year)
        )
    if not match:
        return Person.objects.none()
    visible = Party.objects.filter(case__in=Case.objects.visible_to(user))
    if exclude_case is not None:
        visible = visible.exclude(case=exclude_case)
    return (
        Person.objects.filter(match, kind=kind, merged_into__isnull=True)
        .filter(pk__in=visible.values("person_id"))
        .order_by("name", "pk")
    )


def visible_cases_of(user, person: Person, *, exclude_case=None):
    """The cases of `person` that `user` may see (never another school's case the user does
    not work on)."""
    from .models import Case

    cases = Case.objects.visible_to(user).filter(parties__person=person).distinct()
    if exclude_case is not None:
        cases = cases.exclude(pk=exclude_case.pk)
    return cases.select_related("school").order_by("-referred_on", "-pk")


class PersonMerge(models.Model):
    """An administrator's merge of one person record into another (yhdistäminen), kept so
    that it is reviewed, logged and can be undone: the parties moved are listed."""

    kept = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("kept record")
    )
    merged = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("merged record")
    )
    party_ids = models.JSONField(_("parties moved"), default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("merge of person records")
        verbose_name_plural = _("merges of person records")
        ordering = ["-merged_at", "-pk"]
        default_permissions = ("view", "add", "change")

    @classmethod
    def merge(cls, *, kept: Person, merged: Person, by) -> PersonMerge:
        """Moves every party of `merged` to `kept` and marks `merged` as merged.

        1. Lock both records, so two administrators cannot merge crossing pairs.
        2. Refuse merging a record into itself, records of different kinds, or a record
           already merged.
        3. Move the parties (with history) and record which, for the undo.
        """
        from .models import Party

        with transaction.atomic():
            locked = {
                p.pk: p
                for p in Person.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])
            }
            kept, merged = locked.get(kept.pk), locked.get(merged.pk)
            if kept is None or merged is None or kept.pk == merged.pk:
                raise ValidationError(_("Choose two different person records."))
            if kept.kind != merged.kind:
                raise ValidationError(_("Only records of the same kind can be merged."))
            if kept.merged_into_id or merged.merged_into_id:
                raise ValidationError(_("One of the records has already been merged."))
            parties = list(Party.objects.filter(person=merged))
            for party in parties:
                party.person = kept
                party._history_user = by
                party.save(update_fields=["person"])
            merged.merged_into = kept
            merged._history_user = by
            merged.save(update_fields=["merged_into"])
            return cls.objects.create(
                kept=kept, merged=merged, party_ids=[p.pk for p in parties], merged_by=by
            )

    def undo(self, *, by) -> None:
        """Moves the parties back to the merged record (those still linked to the kept one)."""
        from .models import Party

        with transaction.atomic():
            merge = PersonMerge.objects.select_for_update().get(pk=self.pk)
            if merge.undone_at:
                raise ValidationError(_("This merge has already been undone."))
            for party in Party.objects.filter(pk__in=merge.party_ids, person=merge.kept):
                party.person = merge.merged
                party._history_user = by
                party.save(update_fields=["person"])
            merged = merge.merged
            merged.merged_into = None
            merged._history_user = by
            merged.save(update_fields=["merged_into"])
            merge.undone_by = by
            merge.undone_at = timezone.now()
            merge.save(update_fields=["undone_by", "undone_at"])
        self.refresh_from_db()


class DuplicateReason(models.TextChoices):
    LEARNER_NUMBER = "learner_number", _("Same learner number")
    NAME_AND_BIRTH_YEAR = "name_and_birth_year", _("Same name and year of birth")


class PersonDuplicate(models.Model):
    """A pair of person records that may be one person, proposed to an administrator by
    `manage.py propose_person_duplicates`; merged (`PersonMerge`) or dismissed by them."""

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=30, choices=DuplicateReason.choices)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    merge = models.ForeignKey(
        PersonMerge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["proposed_at", "pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicate_pair_ordered"
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None and self.merge_id is None


def propose_duplicates() -> int:
    """Writes a proposal for every pair of unmerged records of the same kind with the same
    learner number, or the same name (ignoring case) and year of birth. Returns how many new
    pairs were proposed; pairs proposed before (and perhaps dismissed) are not proposed
    again."""
    from collections import defaultdict

    groups: dict[tuple, list[int]] = defaultdict(list)
    rows = Person.objects.filter(merged_into__isnull=True).values_list(
        "pk", "kind", "name", "birth_date", "birth_year", "learner_number"
    )
    for pk, kind, name, birth_date, birth_year, number in rows.order_by("pk"):
        if number:
            groups[(DuplicateReason.LEARNER_NUMBER, kind, number)].append(pk)
        year = birth_date.year if birth_date else birth_year
        if year and name.strip():
            key = (DuplicateReason.NAME_AND_BIRTH_YEAR, kind, name.strip().casefold(), year)
            groups[key].append(pk)
    pairs = {}
    for (reason, *_rest), pks in groups.items():
        for i, first in enumerate(pks):
            for second in pks[i + 1 :]:
                pairs.setdefault((first, second), reason)
    before = PersonDuplicate.objects.count()
    PersonDuplicate.objects.bulk_create(
        [PersonDuplicate(first_id=a, second_id=b, reason=r) for (a, b), r in pairs.items()],
        ignore_conflicts=True,
    )
    return PersonDuplicate.objects.count() - before

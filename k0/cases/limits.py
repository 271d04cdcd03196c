"""How much text a user may write into one field, and which codes a list field may hold.

Free text had no limit: a case page grew to 1.1 MB from 100,000-character fields. Each
free-text field of a case has one of the limits below, generous for the field's purpose:
`TextField(max_length=…)` gives the form its limit, and the explicit `MaxLengthValidator`
makes `full_clean` and the admin check it too (Django checks a TextField's `max_length` only
in forms). The message is Django's, translated: the limit and the length typed. Single-line
fields are `CharField`s, which check their `max_length` everywhere already.

A text column's `max_length` changes nothing in the database (PostgreSQL `text`, SQLite
`TEXT`): the migrations are no-ops there, and longer text stored earlier stays readable; it
must be shortened only when the record is next saved through a form.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# A journal entry, meeting or follow-up notes, the plan: a few pages.
NOTES = 10_000
# What is known at referral, the case and closing summaries, the aftercare plan: a page or two.
SUMMARY = 5_000
# A detail or a justification: a few paragraphs.
DETAIL = 2_000


def text_limit(limit: int) -> dict:
    """The keyword arguments of a `TextField` holding at most `limit` characters."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


@deconstructible
class ChoiceListValidator:
    """A JSON list field holds distinct codes of `choices` (a TextChoices class) only: the
    codes are counted by the indicators, so nothing else may be stored, however it arrives."""

    def __init__(self, choices):
        self.choices = choices

    def __call__(self, value) -> None:
        if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
            raise ValidationError(_("Choose from the list."), code="invalid_list")
        unknown = [code for code in value if code not in self.choices.values]
        if unknown:
            raise ValidationError(
                _("Unknown choice: %(codes)s."),
                code="invalid_choice",
                params={"codes": ", ".join(unknown)[:200]},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("A choice is given twice."), code="duplicate_choice")

    def __eq__(self, other):
        return isinstance(other, ChoiceListValidator) and self.choices is other.choices

"""The range of every date a user enters in a case, in one place.

A date far outside any real case broke things far from where it was typed: a referral dated
year 1 took every indicator page down (a school year starting in year 0), year 1900 gave the
period selector 250 school years, and 9999-12-31 overflowed the follow-up calendar and meeting
invitations. So every date field of a case carries a `DateRangeValidator` on the model: the
forms, the admin and `full_clean` all apply it, and the date inputs get the same `min`/`max`.
Rules relative to other dates of the case (nothing before the referral, the bullying does not
start after it) stay in the models' and forms' `clean`.

The indicators start their period selector at `FIRST_YEAR`: no case can be referred earlier.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# K-0 cases are recorded from 2010 on (older cases, if ever entered, date from then).
FIRST_YEAR = 2010
EARLIEST_REFERRAL = dt.date(FIRST_YEAR, 1, 1)
# When the bullying started may go back years before the referral.
EARLIEST_START = dt.date(2000, 1, 1)
# Being heard, consent and informing guardians may precede the referral by up to a year.
EARLIEST_BEFORE_REFERRAL = dt.date(FIRST_YEAR - 1, 1, 1)
# Meetings, follow-ups and agreement reviews are planned at most this far ahead.
YEARS_AHEAD = 10


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


@deconstructible
class DateRangeValidator:
    """A date from `earliest` to today (`years_ahead=0`: a date something happened) or to
    `years_ahead` years from today (a planned date). Today is Helsinki's."""

    def __init__(self, earliest: dt.date, *, years_ahead: int = 0):
        self.earliest = earliest
        self.years_ahead = years_ahead

    def latest(self, today: dt.date | None = None) -> dt.date:
        return years_after(today or timezone.localdate(), self.years_ahead)

    def __call__(self, value: dt.date | None) -> None:
        if value is None:
            return
        if value < self.earliest:
            raise ValidationError(
                _("The date cannot be before %(date)s."),
                code="too_early",
                params={"date": formats.date_format(self.earliest, "SHORT_DATE_FORMAT")},
            )
        latest = self.latest()
        if value > latest and not self.years_ahead:
            raise ValidationError(_("The date cannot be in the future."), code="future")
        if value > latest:
            raise ValidationError(
                _("The date cannot be more than %(years)s years ahead (after %(date)s)."),
                code="too_late",
                params={
                    "years": self.years_ahead,
                    "date": formats.date_format(latest, "SHORT_DATE_FORMAT"),
                },
            )

    def __eq__(self, other):
        return (
            isinstance(other, DateRangeValidator)
            and self.earliest == other.earliest
            and self.years_ahead == other.years_ahead
        )


# The validators of the case's date fields.
referral_date = DateRangeValidator(EARLIEST_REFERRAL)
start_date = DateRangeValidator(EARLIEST_START)
past_date_around_referral = DateRangeValidator(EARLIEST_BEFORE_REFERRAL)
past_date = DateRangeValidator(EARLIEST_REFERRAL)
planned_date = DateRangeValidator(EARLIEST_REFERRAL, years_ahead=YEARS_AHEAD)


def range_of(field) -> tuple[dt.date, dt.date] | None:
    """(earliest, latest) allowed today in a model field, for a date input's min and max."""
    for validator in field.validators:
        if isinstance(validator, DateRangeValidator):
            return validator.earliest, validator.latest()
    return None

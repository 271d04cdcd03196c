"""Choosing what to show: one fixed, ended period and at most one fixed breakdown.

Only calendar years and school years are offered, and only the breakdowns of the fixed
hierarchy: free date ranges or filters would let a reader subtract two published tables and
recover the few cases between them. Only periods that have ended are offered: a running
period's figures change with each new case, so two readings of it would show that case.
The choices run from the year of the first referral (not before `periods.FIRST_YEAR`) to
the latest ended year, so a bad or made-up value is a form error, never a 500.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Min
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from k0.cases.models import Case

from .definitions import BREAKDOWNS
from .periods import (
    FIXED_KINDS,
    Period,
    calendar_year,
    calendar_years,
    ended_periods,
    ended_ranges,
    has_ended,
    school_year,
)

PERIOD_KINDS = {
    "school_year": _("School years (1 Aug – 31 Jul)"),
    "calendar_year": _("Calendar years"),
}
# A trend over more years than this is cut to the latest ones: the page stays readable.
MAX_TREND_PERIODS = 12


def first_referral() -> dt.date:
    """The earliest referral date (today when there is none, or when it lies ahead)."""
    today = timezone.localdate()
    first = Case.objects.aggregate(first=Min("referred_on"))["first"]
    return min(first or today, today)


def available_periods(first: dt.date | None = None) -> list[Period]:
    """The calendar and school years that have ended, from the first referral; latest first."""
    first = first or first_referral()
    today = timezone.localdate()
    periods = ended_periods("school_year", first, today)
    periods += ended_periods("calendar_year", first, today)
    return sorted(periods, key=lambda p: p.start, reverse=True)


def period_code(period: Period) -> str:
    if period.kind == "calendar_years":
        return f"{period.kind}:{period.start.year}-{period.end.year}"
    return f"{period.kind}:{period.start.year}"


def _year(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None


def period_of_code(code: object) -> Period | None:
    """The period a code such as "school_year:2025" or "calendar_years:2017-2020" names,
    offered or not; None if none."""
    kind, _sep, years = str(code).partition(":")
    if kind not in FIXED_KINDS:
        return None
    try:
        if kind == "calendar_years":
            first, _dash, last = years.partition("-")
            first, last = _year(first), _year(last)
            return None if first is None or last is None else calendar_years(first, last)
        year = _year(years)
        if year is None:
            return None
        return (calendar_year if kind == "calendar_year" else school_year)(year)
    except ValueError:
        return None


class PeriodField(forms.ChoiceField):
    """A choice of the offered periods; a period that has not ended is refused with why."""

    default_error_messages = {
        "invalid_choice": _(
            "Choose one of the listed periods. Only whole calendar years and school years "
            "are published, so that two tables cannot be subtracted to reveal a few cases."
        ),
        "not_ended": _(
            "%(period)s has not ended yet. Figures are published only for periods that have "
            "ended (this one from %(date)s on): figures that still change could be compared "
            "to reveal a new case."
        ),
    }

    def validate(self, value):
        if value and not self.valid_value(value):
            period = period_of_code(value)
            if period is not None and not has_ended(period, timezone.localdate()):
                raise forms.ValidationError(
                    self.error_messages["not_ended"],
                    code="not_ended",
                    params={
                        "period": period_title(period),
                        "date": date_format(period.end + dt.timedelta(days=1), "SHORT_DATE_FORMAT"),
                    },
                )
        super().validate(value)


def period_title(period: Period) -> str:
    if period.kind == "school_year":
        return _("School year %(label)s") % {"label": period.label}
    if period.kind == "calendar_year":
        return _("Calendar year %(label)s") % {"label": period.label}
    if period.kind == "calendar_years":
        return _("Calendar years %(label)s") % {"label": period.label}
    if period.kind == "school_years":
        return _("School years %(label)s") % {"label": period.label}
    return period.label


class SelectionForm(forms.Form):
    """Period and breakdown of the indicator pages, charts, exports and the BI endpoint."""

    period = PeriodField(label=_("Period"))
    by = forms.ChoiceField(label=_("Breakdown"), required=False)

    def __init__(self, data=None, *, first: dt.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.periods = {period_code(p): p for p in available_periods(first)}
        ranges = {
            period_code(p): p for p in ended_ranges(first or first_referral(), timezone.localdate())
        }
        self.fields["period"].choices = [
            (code, period_title(p)) for code, p in self.periods.items()
        ]
        if ranges:
            self.fields["period"].choices += [
                (
                    _("Several calendar years"),
                    [(code, period_title(p)) for code, p in ranges.items()],
                )
            ]
        self.periods.update(ranges)
        self.fields["by"].choices = [("", _("Whole city only")), *BREAKDOWNS.items()]

    @property
    def selection(self) -> tuple[Period, str | None]:
        return self.periods[self.cleaned_data["period"]], self.cleaned_data["by"] or None

    def query_string(self) -> str:
        params = {"period": self.cleaned_data["period"]}
        if self.cleaned_data["by"]:
            params["by"] = self.cleaned_data["by"]
        return urlencode(params)


def selection_form(query, **kwargs) -> SelectionForm:
    """The form bound to GET parameters; the latest ended school year when no period is given."""
    data = query.copy()
    if not data.get("period"):
        latest = ended_periods("school_year", None, timezone.localdate())
        data["period"] = period_code(latest[-1]) if latest else ""
    return SelectionForm(data, **kwargs)


class TrendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Periods"), choices=list(PERIOD_KINDS.items()))

    def periods(self, first: dt.date | None = None) -> list[Period]:
        """The ended periods of the chosen kind, the latest MAX_TREND_PERIODS of them."""
        first = first or first_referral()
        periods = ended_periods(self.cleaned_data["kind"], first, timezone.localdate())
        return periods[-MAX_TREND_PERIODS:]

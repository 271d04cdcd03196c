"""Choosing what to show: one fixed period and at most one fixed breakdown.

Only calendar years and school years are offered, and only the breakdowns of the fixed
hierarchy: free date ranges or filters would let a reader subtract two published tables and
recover the few cases between them. The choices run from the year of the first referral to
the current year, so a bad or made-up value is a form error, never a 500.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Min
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from k0.cases.models import Case

from .definitions import BREAKDOWNS
from .periods import Period, periods_between, school_year_of

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
    """Calendar and school years from the first referral to today, latest first."""
    first = first or first_referral()
    today = timezone.localdate()
    periods = periods_between(first, today, "school_year")
    periods += periods_between(first, today, "calendar_year")
    return sorted(periods, key=lambda p: p.start, reverse=True)


def period_code(period: Period) -> str:
    return f"{period.kind}:{period.start.year}"


def period_title(period: Period) -> str:
    if period.kind == "school_year":
        return _("School year %(label)s") % {"label": period.label}
    if period.kind == "calendar_year":
        return _("Calendar year %(label)s") % {"label": period.label}
    return period.label


class SelectionForm(forms.Form):
    """Period and breakdown of the indicator pages, charts, exports and the BI endpoint."""

    period = forms.ChoiceField(label=_("Period"))
    by = forms.ChoiceField(label=_("Breakdown"), required=False)

    def __init__(self, data=None, *, first: dt.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.periods = {period_code(p): p for p in available_periods(first)}
        self.fields["period"].choices = [
            (code, period_title(p)) for code, p in self.periods.items()
        ]
        self.fields["by"].choices = [("", _("Whole city only")), *BREAKDOWNS.items()]
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Choose one of the listed periods. Only whole calendar years and school years "
            "are published, so that two tables cannot be subtracted to reveal a few cases."
        )

    @property
    def selection(self) -> tuple[Period, str | None]:
        return self.periods[self.cleaned_data["period"]], self.cleaned_data["by"] or None

    def query_string(self) -> str:
        params = {"period": self.cleaned_data["period"]}
        if self.cleaned_data["by"]:
            params["by"] = self.cleaned_data["by"]
        return urlencode(params)


def selection_form(query, **kwargs) -> SelectionForm:
    """The form bound to GET parameters; the current school year when no period is given."""
    data = query.copy()
    if not data.get("period"):
        data["period"] = period_code(school_year_of(timezone.localdate()))
    return SelectionForm(data, **kwargs)


class TrendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Periods"), choices=list(PERIOD_KINDS.items()))

    def periods(self, first: dt.date | None = None) -> list[Period]:
        first = first or first_referral()
        periods = periods_between(first, timezone.localdate(), self.cleaned_data["kind"])
        return periods[-MAX_TREND_PERIODS:]

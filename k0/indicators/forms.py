"""Choosing what to show: one fixed period and at most one fixed breakdown.

Only calendar years and school years are offered, and only the breakdowns of the fixed
hierarchy: free date ranges or filters would let a reader subtract two published tables and
recover the few cases between them. The choices run from the year of the first referral to
the current year, so a bad or made-up value is a form error, never a 500.
"""

from __future__ import annotations

from django import forms
from django.db.models import Min
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from k0.cases.models import Case

from .definitions import BREAKDOWNS
from .periods import Period, calendar_year, school_year, school_year_of

PERIOD_KINDS = {
    "school_year": _("School years (1 Aug – 31 Jul)"),
    "calendar_year": _("Calendar years"),
}
# A trend over more years than this is cut to the latest ones: the page stays readable.
MAX_TREND_PERIODS = 12


def first_year() -> int:
    """The first school year start with any referral (this year when there is none)."""
    first = Case.objects.aggregate(first=Min("referred_on"))["first"]
    today = timezone.localdate()
    return school_year_of(first or today).start.year


def available_periods(first: int | None = None) -> list[Period]:
    """Fixed periods from the first referral to today, latest first."""
    first = first_year() if first is None else first
    today = timezone.localdate()
    current = school_year_of(today).start.year
    periods = []
    for year in range(max(current, today.year), first - 1, -1):
        if year <= current:
            periods.append(school_year(year))
        if year <= today.year:
            periods.append(calendar_year(year))
    return periods


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

    def __init__(self, data=None, *, first: int | None = None, **kwargs):
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

    def periods(self, first: int | None = None) -> list[Period]:
        first = first_year() if first is None else first
        today = timezone.localdate()
        if self.cleaned_data["kind"] == "school_year":
            last = school_year_of(today).start.year
            periods = [school_year(y) for y in range(first, last + 1)]
        else:
            periods = [calendar_year(y) for y in range(first, today.year + 1)]
        return periods[-MAX_TREND_PERIODS:]

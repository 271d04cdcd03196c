"""Fixed reporting periods for the anonymised indicators.

Indicators are offered only for fixed periods (calendar years, school years 1 Aug–31 Jul)
because free or moving windows let a reader subtract two published tables and recover the
handful of cases that fall between them. A free date range exists for internal use (and for
tests), marked with its own kind so a view can refuse it where only fixed periods are allowed.

Only periods that have ended are published (`ended_periods`): the figures of a running
period change with every new case, so two readings of it a day apart would show what that
day's case was. Periods are offered from FIRST_YEAR on, whatever dates are stored.

Dates are plain `date`s. A `datetime` is refused on purpose: 31 Jul 23:30 UTC is already
1 Aug in Helsinki, so the caller must convert to a local date before asking which school year
a moment belongs to. A year that cannot be a date (a school year starting in 9999 would end
in 10000) is a ValueError, like any other bad argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from k0.cases.dates import EARLIEST_REFERRAL

PeriodKind = Literal["calendar_year", "school_year", "calendar_years", "school_years", "range"]
# "calendar_years": whole calendar years from one to another (e.g. 2017–2020, the programme's
# reporting period): fixed boundaries like a year's, so frozen and suppressed the same way.
# "school_years" likewise, for the cumulative total of a trend over school years.
FIXED_KINDS: tuple[PeriodKind, ...] = (
    "calendar_year",
    "school_year",
    "calendar_years",
    "school_years",
)
# The longest multi-year range offered.
MAX_RANGE_YEARS = 12

# The Finnish school year (lukuvuosi) starts on 1 August; the exact first school day varies,
# but statistics use the fixed boundary so that years never overlap.
SCHOOL_YEAR_START_MONTH = 8

# The first year of K-0 records (k0.cases.dates, where the case model refuses referral dates
# before it). Indicators are offered from this year on, so a mistyped year stored before that
# rule (0001, 1900) can neither add a hundred empty periods to the selector nor break the
# period arithmetic.
FIRST_YEAR = EARLIEST_REFERRAL.year
FIRST_DAY = EARLIEST_REFERRAL


@dataclass(frozen=True)
class Period:
    """A reporting period; both `start` and `end` are included."""

    start: dt.date
    end: dt.date
    kind: PeriodKind
    label: str

    def __post_init__(self) -> None:
        _check_date(self.start, "start")
        _check_date(self.end, "end")
        if self.start > self.end:
            raise ValueError(
                f"a period cannot end before it starts: start {self.start.isoformat()} "
                f"is after end {self.end.isoformat()}"
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1


def calendar_year(year: int) -> Period:
    """1 January – 31 December of `year`."""
    _check_year(year, dt.MINYEAR, dt.MAXYEAR)
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "calendar_year", str(year))


def school_year(start_year: int) -> Period:
    """1 August `start_year` – 31 July of the next year, labelled e.g. "2025–2026"."""
    _check_year(start_year, dt.MINYEAR, dt.MAXYEAR - 1)
    return Period(
        dt.date(start_year, SCHOOL_YEAR_START_MONTH, 1),
        dt.date(start_year + 1, 7, 31),
        "school_year",
        f"{start_year}–{start_year + 1}",
    )


def calendar_years(first: int, last: int) -> Period:
    """1 January `first` – 31 December `last`, at least two years: labelled e.g. "2017–2020"."""
    _check_year(first, dt.MINYEAR, dt.MAXYEAR)
    _check_year(last, dt.MINYEAR, dt.MAXYEAR)
    if not first < last:
        raise ValueError(f"a multi-year range needs first < last, got {first} and {last}")
    return Period(dt.date(first, 1, 1), dt.date(last, 12, 31), "calendar_years", f"{first}–{last}")


def span(periods: list[Period]) -> Period:
    """The whole span of consecutive calendar or school years, as one multi-year period (a
    trend's cumulative total); a single period is returned as it is."""
    first, last = periods[0], periods[-1]
    if first == last:
        return first
    if first.kind == "school_year":
        return Period(first.start, last.end, "school_years", f"{first.start.year}–{last.end.year}")
    return calendar_years(first.start.year, last.start.year)


def ended_ranges(first_record: dt.date | None, today: dt.date) -> list[Period]:
    """The multi-year ranges of ended calendar years (2 to MAX_RANGE_YEARS years) from the
    year of the first record; latest end first, then the longest."""
    years = [p.start.year for p in ended_periods("calendar_year", first_record, today)]
    return [
        calendar_years(first, last)
        for last in reversed(years)
        for first in years
        if first < last and last - first < MAX_RANGE_YEARS
    ]


def date_range(start: dt.date, end: dt.date) -> Period:
    """A free range of days, both ends included; raises ValueError if `start` is after `end`."""
    return Period(start, end, "range", f"{start.isoformat()} – {end.isoformat()}")


def school_year_of(day: dt.date) -> Period:
    """The school year that contains `day`."""
    _check_date(day, "day")
    start_year = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
    return school_year(start_year)


def periods_between(first_date: dt.date, last_date: dt.date, kind: PeriodKind) -> list[Period]:
    """The consecutive fixed periods of `kind` that together cover `first_date`..`last_date`.

    Used for trends over years: the first period contains `first_date`, the last contains
    `last_date`, so the ends may reach beyond the span. Only fixed kinds are accepted, since
    a trend over arbitrary ranges is exactly the differencing risk these periods exist to avoid.
    """
    _check_date(first_date, "first_date")
    _check_date(last_date, "last_date")
    if first_date > last_date:
        raise ValueError(
            f"first_date {first_date.isoformat()} is after last_date {last_date.isoformat()}"
        )
    if kind == "calendar_year":
        return [calendar_year(y) for y in range(first_date.year, last_date.year + 1)]
    if kind == "school_year":
        first = school_year_of(first_date).start.year
        last = school_year_of(last_date).start.year
        return [school_year(y) for y in range(first, last + 1)]
    raise ValueError(f"kind must be one of {', '.join(FIXED_KINDS)}, got {kind!r}")


def latest_ended(kind: PeriodKind, today: dt.date) -> Period | None:
    """The most recent period of `kind` that ended before `today` (None if none can)."""
    _check_date(today, "today")
    if kind == "calendar_year":
        year = today.year - 1
        return calendar_year(year) if year >= dt.MINYEAR else None
    if kind == "school_year":
        current = today.year if today.month >= SCHOOL_YEAR_START_MONTH else today.year - 1
        return school_year(current - 1) if current - 1 >= dt.MINYEAR else None
    raise ValueError(f"kind must be one of {', '.join(FIXED_KINDS)}, got {kind!r}")


def ended_periods(kind: PeriodKind, first_record: dt.date | None, today: dt.date) -> list[Period]:
    """The periods of `kind` that may be published on `today`, oldest first.

    From the period containing the first record (not before FIRST_DAY; any stored date is
    accepted, however wrong) to the latest one that has ended; at least that latest one, so
    a new installation shows a year of zeros rather than nothing.
    """
    last = latest_ended(kind, today)
    if last is None or last.end < FIRST_DAY:
        return []
    first = first_record if first_record is not None else last.start
    _check_date(first, "first_record")
    first = min(max(first, FIRST_DAY), last.end)
    return periods_between(first, last.end, kind)


def has_ended(period: Period, today: dt.date) -> bool:
    """Whether every day of `period` lies before `today`: its figures can no longer grow."""
    return period.end < today


def _check_year(year: object, low: int, high: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int, got {year!r}")
    if not low <= year <= high:
        raise ValueError(f"year {year} is outside the dates that can be represented")


def _check_date(value: object, name: str) -> None:
    # datetime is a subclass of date, so it must be excluded explicitly.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a date (not a datetime), got {value!r}")

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k0.indicators.periods import (
    FIRST_DAY,
    FIRST_YEAR,
    calendar_year,
    date_range,
    ended_periods,
    has_ended,
    periods_between,
    school_year,
    school_year_of,
)

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


def test_calendar_year_covers_january_to_december():
    period = calendar_year(2025)

    assert (period.start, period.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert (period.kind, period.label) == ("calendar_year", "2025")


def test_school_year_runs_from_august_to_july():
    period = school_year(2025)

    assert (period.start, period.end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))
    assert (period.kind, period.label) == ("school_year", "2025–2026")


def test_31_july_and_1_august_fall_in_different_school_years():
    assert school_year_of(dt.date(2025, 7, 31)).label == "2024–2025"
    assert school_year_of(dt.date(2025, 8, 1)).label == "2025–2026"


def test_leap_day_belongs_to_the_school_year_that_started_the_previous_august():
    period = school_year_of(dt.date(2024, 2, 29))

    assert period == school_year(2023)
    assert dt.date(2024, 2, 29) in period


def test_leap_years_have_one_more_day():
    assert calendar_year(2024).days == 366
    assert calendar_year(2025).days == 365
    assert calendar_year(2100).days == 365  # divisible by 100, not by 400
    assert school_year(2023).days == 366
    assert school_year(2024).days == 365


def test_date_range_includes_both_ends():
    period = date_range(dt.date(2024, 2, 28), dt.date(2024, 3, 1))

    assert period.days == 3
    assert period.kind == "range"
    assert dt.date(2024, 3, 1) in period
    assert dt.date(2024, 3, 2) not in period


def test_date_range_of_one_day_is_valid():
    assert date_range(dt.date(2025, 5, 1), dt.date(2025, 5, 1)).days == 1


def test_date_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="start 2025-05-02 is after end 2025-05-01"):
        date_range(dt.date(2025, 5, 2), dt.date(2025, 5, 1))


def test_datetimes_are_refused_because_the_local_date_is_the_callers_job():
    with pytest.raises(TypeError, match="not a datetime"):
        school_year_of(dt.datetime(2025, 7, 31, 23, 30, tzinfo=dt.UTC))
    with pytest.raises(TypeError):
        date_range(dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 2))


def test_school_years_between_two_dates():
    periods = periods_between(dt.date(2023, 9, 1), dt.date(2025, 8, 1), "school_year")

    assert [p.label for p in periods] == ["2023–2024", "2024–2025", "2025–2026"]


def test_calendar_years_between_two_dates():
    periods = periods_between(dt.date(2023, 12, 31), dt.date(2025, 1, 1), "calendar_year")

    assert [p.label for p in periods] == ["2023", "2024", "2025"]


def test_periods_between_a_single_day():
    assert periods_between(dt.date(2025, 7, 31), dt.date(2025, 7, 31), "school_year") == [
        school_year(2024)
    ]


def test_periods_between_refuses_reversed_dates_and_free_ranges():
    with pytest.raises(ValueError, match="after last_date"):
        periods_between(dt.date(2025, 1, 2), dt.date(2025, 1, 1), "calendar_year")
    with pytest.raises(ValueError, match="kind must be one of"):
        periods_between(dt.date(2025, 1, 1), dt.date(2025, 1, 2), "range")


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_every_day_lies_in_exactly_its_school_year(day):
    period = school_year_of(day)

    assert day in period
    assert day not in school_year(period.start.year - 1)
    assert day not in school_year(period.start.year + 1)


@settings(max_examples=200, deadline=None)
@given(first=days, last=days, kind=st.sampled_from(["calendar_year", "school_year"]))
def test_periods_between_are_contiguous_and_cover_the_span(first, last, kind):
    first, last = min(first, last), max(first, last)

    periods = periods_between(first, last, kind)

    assert first in periods[0]
    assert last in periods[-1]
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.start == earlier.end + dt.timedelta(days=1)


# --- which periods may be published -----------------------------------------------------------

any_day = st.dates(min_value=dt.date.min, max_value=dt.date.max)
kinds = st.sampled_from(["calendar_year", "school_year"])


@settings(max_examples=300, deadline=None)
@given(first=st.none() | any_day, today=any_day, kind=kinds)
def test_ended_periods_never_fail_whatever_date_is_stored(first, today, kind):
    periods = ended_periods(kind, first, today)

    assert all(has_ended(p, today) and p.kind == kind for p in periods)
    assert all(p.end >= FIRST_DAY for p in periods)
    # At most one period of each kind a year since FIRST_YEAR (plus 2009–2010).
    assert len(periods) <= max(0, today.year - FIRST_YEAR) + 1
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.start == earlier.end + dt.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(first=st.none() | any_day, today=st.dates(dt.date(2011, 1, 1), dt.date(9998, 12, 31)))
def test_the_latest_ended_period_is_always_offered(first, today):
    for kind in ("calendar_year", "school_year"):
        periods = ended_periods(kind, first, today)

        latest = periods[-1]
        assert latest.end < today
        following = periods_between(latest.end + dt.timedelta(days=1), today, kind)[0]
        assert following.end >= today  # the next one is still running


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (dt.date(1, 1, 1), ["2009–2010", "2010–2011"]),
        (dt.date(1900, 1, 1), ["2009–2010", "2010–2011"]),
        (dt.date(2010, 9, 1), ["2010–2011"]),
        (dt.date(9999, 12, 31), ["2010–2011"]),
        (None, ["2010–2011"]),
    ],
)
def test_ended_periods_start_no_earlier_than_the_first_year(first, expected):
    today = dt.date(2011, 11, 27)

    assert [p.label for p in ended_periods("school_year", first, today)] == expected


def test_a_school_year_is_ended_on_1_august_not_on_31_july():
    year = school_year(2025)

    assert not has_ended(year, dt.date(2026, 7, 31))
    assert has_ended(year, dt.date(2026, 8, 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda: school_year(9999),  # would end in year 10000
        lambda: school_year(0),
        lambda: calendar_year(0),
        lambda: school_year_of(dt.date(1, 1, 1)),  # in school year 0–1
    ],
)
def test_years_that_cannot_be_dates_are_a_clear_value_error(make):
    with pytest.raises(ValueError, match="outside the dates that can be represented"):
        make()

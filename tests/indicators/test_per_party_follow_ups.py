"""Follow-up assessments per party: each party's latest answers in a period, counted the same
whether the period is asked for alone or within a trend."""

import datetime as dt

from k0.indicators.periods import calendar_year, school_year
from k0.indicators.queries import _periods_of_day, collect


def test_a_day_finds_its_periods_whether_they_are_disjoint_or_overlap():
    years = [calendar_year(y) for y in (2020, 2022, 2021)]
    find = _periods_of_day(years)
    assert find(dt.date(2021, 5, 1)) == [2]
    assert find(dt.date(2022, 12, 31)) == [1]
    assert find(dt.date(2019, 12, 31)) == [] and find(dt.date(2023, 1, 1)) == []
    both = _periods_of_day([calendar_year(2025), school_year(2025)])
    assert both(dt.date(2025, 9, 1)) == [0, 1]
    assert both(dt.date(2025, 3, 1)) == [0]


def test_answers_count_the_same_alone_and_in_a_trend(city, settings):
    resolved = list(settings.K0_RESOLVED_OUTCOMES)
    year = school_year(2025)
    alone = collect([year], resolved).periods[year].families["follow_up_answers"]
    trend = collect([school_year(2024), year, school_year(2026)], resolved)
    assert trend.periods[year].families["follow_up_answers"] == alone
    assert sum(c["bullying:stopped"] for c in alone.values()) == 2

"""Days from referral to closure count local (Helsinki) dates, on both sides of a DST change.

SQLite has no time zones: the local date is computed in SQL from the offsets in force, so the
hours around midnight and the daylight-saving changes are where it could go wrong.
"""

import datetime as dt
from collections import Counter

import pytest

from k0.cases.choices import Outcome
from k0.indicators.periods import calendar_year
from k0.indicators.queries import _utc_offsets, collect, local_midnight
from tests.factories import SchoolFactory, UserFactory, make_case

from .conftest import close_directly

UTC = dt.UTC


def test_offsets_of_2025_change_on_the_eu_dates_at_one_utc():
    changes = _utc_offsets(local_midnight(dt.date(2025, 1, 1)), local_midnight(dt.date(2026, 1, 1)))

    assert [(instant.isoformat(), minutes) for instant, minutes in changes] == [
        ("2024-12-31T22:00:00+00:00", 120),
        ("2025-03-30T01:00:00+00:00", 180),
        ("2025-10-26T01:00:00+00:00", 120),
    ]


@pytest.mark.parametrize(
    ("closed_at_utc", "local_days"),
    [
        # 00:30 on 2 Jan local (UTC+2) is 22:30 on 1 Jan in UTC: two days after 31 Dec.
        (dt.datetime(2025, 1, 1, 22, 30, tzinfo=UTC), 2),
        # 23:30 on 1 Jan local: one day.
        (dt.datetime(2025, 1, 1, 21, 30, tzinfo=UTC), 1),
        # 00:59 UTC on 30 Mar is 02:59 local (UTC+2), just before the change: 89 days.
        (dt.datetime(2025, 3, 30, 0, 59, tzinfo=UTC), 89),
        # 21:30 UTC on 30 Mar is 00:30 on 31 Mar local (now UTC+3): 90 days.
        (dt.datetime(2025, 3, 30, 21, 30, tzinfo=UTC), 90),
        # 21:30 UTC on 25 Oct is 00:30 on 26 Oct local (still UTC+3): 299 days.
        (dt.datetime(2025, 10, 25, 21, 30, tzinfo=UTC), 299),
        # 21:30 UTC on 26 Oct is 23:30 the same day local (now UTC+2): still 299 days.
        (dt.datetime(2025, 10, 26, 21, 30, tzinfo=UTC), 299),
    ],
)
def test_days_to_closure_count_local_dates(db, closed_at_utc, local_days):
    school = SchoolFactory()
    responsible = UserFactory(password=None)
    case = make_case(school=school, responsible=responsible, referred_on=dt.date(2024, 12, 31))
    close_directly(case, Outcome.RESOLVED, closed_at_utc)
    period = calendar_year(2025)

    histogram = collect([period], [Outcome.RESOLVED]).periods[period].closure_days

    assert sum(histogram.values(), start=Counter()) == Counter({local_days: 1})


def test_offsets_find_a_change_on_the_half_hour(settings):
    settings.TIME_ZONE = "Australia/Lord_Howe"  # +10:30 in winter, +11 in summer
    start = dt.datetime(2025, 1, 1, tzinfo=UTC)

    changes = _utc_offsets(start, dt.datetime(2026, 1, 1, tzinfo=UTC))

    # Summer time ends at 02:00 local (+11) on 6 Apr, begins at 02:00 local (+10:30) on 5 Oct.
    assert [(instant.isoformat(), minutes) for instant, minutes in changes] == [
        ("2025-01-01T00:00:00+00:00", 660),
        ("2025-04-05T15:00:00+00:00", 630),
        ("2025-10-04T15:30:00+00:00", 660),
    ]

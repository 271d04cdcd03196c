"""The demo's history of earlier years: the programme office reads published figures."""

import pytest

from k0 import demo
from k0.cases.models import Case, Party
from k0.indicators import definitions as d
from k0.indicators.periods import calendar_year, calendar_years
from k0.indicators.report import report


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    demo.seed()
    return Case.objects.count()


def test_every_headline_figure_of_every_year_is_published(seeded):
    demo_cases = len(demo.DEMO_CASES)
    assert seeded >= demo_cases + (2026 - 2017) * demo.HISTORY_CASES_PER_YEAR
    for year in range(2017, 2026):
        result = report(calendar_year(year), "area")
        for code in d.HEADLINE:
            value = result.city_figure(code)
            assert not value.suppressed and value.number, (year, code, value)
    programme = report(calendar_years(2017, 2020))
    central = programme.city_figure("central_parties_resolved").number
    bystanders = programme.city_figure("bystander_parties_resolved").number
    assert 300 <= central < 1000, central  # several hundred
    assert 2000 <= bystanders < 10000, bystanders  # a few thousand


def test_some_children_appear_in_two_cases_and_a_second_run_adds_nothing(seeded):
    linked = Party.objects.filter(person__isnull=False).values("person").distinct().count()
    assert linked < Party.objects.filter(person__isnull=False).count()
    assert demo.seed()[0]["history"] == 0
    assert Case.objects.count() == seeded

"""Cases with each kind of notice: counted from the notice records, suppressed as every count."""

from k0.indicators.periods import school_year
from k0.indicators.report import report

from .test_known_answers import city_values


def test_notice_counts_are_suppressed_like_every_count(city, settings):
    settings.K0_SUPPRESSION_THRESHOLD = 5
    result = report(school_year(2025))
    table = next(t for t in result.tables if t.code == "notices")
    cells = {
        column.category: value
        for column, value in zip(table.columns, table.total.values, strict=True)
        if column.indicator == "notices"
    }
    # One case with a crime report, one with a police request: both below the threshold.
    assert cells["crime_report"].suppressed and cells["crime_report"].number is None
    assert cells["police_request"].suppressed


def test_notice_counts_published_with_threshold_one(city, no_suppression):
    values = city_values(report(school_year(2025)))
    assert values[("notices", "crime_report")] == 1
    assert values[("notices", "police_request")] == 1
    assert values[("police_involvement", None)] == 2

"""Every indicator against the hand-counted fixture in conftest.py."""

import pytest

from k0.indicators.definitions import BY_CODE, FAMILIES
from k0.indicators.linked import determined_vars, family_equations
from k0.indicators.periods import calendar_year, school_year
from k0.indicators.queries import collect
from k0.indicators.report import _publish, report

from .conftest import EXPECTED_BY_AREA, EXPECTED_BY_BAND, EXPECTED_CITY

pytestmark = pytest.mark.usefixtures("no_suppression")


def city_values(result):
    values = {}
    for table in result.tables:
        for column, value in zip(table.columns, table.total.values, strict=True):
            values[(column.indicator, column.category)] = value.number
    return values


def breakdown_values(result, indicator, category=None, *, key="label"):
    """{row label (or code): number} of the column of `indicator` and `category`."""
    for table in result.tables:
        for j, column in enumerate(table.columns):
            if (column.indicator, column.category) == (indicator, category):
                return {str(getattr(row.group, key)): row.values[j].number for row in table.rows}
    raise KeyError(indicator)


def test_every_indicator_of_the_school_year_matches_the_hand_count(city):
    values = city_values(report(school_year(2025)))

    mismatches = {
        key: (values.get(key), expected)
        for key, expected in EXPECTED_CITY.items()
        if values.get(key) != expected
    }
    assert mismatches == {}


@pytest.mark.parametrize("key", list(EXPECTED_BY_AREA))
def test_area_breakdown_matches_the_hand_count(city, key):
    by_area = breakdown_values(report(school_year(2025), "area"), *key)

    assert by_area == EXPECTED_BY_AREA[key]


@pytest.mark.parametrize("key", list(EXPECTED_BY_BAND))
def test_grade_band_breakdown_matches_the_hand_count(city, key):
    by_band = breakdown_values(report(school_year(2025), "grade_band"), *key, key="code")

    for band, expected in EXPECTED_BY_BAND[key].items():
        assert by_band[band] == expected, band


def test_school_kind_rows_add_up_to_the_city(city):
    result = report(school_year(2025), "school_kind")
    table = result.table("referred")

    by_kind = {row.group.code: row.values[-1].number for row in table.rows}
    assert by_kind == {
        "daycare": 0,
        "primary": 1,  # c5
        "lower_secondary": 2,  # c2, c3
        "unified": 2,  # c1, c6
        "upper_secondary": 0,
    }
    assert sum(by_kind.values()) == table.total.values[-1].number == 5


def test_case_closed_at_2330_on_31_july_belongs_to_the_ending_school_year(city):
    closing_year = report(school_year(2025))
    next_year = report(school_year(2026))

    # c2 closed 31 Jul 23:30 (this year); c3 at 00:30 on 1 Aug (the next year), though in
    # UTC both closed on 31 July.
    assert closing_year.city_value("closed", "cases_closed").number == 5
    assert next_year.city_value("closed", "cases_closed").number == 1
    assert next_year.city_value("parties", "central_parties_resolved").number == 1  # Liisa


def test_case_closed_just_after_midnight_on_1_august_is_not_in_the_previous_year(city):
    previous = report(school_year(2024))

    # Only c9 (31 Jul 2025 at noon); c8, closed at 01:00 on 1 Aug local time, is not.
    assert previous.city_value("closed", "cases_closed").number == 1
    assert previous.city_value("closed", "cases_closed_by_outcome", "resolved").number == 1
    assert previous.city_value("closed", "cases_closed_by_outcome", "not_resolved").number == 0


def test_reopened_case_is_counted_once_by_its_latest_closing(city):
    autumn = report(calendar_year(2025))
    spring = report(calendar_year(2026))

    # c6 was first closed on 1 Dec 2025 (discontinued), then reopened and closed as resolved
    # on 20 Apr 2026. Only the latest closing counts.
    assert autumn.city_value("closed", "cases_closed_by_outcome", "discontinued").number == 0
    resolved_2026 = spring.city_value("closed", "cases_closed_by_outcome", "resolved").number
    assert resolved_2026 == 3  # c1, c3 (1 Aug 2026 is in calendar 2026), c6
    assert spring.city_value("closed", "cases_closed").number == 5  # c1, c2, c3, c5, c6


def test_case_open_on_the_last_day_is_open_at_the_end(city):
    # c4 was referred on 31 Jul 2025, the last day of school year 2024–2025.
    previous = report(school_year(2024))

    # Open at the end of 2024–2025: c4 (never closed) and c8 (closed 1 Aug local time).
    assert previous.city_value("open", "cases_open_at_end").number == 2


def test_resolved_outcomes_follow_the_setting(city, settings):
    settings.K0_RESOLVED_OUTCOMES = ["resolved"]

    result = report(school_year(2025))

    # c2 (improved) no longer counts: Pekka, Paula and the 8A group drop out.
    assert result.city_value("parties", "central_parties_resolved").number == 3
    assert result.city_value("parties", "bystander_parties_resolved").number == 25
    assert result.resolved_outcomes == ["resolved"]


def test_a_year_without_cases_is_all_zeros(city):
    result = report(calendar_year(2020))

    for table in result.tables:
        for column, value in zip(table.columns, table.total.values, strict=True):
            if column.column in ("__share__", "__median__"):
                assert value.number is None and not value.suppressed
            else:
                assert value.number == 0


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_no_hidden_number_of_the_published_families_can_be_solved(city, settings, threshold):
    # The same audit as the property tests in test_linked, on the families built from the
    # database: whichever breakdown a reader combines, nothing hidden can be worked out.
    period = school_year(2025)
    collected = collect([period], ["resolved", "improved"])
    for code in FAMILIES:
        published = _publish(code, collected.periods[period], collected.areas, threshold)
        result = published.suppressed
        rows = [[*result.city, result.city_total]]
        for cells, totals in zip(result.breakdowns, result.breakdown_totals, strict=True):
            rows += [[*row, total] for row, total in zip(cells, totals, strict=True)]
        hidden = {(i, j) for i, row in enumerate(rows) for j, v in enumerate(row) if v is None}
        blocks = [len(block.columns) for block in FAMILIES[code].blocks]
        sizes = [len(cells) for cells in result.breakdowns]
        equations = family_equations(len(rows), blocks, sizes)

        assert determined_vars(equations, hidden) == [], code


def test_definitions_cover_every_published_column_and_agree_on_grade_bands(city):
    result = report(school_year(2025))
    for table in result.tables:
        for column in table.columns:
            indicator = BY_CODE[column.indicator]
            family = FAMILIES[column.family]
            assert indicator.grade_bands == family.grade_bands, column.indicator
    published = {c.indicator for t in result.tables for c in t.columns}
    assert published == set(BY_CODE)

"""An ended period keeps what its disclosure control hid (`IndicatorSnapshot.patterns`):
pages read it instead of suppressing again, and show exactly what suppressing again shows."""

import pytest

from k0.indicators import definitions as d
from k0.indicators import linked
from k0.indicators import report as report_module
from k0.indicators.linked import hidden_numbers, suppress_family, with_hidden
from k0.indicators.models import IndicatorSnapshot
from k0.indicators.periods import school_year
from k0.indicators.report import published_report, report

YEAR = school_year(2025)  # ended on 31 July 2026; the fixture's today is 27 November 2026


def shown(published):
    return [
        (table.code, row.group.code, [(v.number, v.suppressed) for v in row.values])
        for table in published.tables
        for row in [*table.rows, table.total]
    ]


def forbid_suppressing(monkeypatch):
    """Any run of the disclosure control from here on fails the test."""
    linked._suppress_family.cache_clear()

    def refuse(*args, **kwargs):
        raise AssertionError("the disclosure control ran again")

    monkeypatch.setattr(report_module, "suppress_family", refuse)


@pytest.mark.parametrize("threshold", [3, 5])
def test_a_frozen_period_shows_its_stored_pattern_which_is_what_suppressing_shows(
    city, settings, monkeypatch, threshold
):
    settings.K0_SUPPRESSION_THRESHOLD = threshold
    fresh = {by: shown(report(YEAR, by)) for by in [None, *d.BREAKDOWNS]}
    published_report(YEAR)  # the first publication freezes the counts and the pattern
    assert IndicatorSnapshot.objects.get().patterns

    forbid_suppressing(monkeypatch)

    for by in [None, *d.BREAKDOWNS]:
        assert shown(published_report(YEAR, by)) == fresh[by]
    assert any(
        value.suppressed
        for table in published_report(YEAR, d.BREAKDOWN_AREA).tables
        for row in table.rows
        for value in row.values
    ), "the fixture should hide something at this threshold"


def test_another_threshold_suppresses_again_and_stores_its_own_patterns_only(city, settings):
    settings.K0_SUPPRESSION_THRESHOLD = 5
    published_report(YEAR)
    at_five = IndicatorSnapshot.objects.get().patterns

    settings.K0_SUPPRESSION_THRESHOLD = 3
    linked._suppress_family.cache_clear()
    published = published_report(YEAR, d.BREAKDOWN_AREA)

    assert shown(published) == shown(report(YEAR, d.BREAKDOWN_AREA))
    at_three = IndicatorSnapshot.objects.get().patterns
    assert at_three and not set(at_three) & set(at_five)
    assert len(at_three) == len(at_five)


def test_a_pattern_stored_under_other_rules_is_not_used(city, settings, monkeypatch):
    settings.K0_SUPPRESSION_THRESHOLD = 5
    published_report(YEAR)
    before = IndicatorSnapshot.objects.get().patterns
    # As after a change to the code of the disclosure control (or of its solver).
    monkeypatch.setattr(report_module, "_RULES", "other rules")
    linked._suppress_family.cache_clear()
    runs = []
    monkeypatch.setattr(
        report_module,
        "suppress_family",
        lambda *args: runs.append(args) or suppress_family(*args),
    )

    published = published_report(YEAR, d.BREAKDOWN_AREA)

    assert runs
    assert shown(published) == shown(report(YEAR, d.BREAKDOWN_AREA))
    assert set(IndicatorSnapshot.objects.get().patterns).isdisjoint(before)


def test_a_family_is_rebuilt_from_its_hidden_positions_and_the_counts():
    blocks = [2, 1]
    city = [9, 3, 12]
    breakdowns = [[[8, 1, 9], [1, 2, 3]], [[4, 2, 6], [5, 1, 6]]]
    suppressed = suppress_family(blocks, city, breakdowns, threshold=3)
    hidden = hidden_numbers(suppressed)

    assert hidden
    assert with_hidden(blocks, city, breakdowns, 3, hidden) == suppressed
    with pytest.raises(ValueError):
        with_hidden(blocks, city, breakdowns, 3, [(9, 0)])

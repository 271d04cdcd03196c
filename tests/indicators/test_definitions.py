"""The indicator spec (`definitions`) is the one place the pages, exports, counts and docs
read: every indicator is published somewhere, everything published is in the spec."""

import re
from pathlib import Path

import pytest

from k0.indicators import definitions as d
from k0.indicators.exports import as_json, records
from k0.indicators.periods import school_year
from k0.indicators.queries import COUNTERS
from k0.indicators.report import layout, report

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def test_every_indicator_is_shown_in_a_table_and_every_table_shows_indicators_of_the_spec():
    shown = [code for table in d.TABLES for code in table.indicators]

    assert set(shown) <= set(d.BY_CODE)
    assert set(d.BY_CODE) <= set(shown)
    assert len({table.code for table in d.TABLES}) == len(d.TABLES)
    assert len(d.BY_CODE) == len(d.INDICATORS)


def test_every_column_of_the_layout_reads_a_count_of_its_indicators_family():
    for table, columns in layout():
        assert columns, table.code
        for column in columns:
            indicator = d.BY_CODE[column.indicator]
            family = d.FAMILIES[column.family]
            assert column.family == indicator.family
            assert column.column in [*family.columns, d.TOTAL, d.SHARE, d.MEDIAN], column
            assert str(column.label), column


def test_every_family_is_counted_and_every_counter_fills_a_family():
    assert set(COUNTERS) == set(d.FAMILIES)
    assert {indicator.family for indicator in d.INDICATORS} == set(d.FAMILIES)


def test_the_headline_and_the_trend_read_indicators_shown_in_a_table():
    tables = {table.code: table for table in d.TABLES}
    for code in [*d.HEADLINE, *d.TREND]:
        assert code in tables[d.table_of(code)].indicators


@pytest.mark.parametrize("breakdown", [None, *d.BREAKDOWNS])
def test_every_indicator_is_in_the_report_and_its_exports_and_nothing_else(city, breakdown):
    published = report(school_year(2025), breakdown)

    assert [table.code for table in published.tables] == [t.code for t in d.TABLES]
    in_tables = {column.indicator for table in published.tables for column in table.columns}
    assert in_tables == set(d.BY_CODE)
    assert {record["indicator"] for record in records(published)} == set(d.BY_CODE)
    assert [i["code"] for i in as_json(published)["indicators"]] == [i.code for i in d.INDICATORS]
    for record in records(published):
        assert record["unit"] == d.BY_CODE[record["indicator"]].unit


def _documented() -> list[tuple[str, str, str]]:
    """(code, Finnish name, English name) of each row of the docs' Definitions table."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Definitions\n", 1)[1].split("\n## ", 1)[0]
    return [
        (code, fi.strip(), en.strip())
        for code, fi, en in re.findall(r"^\| `(\w+)` \|([^|]+)\|([^|]+)\|", section, re.M)
    ]


def test_the_docs_define_exactly_the_indicators_of_the_spec_with_their_names():
    assert _documented() == [(i.code, i.name_fi, i.name_en) for i in d.INDICATORS]

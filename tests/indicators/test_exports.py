"""CSV, XLSX and JSON exports: what a spreadsheet user or a BI tool reads."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from k0.indicators.exports import FIELDS, build_export
from k0.indicators.periods import school_year
from schools.models import Area

from .conftest import SECRETS

YEAR = school_year(2025)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read ä and ö right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def data_and_notes(rows):
    blank = rows.index([])
    return rows[1:blank], rows[blank + 1 :]


def find(records, indicator, group="total", category=""):
    return next(
        r
        for r in records
        if r["indicator"] == indicator and r["group"] == group and r["category"] == category
    )


def test_build_export_names_the_file_by_period_and_breakdown(city):
    content, content_type, filename = build_export(YEAR, "area", "csv")

    assert content_type == "text/csv; charset=utf-8"
    assert filename == "k0-indicators-2025-08-01-2026-07-31-area.csv"
    assert build_export(YEAR, None, "json")[2] == "k0-indicators-2025-08-01-2026-07-31-total.json"


def test_unknown_format_is_refused(city):
    with pytest.raises(ValueError):
        build_export(YEAR, None, "pdf")


def test_csv_has_one_row_per_published_number_and_the_note(city):
    rows = csv_rows(build_export(YEAR, "area", "csv")[0])
    data, notes = data_and_notes(rows)
    records = [dict(zip(FIELDS, row, strict=True)) for row in data]

    assert rows[0] == FIELDS
    bystanders = find(records, "bystander_parties_resolved")
    assert bystanders["value"] == "45" and bystanders["suppressed"] == "false"
    # Both areas with referrals are hidden, so their city total of 5 is hidden too: published,
    # it would bound each area to 1..4.
    assert find(records, "cases_referred")["value"] == "•"
    hidden = find(records, "cases_referred", group=str(city["areas"]["south"].pk))
    assert hidden["value"] == "•" and hidden["suppressed"] == "true"
    zero = find(records, "referral_sources", category="health_care")
    assert zero["value"] == "0"
    assert [n[0] for n in notes] == ["note", "note", "note", "note"]
    assert "alle 5 henkilöä" in notes[0][1]
    assert "färre än 5 personer" in notes[1][1]
    assert "fewer than 5 persons" in notes[2][1]
    assert "27.11.2026" in notes[3][1]  # the figures of the ended year, frozen today


def test_csv_lists_a_shared_total_once(city):
    data, _notes = data_and_notes(csv_rows(build_export(YEAR, None, "csv")[0]))
    keys = [(row[3], row[8], row[10]) for row in data]

    assert len(keys) == len(set(keys))
    assert keys.count(("cases_referred", "total", "")) == 1


def test_xlsx_reads_back_with_the_marker_the_note_and_the_definitions(city):
    workbook = load_workbook(io.BytesIO(build_export(YEAR, "area", "xlsx")[0]))
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]

    assert rows[0] == FIELDS
    records = [
        {k: "" if v is None else v for k, v in zip(FIELDS, r, strict=True)}  # empty cells
        for r in rows[1:]
        if r[0] and r[0] != "note"
    ]
    assert find(records, "bystander_parties_resolved")["value"] == 45
    south = str(city["areas"]["south"].pk)
    assert find(records, "cases_closed", group=south)["value"] == "•"
    notes = [r[1] for r in rows if r[0] == "note"]
    assert any("fewer than 5 persons" in n for n in notes)
    definitions = workbook.worksheets[1]
    codes = [r[0] for r in definitions.iter_rows(min_row=2, values_only=True)]
    assert "central_parties_resolved" in codes and "bystander_parties_resolved" in codes


def test_json_has_null_for_hidden_numbers_and_the_note_in_three_languages(city):
    document = json.loads(build_export(YEAR, "area", "json")[0])

    assert document["format"] == "k0-indicators/1"
    assert document["period"] == {
        "kind": "school_year",
        "start": "2025-08-01",
        "end": "2026-07-31",
        "label": "2025–2026",
        "complete": True,
    }
    assert document["threshold"] == 5
    assert document["resolved_outcomes"] == ["resolved", "improved"]
    assert set(document["note"]) == {"fi", "sv", "en"}
    south = str(city["areas"]["south"].pk)
    hidden = find(document["data"], "cases_referred", group=south)
    assert hidden["value"] is None and hidden["suppressed"] is True
    assert find(document["data"], "bystander_parties_resolved")["value"] == 45
    names = {i["code"]: i["name"] for i in document["indicators"]}
    assert names["central_parties_resolved"] == {
        "fi": "Keskeiset osalliset ratkaistuissa tapauksissa",
        "en": "Central parties in resolved cases",
    }


def test_json_median_of_no_cases_is_null_but_not_suppressed(city, no_suppression):
    document = json.loads(build_export(YEAR, "area", "json")[0])
    north = str(Area.objects.get(name="Pohjoinen").pk)

    median = find(document["data"], "median_days_to_closure", group=north)
    assert median["value"] is None and median["suppressed"] is False
    assert find(document["data"], "median_days_to_closure")["value"] == 243


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("by", [None, "area", "school_kind", "grade_band"])
def test_no_name_note_or_case_reference_in_any_export(city, no_suppression, fmt, by):
    content = build_export(YEAR, by, fmt)[0]
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(content))
        text = "\n".join(
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    else:
        text = content.decode("utf-8-sig")

    for secret in [*SECRETS, *(case.reference for case in city["cases"])]:
        assert secret not in text


def test_area_name_that_looks_like_a_formula_is_not_a_formula(city):
    area = city["areas"]["east"]
    area.name = '=HYPERLINK("http://example.invalid","x")'
    area.save()

    rows = csv_rows(build_export(YEAR, "area", "csv")[0])
    workbook = load_workbook(io.BytesIO(build_export(YEAR, "area", "xlsx")[0]))
    cells = [c for row in workbook.worksheets[0].iter_rows() for c in row]

    assert any(row[9] == "'" + area.name for row in rows if len(row) > 9)
    assert all(c.data_type != "f" for c in cells)

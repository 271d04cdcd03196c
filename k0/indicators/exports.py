"""Indicator exports: CSV, XLSX and JSON, all from the same published `Report`.

`build_export(period, breakdown, fmt)` is self-contained (it reads the published figures,
frozen for an ended period, suppresses and renders), so it can run in a background job
exactly as it runs in a request now.

Every export is a flat list of records, one per published number, which BI tools read
without reshaping. A hidden number is `null` in JSON and the marker in CSV and XLSX; each
file carries the note explaining the marker in Finnish, Swedish and English.
"""

from __future__ import annotations

import csv
import io
import json

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import definitions as d
from .periods import Period
from .report import Report, published_report

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FIELDS = [
    "period_start",
    "period_end",
    "period",
    "indicator",
    "indicator_name_fi",
    "indicator_name_en",
    "unit",
    "breakdown",
    "group",
    "group_name",
    "category",
    "category_name",
    "value",
    "suppressed",
]
JSON_FORMAT = "k0-indicators/1"


def build_export(period: Period, breakdown: str | None, fmt: str) -> tuple[bytes, str, str]:
    """The export of one period and breakdown: (content, content type, file name)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    published = published_report(period, breakdown)
    render = {"csv": render_csv, "xlsx": render_xlsx, "json": render_json}[fmt]
    return render(published), FORMATS[fmt], filename(period, breakdown, fmt)


def filename(period: Period, breakdown: str | None, fmt: str) -> str:
    return (
        f"k0-indicators-{period.start.isoformat()}-{period.end.isoformat()}"
        f"-{breakdown or d.CITY}.{fmt}"
    )


def records(published: Report) -> list[dict]:
    """One record per published number; a number shown in two tables is listed once."""
    period = published.period
    seen = set()
    out = []
    # The English name switches the language for each call: look it up once per indicator.
    english = {}
    for table in published.tables:
        for row in [*table.rows, table.total]:
            for column, value in zip(table.columns, row.values, strict=True):
                key = (column.indicator, column.category, row.group.breakdown, row.group.code)
                if key in seen:
                    continue
                seen.add(key)
                indicator = d.BY_CODE[column.indicator]
                if indicator.code not in english:
                    english[indicator.code] = indicator.name_en
                out.append(
                    {
                        "period_start": period.start.isoformat(),
                        "period_end": period.end.isoformat(),
                        "period": period.label,
                        "indicator": indicator.code,
                        "indicator_name_fi": indicator.name_fi,
                        "indicator_name_en": english[indicator.code],
                        "unit": indicator.unit,
                        "breakdown": row.group.breakdown,
                        "group": row.group.code,
                        "group_name": str(row.group.label),
                        "category": column.category or "",
                        "category_name": str(column.label) if column.category else "",
                        "value": value.number,
                        "suppressed": value.suppressed,
                    }
                )
    return out


def _cell(value):
    """A record value as text for CSV/XLSX; a formula-looking text is neutralised."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _rows(published: Report) -> list[list]:
    rows = []
    for record in records(published):
        row = []
        for name in FIELDS:
            value = record[name]
            if name == "value":
                value = d.MARKER if record["suppressed"] else ("" if value is None else value)
            elif name == "suppressed":
                value = "true" if value else "false"
            row.append(_cell(value))
        rows.append(row)
    return rows


def _notes(published: Report) -> list[list[str]]:
    notes = d.suppression_note(published.threshold)
    rows = [["note", notes[lang]] for lang in ("fi", "sv", "en")]
    if published.frozen_at is not None:
        rows.append(["note", frozen_note(published)])
    if not published.is_complete:
        rows.append(["note", _("The period has not ended yet: the figures will still change.")])
    return rows


def frozen_note(published: Report) -> str:
    """ "Figures frozen on <date>", in the user's language."""
    return _(
        "Figures frozen on %(date)s: later changes to cases do not change the figures of "
        "an ended period."
    ) % {"date": date_format(timezone.localtime(published.frozen_at), "SHORT_DATE_FORMAT")}


def render_csv(published: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    writer.writerows(_rows(published))
    writer.writerow([])
    writer.writerows(_notes(published))
    # UTF-8 with a byte order mark, so spreadsheet programs read ä and ö right.
    return out.getvalue().encode("utf-8-sig")


def render_xlsx(published: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Indicators")[:31]
    sheet.append(FIELDS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(published):
        sheet.append(row)
    sheet.append([])
    for row in _notes(published):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJKLMN", [12, 12, 12, 28, 40, 40, 12, 14, 16, 30, 18, 30, 8, 10], strict=True
    ):
        sheet.column_dimensions[column].width = width

    definitions = workbook.create_sheet(_("Definitions")[:31])
    definitions.append(["indicator", "name_fi", "name_en", "unit", "rule"])
    for cell in definitions[1]:
        cell.font = Font(bold=True)
    for indicator in d.INDICATORS:
        definitions.append(
            [
                indicator.code,
                indicator.name_fi,
                indicator.name_en,
                indicator.unit,
                _cell(str(indicator.rule)),
            ]
        )
    definitions.append([])
    definitions.append(["resolved_outcomes", ", ".join(published.resolved_outcomes)])
    definitions.append(["threshold", published.threshold])

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def as_json(published: Report) -> dict:
    period = published.period
    return {
        "format": JSON_FORMAT,
        "generated_at": timezone.localtime(published.generated_at).isoformat(),
        "frozen_at": (
            timezone.localtime(published.frozen_at).isoformat() if published.frozen_at else None
        ),
        "period": {
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
            "complete": published.is_complete,
        },
        "breakdown": published.breakdown or d.CITY,
        "threshold": published.threshold,
        "resolved_outcomes": published.resolved_outcomes,
        "note": d.suppression_note(published.threshold),
        "indicators": [
            {
                "code": i.code,
                "name": i.names(),
                "unit": i.unit,
                "rule": str(i.rule),
                "breakdowns": [
                    b for b in d.BREAKDOWNS if b != d.BREAKDOWN_GRADE_BAND or i.grade_bands
                ],
            }
            for i in d.INDICATORS
        ],
        "data": [
            {k: v for k, v in record.items() if k not in ("period_start", "period_end", "period")}
            for record in records(published)
        ],
    }


def render_json(published: Report) -> bytes:
    return json.dumps(as_json(published), ensure_ascii=False, indent=1).encode()

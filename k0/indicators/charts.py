"""Charts of published indicators as SVG images (pygal), with no script in them.

The pages show a chart as `<img src="…svg">`: an image cannot run script, and the page's
strict Content Security Policy stays as it is (pygal's SVG carries its own `<style>`, which
the policy would block inside the page). The chart is decorative: the same numbers are in a
data table next to it. Hidden (suppressed) numbers are left out of the chart, never drawn
as zero.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from .definitions import BY_CODE, TREND
from .report import Report

# Helsinki Design System brand colours: coat-of-arms blue, tram green, metro orange, …
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#666666",
    font_family="HelsinkiGrotesk, Arial, sans-serif",
    colors=("#0000bf", "#009246", "#bd2719", "#fd4f00", "#9fc9eb", "#00d7a7", "#ffc61e"),
    title_font_size=18,
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=14,
)
CONFIG = dict(
    style=STYLE,
    js=[],
    width=800,
    height=420,
    print_values=True,
    show_y_guides=True,
    legend_at_bottom=True,
    truncate_legend=-1,
    truncate_label=-1,
    margin=16,
)


def _svg(chart) -> bytes:
    """Renders the chart and drops pygal's configuration `<script>`."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return ET.tostring(tree, encoding="utf-8", xml_declaration=True)


def _number(value):
    return None if value.number is None else value.number


def data_uri(svg: bytes) -> str:
    """A chart for an <img> inside the page itself: no second request recomputing the report.

    As an image the SVG runs no script and its own style applies to it alone, so the page's
    policy (`img-src 'self' data:`) needs no exception.
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _column(table, indicator: str, category: str | None = None) -> int:
    return next(
        i
        for i, column in enumerate(table.columns)
        if (column.indicator, column.category) == (indicator, category)
    )


def parties_chart(report: Report) -> bytes:
    """The headline: central and bystander parties in resolved cases."""
    table = report.table("parties")
    rows = table.rows or [table.total]
    chart = pygal.Bar(title=str(table.title), **CONFIG)
    chart.x_labels = [str(row.group.label) for row in rows]
    for indicator in ("central_parties_resolved", "bystander_parties_resolved"):
        i = _column(table, indicator)
        chart.add(str(table.columns[i].label), [_number(row.values[i]) for row in rows])
    return _svg(chart)


def outcomes_chart(report: Report) -> bytes:
    """Cases closed in the period by outcome, city-wide."""
    table = report.table("closed")
    columns = [c for c in table.columns if c.indicator == "cases_closed_by_outcome"]
    chart = pygal.HorizontalBar(title=str(table.title), show_legend=False, **CONFIG)
    chart.x_labels = [str(c.label) for c in columns]
    values = table.total.values
    chart.add(
        str(BY_CODE["cases_closed"].label),
        [_number(values[table.columns.index(c)]) for c in columns],
    )
    return _svg(chart)


def trend_chart(reports: list[Report]) -> bytes:
    chart = pygal.Line(title=_("Trend over the years"), **CONFIG)
    chart.x_labels = [r.period.label for r in reports]
    for code in TREND:
        chart.add(str(BY_CODE[code].label), [_number(r.city_figure(code)) for r in reports])
    return _svg(chart)

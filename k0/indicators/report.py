"""Indicator tables as they may be published: counted, rolled up, suppressed, laid out.

Every population (a family of `definitions.FAMILIES`) is suppressed once for all its
breakdowns together (`linked.suppress_family`), so whichever breakdown a page, chart or
export shows, the city row and every shared total carry the same pattern: one table can
never reveal what another hides. Pages, charts and exports all read a `Report`; none of
them counts on its own. The tables and their columns are the ones `definitions.TABLES` and
`definitions.INDICATORS` declare.

What is published comes from `published_reports`: an ended calendar or school year is
counted once, the first time it is published (or by the nightly `freeze`), and served from
its frozen counts (`models.IndicatorSnapshot`) from then on, so reopening or editing a case
later never rewrites a year already reported. `reports` counts afresh, for anything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import scipy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from k0.cases.choices import Outcome
from schools.models import SchoolKind, localized_area_names

from . import definitions as d
from . import linked, suppression
from .definitions import FAMILIES, MEDIAN, SHARE, TOTAL
from .linked import SuppressedFamily, hidden_numbers, suppress_family, with_hidden
from .models import IndicatorSnapshot
from .periods import FIXED_KINDS, Period, has_ended
from .queries import Collected, PeriodCounts, collect


@dataclass(frozen=True)
class Group:
    """A row of a table: the whole city, or one area, school kind or grade band."""

    breakdown: str  # d.CITY or one of d.BREAKDOWNS
    code: str
    label: object


@dataclass(frozen=True)
class Value:
    """A published number. `None` with `suppressed` is hidden; `None` alone means there is
    nothing to show (e.g. a median of no cases)."""

    number: int | float | None
    suppressed: bool = False


@dataclass(frozen=True)
class ColumnSpec:
    indicator: str
    category: str | None
    label: object
    family: str
    column: str  # a family column code, TOTAL, SHARE or MEDIAN
    is_total: bool = False


@dataclass(frozen=True)
class Row:
    group: Group
    values: list[Value]


@dataclass(frozen=True)
class Table:
    code: str
    title: object
    description: object
    columns: list[ColumnSpec]
    rows: list[Row]  # the chosen breakdown; empty for the city total alone
    total: Row
    breakdown_available: bool = True

    @property
    def body(self) -> list[tuple[Group, list[tuple[ColumnSpec, Value]]]]:
        """Rows for templates: each group with its (column, value) pairs."""
        return [(row.group, list(zip(self.columns, row.values, strict=True))) for row in self.rows]

    @property
    def footer(self) -> tuple[Group, list[tuple[ColumnSpec, Value]]]:
        return self.total.group, list(zip(self.columns, self.total.values, strict=True))


@dataclass(frozen=True)
class Report:
    period: Period
    breakdown: str | None
    threshold: int
    resolved_outcomes: list[str]
    tables: list[Table]
    generated_at: dt.datetime = field(default_factory=timezone.now)
    # When the counts of an ended period were frozen; None for figures counted just now.
    frozen_at: dt.datetime | None = None

    def table(self, code: str) -> Table:
        return next(t for t in self.tables if t.code == code)

    def headline(self) -> list[tuple[d.Indicator, Value]]:
        """City figures for the dashboard cards, the programme's headline first."""
        return [(d.BY_CODE[code], self.city_figure(code)) for code in d.HEADLINE]

    def city_figure(self, indicator: str) -> Value:
        """The whole-city figure of an indicator, from the first table that shows it."""
        return self.city_value(d.table_of(indicator), indicator)

    def city_value(self, table: str, indicator: str, category: str | None = None) -> Value:
        t = self.table(table)
        for column, value in zip(t.columns, t.total.values, strict=True):
            if column.indicator == indicator and column.category == category:
                return value
        raise KeyError((table, indicator, category))

    @property
    def is_complete(self) -> bool:
        """False while the period is still running: its figures will change."""
        return has_ended(self.period, timezone.localdate())

    @property
    def resolved_labels(self) -> list[str]:
        """The outcomes counted as resolved in these figures, as the user reads them."""
        labels = dict(Outcome.choices)
        return [str(labels.get(code, code)) for code in self.resolved_outcomes]


# --- table layout --------------------------------------------------------------------------


@cache
def layout() -> list[tuple[d.TableSpec, list[ColumnSpec]]]:
    """Every table of `definitions.TABLES` with the columns its indicators publish."""
    return [
        (
            table,
            [
                ColumnSpec(
                    code,
                    cell.category,
                    cell.label,
                    indicator.family,
                    cell.column,
                    is_total=cell.column == TOTAL,
                )
                for code in table.indicators
                for indicator in [d.BY_CODE[code]]
                for cell in indicator.columns
            ],
        )
        for table in d.TABLES
    ]


# --- building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Published:
    """A suppressed family, addressable by breakdown, row and column code."""

    family: str
    groups: dict[str, list[Group]]  # breakdown -> rows, in order
    suppressed: SuppressedFamily
    order: list[str]  # breakdown names, in the order given to suppress_family
    columns: list[str]

    @cached_property
    def _position(self) -> dict[str, int]:
        return {column: i for i, column in enumerate(self.columns)}

    def value(self, breakdown: str, index: int, column: str) -> Value:
        if breakdown == d.CITY:
            cells, total = self.suppressed.city, self.suppressed.city_total
        else:
            b = self.order.index(breakdown)
            cells = self.suppressed.breakdowns[b][index]
            total = self.suppressed.breakdown_totals[b][index]
        number = total if column == TOTAL else cells[self._position[column]]
        return Value(number, suppressed=number is None)


def _groups(areas: list[tuple[int, str]], grade_bands: bool) -> dict[str, list[Group]]:
    groups = {
        d.BREAKDOWN_AREA: [Group(d.BREAKDOWN_AREA, str(pk), name) for pk, name in areas],
        d.BREAKDOWN_SCHOOL_KIND: [
            Group(d.BREAKDOWN_SCHOOL_KIND, value, label) for value, label in SchoolKind.choices
        ],
    }
    if grade_bands:
        groups[d.BREAKDOWN_GRADE_BAND] = [
            Group(d.BREAKDOWN_GRADE_BAND, band.code, band.label) for band in d.GRADE_BANDS
        ]
    return groups


def _matches(breakdown: str, group: Group, key) -> bool:
    area, kind, band = key
    if breakdown == d.BREAKDOWN_AREA:
        return str(area) == group.code
    if breakdown == d.BREAKDOWN_SCHOOL_KIND:
        return kind == group.code
    return band == group.code


# What decides a pattern besides the numbers: the code of the disclosure control and the
# solver it runs. A stored pattern is used only under the same rules that made it.
_RULES = hashlib.sha256(
    b"".join(Path(module.__file__).read_bytes() for module in (linked, suppression))
    + scipy.__version__.encode()
).hexdigest()


@dataclass
class Patterns:
    """The disclosure control of an ended period, kept with its frozen counts: the positions
    each family's suppression hid, by `key` — everything the pattern was computed from, so
    a pattern is reused only where running the suppression again would give the same one.

    `stored` is what the snapshot holds; `used` what this report found there or computed,
    which is what the snapshot should hold from now on.
    """

    stored: dict[str, list[list[int]]] = field(default_factory=dict)
    used: dict[str, list[list[int]]] = field(default_factory=dict)

    @staticmethod
    def key(blocks, city, breakdowns, threshold: int) -> str:
        payload = json.dumps([_RULES, blocks, city, breakdowns, threshold])
        return hashlib.sha256(payload.encode()).hexdigest()

    def suppress(self, blocks, city, breakdowns, threshold: int) -> SuppressedFamily:
        key = self.key(blocks, city, breakdowns, threshold)
        if key in self.stored:
            self.used[key] = self.stored[key]
            return with_hidden(blocks, city, breakdowns, threshold, self.stored[key])
        suppressed = suppress_family(blocks, city, breakdowns, threshold)
        self.used[key] = [list(var) for var in hidden_numbers(suppressed)]
        return suppressed


def _publish(
    code: str, counts: PeriodCounts, areas, threshold: int, patterns: Patterns | None = None
) -> _Published:
    """The family suppressed: by the stored pattern of an ended period, if it has one."""
    family = FAMILIES[code]
    columns = family.columns
    fine = counts.families.get(code, {})
    groups = _groups(areas, family.grade_bands)
    # A breakdown without rows (no areas defined yet) cannot be published, nor suppressed.
    order = [name for name, rows in groups.items() if rows]

    def vector(keys) -> list[int]:
        total: Counter = Counter()
        for key in keys:
            total.update(fine[key])
        return [total[c] for c in columns]

    city = vector(fine)
    breakdowns = [
        [vector([k for k in fine if _matches(name, group, k)]) for group in groups[name]]
        for name in order
    ]
    blocks = [len(block.columns) for block in family.blocks]
    suppress = patterns.suppress if patterns is not None else suppress_family
    suppressed = suppress(blocks, city, breakdowns, threshold)
    return _Published(code, groups, suppressed, order, columns)


def _published(
    counts: PeriodCounts, areas, threshold: int, patterns: Patterns | None = None
) -> dict[str, _Published]:
    return {code: _publish(code, counts, areas, threshold, patterns) for code in FAMILIES}


def _median(histogram: Counter) -> int | float | None:
    n = sum(histogram.values())
    if not n:
        return None
    ordered = sorted(histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for days, count in ordered:
            seen += count
            if index < seen:
                return days
        raise IndexError(index)  # pragma: no cover

    if n % 2:
        return nth(n // 2)
    middle = (nth(n // 2 - 1) + nth(n // 2)) / 2
    return int(middle) if middle == int(middle) else middle


def _derived(column: ColumnSpec, published: dict, counts: PeriodCounts, breakdown, index, group):
    family = published[column.family]
    if column.column == SHARE:
        part = family.value(breakdown, index, "police:with")
        whole = family.value(breakdown, index, TOTAL)
        if part.suppressed or whole.suppressed:
            return Value(None, suppressed=True)
        if not whole.number:
            return Value(None)
        return Value(round(100 * part.number / whole.number, 1))
    # The median: only where the number of cases it describes is published (0 or at least
    # the threshold), so a median of one or two cases never appears.
    closed = family.value(breakdown, index, TOTAL)
    if closed.suppressed:
        return Value(None, suppressed=True)
    histogram: Counter = Counter()
    for key, days in counts.closure_days.items():
        if breakdown == d.CITY or _matches(breakdown, group, key):
            histogram.update(days)
    return Value(_median(histogram))


def _row(columns, published, counts, breakdown: str, index: int, group: Group) -> Row:
    values = []
    for column in columns:
        if column.column in (SHARE, MEDIAN):
            values.append(_derived(column, published, counts, breakdown, index, group))
        else:
            values.append(published[column.family].value(breakdown, index, column.column))
    return Row(group, values)


def build_report(
    period: Period,
    breakdown: str | None,
    counts: PeriodCounts,
    areas: list[tuple[int, str]],
    *,
    threshold: int | None = None,
    resolved: list[str] | None = None,
    frozen_at: dt.datetime | None = None,
    patterns: Patterns | None = None,
) -> Report:
    threshold = threshold or d.threshold()
    published = _published(counts, areas, threshold, patterns)
    tables = []
    for spec, columns in layout():
        available = breakdown is None or all(
            breakdown in published[column.family].groups for column in columns
        )
        rows = []
        if breakdown and available:
            groups = published[columns[0].family].groups[breakdown]
            rows = [
                _row(columns, published, counts, breakdown, i, group)
                for i, group in enumerate(groups)
            ]
        city = Group(d.CITY, d.CITY, _("Whole city"))
        tables.append(
            Table(
                code=spec.code,
                title=spec.title,
                description=spec.rule,
                columns=columns,
                rows=rows,
                total=_row(columns, published, counts, d.CITY, 0, city),
                breakdown_available=available,
            )
        )
    return Report(
        period=period,
        breakdown=breakdown,
        threshold=threshold,
        resolved_outcomes=resolved if resolved is not None else d.resolved_outcomes(),
        tables=tables,
        frozen_at=frozen_at,
    )


def reports(periods: list[Period], breakdown: str | None = None) -> list[Report]:
    """Reports for several periods from one set of queries (a trend costs no more queries)."""
    resolved = d.resolved_outcomes()
    collected: Collected = collect(periods, resolved)
    areas = localized_area_names(collected.areas) if breakdown else collected.areas
    return [
        build_report(p, breakdown, collected.periods[p], areas, resolved=resolved) for p in periods
    ]


def report(period: Period, breakdown: str | None = None) -> Report:
    return reports([period], breakdown)[0]


# --- frozen figures of ended periods ---------------------------------------------------------

# Periods counted together when freezing: a first freeze of many years stays a few
# moderate queries instead of one very wide one.
FREEZE_BATCH = 13  # a trend's 12 years and its cumulative total


def is_frozen_kind(period: Period, today: dt.date | None = None) -> bool:
    """Whether `period` is published from frozen counts: an ended calendar or school year."""
    return period.kind in FIXED_KINDS and has_ended(period, today or timezone.localdate())


def _snapshots(periods: list[Period]) -> dict[tuple[dt.date, dt.date], IndicatorSnapshot]:
    if not periods:
        return {}
    wanted = {(p.start, p.end) for p in periods}
    found = IndicatorSnapshot.objects.filter(
        definitions_version=d.DEFINITIONS_VERSION,
        period_start__in={start for start, _end in wanted},
        period_end__in={end for _start, end in wanted},
    )
    return {
        (s.period_start, s.period_end): s for s in found if (s.period_start, s.period_end) in wanted
    }


def freeze(periods: list[Period]) -> dict[tuple[dt.date, dt.date], IndicatorSnapshot]:
    """The frozen counts of these ended periods, counted and stored now for those without.

    Safe to run twice at once (two first viewers, or a viewer and the nightly task): the
    unique constraint lets one insert win, the other's is ignored, and both serve the
    stored winner, so everyone sees the same figures from the first moment on.
    """
    today = timezone.localdate()
    periods = [p for p in dict.fromkeys(periods) if is_frozen_kind(p, today)]
    snapshots = _snapshots(periods)
    missing = [p for p in periods if (p.start, p.end) not in snapshots]
    if not missing:
        return snapshots
    resolved = d.resolved_outcomes()
    threshold = d.threshold()
    for i in range(0, len(missing), FREEZE_BATCH):
        batch = missing[i : i + FREEZE_BATCH]
        collected = collect(batch, resolved)
        snapshots_of_batch = []
        for p in batch:
            counts = collected.periods[p].as_data()
            # Suppressed now, so that the first page shown (and every worker after a
            # restart) reads the pattern rather than running the disclosure control again.
            patterns = Patterns()
            _published(PeriodCounts.from_data(counts), collected.areas, threshold, patterns)
            snapshots_of_batch.append(
                IndicatorSnapshot(
                    period_kind=p.kind,
                    period_start=p.start,
                    period_end=p.end,
                    definitions_version=d.DEFINITIONS_VERSION,
                    counts={
                        "areas": [list(area) for area in collected.areas],
                        "resolved_outcomes": resolved,
                        **counts,
                    },
                    patterns=patterns.used,
                )
            )
        IndicatorSnapshot.objects.bulk_create(snapshots_of_batch, ignore_conflicts=True)
    return {**snapshots, **_snapshots(missing)}


def _from_snapshot(period: Period, breakdown: str | None, snapshot: IndicatorSnapshot) -> Report:
    data = snapshot.counts
    patterns = Patterns(stored=snapshot.patterns)
    published = build_report(
        period,
        breakdown,
        PeriodCounts.from_data(data),
        localized_area_names([(pk, name) for pk, name in data["areas"]]),
        resolved=list(data["resolved_outcomes"]),
        frozen_at=snapshot.frozen_at,
        patterns=patterns,
    )
    if patterns.used != patterns.stored:
        # Another threshold or new rules since they were stored. Two workers doing this at
        # once store the same: each pattern is a function of what is in its key.
        IndicatorSnapshot.objects.filter(pk=snapshot.pk).update(patterns=patterns.used)
    return published


def published_reports(periods: list[Period], breakdown: str | None = None) -> list[Report]:
    """Reports as published: ended calendar and school years from their frozen counts
    (frozen now if this is their first publication), any other period counted now.

    Pages, charts, exports, the PDF and the API only ever ask for ended periods; a running
    period or a free range reaches here only from the operator's `export_indicators`.
    """
    snapshots = freeze(periods)
    live = [p for p in periods if (p.start, p.end) not in snapshots or p.kind not in FIXED_KINDS]
    counted = dict(zip(live, reports(live, breakdown), strict=True)) if live else {}
    return [
        counted[p] if p in counted else _from_snapshot(p, breakdown, snapshots[(p.start, p.end)])
        for p in periods
    ]


def published_report(period: Period, breakdown: str | None = None) -> Report:
    return published_reports([period], breakdown)[0]

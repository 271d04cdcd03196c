"""The raw counts behind the indicators, aggregated in the database.

`collect(periods)` runs a fixed number of grouped queries (one per population, a second one
for staff who took part in an intervention, and the list of areas), however many cases or
periods there are. Each population (`definitions.FAMILIES`) is counted by its own function,
registered in `COUNTERS`; each query groups by the finest breakdown the tables need — (area,
school kind), and grade for pupils — and counts every period at once with a filtered
COUNT/SUM per period. The area, school-kind, grade-band and
city figures are then sums of these groups, so the breakdowns always add up.

Only categorical fields are read; no name, note or case reference leaves the database.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from operator import or_

from django.db import connection, models
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Extract, Floor, TruncDate
from django.utils import timezone

from k0.cases.choices import (
    AgreementsAssessment,
    BullyingAssessment,
    BullyingForm,
    InterventionKind,
    InterventionStatus,
    NoticeKind,
    Outcome,
    PartyKind,
    ReferralSource,
    SituationAssessment,
)
from k0.cases.models import Case, FollowUp, FollowUpAnswer, Intervention, Party, PartyGroup
from k0.cases.models_duties import POLICE_NOTICES, StatutoryNotice
from schools.models import Area

from .definitions import (
    NOT_ASSESSED,
    grade_band,
    is_bystander_party,
    is_central_party,
)
from .periods import Period

# A group of the finest breakdown: area id, school kind, grade band (None for case counts).
Key = tuple[int, str, str | None]


@dataclass
class PeriodCounts:
    """Counts of one period: per family, per finest group, per column code."""

    families: dict[str, dict[Key, Counter]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    # Days from referral to closure of the cases closed: per (area, kind) group, a histogram.
    closure_days: dict[Key, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, family: str, key: Key, column: str, n: int) -> None:
        if n:
            self.families[family][key][column] += n

    def as_data(self) -> dict:
        """The counts as plain JSON data (lists, strings, ints), zeros left out."""
        return {
            "families": [
                [family, list(key), {c: n for c, n in sorted(columns.items()) if n}]
                for family, groups in sorted(self.families.items())
                for key, columns in sorted(groups.items(), key=lambda item: repr(item[0]))
            ],
            "closure_days": [
                [list(key), [[days, n] for days, n in sorted(histogram.items()) if n]]
                for key, histogram in sorted(self.closure_days.items(), key=lambda i: repr(i[0]))
            ],
        }

    @classmethod
    def from_data(cls, data: dict) -> PeriodCounts:
        """The counts `as_data` wrote: `from_data(c.as_data())` builds the same report as c."""
        counts = cls()
        for family, key, columns in data["families"]:
            for column, n in columns.items():
                counts.add(family, tuple(key), column, n)
        for key, histogram in data["closure_days"]:
            for days, n in histogram:
                counts.closure_days[tuple(key)][days] += n
        return counts


@dataclass(frozen=True)
class Collected:
    areas: list[tuple[int, str]]  # (id, name), in the fixed order of the tables
    periods: dict[Period, PeriodCounts]


def local_midnight(day: dt.date) -> dt.datetime:
    """Start of `day` in Helsinki: a case closed at 00:30 on 1 Aug local time is in August."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def _closed_in(period: Period, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}closed_at__gte": local_midnight(period.start),
            f"{prefix}closed_at__lt": local_midnight(period.end + dt.timedelta(days=1)),
        }
    )


def _dated_in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lte": period.end})


def _any(qs: list[Q]) -> Q:
    return reduce(or_, qs)


# Code sets of the choices, built once: `TextChoices.values` builds a new list on every access,
# which costs more than the queries themselves when checked row by row.
_SOURCES = frozenset(ReferralSource.values)
_FORMS = tuple(BullyingForm.values)
_NOTICES = tuple(NoticeKind.values)
_OUTCOMES = frozenset(Outcome.values)
_INTERVENTION_KINDS = frozenset(InterventionKind.values)
_ASSESSMENTS = {
    "bullying": frozenset(BullyingAssessment.values),
    "situation": frozenset(SituationAssessment.values),
    "agreements": frozenset(AgreementsAssessment.values),
}


def _utc_offsets(start: dt.datetime, end: dt.datetime) -> tuple[tuple[dt.datetime, int], ...]:
    """The local time zone's UTC offsets (in minutes) between two instants.

    A list of (instant the offset takes effect, offset): the first instant is `start`, each
    further one a daylight-saving change. Kept per process: a twelve-year trend takes some
    20 ms to work out, and the same periods are asked for again and again.
    """
    return _offset_changes(start, end, timezone.get_default_timezone_name())


@lru_cache(maxsize=64)
def _offset_changes(start: dt.datetime, end: dt.datetime, zone: str):
    # Changes happen on the quarter hour at the finest (on the hour in Helsinki), so checking
    # every quarter of every day whose offset differs from the day before finds them all.
    tz = zoneinfo.ZoneInfo(zone)

    def offset(instant: dt.datetime) -> int:
        return int(instant.astimezone(tz).utcoffset().total_seconds() // 60)

    quarter = dt.timedelta(minutes=15)
    start = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    changes = [(start, offset(start))]
    day = start
    while day < end:
        following = day + dt.timedelta(days=1)
        if offset(following) != changes[-1][1]:
            instant = day
            while offset(instant) == changes[-1][1]:
                instant += quarter
            changes.append((instant, offset(instant)))
        day = following
    return tuple(changes)


# --- the one place that depends on the database --------------------------------------------


class _PostgreSQL:
    @staticmethod
    def epoch(name: str):
        """Seconds since 1970 (UTC) of a stored time, as an integer: 60,000 party rows
        arrive several times faster than with a time zone-aware datetime each."""
        # In UTC: Django would otherwise extract from the local wall-clock time.
        return Cast(Floor(Extract(name, "epoch", tzinfo=dt.UTC)), IntegerField())

    @staticmethod
    def has_form(form: str) -> Q:
        """Whether a case's forms of bullying (a JSON list of codes) include `form`."""
        return Q(forms_of_bullying__has_key=form)

    @staticmethod
    def closure_days(periods: list[Period]):
        """Days from referral to closure (local dates) of a case: PostgreSQL converts to
        local time itself."""
        return ExpressionWrapper(
            TruncDate("closed_at", tzinfo=timezone.get_default_timezone()) - F("referred_on"),
            output_field=DurationField(),
        )


class _SQLite:
    @staticmethod
    def epoch(name: str):
        # Stored as UTC text; strftime('%s') gives the seconds since 1970.
        return Cast(Func(Value("%s"), F(name), function="strftime"), IntegerField())

    @staticmethod
    def has_form(form: str) -> Q:
        # The quoted code in the list's text: the quotes keep one code from matching inside
        # another. `forms_text` is aliased by the query of cases referred.
        return Q(forms_text__contains=f'"{form}"')

    @staticmethod
    def closure_days(periods: list[Period]):
        """SQLite has no time zones, and Django's `TruncDate` calls back into Python twice
        per row there (the slowest part of the whole report), so the local date is computed
        in SQL instead: the stored UTC time shifted by the offset in force at that instant,
        taken from the daylight-saving changes of the periods asked for."""
        first = local_midnight(min(p.start for p in periods))
        last = local_midnight(max(p.end for p in periods) + dt.timedelta(days=1))
        changes = _utc_offsets(first, last)
        shift = models.Case(
            *(
                models.When(closed_at__lt=instant, then=Value(f"{minutes:+d} minutes"))
                for (instant, _), (_, minutes) in zip(changes[1:], changes, strict=False)
            ),
            default=Value(f"{changes[-1][1]:+d} minutes"),
            output_field=CharField(),
        )
        local_date = Func(F("closed_at"), shift, function="date", output_field=CharField())
        return Cast(
            ExpressionWrapper(
                Func(local_date, function="julianday")
                - Func(F("referred_on"), function="julianday"),
                output_field=FloatField(),
            ),
            IntegerField(),
        )


def _sql() -> type[_PostgreSQL] | type[_SQLite]:
    """The SQL of the database in use: the only place that asks which one it is."""
    return _PostgreSQL if connection.vendor == "postgresql" else _SQLite


def _days(row: dict) -> int:
    """Days from referral to closure of a row selected with `closure_days`."""
    days = row["days"]
    return days if isinstance(days, int) else days.days


# --- counting, one population at a time ------------------------------------------------------

_SCHOOL = {"school_area": F("school__area_id"), "school_kind": F("school__kind")}
_VIA_CASE = {"school_area": F("case__school__area_id"), "school_kind": F("case__school__kind")}


def _key(row: dict, band: str | None = None) -> Key:
    return (row["school_area"], row["school_kind"], band)


@dataclass(frozen=True)
class _Counting:
    """One run of `collect`: the periods asked for and the counts being filled in.

    Every query counts all periods at once, with a filtered aggregate `n<i>` per period.
    """

    periods: list[Period]
    resolved: list[str]
    result: dict[Period, PeriodCounts]

    def in_any(self, condition) -> Q:
        return _any([condition(period) for period in self.periods])

    def per_period(self, condition, aggregate=Count, column="pk") -> dict:
        return {
            f"n{i}": aggregate(column, filter=condition(period))
            for i, period in enumerate(self.periods)
        }

    def each(self, rows):
        """Yields (counts of the period, row, n) for every non-zero count of a grouped row."""
        for row in rows:
            for i, period in enumerate(self.periods):
                n = row[f"n{i}"] or 0
                if n:
                    yield self.result[period], row, n

    def resolved_in(self, period: Period, prefix: str = "case__") -> Q:
        """Closed in the period with an outcome counted as resolved."""
        return _closed_in(period, prefix) & Q(**{f"{prefix}outcome__in": self.resolved})


# Family code -> the function that counts it. A function may fill several families from one
# query (the parties of resolved cases); `collect` calls each once.
COUNTERS: dict[str, Callable[[_Counting], None]] = {}


def _counts(*families: str):
    def register(counter: Callable[[_Counting], None]):
        for family in families:
            COUNTERS[family] = counter
        return counter

    return register


@_counts("referred")
def _referred(c: _Counting) -> None:
    """Source, police involvement and forms of bullying, each form counted in SQL so that a
    group is one row, not one per combination of forms."""

    def referred_in(period: Period) -> Q:
        return _dated_in(period, "referred_on")

    def with_form(form: str):
        return lambda period: referred_in(period) & _sql().has_form(form)

    def notices(kinds) -> Exists:
        return Exists(StatutoryNotice.objects.filter(case=OuterRef("pk"), kind__in=kinds))

    def with_notice(kind: str):
        return lambda period: referred_in(period) & Q(notices([kind]))

    rows = (
        Case.objects.filter(c.in_any(referred_in))
        .order_by()
        .alias(forms_text=Cast("forms_of_bullying", TextField()))
        .values(
            **_SCHOOL,
            source=F("referral_source"),
            # A crime report or a police request for assistance recorded as a notice.
            police=ExpressionWrapper(Q(notices(POLICE_NOTICES)), output_field=BooleanField()),
        )
        .annotate(
            **c.per_period(referred_in),
            **{
                f"{form}_{i}": value
                for form in _FORMS
                for i, value in enumerate(c.per_period(with_form(form)).values())
            },
            **{
                f"notice_{kind}_{i}": value
                for kind in _NOTICES
                for i, value in enumerate(c.per_period(with_notice(kind)).values())
            },
        )
    )
    for row in rows:
        if row["source"] not in _SOURCES:
            continue  # an unknown code would break "sources add up to cases referred"
        key = _key(row)
        for i, period in enumerate(c.periods):
            n = row[f"n{i}"]
            if not n:
                continue
            counts = c.result[period]
            counts.add("referred", key, f"source:{row['source']}", n)
            counts.add("referred", key, "police:with" if row["police"] else "police:without", n)
            for form in _FORMS:
                with_it = row[f"{form}_{i}"]
                counts.add("referred", key, f"form_{form}:with", with_it)
                counts.add("referred", key, f"form_{form}:without", n - with_it)
            for kind in _NOTICES:
                with_it = row[f"notice_{kind}_{i}"]
                counts.add("referred", key, f"notice_{kind}:with", with_it)
                counts.add("referred", key, f"notice_{kind}:without", n - with_it)


@_counts("open")
def _open(c: _Counting) -> None:
    """Open at the end of each period: referred by then, not closed by then."""

    def open_at_end(period: Period) -> Q:
        after = local_midnight(period.end + dt.timedelta(days=1))
        return Q(referred_on__lte=period.end) & (
            Q(closed_at__isnull=True) | Q(closed_at__gte=after)
        )

    # Only cases still open at the end of the earliest period can be open at any period's end,
    # so the index on closed_at narrows the scan to them. (Cases referred after the last period
    # count nowhere: each period's filter checks the referral date, and empty rows are skipped.)
    earliest_end = local_midnight(min(p.end for p in c.periods) + dt.timedelta(days=1))
    rows = (
        Case.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=earliest_end))
        .order_by()
        .values(**_SCHOOL)
        .annotate(**c.per_period(open_at_end))
    )
    for counts, row, n in c.each(rows):
        counts.add("open", _key(row), "open:count", n)


@_counts("closed")
def _closed(c: _Counting) -> None:
    """Outcome, and the days from referral to closure for the median."""
    rows = (
        Case.objects.filter(c.in_any(_closed_in))
        .order_by()
        .values("outcome", **_SCHOOL, days=_sql().closure_days(c.periods))
        .annotate(**c.per_period(_closed_in))
    )
    for counts, row, n in c.each(rows):
        if row["outcome"] not in _OUTCOMES:
            continue
        counts.add("closed", _key(row), f"outcome:{row['outcome']}", n)
        counts.closure_days[_key(row)][_days(row)] += n


@_counts("interventions")
def _interventions(c: _Counting) -> None:
    def done_in(period: Period) -> Q:
        return _dated_in(period, "date")

    rows = (
        Intervention.objects.filter(status=InterventionStatus.DONE)
        .filter(c.in_any(done_in))
        .order_by()
        .values("kind", **_VIA_CASE)
        .annotate(**c.per_period(done_in))
    )
    for counts, row, n in c.each(rows):
        if row["kind"] in _INTERVENTION_KINDS:
            counts.add("interventions", _key(row), f"kind:{row['kind']}", n)


@_counts("follow_ups")
def _follow_ups(c: _Counting) -> None:
    def done_in(period: Period) -> Q:
        return _dated_in(period, "done_at")

    rows = (
        FollowUp.objects.filter(c.in_any(done_in))
        .order_by()
        .values(**_VIA_CASE)
        .annotate(**c.per_period(done_in))
    )
    for counts, row, n in c.each(rows):
        counts.add("follow_ups", _key(row), "done:count", n)


@_counts("follow_up_answers")
def _follow_up_answers(c: _Counting) -> None:
    """Per party: the answers each party (or bystander group) gave at their latest follow-up
    done in the period (the latest by date, then by record). One row per answer is read
    (categorical fields and ids only) and the latest picked here, for every period at once."""

    def done_in(period: Period) -> Q:
        return _dated_in(period, "follow_up__done_at")

    rows = (
        FollowUpAnswer.objects.filter(c.in_any(done_in))
        .order_by()
        .values_list(
            "party_id",
            "group_id",
            "follow_up__done_at",
            "follow_up_id",
            "bullying",
            "situation",
            "agreements",
            "follow_up__case__school__area_id",
            "follow_up__case__school__kind",
        )
    )
    latest: list[dict] = [{} for _ in c.periods]
    periods_of = _periods_of_day(c.periods)
    for row in rows.iterator(chunk_size=5000):
        party, group, done, follow_up = row[:4]
        subject = (party, group)
        for i in periods_of(done):
            seen = latest[i].get(subject)
            if seen is None or (done, follow_up) > seen[:2]:
                latest[i][subject] = (done, follow_up, row)
    for i, period in enumerate(c.periods):
        counts = c.result[period]
        for _done, _follow_up, row in latest[i].values():
            key = (row[7], row[8], None)
            for name, value in zip(("bullying", "situation", "agreements"), row[4:7], strict=True):
                value = value if value in _ASSESSMENTS[name] else NOT_ASSESSED
                counts.add("follow_up_answers", key, f"{name}:{value}", 1)


def _periods_of_day(periods: list[Period]) -> Callable[[dt.date], list[int]]:
    """The indexes of the periods a day falls in. A trend asks for many disjoint periods (one
    per year), so each row finds its one period by bisection instead of trying them all;
    periods that overlap (a calendar and a school year together) are tried one by one."""
    order = sorted(range(len(periods)), key=lambda i: periods[i].start)
    disjoint = all(
        periods[a].end < periods[b].start for a, b in zip(order, order[1:], strict=False)
    )
    if not disjoint:
        return lambda day: [i for i, p in enumerate(periods) if p.start <= day <= p.end]
    starts = [periods[i].start for i in order]

    def find(day: dt.date) -> list[int]:
        at = bisect_right(starts, day) - 1
        if at >= 0 and day <= periods[order[at]].end:
            return [order[at]]
        return []

    return find


@_counts("central", "bystanders", "children_met", "guardians_met", "staff_consulted")
def _resolved_parties(c: _Counting) -> None:
    """Persons who were parties of resolved cases closed in the period: each person once per
    population, however many of their cases closed (`_distinct_persons`)."""
    rows = _party_rows(c)
    _distinct_persons(c, [*rows, *_staff_took_part(c)])
    _bystander_groups(c)


def _party_rows(c: _Counting):
    return (
        Party.objects.filter(c.in_any(c.resolved_in))
        .order_by()
        .values_list(
            "person_id",
            "pk",
            "role",
            "kind",
            "grade",
            F("case__school__area_id"),
            F("case__school__kind"),
            ExpressionWrapper(Q(heard_on__isnull=False), output_field=BooleanField()),
            _sql().epoch("case__closed_at"),
            "case_id",
        )
    )


def _staff_took_part(c: _Counting):
    """Staff not heard count as consulted when they took part in a done intervention: a
    semi-join from those few rows through the participants' index on party. (As a filtered
    COUNT in the query of `_party_rows`, PostgreSQL would run it for every party.) The rows
    come back as if heard: taking part is what makes them consulted."""
    return (
        Party.objects.filter(c.in_any(c.resolved_in))
        .filter(kind=PartyKind.STAFF, heard_on__isnull=True)
        .filter(
            Exists(
                Intervention.participants.through.objects.filter(
                    party=OuterRef("pk"), intervention__status=InterventionStatus.DONE
                )
            )
        )
        .order_by()
        .values_list(
            "person_id",
            "pk",
            "role",
            "kind",
            "grade",
            F("case__school__area_id"),
            F("case__school__kind"),
            Value(True, output_field=BooleanField()),
            _sql().epoch("case__closed_at"),
            "case_id",
        )
    )


def _families_of(kind: str, role: str, heard: bool) -> tuple[str, ...]:
    """The populations of resolved cases one party row belongs to."""
    if kind == PartyKind.PUPIL:
        families = []
        if is_central_party(kind, role):
            families.append("central")
        elif is_bystander_party(kind, role):
            families.append("bystanders")
        if heard:
            families.append("children_met")
        return tuple(families)
    if kind == PartyKind.GUARDIAN and heard:
        return ("guardians_met",)
    if kind == PartyKind.STAFF and heard:
        return ("staff_consulted",)
    return ()


_CELL = {
    "central": "central:count",
    "bystanders": "bystanders:individual",
    "children_met": "children:count",
    "guardians_met": "guardians:count",
    "staff_consulted": "staff:count",
}
_BANDED = {"central", "bystanders", "children_met"}


class _PeriodIndex:
    """Which of the periods an instant of closure falls in: the periods' bounds (local
    midnights) cut time into segments, each mapped once to the periods covering it, so a row
    costs one bisection however many periods (and overlapping ranges) are asked for."""

    def __init__(self, periods: list[Period]):
        # In seconds since 1970, as `_party_rows` reads the closing times.
        bounds = {
            (
                int(local_midnight(p.start).timestamp()),
                int(local_midnight(p.end + dt.timedelta(days=1)).timestamp()),
                i,
            )
            for i, p in enumerate(periods)
        }
        self.cuts = sorted({t for lo, hi, _i in bounds for t in (lo, hi)})
        self.covering = [
            tuple(i for lo, hi, i in sorted(bounds, key=lambda b: b[2]) if lo <= cut < hi)
            for cut in self.cuts
        ]

    def of(self, instant: int) -> tuple[int, ...]:
        position = bisect_right(self.cuts, instant) - 1
        return self.covering[position] if position >= 0 else ()


def _distinct_persons(c: _Counting, rows) -> None:
    """Counts each person once per population and period (a child in two resolved cases is
    one child), in the breakdown group of their party in the case closed last in the period
    (ties: the later case), so the areas, school kinds and grade bands still add up to the
    city. A party without a person (its person was deleted by retention, in a period that is
    frozen by then) counts as a person of its own.

    Runs once per party row of every period asked for (63,000 rows for a year at national
    scale), so the per-row work is a few dictionary look-ups: the populations of each
    (kind, role, heard) and the band of each grade are worked out once."""
    index = _PeriodIndex(c.periods)
    families_of: dict[tuple, tuple] = {}
    bands: dict = {}
    # (period index, family, person) -> (closed_at, case id, breakdown key)
    chosen: dict[tuple, tuple] = {}
    get = chosen.get
    for person, party, role, kind, grade, area, school_kind, heard, closed_at, case in rows:
        families = families_of.get((kind, role, heard))
        if families is None:
            families = families_of[(kind, role, heard)] = _families_of(kind, role, heard)
        if not families:
            continue
        band = bands.get(grade)
        if band is None:
            band = bands[grade] = grade_band(grade)
        who = person if person is not None else -party  # party ids never clash with persons
        for i in index.of(closed_at):
            for family in families:
                slot = (i, family, who)
                best = get(slot)
                if best is None or (closed_at, case) > (best[0], best[1]):
                    chosen[slot] = (
                        closed_at,
                        case,
                        (area, school_kind, band if family in _BANDED else None),
                    )
    results = [c.result[period] for period in c.periods]
    for (i, family, _who), (_closed, _case, key) in chosen.items():
        results[i].add(family, key, _CELL[family], 1)


def _bystander_groups(c: _Counting) -> None:
    rows = (
        PartyGroup.objects.filter(c.in_any(c.resolved_in))
        .order_by()
        .values("grade", **_VIA_CASE)
        .annotate(**c.per_period(c.resolved_in, Sum, "head_count"))
    )
    for counts, row, n in c.each(rows):
        counts.add("bystanders", _key(row, grade_band(row["grade"])), "bystanders:in_groups", n)


def collect(periods: list[Period], resolved: list[str]) -> Collected:
    """Raw counts for each period: 10 queries whatever the number of cases and periods."""
    result = {period: PeriodCounts() for period in periods}
    areas = list(Area.objects.order_by("name", "pk").values_list("pk", "name"))
    if periods:
        counting = _Counting(periods, resolved, result)
        for counter in dict.fromkeys(COUNTERS.values()):
            counter(counting)
    return Collected(areas, result)

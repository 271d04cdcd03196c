"""The raw counts behind the indicators, aggregated in the database.

`collect(periods)` runs a fixed number of grouped queries (one per population, plus the list
of areas), however many cases or periods there are: each query groups by the finest
breakdown the tables need — (area, school kind), and grade for pupils — and counts every
period at once with a filtered COUNT/SUM per period. The area, school-kind, grade-band and
city figures are then sums of these groups, so the breakdowns always add up.

Only categorical fields are read; no name, note or case reference leaves the database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from k0.cases.choices import (
    AgreementsAssessment,
    BullyingAssessment,
    BullyingForm,
    InterventionKind,
    InterventionStatus,
    Outcome,
    PartyKind,
    PartyRole,
    ReferralSource,
    SituationAssessment,
)
from k0.cases.models import Case, FollowUp, Intervention, Party, PartyGroup
from schools.models import Area

from .definitions import grade_band
from .periods import Period

# A group of the finest breakdown: area id, school kind, grade band (None for case counts).
Key = tuple[int, str, str | None]

NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Block:
    """Column codes that split the same population, so they add up to the row total."""

    code: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Family:
    """One population's tables: its blocks, and whether it can be split by grade band.

    Labels live in the table layout (`report`); here only the codes that are counted.
    """

    code: str
    blocks: tuple[Block, ...]
    grade_bands: bool = False

    @property
    def columns(self) -> list[str]:
        return [f"{block.code}:{column}" for block in self.blocks for column in block.columns]


def _block(code: str, values, extra=()) -> Block:
    return Block(code, (*values, *extra))


# "with" and "without" a feature: both are needed so the block adds up to the cases (a
# reader can compute the "without" count from a published total anyway).
_FLAG = ("with", "without")

FAMILIES = {
    family.code: family
    for family in [
        Family(
            "referred",
            (
                _block("source", ReferralSource.values),
                _block("police", _FLAG),
                *(_block(f"form_{form}", _FLAG) for form in BullyingForm.values),
            ),
        ),
        Family("open", (_block("open", ["count"]),)),
        Family("closed", (_block("outcome", Outcome.values),)),
        Family("interventions", (_block("kind", InterventionKind.values),)),
        Family(
            "follow_ups",
            (
                _block("bullying", BullyingAssessment.values, [NOT_ASSESSED]),
                _block("situation", SituationAssessment.values, [NOT_ASSESSED]),
                _block("agreements", AgreementsAssessment.values, [NOT_ASSESSED]),
            ),
        ),
        Family("central", (_block("central", ["count"]),), grade_bands=True),
        Family(
            "bystanders", (_block("bystanders", ["individual", "in_groups"]),), grade_bands=True
        ),
        Family("children_met", (_block("children", ["count"]),), grade_bands=True),
        Family("guardians_met", (_block("guardians", ["count"]),)),
        Family("staff_consulted", (_block("staff", ["count"]),)),
    ]
}


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
_OUTCOMES = frozenset(Outcome.values)
_INTERVENTION_KINDS = frozenset(InterventionKind.values)
_ASSESSMENTS = {
    "bullying": frozenset(BullyingAssessment.values),
    "situation": frozenset(SituationAssessment.values),
    "agreements": frozenset(AgreementsAssessment.values),
}


def _closure_days() -> dict:
    """Columns giving the days from referral to closure (local dates) of the cases closed.

    PostgreSQL converts to local time itself. SQLite has no time zones: Django's `TruncDate`
    calls back into Python twice per row there, the slowest part of the whole report. So on
    SQLite the query returns the days between the UTC dates and the UTC time of closure,
    both computed natively, and `_days` shifts to the local date in Python (the same
    conversion, from the same stored UTC time).
    """
    if connection.vendor != "sqlite":
        return {
            "days": ExpressionWrapper(
                TruncDate("closed_at", tzinfo=timezone.get_default_timezone()) - F("referred_on"),
                output_field=DurationField(),
            )
        }
    utc_date = Func(F("closed_at"), Value(1), Value(10), function="substr")
    return {
        "utc_days": Cast(
            ExpressionWrapper(
                Func(utc_date, function="julianday") - Func(F("referred_on"), function="julianday"),
                output_field=FloatField(),
            ),
            IntegerField(),
        ),
        # Stored as "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
        "utc_time": Func(
            F("closed_at"), Value(1), Value(19), function="substr", output_field=CharField()
        ),
    }


def _days(row: dict) -> int:
    """Days from referral to closure of a row selected with `_closure_days`."""
    if "days" in row:
        return row["days"].days
    t = row["utc_time"]
    closed = dt.datetime(
        int(t[0:4]),
        int(t[5:7]),
        int(t[8:10]),
        int(t[11:13]),
        int(t[14:16]),
        int(t[17:19]),
        tzinfo=dt.UTC,
    )
    local = timezone.localtime(closed, timezone.get_default_timezone()).date()
    return row["utc_days"] + (local - closed.date()).days


def _per_period(periods: list[Period], condition, aggregate=Count, column="pk") -> dict:
    return {
        f"n{i}": aggregate(column, filter=condition(period)) for i, period in enumerate(periods)
    }


def collect(periods: list[Period], resolved: list[str]) -> Collected:
    """Raw counts for each period: 8 queries whatever the number of cases and periods."""
    result = {period: PeriodCounts() for period in periods}
    areas = list(Area.objects.order_by("name", "pk").values_list("pk", "name"))
    if not periods:
        return Collected(areas, result)
    school = {"school_area": F("school__area_id"), "school_kind": F("school__kind")}
    via_case = {"school_area": F("case__school__area_id"), "school_kind": F("case__school__kind")}

    def each(rows):
        """Yields (counts of the period, row, n) for every non-zero count of a grouped row."""
        for row in rows:
            for i, period in enumerate(periods):
                n = row[f"n{i}"] or 0
                if n:
                    yield result[period], row, n

    # Cases referred: source, police involvement and forms of bullying. The forms are a JSON
    # list, grouped as stored and counted form by form here (JSON element queries differ
    # between SQLite and PostgreSQL).
    referred = (
        Case.objects.filter(_any([_dated_in(p, "referred_on") for p in periods]))
        .order_by()
        .values(
            **school,
            source=F("referral_source"),
            police=ExpressionWrapper(
                Q(crime_report=True) | Q(police_request=True), output_field=BooleanField()
            ),
            forms=F("forms_of_bullying"),
        )
        .annotate(**_per_period(periods, lambda p: _dated_in(p, "referred_on")))
    )
    for counts, row, n in each(referred):
        key = (row["school_area"], row["school_kind"], None)
        if row["source"] not in _SOURCES:
            continue  # an unknown code would break "sources add up to cases referred"
        counts.add("referred", key, f"source:{row['source']}", n)
        counts.add("referred", key, "police:with" if row["police"] else "police:without", n)
        forms = set(row["forms"] or [])
        for form in _FORMS:
            counts.add("referred", key, f"form_{form}:{'with' if form in forms else 'without'}", n)

    # Open at the end of each period: referred by then, not closed by then.
    def open_at_end(period: Period) -> Q:
        after = local_midnight(period.end + dt.timedelta(days=1))
        return Q(referred_on__lte=period.end) & (
            Q(closed_at__isnull=True) | Q(closed_at__gte=after)
        )

    # Only cases still open at the end of the earliest period can be open at any period's end,
    # so the index on closed_at narrows the scan to them. (Cases referred after the last period
    # count nowhere: each period's filter checks the referral date, and empty rows are skipped.)
    earliest_end = local_midnight(min(p.end for p in periods) + dt.timedelta(days=1))
    still_open = (
        Case.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=earliest_end))
        .order_by()
        .values(**school)
        .annotate(**_per_period(periods, open_at_end))
    )
    for counts, row, n in each(still_open):
        counts.add("open", (row["school_area"], row["school_kind"], None), "open:count", n)

    # Closed: outcome, and the days from referral to closure for the median.
    closed = (
        Case.objects.filter(_any([_closed_in(p) for p in periods]))
        .order_by()
        .values(
            "outcome",
            **school,
            **_closure_days(),
        )
        .annotate(**_per_period(periods, _closed_in))
    )
    for counts, row, n in each(closed):
        if row["outcome"] not in _OUTCOMES:
            continue
        key = (row["school_area"], row["school_kind"], None)
        counts.add("closed", key, f"outcome:{row['outcome']}", n)
        counts.closure_days[key][_days(row)] += n

    interventions = (
        Intervention.objects.filter(status=InterventionStatus.DONE)
        .filter(_any([_dated_in(p, "date") for p in periods]))
        .order_by()
        .values("kind", **via_case)
        .annotate(**_per_period(periods, lambda p: _dated_in(p, "date")))
    )
    for counts, row, n in each(interventions):
        if row["kind"] in _INTERVENTION_KINDS:
            key = (row["school_area"], row["school_kind"], None)
            counts.add("interventions", key, f"kind:{row['kind']}", n)

    follow_ups = (
        FollowUp.objects.filter(_any([_dated_in(p, "done_at") for p in periods]))
        .order_by()
        .values("bullying", "situation", "agreements", **via_case)
        .annotate(**_per_period(periods, lambda p: _dated_in(p, "done_at")))
    )
    for counts, row, n in each(follow_ups):
        key = (row["school_area"], row["school_kind"], None)
        for name, values in _ASSESSMENTS.items():
            value = row[name] if row[name] in values else NOT_ASSESSED
            counts.add("follow_ups", key, f"{name}:{value}", n)

    # Parties of resolved cases closed in the period: one row per party is one person.
    def resolved_in(period: Period, prefix: str = "case__") -> Q:
        return _closed_in(period, prefix) & Q(**{f"{prefix}outcome__in": resolved})

    # Staff who took part in a done intervention; not correlated, so it can sit in a
    # filtered COUNT (a correlated EXISTS in GROUP BY is refused by PostgreSQL). Only staff
    # of the cases counted here: the list stays short instead of holding every participant
    # ever recorded (it is read for staff rows only).
    took_part = (
        Intervention.participants.through.objects.filter(
            intervention__status=InterventionStatus.DONE, party__kind=PartyKind.STAFF
        )
        .filter(_any([resolved_in(p, "party__case__") for p in periods]))
        .values("party_id")
    )
    parties = (
        Party.objects.filter(_any([resolved_in(p) for p in periods]))
        .order_by()
        .values(
            "role",
            "kind",
            "grade",
            **via_case,
            heard=ExpressionWrapper(Q(heard_on__isnull=False), output_field=BooleanField()),
        )
        .annotate(
            **_per_period(periods, resolved_in),
            **{
                f"took_part{i}": Count("pk", filter=resolved_in(p) & Q(pk__in=took_part))
                for i, p in enumerate(periods)
            },
        )
    )
    party_rows = list(parties)
    for i, period in enumerate(periods):
        counts = result[period]
        for row in party_rows:
            n = row[f"n{i}"]
            if not n:
                continue
            area, kind = row["school_area"], row["school_kind"]
            if row["kind"] == PartyKind.PUPIL:
                key = (area, kind, grade_band(row["grade"]))
                if row["role"] == PartyRole.CENTRAL:
                    counts.add("central", key, "central:count", n)
                elif row["role"] == PartyRole.BYSTANDER:
                    counts.add("bystanders", key, "bystanders:individual", n)
                if row["heard"]:
                    counts.add("children_met", key, "children:count", n)
            elif row["kind"] == PartyKind.GUARDIAN and row["heard"]:
                counts.add("guardians_met", (area, kind, None), "guardians:count", n)
            elif row["kind"] == PartyKind.STAFF:
                consulted = n if row["heard"] else row[f"took_part{i}"]
                counts.add("staff_consulted", (area, kind, None), "staff:count", consulted)

    groups = (
        PartyGroup.objects.filter(_any([resolved_in(p) for p in periods]))
        .order_by()
        .values("grade", **via_case)
        .annotate(**_per_period(periods, resolved_in, Sum, "head_count"))
    )
    for counts, row, n in each(groups):
        key = (row["school_area"], row["school_kind"], grade_band(row["grade"]))
        counts.add("bystanders", key, "bystanders:in_groups", n)

    return Collected(areas, result)

"""The raw counts behind the indicators, aggregated in the database.

`collect(periods)` runs a fixed number of grouped queries (one per population, a second one
for staff who took part in an intervention, and the list of areas), however many cases or
periods there are: each query groups by the finest
breakdown the tables need — (area, school kind), and grade for pupils — and counts every
period at once with a filtered COUNT/SUM per period. The area, school-kind, grade-band and
city figures are then sums of these groups, so the breakdowns always add up.

Only categorical fields are read; no name, note or case reference leaves the database.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
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
    ReferralSource,
    SituationAssessment,
)
from k0.cases.models import Case, FollowUp, Intervention, Party, PartyGroup
from schools.models import Area

from .definitions import grade_band, is_bystander_party, is_central_party
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


def _closure_days(periods: list[Period]) -> dict:
    """A column giving the days from referral to closure (local dates) of the cases closed.

    PostgreSQL converts to local time itself. SQLite has no time zones, and Django's
    `TruncDate` calls back into Python twice per row there (the slowest part of the whole
    report), so the local date is computed in SQL instead: the stored UTC time shifted by
    the offset in force at that instant, taken from the daylight-saving changes of the
    periods asked for.
    """
    if connection.vendor != "sqlite":
        return {
            "days": ExpressionWrapper(
                TruncDate("closed_at", tzinfo=timezone.get_default_timezone()) - F("referred_on"),
                output_field=DurationField(),
            )
        }
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
    return {
        "days": Cast(
            ExpressionWrapper(
                Func(local_date, function="julianday")
                - Func(F("referred_on"), function="julianday"),
                output_field=FloatField(),
            ),
            IntegerField(),
        )
    }


def _days(row: dict) -> int:
    """Days from referral to closure of a row selected with `_closure_days`."""
    days = row["days"]
    return days if isinstance(days, int) else days.days


def _per_period(periods: list[Period], condition, aggregate=Count, column="pk") -> dict:
    return {
        f"n{i}": aggregate(column, filter=condition(period)) for i, period in enumerate(periods)
    }


def collect(periods: list[Period], resolved: list[str]) -> Collected:
    """Raw counts for each period: 9 queries whatever the number of cases and periods."""
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

    # Cases referred: source, police involvement and forms of bullying, each form counted in
    # SQL so that a group is one row, not one per combination of forms. The forms are a JSON
    # list of codes: PostgreSQL tests membership with jsonb's `?`; SQLite looks for the quoted
    # code in the list's text (the quotes keep one code from matching inside another).
    def with_form(form: str):
        if connection.vendor == "postgresql":
            has_it = Q(forms_of_bullying__has_key=form)
        else:
            has_it = Q(forms_text__contains=f'"{form}"')
        return lambda p: _dated_in(p, "referred_on") & has_it

    referred = (
        Case.objects.filter(_any([_dated_in(p, "referred_on") for p in periods]))
        .order_by()
        .alias(forms_text=Cast("forms_of_bullying", TextField()))
        .values(
            **school,
            source=F("referral_source"),
            police=ExpressionWrapper(
                Q(crime_report=True) | Q(police_request=True), output_field=BooleanField()
            ),
        )
        .annotate(
            **_per_period(periods, lambda p: _dated_in(p, "referred_on")),
            **{
                f"{form}_{i}": value
                for form in _FORMS
                for i, value in enumerate(_per_period(periods, with_form(form)).values())
            },
        )
    )
    for row in referred:
        if row["source"] not in _SOURCES:
            continue  # an unknown code would break "sources add up to cases referred"
        key = (row["school_area"], row["school_kind"], None)
        for i, period in enumerate(periods):
            n = row[f"n{i}"]
            if not n:
                continue
            counts = result[period]
            counts.add("referred", key, f"source:{row['source']}", n)
            counts.add("referred", key, "police:with" if row["police"] else "police:without", n)
            for form in _FORMS:
                with_it = row[f"{form}_{i}"]
                counts.add("referred", key, f"form_{form}:with", with_it)
                counts.add("referred", key, f"form_{form}:without", n - with_it)

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
            **_closure_days(periods),
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
        .annotate(**_per_period(periods, resolved_in))
    )
    for counts, row, n in each(parties):
        area, kind = row["school_area"], row["school_kind"]
        if row["kind"] == PartyKind.PUPIL:
            key = (area, kind, grade_band(row["grade"]))
            if is_central_party(row["kind"], row["role"]):
                counts.add("central", key, "central:count", n)
            elif is_bystander_party(row["kind"], row["role"]):
                counts.add("bystanders", key, "bystanders:individual", n)
            if row["heard"]:
                counts.add("children_met", key, "children:count", n)
        elif row["kind"] == PartyKind.GUARDIAN and row["heard"]:
            counts.add("guardians_met", (area, kind, None), "guardians:count", n)
        elif row["kind"] == PartyKind.STAFF and row["heard"]:
            counts.add("staff_consulted", (area, kind, None), "staff:count", n)

    # Staff not heard count as consulted when they took part in a done intervention: a
    # semi-join from those few rows through the participants' index on party. (As a filtered
    # COUNT in the query above, PostgreSQL would run it for every party.)
    staff_took_part = (
        Party.objects.filter(_any([resolved_in(p) for p in periods]))
        .filter(kind=PartyKind.STAFF, heard_on__isnull=True)
        .filter(
            Exists(
                Intervention.participants.through.objects.filter(
                    party=OuterRef("pk"), intervention__status=InterventionStatus.DONE
                )
            )
        )
        .order_by()
        .values(**via_case)
        .annotate(**_per_period(periods, resolved_in))
    )
    for counts, row, n in each(staff_took_part):
        counts.add(
            "staff_consulted", (row["school_area"], row["school_kind"], None), "staff:count", n
        )

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

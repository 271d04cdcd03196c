"""Server-side timings of the pages that must stay fast, measured in-process.

Each page is requested through Django's test client (the full middleware stack, template
rendering and database queries; no network), after warm-up requests, and the median and p95
of the samples are reported together with the number of SQL queries of one request.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from k0.cases.models import Case, CaseNote, CaseUserObjectPermission, Party
from schools.models import Membership, Role

TARGETS_MS = {
    "case_list_team_member": 150,
    "case_list_coordinator": 150,
    "case_page_long_timeline": 150,
    "principal_overview": 250,
    "my_work": 150,
    "indicator_dashboard_year": 1000,
    "indicator_csv_export_year": 1000,
    "case_summary_pdf": 2000,
}


@dataclass
class Figure:
    name: str
    median_ms: float
    p95_ms: float
    queries: int
    samples: int
    target_ms: float | None = None
    note: str = ""

    @property
    def meets_target(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms <= self.target_ms


def _time(call: Callable[[], object], *, warmup: int, samples: int) -> tuple[list[float], int]:
    for _ in range(warmup):
        call()
    # Counted with an execute wrapper: the test client closes the connection after each
    # request, which would reset Django's own query log.
    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings, counter["n"]


def _figure(name, timings, queries, samples, note=""):
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return Figure(
        name,
        round(statistics.median(ordered), 1),
        round(p95, 1),
        queries,
        samples,
        TARGETS_MS.get(name),
        note,
    )


def _page(client: Client, url: str) -> Callable[[], object]:
    def call():
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    return call


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _busiest(role: str):
    """The user of `role` with the most visible cases (team member) or schools."""
    User = get_user_model()
    holders = User.objects.filter(memberships__role=role)
    if role == Role.TEAM_MEMBER:
        row = (
            CaseUserObjectPermission.objects.filter(user__in=holders)
            .values("user")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
    else:
        row = (
            Membership.objects.filter(role=role)
            .values("user")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
    return User.objects.get(pk=row["user"]) if row else None


def long_timeline_case(min_items: int = 300) -> Case:
    """A case whose timeline has at least `min_items` entries (notes are added if needed)."""
    case = Case.objects.exclude(phase="closed").order_by("pk").first() or Case.objects.first()
    missing = min_items - case.notes.count() - case.interventions.count()
    if missing > 0:
        CaseNote.objects.bulk_create(
            [
                CaseNote(case=case, author_id=case.responsible_id, text=f"Merkintä {i}")
                for i in range(missing)
            ]
        )
    return case


def indicator_sql_ratio(year: int) -> dict:
    """The indicator report for one calendar year by area against two SQL floors.

    `hand_sql_ms`: one hand-written statement computing the headline indicator (distinct
    central and bystander parties in resolved cases) for the same year and breakdown, the
    database's own floor for that one number. `own_sql_ms`: the report's own statements
    (all its populations), sent straight to the database without the ORM, Python counting
    or suppression: what the report would cost if everything but the database were free.
    """
    from k0.indicators.periods import calendar_year
    from k0.indicators.report import report

    period = calendar_year(year)
    start, end = period.start, period.end
    sql = """
        SELECT s.area_id, p.role, COUNT(DISTINCT p.id)
        FROM cases_party p
        JOIN cases_case c ON c.id = p.case_id
        JOIN schools_school s ON s.id = c.school_id
        WHERE c.closed_at >= %s AND c.closed_at < %s AND c.outcome IN ('resolved', 'improved')
        GROUP BY s.area_id, p.role
    """
    tz = timezone.get_current_timezone()
    import datetime as dt

    bounds = [
        timezone.make_aware(dt.datetime.combine(start, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz),
    ]

    def hand():
        with connection.cursor() as cursor:
            cursor.execute(sql, bounds)
            return cursor.fetchall()

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report(period, "area")

    def own():
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                cursor.fetchall()

    hand_ms, _ = _time(hand, warmup=1, samples=5)
    own_ms, _ = _time(own, warmup=1, samples=5)
    ours_ms, _ = _time(lambda: report(period, "area"), warmup=1, samples=5)
    ours, floor = statistics.median(ours_ms), statistics.median(hand_ms)
    own_sql = statistics.median(own_ms)
    return {
        "indicator_ms": round(ours, 1),
        "hand_sql_ms": round(floor, 1),
        "ratio": round(ours / floor, 2) if floor else float("inf"),
        "target_ratio": 2.0,
        "own_sql_ms": round(own_sql, 1),
        "own_sql_queries": len(statements),
        "own_sql_ratio": round(ours / own_sql, 2) if own_sql else float("inf"),
    }


def frozen_report_ratio(year: int) -> dict:
    """A second viewer's indicator report against a fresh one, for one calendar year by area.

    `fresh_ms`: counted from the cases and put through disclosure control, as the first
    publication does. `frozen_ms`: what every later viewer gets, from the frozen counts and
    the stored pattern of hidden numbers. The target is at most 10 % of the fresh time.
    """
    from k0.indicators.periods import calendar_year
    from k0.indicators.report import published_report, report

    period = calendar_year(year)
    fresh_ms, _ = _time(lambda: report(period, "area"), warmup=1, samples=5)
    published_report(period, "area")  # the first viewer freezes it, if nobody has yet
    frozen_ms, _ = _time(lambda: published_report(period, "area"), warmup=1, samples=5)
    fresh, frozen = statistics.median(fresh_ms), statistics.median(frozen_ms)
    return {
        "fresh_ms": round(fresh, 1),
        "frozen_ms": round(frozen, 1),
        "share": round(frozen / fresh, 3) if fresh else None,
        "target_share": 0.1,
    }


def distinct_counting(year: int) -> dict:
    """The indicator report counted fresh (persons counted distinct: `queries.
    _distinct_persons`) for one calendar year by area and for the four years up to it as one
    multi-year range, and the share of that time spent reading the parties' rows."""
    from k0.indicators.periods import calendar_year, calendar_years
    from k0.indicators.queries import _Counting, _party_rows
    from k0.indicators.report import report

    year_ms, _ = _time(lambda: report(calendar_year(year), "area"), warmup=1, samples=5)
    four = calendar_years(year - 3, year)
    range_ms, _ = _time(lambda: report(four, "area"), warmup=1, samples=3)

    def rows():
        counting = _Counting([calendar_year(year)], ["resolved", "improved"], {})
        return len(list(_party_rows(counting)))

    rows_ms, _ = _time(rows, warmup=1, samples=5)
    return {
        "year_ms": round(statistics.median(year_ms), 1),
        "four_years_ms": round(statistics.median(range_ms), 1),
        "party_rows_year": rows(),
        "party_rows_ms": round(statistics.median(rows_ms), 1),
        "target_year_ms": 1000,
    }


def run(*, samples: int = 10, warmup: int = 2, only: set[str] | None = None) -> dict:
    """Measures every figure, or those named in `only` (plus "indicators_vs_sql")."""
    figures: list[Figure] = []
    year = timezone.localdate().year - 1
    with override_settings(
        TWO_FACTOR_REQUIRED=False,
        SECURE_SSL_REDIRECT=False,
        ALLOWED_HOSTS=["testserver", "localhost"],
    ):
        team_member = _busiest(Role.TEAM_MEMBER)
        coordinator = _busiest(Role.COORDINATOR)
        principal = _busiest(Role.PRINCIPAL)
        office = Membership.objects.filter(role=Role.PROGRAMME_OFFICE).first().user
        case = long_timeline_case()
        plan = [
            ("case_list_team_member", team_member, reverse("cases:list")),
            ("case_list_coordinator", coordinator, reverse("cases:list")),
            ("case_page_long_timeline", case.responsible, case.get_absolute_url()),
            ("principal_overview", principal, reverse("cases:principal_overview")),
            ("my_work", team_member, reverse("reminders:my_work")),
            (
                "indicator_dashboard_year",
                office,
                reverse("indicators:dashboard") + f"?period=calendar_year:{year}&by=area",
            ),
            (
                "indicator_csv_export_year",
                office,
                reverse("indicators:export_csv") + f"?period=calendar_year:{year}&by=area",
            ),
        ]
        for name, user, url in plan:
            if user is None or (only and name not in only):
                continue
            timings, queries = _time(_page(_client(user), url), warmup=warmup, samples=samples)
            figures.append(_figure(name, timings, queries, samples))

        if not only or "case_summary_pdf" in only:
            from k0.documents.case_documents import case_summary_pdf

            timings, queries = _time(
                lambda: case_summary_pdf(case.pk, variant="team", language="fi"),
                warmup=1,
                samples=max(5, samples // 2),
            )
            figures.append(
                _figure(
                    "case_summary_pdf",
                    timings,
                    queries,
                    max(5, samples // 2),
                    note="300-entry timeline",
                )
            )
        versus_sql = frozen = None
        if not only or "indicators_vs_sql" in only:
            versus_sql = indicator_sql_ratio(year)
        if not only or "frozen_report" in only:
            frozen = frozen_report_ratio(year)
        distinct = None
        if not only or "distinct_counting" in only:
            distinct = distinct_counting(year)
    return {
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "data": {
            "schools": Case.objects.values("school").distinct().count(),
            "cases": Case.objects.count(),
            "parties": Party.objects.count(),
        },
        "figures": [{**asdict(f), "meets_target": f.meets_target} for f in figures],
        "indicators_vs_sql": versus_sql,
        "distinct_counting": distinct,
        "frozen_report": frozen,
    }

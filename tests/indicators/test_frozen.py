"""Figures of an ended period are frozen the first time they are published (or by the
nightly task) and never change afterwards: not when a case is reopened, edited, closed
again in a later year, recorded late or pseudonymised by retention."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from k0.cases.choices import Outcome
from k0.cases.models import FollowUp
from k0.indicators import definitions as d
from k0.indicators.models import ApiToken, IndicatorSnapshot
from k0.indicators.periods import calendar_year, school_year
from k0.indicators.report import freeze, published_report
from k0.indicators.tasks import freeze_ended_periods_task
from tests.factories import AreaFactory, SchoolFactory, UserFactory, make_case

from .conftest import close_directly, guardian_of, party

API = reverse("indicators:api")
YEAR_2019 = "calendar_year:2019"
PERIODS = [YEAR_2019, "school_year:2018", "school_year:2019"]


@pytest.fixture
def office(client, programme_office):
    client.force_login(programme_office)
    return client


@pytest.fixture
def cases_2019(db, settings):
    """Ten resolved cases closed in 2019, each with two central pupils and a guardian of
    each: 10 cases closed, 20 central parties (the review's numbers)."""
    settings.K0_SUPPRESSION_THRESHOLD = 1  # every number published: changes are visible
    area = AreaFactory(name="Läntinen")
    school = SchoolFactory(name="Länsikoulu", area=area)
    user = UserFactory(username="frozen_team", password=None)
    cases = []
    for i in range(10):
        case = make_case(school=school, responsible=user, referred_on=dt.date(2019, 2, 1 + i))
        for n in range(2):
            pupil = party(case, f"Oppilas {i}-{n}", grade=5, heard_on=dt.date(2019, 2, 20))
            guardian_of(case, pupil, f"Huoltaja {i}-{n}")
        close_directly(case, Outcome.RESOLVED, dt.datetime(2019, 6, 1 + i, 12, tzinfo=dt.UTC))
        cases.append(case)
    return {"cases": cases, "user": user, "school": school}


def reopen_edit_and_close_again(case, user):
    """Through the workflow, today (27 Nov 2026): reopen, add a central pupil, close."""
    case.refresh_from_db()
    case.reopen(by=user, reason="Kiusaaminen jatkui")
    newcomer = party(case, "Uusi Oppilas", grade=6, heard_on=dt.date(2026, 11, 20))
    guardian_of(case, newcomer, "Uusi Huoltaja")
    FollowUp.objects.create(
        case=case,
        responsible=user,
        due_date=dt.date(2026, 11, 26),
        done_at=dt.date(2026, 11, 26),
    )
    case.close(by=user, outcome=Outcome.IMPROVED, closing_summary="x", aftercare_plan="y")
    case.refresh_from_db()
    assert case.closed_at.year == 2026


def api_answers(client, raw) -> dict:
    answers = {}
    for period in PERIODS:
        for by in ("", "area", "school_kind", "grade_band"):
            response = client.get(
                API, {"period": period, "by": by}, HTTP_AUTHORIZATION=f"Bearer {raw}"
            )
            assert response.status_code == 200
            document = response.json()
            document.pop("generated_at")
            answers[(period, by)] = document
    return answers


def city_value(document, indicator, category=""):
    return next(
        r["value"]
        for r in document["data"]
        if r["indicator"] == indicator and r["group"] == "total" and r["category"] == category
    )


def test_reopening_a_case_closed_in_2019_does_not_change_2019(client, office, cases_2019):
    _token, raw = ApiToken.issue(name="BI")
    before = api_answers(client, raw)
    page = office.get(reverse("indicators:tables"), {"period": YEAR_2019, "by": "area"})
    csv_before = office.get(reverse("indicators:export_csv"), {"period": YEAR_2019}).content
    assert city_value(before[(YEAR_2019, "")], "cases_closed") == 10
    assert city_value(before[(YEAR_2019, "")], "central_parties_resolved") == 20

    reopen_edit_and_close_again(cases_2019["cases"][0], cases_2019["user"])

    assert api_answers(client, raw) == before
    again = office.get(reverse("indicators:tables"), {"period": YEAR_2019, "by": "area"})
    assert [t.rows for t in again.context["report"].tables] == [
        t.rows for t in page.context["report"].tables
    ]
    assert [t.total for t in again.context["report"].tables] == [
        t.total for t in page.context["report"].tables
    ]
    csv_after = office.get(reverse("indicators:export_csv"), {"period": YEAR_2019}).content
    assert csv_after == csv_before


def test_figures_are_frozen_by_the_nightly_task_before_anyone_looks(client, cases_2019):
    frozen = freeze_ended_periods_task()
    reopen_edit_and_close_again(cases_2019["cases"][0], cases_2019["user"])
    _token, raw = ApiToken.issue(name="BI")

    first_look = client.get(API, {"period": YEAR_2019}, HTTP_AUTHORIZATION=f"Bearer {raw}").json()

    # 2019 to 2025, calendar and school years (school year 2018–2019 holds the referrals).
    assert frozen == 7 + 8
    assert city_value(first_look, "cases_closed") == 10
    assert city_value(first_look, "central_parties_resolved") == 20


def test_running_year_is_not_frozen_and_still_counts_the_case_closed_again(cases_2019):
    freeze_ended_periods_task()
    reopen_edit_and_close_again(cases_2019["cases"][0], cases_2019["user"])

    assert not IndicatorSnapshot.objects.filter(period_end__gte=dt.date(2026, 11, 27)).exists()
    # When 2026 ends, its figures are frozen with the case closed again in it.
    with time_machine.travel(dt.datetime(2027, 1, 1, 10, tzinfo=dt.UTC), tick=False):
        published = published_report(calendar_year(2026))
    assert published.city_value("closed", "cases_closed").number == 1
    assert published.city_value("parties", "central_parties_resolved").number == 3


def test_a_case_recorded_late_does_not_change_a_frozen_year_nor_its_breakdowns(client, cases_2019):
    _token, raw = ApiToken.issue(name="BI")

    def ask(by):
        return client.get(
            API, {"period": YEAR_2019, "by": by}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        ).json()

    by_area = ask("area")  # the first look freezes every breakdown of the year at once
    make_case(
        school=SchoolFactory(area=AreaFactory(name="Uusi alue")),
        responsible=cases_2019["user"],
        referred_on=dt.date(2019, 5, 5),
    )
    by_kind = ask("school_kind")

    city = [r for r in by_area["data"] if r["group"] == "total"]
    assert city == [r for r in by_kind["data"] if r["group"] == "total"]
    assert city_value(by_kind, "cases_referred") == 10
    assert "Uusi alue" not in str(ask("area"))  # the areas are frozen with the counts


def test_programme_office_sees_when_the_figures_were_frozen(office, cases_2019):
    response = office.get(reverse("indicators:dashboard"), {"period": YEAR_2019})
    json_export = office.get(reverse("indicators:export_json"), {"period": YEAR_2019}).json()
    rows = list(
        csv.reader(
            io.StringIO(
                office.get(reverse("indicators:export_csv"), {"period": YEAR_2019}).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )

    snapshot = IndicatorSnapshot.objects.get(period_start=dt.date(2019, 1, 1))
    assert snapshot.frozen_at == dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
    assert response.context["report"].frozen_at == snapshot.frozen_at
    assert 'class="indicator-note__frozen"' in response.content.decode()
    assert "27.11.2026" in response.content.decode()
    assert json_export["frozen_at"] == "2026-11-27T12:00:00+02:00"
    assert any(row[:1] == ["note"] and "27.11.2026" in row[1] for row in rows)


def test_administrator_sees_when_each_period_was_frozen_but_not_the_counts(
    client, administrator, cases_2019
):
    freeze([calendar_year(2019)])
    client.force_login(administrator)

    changelist = client.get(reverse("admin:indicators_indicatorsnapshot_changelist"))
    snapshot = IndicatorSnapshot.objects.get()
    detail = client.get(reverse("admin:indicators_indicatorsnapshot_change", args=[snapshot.pk]))

    assert changelist.status_code == 200 and "2019-01-01" in changelist.content.decode()
    assert detail.status_code == 200
    assert "central:count" not in detail.content.decode()
    delete = reverse("admin:indicators_indicatorsnapshot_delete", args=[snapshot.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert IndicatorSnapshot.objects.exists()


def test_one_snapshot_per_period_and_version(cases_2019):
    freeze([calendar_year(2019), calendar_year(2019)])
    freeze([calendar_year(2019)])
    snapshot = IndicatorSnapshot.objects.get()

    assert snapshot.definitions_version == d.DEFINITIONS_VERSION
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSnapshot.objects.create(
            period_kind="calendar_year",
            period_start=snapshot.period_start,
            period_end=snapshot.period_end,
            definitions_version=snapshot.definitions_version,
            counts={},
        )


def test_two_first_viewers_at_once_get_the_same_stored_figures(cases_2019):
    """Another viewer's snapshot lands between our look-up and our insert: ours is dropped
    and we serve theirs, so the two readers never see two versions of one year."""
    theirs = freeze([calendar_year(2019)])[(dt.date(2019, 1, 1), dt.date(2019, 12, 31))]
    their_counts = theirs.counts
    IndicatorSnapshot.objects.all().delete()
    close_directly(
        make_case(
            school=cases_2019["school"],
            responsible=cases_2019["user"],
            referred_on=dt.date(2019, 3, 3),
        ),
        Outcome.RESOLVED,
        dt.datetime(2019, 9, 9, 12, tzinfo=dt.UTC),
    )
    raced = []

    def other_viewer_first(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "indicatorsnapshot" in sql.lower() and not raced:
            raced.append(True)
            IndicatorSnapshot.objects.create(
                period_kind="calendar_year",
                period_start=dt.date(2019, 1, 1),
                period_end=dt.date(2019, 12, 31),
                definitions_version=d.DEFINITIONS_VERSION,
                counts=their_counts,
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(other_viewer_first):
        published = published_report(calendar_year(2019))

    assert raced
    assert IndicatorSnapshot.objects.count() == 1
    assert published.city_value("closed", "cases_closed").number == 10  # theirs, not 11


def test_frozen_figures_survive_retention(client, cases_2019):
    from k0.privacy.retention import apply_retention

    _token, raw = ApiToken.issue(name="BI")
    before = api_answers(client, raw)

    assert apply_retention().done == 10  # closed in 2019, over five years ago

    assert IndicatorSnapshot.objects.count() == len(PERIODS)
    assert api_answers(client, raw) == before


def test_frozen_counts_give_exactly_the_fresh_report(cases_2019, settings):
    """Stored and read back, the counts build the very report counted from the cases."""
    from k0.indicators.exports import as_json
    from k0.indicators.report import reports

    settings.K0_SUPPRESSION_THRESHOLD = 5  # suppression applied to the frozen counts too
    for period in (calendar_year(2019), school_year(2018)):
        for by in (None, *d.BREAKDOWNS):
            fresh = as_json(reports([period], by)[0])
            frozen = as_json(published_report(period, by))
            for document in (fresh, frozen):
                document.pop("generated_at")
                document.pop("frozen_at")
            assert frozen == fresh, (period, by)


WRITES = st.lists(
    st.sampled_from(["reopen", "party", "remove_party", "follow_up", "late_case", "intervention"]),
    min_size=1,
    max_size=5,
)


@settings_(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=WRITES, which=st.integers(min_value=0, max_value=9))
def test_after_any_kind_of_write_a_published_year_is_served_as_frozen(cases_2019, writes, which):
    """The cache of a published period needs no invalidation: whatever is written to cases,
    parties, follow-ups or interventions afterwards, every viewer gets exactly the report
    counted when it was frozen (and a running year still counts the writes)."""
    from k0.cases.models import Intervention
    from k0.indicators.exports import as_json
    from k0.indicators.report import reports

    def documents(period):
        out = {}
        for by in (None, *d.BREAKDOWNS):
            document = as_json(published_report(period, by))
            document.pop("generated_at")
            document.pop("frozen_at", None)
            out[by] = document
        return out

    with transaction.atomic():
        year = calendar_year(2019)
        fresh = {by: as_json(reports([year], by)[0]) for by in (None, *d.BREAKDOWNS)}
        frozen = documents(year)
        for document in fresh.values():
            document.pop("generated_at")
            document.pop("frozen_at", None)
        assert frozen == fresh
        case = cases_2019["cases"][which]
        user = cases_2019["user"]
        for kind in writes:
            case.refresh_from_db()
            if kind == "reopen" and case.phase == "closed":
                reopen_edit_and_close_again(case, user)
            elif kind == "party":
                pupil = party(case, "Myöhemmin Kirjattu", grade=4, heard_on=dt.date(2019, 2, 20))
                guardian_of(case, pupil, "Myöhemmin Kirjatun Huoltaja")
            elif kind == "remove_party":
                case.parties.filter(kind="pupil").order_by("pk").first().delete()
            elif kind == "follow_up":
                FollowUp.objects.create(case=case, responsible=user, due_date=dt.date(2019, 5, 2))
            elif kind == "intervention":
                Intervention.objects.create(case=case, kind="joint", date=dt.date(2019, 3, 1))
            elif kind == "late_case":
                late = make_case(
                    school=cases_2019["school"], responsible=user, referred_on=dt.date(2019, 3, 3)
                )
                party(late, "Myöhäinen Oppilas", grade=5)
                close_directly(late, Outcome.RESOLVED, dt.datetime(2019, 9, 1, tzinfo=dt.UTC))
        assert documents(year) == frozen
        transaction.set_rollback(True)

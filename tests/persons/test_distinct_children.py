"""Indicators of distinct children: a child in two resolved cases is one child; multi-year
ranges and the trend's cumulative total count each child once, with the same suppression."""

import datetime as dt

import pytest
from django.urls import reverse

from k0.cases.builders import add_party
from k0.cases.choices import Outcome, PartyRole, Phase
from k0.cases.models import Case
from k0.indicators.forms import SelectionForm
from k0.indicators.periods import calendar_year, calendar_years
from k0.indicators.report import published_report, report
from schools.models import SchoolKind
from tests.accounts.factories import UserFactory
from tests.cases.factories import make_case
from tests.schools.factories import AreaFactory, SchoolFactory


def city_figure(result, code):
    return result.city_figure(code).number


def column(result, code, by_key="label"):
    for table in result.tables:
        for j, col in enumerate(table.columns):
            if col.indicator == code and col.category is None:
                return {str(getattr(row.group, by_key)): row.values[j].number for row in table.rows}
    raise KeyError(code)


@pytest.fixture
def schools(db):
    south, east = AreaFactory(name="Eteläinen"), AreaFactory(name="Itäinen")
    return {
        "primary": SchoolFactory(name="Ala", area=south, kind=SchoolKind.PRIMARY),
        "lower": SchoolFactory(name="Ylä", area=east, kind=SchoolKind.LOWER_SECONDARY),
    }


@pytest.fixture
def user(db):
    return UserFactory(username="counter", password=None)


def resolved_case(school, user, closed_at: dt.datetime):
    case = make_case(school=school, responsible=user, referred_on=closed_at.date().replace(day=1))
    Case.objects.filter(pk=case.pk).update(
        phase=Phase.CLOSED, outcome=Outcome.RESOLVED, closed_at=closed_at
    )
    return case


def at(year, month, day=15):
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


@pytest.fixture
def one_child_twice(schools, user):
    """Aada: a central pupil in grade 6 at a primary school in the south (closed March 2024),
    then in grade 7 at a lower-secondary school in the east (closed October 2024); one
    person. Bertta: another child, central in the first case only."""
    first = resolved_case(schools["primary"], user, at(2024, 3))
    second = resolved_case(schools["lower"], user, at(2024, 10))
    aada = add_party(first, "Aada", grade=6)
    add_party(second, "Aada", grade=7, person=aada.person)
    add_party(first, "Bertta", grade=6)
    return aada


def test_a_child_in_two_resolved_cases_counts_once_in_the_city_and_in_the_later_group(
    settings, one_child_twice
):
    settings.K0_SUPPRESSION_THRESHOLD = 1
    year = report(calendar_year(2024), "area")
    assert city_figure(year, "central_parties_resolved") == 2  # Aada once, Bertta
    # Aada counts where her case closed last (the east); the areas add up to the city.
    assert column(year, "central_parties_resolved") == {
        "Eteläinen": 1,
        "Itäinen": 1,
    }
    by_band = column(report(calendar_year(2024), "grade_band"), "central_parties_resolved", "code")
    # Aada in the band of her later party (grade 7), Bertta in grade 6.
    assert (by_band["grades_3_6"], by_band["grades_7_9"]) == (1, 1)
    assert sum(by_band.values()) == 2


def test_two_separate_person_records_count_twice(settings, schools, user):
    """Without a link (two records of what may be one child) each record is a person: the
    team links explicitly, nothing is merged by name."""
    settings.K0_SUPPRESSION_THRESHOLD = 1
    first = resolved_case(schools["primary"], user, at(2024, 3))
    second = resolved_case(schools["lower"], user, at(2024, 10))
    add_party(first, "Aada", grade=6)
    add_party(second, "Aada", grade=7)
    assert city_figure(report(calendar_year(2024)), "central_parties_resolved") == 2


def test_each_population_counts_the_person_once_even_in_two_roles(settings, schools, user):
    settings.K0_SUPPRESSION_THRESHOLD = 1
    first = resolved_case(schools["primary"], user, at(2024, 3))
    second = resolved_case(schools["primary"], user, at(2024, 5))
    pupil = add_party(first, "Aada", heard_on=dt.date(2024, 2, 1))
    add_party(
        second, "Aada", role=PartyRole.BYSTANDER, heard_on=dt.date(2024, 4, 1), person=pupil.person
    )
    result = report(calendar_year(2024))
    assert city_figure(result, "central_parties_resolved") == 1
    assert city_figure(result, "children_met") == 1
    bystanders = {
        col.category: result.table(t.code).total.values[j].number
        for t in result.tables
        for j, col in enumerate(t.columns)
        if col.indicator == "bystander_parties_resolved"
    }
    assert bystanders["individual"] == 1


def test_multi_year_range_counts_each_child_once_and_is_suppressed_alike(settings, schools, user):
    """Five children, each in one resolved case in 2023 and one in 2024: five in each year,
    five (not ten) over 2023–2024. With the default threshold 5 they are published; with
    six, every year and the range hide them the same way."""
    for n in range(5):
        first = resolved_case(schools["primary"], user, at(2023, 3 + n))
        second = resolved_case(schools["lower"], user, at(2024, 3 + n))
        child = add_party(first, f"Lapsi {n}", grade=6)
        add_party(second, f"Lapsi {n}", grade=7, person=child.person)
    settings.K0_SUPPRESSION_THRESHOLD = 5
    both = report(calendar_years(2023, 2024))
    assert city_figure(both, "central_parties_resolved") == 5
    assert city_figure(both, "cases_closed") == 10
    assert city_figure(report(calendar_year(2023)), "central_parties_resolved") == 5

    settings.K0_SUPPRESSION_THRESHOLD = 6
    for period in (calendar_year(2023), calendar_years(2023, 2024)):
        value = report(period, "area").city_figure("central_parties_resolved")
        assert value.number is None and value.suppressed, period


def test_the_selection_offers_and_checks_multi_year_ranges(schools, user):
    resolved_case(schools["primary"], user, at(2019, 3))  # the first referral: 2019
    form = SelectionForm({"period": "calendar_years:2019-2022"})
    assert form.is_valid(), form.errors
    assert form.selection[0] == calendar_years(2019, 2022)
    for bad in (
        "calendar_years:2022-2019",
        "calendar_years:2025-2026",  # 2026 has not ended (today is 27 Nov 2026)
        "calendar_years:2019",
        "calendar_years:2010-2025",  # longer than offered (and before the first referral)
        "calendar_years:x-y",
    ):
        assert not SelectionForm({"period": bad}).is_valid(), bad


def test_range_on_the_pages_exports_and_api(client, programme_office, one_child_twice, settings):
    from k0.indicators.models import ApiToken

    settings.K0_SUPPRESSION_THRESHOLD = 1
    client.force_login(programme_office)
    query = "?period=calendar_years:2024-2025"
    assert client.get(reverse("indicators:tables") + query).status_code == 200
    csv = client.get(reverse("indicators:export_csv") + query)
    assert csv.status_code == 200 and b"2024-01-01" in csv.content
    token, raw = ApiToken.issue(name="BI", created_by=programme_office)
    client.logout()
    response = client.get(reverse("indicators:api") + query, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    data = response.json()
    assert data["period"]["kind"] == "calendar_years"
    frozen = published_report(calendar_years(2024, 2025))
    assert frozen.frozen_at is not None
    assert city_figure(frozen, "central_parties_resolved") == 2


def test_trend_shows_a_cumulative_total_of_distinct_children(
    client, programme_office, schools, user, settings
):
    settings.K0_SUPPRESSION_THRESHOLD = 1
    first = resolved_case(schools["primary"], user, at(2024, 3))
    second = resolved_case(schools["lower"], user, at(2025, 10))
    child = add_party(first, "Aada", grade=6)
    add_party(second, "Aada", grade=7, person=child.person)
    client.force_login(programme_office)
    response = client.get(reverse("indicators:trend") + "?kind=calendar_year")
    assert response.status_code == 200
    central = response.context["series"].index(
        next(i for i in response.context["series"] if i.code == "central_parties_resolved")
    )
    yearly = [row["values"][central].number for row in response.context["rows"]]
    assert yearly == [1, 1]  # 2024 and 2025
    cumulative = response.context["cumulative"]
    assert cumulative["period"].label == "2024–2025"
    assert cumulative["values"][central].number == 1
    assert b'id="trend-cumulative"' in response.content

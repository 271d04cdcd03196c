"""Which periods are published: only ended ones, from the first referral (never before
FIRST_YEAR) — so a new referral cannot be read off two readings of a running period, and a
mistyped date stored in a case cannot take the indicators down."""

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from k0.cases.models import Case, FollowUp, Intervention
from k0.indicators.models import ApiToken, ApiTokenUse, IndicatorSnapshot
from k0.indicators.periods import FIRST_YEAR
from k0.jobs.models import Job
from k0.jobs.services import run_job
from tests.factories import make_case

from .conftest import HELSINKI

API = reverse("indicators:api")
RUNNING = "school_year:2026"  # today is 27 Nov 2026


@pytest.fixture
def office(client, programme_office):
    client.force_login(programme_office)
    return client


@pytest.fixture
def bearer(city):
    _token, raw = ApiToken.issue(name="Power BI")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def period_error_codes(response) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data()["period"]]


# --- only ended periods -------------------------------------------------------------------


def test_new_referral_cannot_be_read_off_the_api_by_differencing(client, bearer, city):
    """The attack of the review: ask, a case is referred, ask again; nothing may differ."""

    def everything():
        answers = {}
        for query in ({}, {"by": "area"}, {"by": "school_kind"}):
            document = client.get(API, query, **bearer).json()
            document.pop("generated_at")
            answers[json.dumps(query)] = document
        return answers

    before = everything()
    make_case(
        school=city["schools"][0],
        responsible=city["user"],
        referred_on=dt.date(2026, 11, 27),
        referral_source="police",
        forms_of_bullying=["sexual_harassment"],
    )

    assert everything() == before
    assert before["{}"]["period"]["label"] == "2025–2026"  # the latest ended school year


@pytest.mark.parametrize("period", [RUNNING, "calendar_year:2026", "school_year:2030"])
def test_running_period_page_is_refused_with_the_reason(office, city, period):
    response = office.get(reverse("indicators:tables"), {"period": period, "by": "area"})

    assert response.status_code == 400
    assert response.context["report"] is None
    assert period_error_codes(response) == ["not_ended"]
    assert 'role="alert"' in response.content.decode()


def test_running_period_message_says_when_it_is_published(office, city):
    from django.utils import translation

    response = office.get(reverse("indicators:dashboard"), {"period": RUNNING})

    error = response.context["form"].errors.as_data()["period"][0]
    assert error.params["date"] == "1.8.2027"  # the day after the school year ends
    with translation.override("en"):
        assert str(error.message).startswith("%(period)s has not ended yet.")


@pytest.mark.parametrize(
    "name", ["chart_parties", "chart_outcomes", "export_csv", "export_xlsx", "export_json"]
)
def test_running_period_chart_or_download_is_refused(office, city, name):
    response = office.get(reverse(f"indicators:{name}"), {"period": RUNNING})

    assert response.status_code == 400
    assert not IndicatorSnapshot.objects.exists()


def test_running_period_pdf_is_refused_and_no_job_started(office, city):
    response = office.post(reverse("indicators:report_pdf"), {"period": RUNNING})

    assert response.status_code == 400
    assert period_error_codes(response) == ["not_ended"]
    assert not Job.objects.exists()


def test_running_period_is_a_clear_400_from_the_api(client, bearer, city):
    response = client.get(API, {"period": RUNNING}, **bearer)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert [e["code"] for e in response.json()["errors"]["period"]] == ["not_ended"]
    assert "data" not in response.json()
    assert ApiTokenUse.objects.get().status == 400


def test_trend_shows_ended_periods_only(office, city):
    for kind, last in (("school_year", "2025–2026"), ("calendar_year", "2025")):
        response = office.get(reverse("indicators:trend"), {"kind": kind})

        assert [row["period"].label for row in response.context["rows"]][-1] == last


@pytest.mark.parametrize(
    ("moment", "offered"),
    [
        # 23:59 on 31 July in Helsinki: the school year has not ended.
        (dt.datetime(2026, 7, 31, 23, 59, tzinfo=HELSINKI), False),
        # 00:01 on 1 August in Helsinki (still 31 July in UTC): it has.
        (dt.datetime(2026, 8, 1, 0, 1, tzinfo=HELSINKI), True),
    ],
)
def test_a_period_is_published_from_the_day_after_it_ends_in_helsinki(
    client, programme_office, city, moment, offered
):
    with time_machine.travel(moment, tick=False):
        client.force_login(programme_office)
        response = client.get(reverse("indicators:dashboard"), {"period": "school_year:2025"})

    assert (response.status_code == 200) is offered


# --- the operator's command ---------------------------------------------------------------


def run_command(*argv):
    """(exit code, stdout, stderr) of export_indicators, as from a shell."""
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("export_indicators", *argv, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-08-01", "2027-07-31"), ("2026-01-01", "2026-12-31"), ("2026-11-01", "2026-11-27")],
)
def test_command_refuses_an_unfinished_period_without_the_flag(city, start, end):
    code, out, err = run_command("--from", start, "--to", end, "--format", "json")

    assert code == 1 and out == ""
    assert "has not ended yet" in err and "--unfinished" in err


def test_command_exports_an_unfinished_period_with_the_flag_and_a_warning(city):
    code, out, err = run_command(
        "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json", "--unfinished"
    )

    assert code == 0
    document = json.loads(out)
    assert document["period"]["complete"] is False
    assert document["frozen_at"] is None
    assert "will still change" in err
    assert not IndicatorSnapshot.objects.exists()  # a running period is never frozen


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("0001-01-01", "2025-12-31", "is before 2010-01-01"),
        ("1900-01-01", "1900-12-31", "is before 2010-01-01"),
        ("2025-01-01", "9999-12-31", "too far ahead"),
    ],
)
def test_command_refuses_dates_out_of_range_with_a_clear_error(city, start, end, message):
    code, _out, err = run_command("--from", start, "--to", end, "--format", "csv", "--unfinished")

    assert code == 1
    assert message in err


# --- dates out of any sensible range, stored past validation --------------------------------


BAD_DATES = [dt.date(1, 1, 1), dt.date(1900, 1, 1), dt.date(9999, 12, 31)]


@pytest.fixture
def bad_dates(city):
    """Every date the indicators read set to the extremes, as an old bug or a raw write
    could leave them (QuerySet.update bypasses every validation)."""
    cases = city["cases"]
    for case, day in zip(cases, BAD_DATES, strict=False):
        Case.objects.filter(pk=case.pk).update(referred_on=day)
    Case.objects.filter(pk=cases[3].pk).update(
        closed_at=dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC), outcome="resolved"
    )
    Case.objects.filter(pk=cases[4].pk).update(
        closed_at=dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)
    )
    Intervention.objects.filter(pk=Intervention.objects.first().pk).update(date=BAD_DATES[0])
    Intervention.objects.filter(pk=Intervention.objects.last().pk).update(date=BAD_DATES[-1])
    FollowUp.objects.filter(pk=FollowUp.objects.first().pk).update(done_at=BAD_DATES[0])
    FollowUp.objects.filter(pk=FollowUp.objects.last().pk).update(done_at=BAD_DATES[-1])
    return city


def test_bad_stored_dates_leave_every_page_chart_and_download_working(office, bad_dates):
    urls = [
        reverse("indicators:dashboard"),
        reverse("indicators:tables") + "?period=school_year:2025&by=area",
        reverse("indicators:trend") + "?kind=school_year",
        reverse("indicators:trend") + "?kind=calendar_year",
        reverse("indicators:chart_parties"),
        reverse("indicators:chart_outcomes") + "?period=calendar_year:2025",
        reverse("indicators:chart_trend") + "?kind=calendar_year",
        *(
            reverse(f"indicators:export_{fmt}") + "?by=grade_band"
            for fmt in ("csv", "xlsx", "json")
        ),
    ]

    for url in urls:
        assert office.get(url).status_code == 200, url


def test_bad_stored_dates_offer_periods_from_the_first_year_only(office, bad_dates):
    response = office.get(reverse("indicators:dashboard"))

    *single, (_group, ranges) = response.context["form"].fields["period"].choices
    offered = [code for code, _label in single]
    years = sorted(int(code.split(":")[1]) for code in offered)
    # Multi-year ranges start from 2010 too.
    assert min(int(code.split(":")[1].split("-")[0]) for code, _label in ranges) == FIRST_YEAR
    # The earliest referral is 0001-01-01: periods start with the one containing 1 Jan 2010.
    assert years[0] == FIRST_YEAR - 1  # school year 2009–2010 contains 1 Jan 2010
    assert offered[0] == "school_year:2025"
    assert len(offered) == 2 * (2025 - FIRST_YEAR + 1) + 1
    assert (
        office.get(reverse("indicators:dashboard"), {"period": "calendar_year:1900"}).status_code
        == 400
    )


def test_bad_stored_dates_leave_the_api_working(client, bad_dates):
    _token, raw = ApiToken.issue(name="BI")

    for query in ({}, {"period": "calendar_year:2010", "by": "area"}):
        response = client.get(API, query, HTTP_AUTHORIZATION=f"Bearer {raw}")

        assert response.status_code == 200, query


def test_bad_stored_dates_leave_the_pdf_report_working(office, bad_dates, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    office.post(reverse("indicators:report_pdf"), {"period": "calendar_year:2025", "by": "area"})

    assert run_job(Job.objects.get().pk) == "done"


def test_bad_stored_dates_leave_the_nightly_freeze_working(bad_dates):
    from k0.indicators.tasks import freeze_ended_periods_task

    assert freeze_ended_periods_task() == 2 * (2025 - FIRST_YEAR + 1) + 1

"""Programme-office pages and chart images: access, selection, what is shown, query counts."""

import base64
import datetime as dt
import re

import pytest
from django.urls import URLPattern, get_resolver, reverse

from k0.cases.choices import Outcome, PartyKind, PartyRole
from k0.cases.models import Case, FollowUp, Intervention, Party, PartyGroup
from k0.cases.models_duties import StatutoryNotice

from .conftest import SECRETS, close_directly

YEAR = "period=school_year:2025"
PAGES = [
    reverse("indicators:dashboard"),
    reverse("indicators:tables"),
    reverse("indicators:trend"),
    reverse("indicators:chart_parties") + f"?{YEAR}",
    reverse("indicators:chart_outcomes") + f"?{YEAR}",
    reverse("indicators:chart_trend") + "?kind=school_year",
    reverse("indicators:export_csv") + f"?{YEAR}",
    reverse("indicators:export_xlsx") + f"?{YEAR}",
    reverse("indicators:export_json") + f"?{YEAR}",
]


@pytest.fixture
def office(client, programme_office):
    client.force_login(programme_office)
    return client


def body(response) -> str:
    return response.content.decode()


# --- access --------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_log_in(client, db):
    for url in PAGES:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("persona", ["team_member", "principal", "coordinator", "outsider"])
def test_other_roles_are_refused_every_indicator_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    for url in PAGES:
        assert client.get(url).status_code == 403, url


def test_programme_office_reaches_every_indicator_page(office, city):
    for url in PAGES:
        assert office.get(url).status_code == 200, url


def test_programme_office_cannot_reach_any_case_url(office, city):
    case = city["cases"][0]
    urls = []
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) != "cases":
            continue
        for sub in pattern.url_patterns:
            assert isinstance(sub, URLPattern)
            kwargs = {}
            if "reference" in sub.pattern.converters:
                kwargs["reference"] = case.reference
            if "pk" in sub.pattern.converters:
                kwargs["pk"] = 1
            urls.append(reverse(f"cases:{sub.name}", kwargs=kwargs))
    assert len(urls) > 20

    for url in urls:
        assert office.get(url).status_code in (403, 404), url
        assert office.post(url, {"text": "x"}).status_code in (403, 404), url


def test_indicator_pages_accept_only_get(office, city):
    assert office.post(reverse("indicators:dashboard"), {"period": "x"}).status_code == 405


# --- choosing the period and breakdown ------------------------------------------------------


def test_dashboard_shows_the_latest_ended_school_year_by_default(office, city):
    response = office.get(reverse("indicators:dashboard"))

    assert response.status_code == 200
    assert response.context["report"].period.label == "2025–2026"  # today is 27 Nov 2026


def test_periods_offered_run_from_the_first_referral_to_the_latest_ended(office, city):
    response = office.get(reverse("indicators:dashboard"))

    *single, (_group, ranges) = response.context["form"].fields["period"].choices
    offered = [code for code, _label in single]
    # The first referral (c8) was on 1 May 2024, in school year 2023–2024; today is 27 Nov
    # 2026, so school year 2025–2026 and calendar year 2025 are the latest that have ended.
    assert offered == [
        "school_year:2025",
        "calendar_year:2025",
        "school_year:2024",
        "calendar_year:2024",
        "school_year:2023",
    ]
    # And the ended calendar years together (a multi-year range).
    assert [code for code, _label in ranges] == ["calendar_years:2024-2025"]


@pytest.mark.parametrize(
    "query",
    [
        "period=school_year:1999",
        "period=school_year:2099",
        "period=range:2025",
        "period=2025-08-01..2026-07-31",
        "period=school_year:abc",
        "period=school_year:2025&by=school",
        "period=school_year:2025&by=gender",
    ],
)
def test_bad_selection_is_a_form_error_not_a_server_error(office, city, query):
    response = office.get(reverse("indicators:tables") + "?" + query)

    assert response.status_code == 400
    assert response.context["report"] is None
    assert response.context["form"].errors
    assert 'role="alert"' in body(response)


def test_free_date_range_is_refused_with_the_reason(office, city):
    response = office.get(reverse("indicators:dashboard") + "?period=range:2025")
    form = response.context["form"]

    reason = form.fields["period"].error_messages["invalid_choice"]
    assert form.errors["period"] == [str(reason)]
    assert "ei voi vähentää toisistaan" in str(reason)  # why: no differencing of tables


@pytest.mark.parametrize("name", ["chart_parties", "export_csv"])
def test_bad_selection_of_a_chart_or_download_is_refused(office, city, name):
    response = office.get(reverse(f"indicators:{name}") + "?period=range:1")

    assert response.status_code == 400


def test_unknown_chart_or_format_is_not_found(office, city):
    assert office.get("/indicators/chart/names.svg").status_code == 404
    assert office.get(f"/indicators/export/pdf/?{YEAR}").status_code == 404


def test_refused_users_learn_nothing_from_the_method_either(client, team_member):
    client.force_login(team_member)

    assert client.post(reverse("indicators:dashboard")).status_code == 403
    assert client.post(reverse("indicators:export_csv")).status_code == 403


def test_chart_and_download_without_parameters_show_the_latest_ended_school_year(office, city):
    for name in ("chart_parties", "chart_outcomes", "chart_trend", "export_json"):
        assert office.get(reverse(f"indicators:{name}")).status_code == 200, name


# --- what the pages show ------------------------------------------------------------------


def test_suppressed_numbers_are_a_marker_with_a_note_and_zeros_stay_zero(office, city):
    response = office.get(reverse("indicators:tables") + f"?{YEAR}&by=area")
    html = body(response)

    assert "•" in html
    assert "alle 5 henkilöä" in html  # the note, in the user's language (Finnish)
    pohjoinen = re.search(r"<th scope=\"row\">Pohjoinen</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', pohjoinen)[:3] == ["0", "0", "0"]


def test_screen_readers_hear_not_published_for_the_marker(office, city):
    html = body(office.get(reverse("indicators:tables") + f"?{YEAR}"))

    assert '<span aria-hidden="true">•</span><span class="visually-hidden">' in html


def test_a_hidden_number_never_appears_in_its_place(office, city):
    # With the default threshold, area Eteläinen's 2 referred cases are hidden.
    response = office.get(reverse("indicators:tables") + f"?{YEAR}&by=area")
    table = response.context["report"].table("referred")
    row = next(r for r in table.rows if r.group.label == "Eteläinen")

    assert row.values[-1].suppressed and row.values[-1].number is None


def test_same_request_gives_the_same_pattern(office, city):
    first = office.get(reverse("indicators:tables") + f"?{YEAR}&by=area").context["report"]
    second = office.get(reverse("indicators:tables") + f"?{YEAR}&by=area").context["report"]

    assert [t.rows for t in first.tables] == [t.rows for t in second.tables]


def test_city_row_is_the_same_whatever_the_breakdown(office, city):
    totals = []
    for by in ["", "area", "school_kind", "grade_band"]:
        result = office.get(reverse("indicators:tables") + f"?{YEAR}&by={by}").context["report"]
        totals.append([t.total.values for t in result.tables])

    assert totals[0] == totals[1] == totals[2] == totals[3]


def test_grade_band_breakdown_says_case_figures_have_no_grade(office, city):
    response = office.get(reverse("indicators:tables") + f"?{YEAR}&by=grade_band")
    report = response.context["report"]

    assert report.table("parties").rows  # pupils have a grade
    assert not report.table("closed").rows
    assert not report.table("closed").breakdown_available
    without_grade = [t for t in report.tables if not t.breakdown_available]
    assert len(without_grade) >= 12  # case figures, notices, follow-ups done, …
    assert body(response).count('class="indicator-table__unavailable"') == len(without_grade)


def test_ended_period_is_not_marked_as_running(office, city):
    ended = body(office.get(reverse("indicators:dashboard") + f"?{YEAR}"))

    assert 'class="indicator-note__running"' not in ended


def test_no_name_note_or_case_reference_appears_anywhere(office, city, settings):
    settings.K0_SUPPRESSION_THRESHOLD = 1  # everything published: the most there is to see
    references = [case.reference for case in city["cases"]]
    urls = [url.replace("school_year:2025", "school_year:2025&by=area") for url in PAGES]
    urls += [reverse("indicators:tables") + f"?{YEAR}&by={by}" for by in ("grade_band", "")]

    for url in urls:
        content = office.get(url).content.decode("utf-8", errors="replace")
        for secret in [*SECRETS, *references, *(s.name for s in city["schools"])]:
            assert secret not in content, (url, secret)


def test_chart_is_an_svg_image_without_script(office, city):
    response = office.get(reverse("indicators:chart_parties") + f"?{YEAR}&by=area")
    svg = body(response)

    assert response["Content-Type"] == "image/svg+xml"
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "<script" not in svg.lower()
    assert "script-src 'none'" in response["Content-Security-Policy"]
    assert "Eteläinen" in svg


def _inline_images(html: str) -> list[tuple[str, str]]:
    """(the <img> tag, its decoded SVG) of every chart drawn inside the page."""
    images = []
    for tag in re.findall(r"<img [^>]*>", html, re.S):
        if "site-header__logo" in tag:  # the city's logo in the page header
            continue
        src = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', tag)
        assert src, tag
        images.append((tag, base64.b64decode(src.group(1)).decode("utf-8")))
    return images


def test_page_shows_charts_as_images_with_text_alternatives_and_keeps_its_csp(office, city):
    response = office.get(reverse("indicators:dashboard") + f"?{YEAR}&by=area")
    html = body(response)

    images = _inline_images(html)
    assert len(images) == 2
    for tag, svg in images:
        assert re.search(r'alt="[^"]{20,}"', tag)
        assert "<svg" in svg and "<script" not in svg.lower()
        for secret in [*SECRETS, *(case.reference for case in city["cases"])]:
            assert secret not in svg
    assert "Eteläinen" in images[0][1]  # the parties chart has a bar per area
    assert "<svg" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_dashboard_and_trend_compute_their_numbers_once(office, city):
    """The charts come with the page: no image request asks for the same report again."""
    dashboard = body(office.get(reverse("indicators:dashboard") + f"?{YEAR}"))
    trend = body(office.get(reverse("indicators:trend") + "?kind=school_year"))

    assert len(_inline_images(dashboard)) == 2
    assert len(_inline_images(trend)) == 1
    for name in ("parties", "outcomes", "trend"):
        assert reverse(f"indicators:chart_{name}") not in dashboard + trend


def test_trend_lists_each_year_with_the_headline_figures(office, city, settings):
    settings.K0_SUPPRESSION_THRESHOLD = 1
    response = office.get(reverse("indicators:trend") + "?kind=school_year")
    rows = response.context["rows"]

    labels = [row["period"].label for row in rows]
    assert labels == ["2023–2024", "2024–2025", "2025–2026"]  # 2026–2027 is still running
    year = rows[2]["values"]
    assert [v.number for v in year] == [5, 5, 5, 45]  # referred, closed, central, bystanders


def test_trend_refuses_an_unknown_kind(office, city):
    assert office.get(reverse("indicators:trend") + "?kind=week").status_code == 400
    assert office.get(reverse("indicators:chart_trend") + "?kind=x").status_code == 400


def test_navigation_links_to_the_indicators(office, city):
    assert reverse("indicators:dashboard") in body(office.get(reverse("indicators:trend")))


# --- queries ---------------------------------------------------------------------------------


def add_cases(city, n):
    """n more cases with parties, groups, interventions and follow-ups, all in 2025–2026."""
    schools, user = city["schools"], city["user"]
    for i in range(n):
        case = Case.objects.create(
            school=schools[i % 3],
            referred_on=dt.date(2025, 9, 1) + dt.timedelta(days=i),
            referral_source=["guardian", "pupil", "school_staff"][i % 3],
            forms_of_bullying=[["verbal"], ["online", "physical"], []][i % 3],
            responsible=user,
            created_by=user,
        )
        if i % 4 == 0:
            StatutoryNotice.objects.create(
                case=case, kind="police_request", made_on=case.referred_on
            )
        Party.objects.bulk_create(
            [
                Party(
                    case=case, name="x", role=PartyRole.CENTRAL, kind=PartyKind.PUPIL, grade=i % 14
                ),
                Party(case=case, name="y", role=PartyRole.BYSTANDER, kind=PartyKind.PUPIL),
                Party(case=case, name="z", role=PartyRole.CENTRAL, kind=PartyKind.GUARDIAN),
                Party(case=case, name="w", role=PartyRole.BYSTANDER, kind=PartyKind.STAFF),
            ]
        )
        PartyGroup.objects.create(case=case, name="g", head_count=10 + i, grade=i % 14)
        Intervention.objects.create(case=case, kind="joint", date=dt.date(2025, 10, 1))
        FollowUp.objects.create(
            case=case, responsible=user, due_date=dt.date(2025, 11, 1), done_at=dt.date(2025, 11, 1)
        )
        if i % 2:
            close_directly(case, Outcome.RESOLVED, dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))


# The first publication of a period: session, user, roles, the first-referral year, the
# snapshot look-up, the areas and 9 aggregates, the snapshot insert and its re-read, the
# session save (in a savepoint).
MAX_QUERIES_FIRST = 20
# Later: the same without the counting, read from the frozen figures.
MAX_QUERIES_FROZEN = 8


@pytest.mark.parametrize("extra_cases", [0, 50])
@pytest.mark.parametrize("by", ["", "area", "grade_band"])
def test_pages_run_a_fixed_number_of_queries(
    office, city, extra_cases, by, django_assert_max_num_queries
):
    add_cases(city, extra_cases)

    with django_assert_max_num_queries(MAX_QUERIES_FIRST):
        response = office.get(reverse("indicators:dashboard") + f"?{YEAR}&by={by}")
    assert response.status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES_FROZEN):
        response = office.get(reverse("indicators:tables") + f"?{YEAR}&by={by}")
    assert response.status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES_FROZEN):
        office.get(reverse("indicators:export_xlsx") + f"?{YEAR}&by={by}")


@pytest.mark.parametrize("extra_cases", [0, 50])
def test_trend_over_many_years_runs_a_fixed_number_of_queries(
    office, city, extra_cases, django_assert_max_num_queries
):
    add_cases(city, extra_cases)
    Case.objects.filter(pk=city["cases"][7].pk).update(referred_on=dt.date(2014, 5, 1))

    with django_assert_max_num_queries(MAX_QUERIES_FIRST):
        response = office.get(reverse("indicators:trend") + "?kind=calendar_year")
    assert len(response.context["rows"]) == 12
    with django_assert_max_num_queries(MAX_QUERIES_FROZEN):
        response = office.get(reverse("indicators:trend") + "?kind=calendar_year")
    assert len(response.context["rows"]) == 12


def test_a_new_system_without_cases_or_areas_shows_zeros(office):
    for by in ("", "area", "school_kind"):
        response = office.get(reverse("indicators:tables") + f"?by={by}")

        assert response.status_code == 200
        referred = response.context["report"].table("referred")
        assert referred.total.values[-1].number == 0
        assert all(row.values[-1].number == 0 for row in referred.rows)

"""The case page for a teacher in a hurry (issue 18), without a browser: its sections and
in-page navigation, the anchor a save returns to, no preselected decisions, the timeline
in time order with a "coming up" list, the access log per person and day, dates per
language, Swedish area names and the coordinator's figures per school.
Focus, Escape and reflow are in tests/browser/test_case_panels.py and test_every_page.py."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from k0.cases.forms import AttachmentForm, CloseForm, InterventionForm, PartyForm
from k0.cases.models import AccessLog, Case, FollowUp, Intervention, Party, PhaseChange
from k0.cases.views import build_timeline, coming_up, timeline_days
from schools.models import Area
from tests.factories import MembershipFactory, make_case

from .conftest import TODAY, add_party

SECTIONS = [
    "referral",
    "parties",
    "consents",
    "notices",
    "service-referrals",
    "work",
    "interventions",
    "follow-ups",
    "attachments",
    "timeline",
    "team",
    "transfer-and-earlier",
    "access",
]


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def test_the_page_starts_with_what_to_do_now_and_links_every_section(team_client, case):
    body = team_client.get(case.get_absolute_url()).content.decode()
    now = body.index('id="now"')
    toc = body.index('class="case-toc"')
    assert now < toc < body.index('id="referral"')
    for section in SECTIONS:
        assert f'<a href="#{section}">' in body[toc:]
        assert f'<section class="case-section" id="{section}"' in body
    # Each section that edits has its own panel slot; links open their forms in it.
    # the six of the case's own records, and the safety plan, consents, notices and service
    # referrals
    assert body.count("data-panel-slot") == 10
    assert "data-panel>" in body and 'hx-target="#case-panel"' not in body


def test_a_save_without_javascript_returns_to_the_changed_item(team_client, case):
    response = team_client.post(
        reverse("cases:parties_add", args=[case.reference]),
        {"name": "Aino", "role": "central", "kind": "pupil"},
    )
    party = Party.objects.get(case=case, name="Aino")
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#party-{party.pk}"
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert f'id="party-{party.pk}"' in page


def test_htmx_save_names_the_changed_item_for_the_script(team_client, case):
    response = team_client.post(
        reverse("cases:parties_add", args=[case.reference]),
        {"name": "Aino", "role": "central", "kind": "pupil"},
        headers={"HX-Request": "true"},
    )
    party = Party.objects.get(case=case, name="Aino")
    assert response["K0-Changed"] == f"party-{party.pk}"
    assert response["HX-Retarget"] == "#case-body"
    # The message travels in the body, for the script to move into the live region.
    assert re.search(r"<div data-flash hidden>\s*<section class=\"hds-notification", response.text)


def test_an_error_lists_each_field_with_a_link(team_client, case):
    url = reverse("cases:parties_add", args=[case.reference])
    body = team_client.post(url, {"name": ""}).content.decode()
    start = body.index("data-error-summary")
    summary = body[start : body.index("</ul>", start)]
    assert 'href="#id_name"' in summary
    assert 'href="#id_role_0"' in summary  # a radio group links to its first radio
    assert 'href="#id_kind"' in summary
    assert 'tabindex="-1" autofocus' in body


def test_cancel_without_javascript_returns_to_the_section(team_client, case):
    body = team_client.get(reverse("cases:follow_ups_add", args=[case.reference])).content
    assert (
        f'href="{case.get_absolute_url()}#follow-ups" class="cancel-link" data-panel-close'.encode()
        in body
    )


def test_decisions_that_feed_statistics_start_empty(case):
    party = PartyForm(case=case)
    assert "" not in [value for value, _ in party.fields["role"].choices]
    assert "checked" not in str(party["role"])
    intervention = InterventionForm(case=case)
    assert "" not in [value for value, _ in intervention.fields["status"].choices]
    assert "checked" not in str(intervention["status"])
    close = CloseForm(initial={"outcome": ""})
    assert close.fields["outcome"].choices[0][0] == ""
    assert not CloseForm({"closing_summary": "x"}).is_valid()
    assert "role" in PartyForm({"name": "A", "kind": "pupil"}, case=case).errors


def test_editing_keeps_the_recorded_choice(case):
    intervention = Intervention.objects.create(
        case=case, kind="joint", status="planned", date=TODAY
    )
    form = InterventionForm(case=case, instance=intervention)
    assert re.search(r'value="planned"[^>]*checked', str(form["status"]))


def test_close_page_preselects_no_outcome(team_client, case):
    body = team_client.get(reverse("cases:close", args=[case.reference])).content.decode()
    select = body[
        body.index('<select name="outcome"') : body.index(
            "</select>", body.index('<select name="outcome"')
        )
    ]
    assert '<option value="" selected>' in select


def test_timeline_reads_in_time_order_within_a_day(case, case_team_member):
    now = timezone.now()
    meeting = Intervention.objects.create(case=case, kind="joint", status="done", date=TODAY)
    change = PhaseChange.objects.create(
        case=case, from_phase="referral", to_phase="mapping", changed_by=case_team_member
    )
    assert change.changed_at >= meeting.created_at
    case = Case.objects.for_case_page().get(pk=case.pk)
    case.timeline_notes = []
    entries = build_timeline(case)
    days = dict(timeline_days(entries))
    today = [e.kind for e in days[timezone.localdate(now)]]
    # Opened, then the meeting, then the phase change it allowed.
    assert today == ["phase", "intervention", "phase"]


def test_planned_items_are_coming_up_not_in_the_past(case, case_team_member):
    planned = Intervention.objects.create(
        case=case, kind="joint", status="planned", date=TODAY + dt.timedelta(days=3)
    )
    FollowUp.objects.create(
        case=case, due_date=TODAY + dt.timedelta(days=7), responsible=case_team_member
    )
    case = Case.objects.for_case_page().get(pk=case.pk)
    case.timeline_notes = []
    assert f"intervention-{planned.pk}" not in [e.anchor for e in build_timeline(case)]
    upcoming = coming_up(case)
    assert [e.kind for e in upcoming] == ["intervention", "follow_up"]
    assert upcoming[0].anchor == f"intervention-{planned.pk}"


def test_access_log_groups_a_person_per_day_with_role_names(
    team_client, case, coordinator, case_team_member
):
    for _ in range(3):
        team_client.get(case.get_absolute_url())
    AccessLog.objects.create(
        case=case, user=coordinator, role="coordinator", action="view", view="x"
    )
    response = team_client.get(case.get_absolute_url())
    days = response.context["access_days"]
    assert [(d.user, d.count) for d in days] == [(case_team_member, 4), (coordinator, 1)]
    assert [str(role) for d in days for role in d.roles] == ["Tapaustiimi", "K-0-koordinaattori"]
    body = response.content.decode()
    assert "case_team" not in body[body.index('id="access"') :]


@pytest.mark.parametrize(
    ("language", "text"), [("fi", "20.11.2026"), ("sv", "20.11.2026"), ("en", "20 Nov 2026")]
)
def test_one_date_format_per_language(team_client, case, language, text):
    case.referred_on = dt.date(2026, 11, 20)
    case.save()
    team_client.cookies["django_language"] = language
    body = team_client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'lang="{language}"' in body
    assert text in body


def test_swedish_pages_show_the_swedish_area_name(db):
    area = Area.objects.create(name="Eteläinen alue", name_sv="Södra området")
    with translation.override("sv"):
        assert area.label == "Södra området"
    with translation.override("fi"):
        assert area.label == "Eteläinen alue"


def test_the_attachment_help_is_in_the_users_language(db):
    with translation.override("en"):
        english = str(AttachmentForm().fields["file"].help_text)
    with translation.override("fi"):
        finnish = str(AttachmentForm().fields["file"].help_text)
    assert english.startswith("Screenshots")
    assert finnish != english


def test_coordinator_sees_figures_per_school(
    client, school, other_school, coordinator, case_team_member
):
    MembershipFactory(user=coordinator, school=other_school, role="coordinator")
    overdue = make_case(school=school, responsible=case_team_member, coordinator=coordinator)
    FollowUp.objects.create(
        case=overdue, due_date=TODAY - dt.timedelta(days=3), responsible=case_team_member
    )
    reopened = make_case(school=school, responsible=case_team_member, coordinator=coordinator)
    # Marked not needed when the case was closed, and the case then reopened: not overdue.
    FollowUp.objects.create(
        case=reopened,
        due_date=TODAY - dt.timedelta(days=5),
        responsible=case_team_member,
        not_needed_on=TODAY - dt.timedelta(days=6),
    )
    make_case(
        school=school,
        responsible=case_team_member,
        coordinator=coordinator,
        phase="closed",
        closed_at=timezone.now(),
    )
    client.force_login(coordinator)
    body = client.get(reverse("cases:coordinator_home")).content.decode()
    row = body[body.index(f'data-school="{school.pk}"') :]
    row = row[: row.index("</tr>")]
    assert re.search(r'data-figure="open">2<', row)
    assert re.search(r'data-figure="overdue"><span class="overdue">1<', row)
    assert re.search(r'data-figure="awaiting">1<', row)
    other = body[body.index(f'data-school="{other_school.pk}"') :]
    assert re.search(r'data-figure="open">0<', other[: other.index("</tr>")])
    # Only "My schools" is marked as the current page in the main navigation.
    assert body.count('aria-current="page"') - body.count('href="?show=" aria-current') == 1


def test_pupils_come_first_in_the_parties_table(team_client, case):
    add_party(case, "Huoltaja", kind="guardian")
    add_party(case, "Opettaja", kind="staff")
    add_party(case, "Oppilas", kind="pupil")
    names = [p.name for p in team_client.get(case.get_absolute_url()).context["parties"]]
    assert names == ["Oppilas", "Huoltaja", "Opettaja"]

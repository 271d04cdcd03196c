"""My work, the follow-up calendar, and sending invitations from the case page."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from k0.cases.models import Case
from k0.jobs.models import Job, JobStatus
from k0.jobs.services import run_job
from k0.jobs.tasks import run_job_task
from k0.reminders.models import InvitationDelivery, MeetingInvitation
from tests.factories import make_case

from .conftest import TODAY, add_follow_up, add_meeting, assert_no_secrets, make_sensitive_case


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def test_my_work_lists_overdue_due_this_week_and_idle_cases(
    team_client, school, case, case_team_member, coordinator
):
    overdue = add_follow_up(case, TODAY - dt.timedelta(days=2), coordinator)
    this_week = add_follow_up(case, TODAY + dt.timedelta(days=2), case_team_member)  # Sunday
    next_week = add_follow_up(case, TODAY + dt.timedelta(days=3), case_team_member)
    idle = make_case(school=school, responsible=case_team_member)
    Case.objects.filter(pk=idle.pk).update(last_activity_at=timezone.now() - dt.timedelta(30))
    response = team_client.get(reverse("reminders:my_work"))
    assert response.status_code == 200
    assert response.context["overdue"] == [overdue]
    assert response.context["due_this_week"] == [this_week]
    assert next_week not in response.context["due_this_week"]
    assert [c.pk for c in response.context["idle_cases"]] == [idle.pk]
    body = response.content.decode()
    assert f"#follow-up-{overdue.pk}" in body and idle.reference in body
    assert 'hx-trigger="every 60s"' in body
    assert_no_secrets(body)


def test_my_work_refresh_returns_only_the_lists(team_client, case):
    response = team_client.get(reverse("reminders:my_work"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="my-work"') and "<html" not in body


def test_my_work_shows_only_the_users_cases(client, outsider, case, case_team_member):
    add_follow_up(case, TODAY - dt.timedelta(days=2), case_team_member)
    client.force_login(outsider)
    response = client.get(reverse("reminders:my_work"))
    assert response.status_code == 200
    assert case.reference not in response.content.decode()


@pytest.mark.parametrize("persona", ["principal", "programme_office"])
def test_my_work_is_for_team_members_and_coordinators(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reminders:my_work")).status_code == 403
    assert client.post(reverse("reminders:follow_ups_calendar")).status_code == 403


def test_coordinator_has_my_work(client, coordinator, case):
    client.force_login(coordinator)
    assert client.get(reverse("reminders:my_work")).status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_my_work_query_count_is_constant(
    team_client, school, case_team_member, n, django_assert_max_num_queries
):
    for i in range(n):
        case = make_case(school=school, responsible=case_team_member)
        add_follow_up(case, TODAY - dt.timedelta(days=1 + i % 3), case_team_member)
        add_follow_up(case, TODAY + dt.timedelta(days=i % 2), case_team_member)
    Case.objects.update(last_activity_at=timezone.now() - dt.timedelta(days=60))
    # 12 before the duties; +4, one query per kind of duty but follow-ups (k0.cases.due.for_cases).
    with django_assert_max_num_queries(16):
        response = team_client.get(reverse("reminders:my_work"))
    assert len(response.context["overdue"]) == n
    assert len(response.context["idle_cases"]) == n


def test_calendar_download_runs_as_a_job(
    team_client,
    case,
    case_team_member,
    coordinator,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    mine = add_follow_up(case, TODAY + dt.timedelta(days=5), case_team_member)
    add_follow_up(case, TODAY + dt.timedelta(days=6), coordinator)  # someone else's
    add_follow_up(case, TODAY - dt.timedelta(days=1), case_team_member)  # past
    with (
        mock.patch.object(run_job_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = team_client.post(reverse("reminders:follow_ups_calendar"))
    job = Job.objects.get()
    delay.assert_called_once_with(job.pk)
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.kind == "my_follow_ups_ics" and job.requested_by == case_team_member
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result_name.endswith(".ics")
    download = team_client.get(reverse("jobs:download", args=[job.pk]))
    cal = Calendar.from_ical(b"".join(download.streaming_content))
    (event,) = cal.events
    assert event.start == mine.due_date
    assert str(event["UID"]).startswith(f"follow-up-{mine.pk}@")
    assert case.reference in str(event["SUMMARY"])


def test_calendar_download_needs_post(team_client):
    assert team_client.get(reverse("reminders:follow_ups_calendar")).status_code == 405


# --- invitations from the case page -----------------------------------------------------------


def test_case_page_offers_an_invitation_for_planned_meetings_with_a_time(
    team_client, case, case_team_member
):
    planned = add_meeting(case, facilitators=[case_team_member])
    no_time = add_meeting(case, facilitators=[case_team_member], start=None)
    body = team_client.get(case.get_absolute_url()).content.decode()
    assert reverse("reminders:invite", args=[case.reference, planned.pk]) in body
    assert reverse("reminders:invite", args=[case.reference, no_time.pk]) not in body


def test_sending_an_invitation_from_the_case_page(team_client, case, case_team_member, coordinator):
    meeting = add_meeting(case, facilitators=[case_team_member, coordinator])
    url = reverse("reminders:invite", args=[case.reference, meeting.pk])
    response = team_client.post(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#intervention-{meeting.pk}")
    assert MeetingInvitation.objects.get().intervention == meeting
    assert InvitationDelivery.objects.count() == 2
    assert "2" in " ".join(str(m) for m in response.context["messages"])


def test_an_invitation_that_cannot_be_sent_explains_why(team_client, case, case_team_member):
    meeting = add_meeting(case, facilitators=[])
    url = reverse("reminders:invite", args=[case.reference, meeting.pk])
    response = team_client.post(url, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])[0].level_tag == "error"
    assert not MeetingInvitation.objects.exists()


def test_invite_needs_post(team_client, case, case_team_member):
    meeting = add_meeting(case, facilitators=[case_team_member])
    url = reverse("reminders:invite", args=[case.reference, meeting.pk])
    assert team_client.get(url).status_code == 405


@pytest.mark.parametrize("persona", ["outsider", "team_member", "principal", "programme_office"])
def test_users_without_rights_get_404_when_inviting(
    client, request, case, case_team_member, persona
):
    meeting = add_meeting(case, facilitators=[case_team_member])
    client.force_login(request.getfixturevalue(persona))
    url = reverse("reminders:invite", args=[case.reference, meeting.pk])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    assert not MeetingInvitation.objects.exists()


def test_a_meeting_of_another_case_cannot_be_sent(team_client, school, case, case_team_member):
    other = make_sensitive_case(school=school, responsible=case_team_member)
    meeting = add_meeting(other, facilitators=[case_team_member])
    url = reverse("reminders:invite", args=[case.reference, meeting.pk])
    assert team_client.post(url).status_code == 404


def test_editing_and_removing_an_invited_meeting_on_the_case_page_updates_calendars(
    team_client, case, case_team_member, after_commit
):
    """The calendars follow the saved meetings after commit (`k0.reminders.followers`)."""
    from k0.reminders.models import InvitationMethod

    meeting = add_meeting(case, facilitators=[case_team_member])
    team_client.post(reverse("reminders:invite", args=[case.reference, meeting.pk]))
    data = {
        "kind": "joint",
        "status": "planned",
        "date": "2026-12-03",
        "start_time": "13:15",
        "duration_minutes": 60,
        "facilitators": [case_team_member.pk],
    }
    response = after_commit(
        lambda: team_client.post(
            reverse("cases:interventions_edit", args=[case.reference, meeting.pk]), data
        )
    )
    assert response.status_code == 302
    update = InvitationDelivery.objects.get(sequence=1)
    assert update.method == InvitationMethod.REQUEST
    response = after_commit(
        lambda: team_client.post(
            reverse("cases:interventions_remove", args=[case.reference, meeting.pk])
        )
    )
    assert response.status_code == 302
    cancel = InvitationDelivery.objects.get(sequence=2)
    assert cancel.method == InvitationMethod.CANCEL
    assert MeetingInvitation.objects.get().cancelled

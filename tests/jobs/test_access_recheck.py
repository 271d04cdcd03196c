"""A job's page and its download check again that the requester may still see what the job is
about: someone taken off a case, or whose role was removed, keeps neither the file nor the
case reference in its name."""

import datetime as dt

import pytest
from django.urls import reverse

from k0.cases.models import AccessLog, Intervention
from k0.cases.services import set_case_team
from k0.jobs.models import Job, JobStatus
from k0.jobs.services import run_job
from schools.models import Membership
from tests.cases.factories import make_case
from tests.reminders.conftest import add_follow_up


def start(client, url, data=None) -> Job:
    response = client.post(url, data or {})
    assert response.status_code == 302
    return Job.objects.latest("pk")


def assert_no_longer_available(client, job, *, hidden=()):
    """The job page says the result is no longer available, without the file name; the
    download gives no file; an htmx poll gets the notice and stops polling."""
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 404
    assert "jobs/unavailable.html" in [t.name for t in page.templates]
    body = page.content.decode()
    assert job.label in body
    assert reverse("jobs:download", args=[job.pk]) not in body
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 404
    assert not download.has_header("Content-Disposition")
    poll = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200
    assert poll.content.decode().lstrip().startswith('<div id="job-status"')
    assert "hx-trigger" not in poll.content.decode()
    for text in (job.result_name, *hidden):
        assert text not in body + download.content.decode() + poll.content.decode()


def take_off_the_case(case, user):
    others = [m for m in case.members.all() if m != user]
    responsible = case.responsible if case.responsible != user else case.coordinator
    set_case_team(case=case, responsible=responsible, members=others, coordinator=None, by=user)


@pytest.fixture
def two_member_case(case, case_team_member, team_member):
    set_case_team(
        case=case,
        responsible=case_team_member,
        members=[team_member],
        coordinator=case.coordinator,
        by=case_team_member,
    )
    return case


def test_case_summary_of_a_member_taken_off_the_case(client, two_member_case, team_member):
    case = two_member_case
    client.force_login(team_member)
    job = start(client, reverse("documents:case_summary", args=[case.reference]))
    assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert case.reference in job.result_name
    assert case.reference in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    downloads_before = AccessLog.objects.filter(action="download").count()

    take_off_the_case(case, team_member)
    assert_no_longer_available(client, job, hidden=[case.reference])
    assert AccessLog.objects.filter(action="download").count() == downloads_before


def test_meeting_record_of_a_member_taken_off_the_case(client, two_member_case, team_member):
    case = two_member_case
    meeting = Intervention.objects.create(
        case=case, kind="mediation", date=dt.date(2026, 10, 1), summary="Sovittelu"
    )
    client.force_login(team_member)
    job = start(client, reverse("documents:meeting_record", args=[case.reference, meeting.pk]))
    assert run_job(job.pk) == "done"
    take_off_the_case(case, team_member)
    job.refresh_from_db()
    assert_no_longer_available(client, job, hidden=[case.reference])


def test_progress_summary_of_a_principal_who_left_the_school(client, case, principal):
    client.force_login(principal)
    job = start(client, reverse("documents:case_progress_summary", args=[case.reference]))
    assert run_job(job.pk) == "done"
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    Membership.objects.filter(user=principal).delete()
    job.refresh_from_db()
    assert_no_longer_available(client, job, hidden=[case.reference])


def test_follow_up_calendar_of_a_member_taken_off_one_case(
    client, school, two_member_case, case_team_member, team_member
):
    """The calendar was made from the cases the member saw then: taken off one of them, the
    file (which holds that case's reference and link) is refused; a new one can be made."""
    kept = make_case(school=school, responsible=team_member)
    today = dt.date.today()
    add_follow_up(two_member_case, today + dt.timedelta(days=3), team_member)
    add_follow_up(kept, today + dt.timedelta(days=4), team_member)
    client.force_login(team_member)
    job = start(client, reverse("reminders:follow_ups_calendar"))
    assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert sorted(job.result_case_ids) == sorted([two_member_case.pk, kept.pk])
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200

    take_off_the_case(two_member_case, team_member)
    assert_no_longer_available(client, job, hidden=[two_member_case.reference])

    again = start(client, reverse("reminders:follow_ups_calendar"))
    assert run_job(again.pk) == "done"
    response = client.get(reverse("jobs:download", args=[again.pk]))
    calendar = b"".join(response.streaming_content).decode()
    assert kept.reference in calendar and two_member_case.reference not in calendar


def test_indicator_report_of_a_programme_office_whose_role_was_removed(
    client, programme_office, school, case_team_member
):
    make_case(school=school, responsible=case_team_member)
    client.force_login(programme_office)
    job = start(client, reverse("indicators:report_pdf"), {"period": "calendar_year:2025"})
    assert run_job(job.pk) == "done"
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200
    Membership.objects.filter(user=programme_office).delete()
    job.refresh_from_db()
    assert_no_longer_available(client, job)


def test_a_job_whose_requester_lost_access_before_it_ran_makes_no_file(
    client, two_member_case, team_member
):
    case = two_member_case
    client.force_login(team_member)
    job = start(client, reverse("documents:case_summary", args=[case.reference]))
    take_off_the_case(case, team_member)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file and not job.result_name


def test_a_member_still_on_the_case_keeps_the_result(client, two_member_case, team_member):
    client.force_login(team_member)
    job = start(client, reverse("documents:case_summary", args=[two_member_case.reference]))
    run_job(job.pk)
    take_off_the_case(two_member_case, two_member_case.coordinator)  # someone else leaves
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("jobs:download", args=[job.pk]) in page.content.decode()


def test_a_calendar_made_before_its_cases_were_recorded_is_refused(client, case, case_team_member):
    """Such a file may list cases the member has left since; they can make a new one."""
    client.force_login(case_team_member)
    job = start(client, reverse("reminders:follow_ups_calendar"))
    assert run_job(job.pk) == "done"
    Job.objects.filter(pk=job.pk).update(result_case_ids=None)
    job.refresh_from_db()
    assert_no_longer_available(client, job)


def test_an_empty_calendar_stays_available(client, case, case_team_member):
    client.force_login(case_team_member)
    job = start(client, reverse("reminders:follow_ups_calendar"))
    assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.result_case_ids == []
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200

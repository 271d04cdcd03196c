"""Dates at the edges of the calendar, stored past the models' range checks (a bulk
`QuerySet.update`, old data): calendars and invitations skip them with a log line instead
of failing with OverflowError (issue 13 item 4)."""

import datetime as dt
import logging

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from k0.cases.models import FollowUp, Intervention
from k0.jobs.models import Job, JobStatus
from k0.jobs.services import run_job
from k0.reminders.invitations import (
    InvitationError,
    deliver_pending_invitations,
    intervention_changed,
    send_invitation,
)
from k0.reminders.models import DeliveryStatus, InvitationDelivery, MeetingInvitation

from .conftest import TODAY, add_follow_up, add_meeting

# (date, start): the last hour of 9999 ends after the calendar does; the first hours of
# year 1 in Helsinki are before it in UTC.
EDGES = [
    pytest.param(dt.date(9999, 12, 31), dt.time(23, 30), id="9999-12-31"),
    pytest.param(dt.date(1, 1, 1), dt.time(0, 30), id="0001-01-01"),
]


def store(model, obj, **fields):
    """Writes past every validation, as a bulk update would."""
    model.objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


def test_follow_up_calendar_leaves_out_a_follow_up_due_at_the_end_of_the_calendar(
    client, case, case_team_member, settings, tmp_path, caplog
):
    settings.MEDIA_ROOT = tmp_path
    good = add_follow_up(case, TODAY + dt.timedelta(days=5), case_team_member)
    bad = add_follow_up(case, TODAY + dt.timedelta(days=6), case_team_member)
    store(FollowUp, bad, due_date=dt.date(9999, 12, 31))
    job = Job.objects.create(kind="my_follow_ups_ics", requested_by=case_team_member)
    with caplog.at_level(logging.WARNING, logger="k0.reminders.ical"):
        assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    client.force_login(case_team_member)
    download = client.get(reverse("jobs:download", args=[job.pk]))
    (event,) = Calendar.from_ical(b"".join(download.streaming_content)).events
    assert event.start == good.due_date
    assert f"follow-up-{bad.pk}@" in caplog.text


@pytest.mark.parametrize(("date", "start"), EDGES)
def test_an_invitation_for_a_stored_edge_date_is_refused_with_a_message(
    client, case, case_team_member, date, start
):
    meeting = add_meeting(case, facilitators=[case_team_member])
    store(Intervention, meeting, date=date, start_time=start)
    with pytest.raises(InvitationError):
        send_invitation(intervention=meeting, by=case_team_member)

    client.force_login(case_team_member)
    response = client.post(reverse("reminders:invite", args=[case.reference, meeting.pk]))
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert not MeetingInvitation.objects.exists()


@pytest.mark.parametrize(("date", "start"), EDGES)
def test_an_invited_meeting_moved_to_an_edge_date_keeps_its_invitation(
    case, case_team_member, date, start, django_capture_on_commit_callbacks, caplog
):
    meeting = add_meeting(case, facilitators=[case_team_member])
    with django_capture_on_commit_callbacks():
        invitation = send_invitation(intervention=meeting, by=case_team_member)
    store(Intervention, meeting, date=date, start_time=start)
    with (
        caplog.at_level(logging.WARNING, logger="k0.reminders.invitations"),
        django_capture_on_commit_callbacks(),
    ):
        assert intervention_changed(meeting, by=case_team_member) == invitation
    invitation.refresh_from_db()
    assert invitation.sequence == 0 and not invitation.cancelled
    assert "out of range" in caplog.text


def test_an_invitation_stored_at_the_end_of_the_calendar_is_skipped_not_sent(
    case, case_team_member, django_capture_on_commit_callbacks, caplog
):
    meeting = add_meeting(case, facilitators=[case_team_member])
    with django_capture_on_commit_callbacks():  # queued, not sent
        invitation = send_invitation(intervention=meeting, by=case_team_member)
    store(
        MeetingInvitation,
        invitation,
        starts_at=dt.datetime(9999, 12, 31, 23, 30, tzinfo=dt.UTC),
    )
    with caplog.at_level(logging.WARNING, logger="k0.reminders.invitations"):
        assert deliver_pending_invitations() == {"sent": 0, "failed": 0}
    assert not mail.outbox
    assert set(InvitationDelivery.objects.values_list("status", flat=True)) == {
        DeliveryStatus.SKIPPED
    }
    assert f"Invitation {invitation.pk} not sent" in caplog.text

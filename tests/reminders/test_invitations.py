"""Meeting invitations as iCalendar: stable UID, rising SEQUENCE, METHOD:CANCEL."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from k0.cases.models import Intervention
from k0.reminders.invitations import (
    InvitationError,
    deliver_pending_invitations,
    intervention_changed,
    intervention_removed,
    send_invitation,
)
from k0.reminders.models import DeliveryStatus, InvitationDelivery, MeetingInvitation
from k0.reminders.tasks import sweep_outbox_task
from tests.factories import UserFactory

from .conftest import HELSINKI, add_meeting


@pytest.fixture
def eager():
    """Tasks run in-process when enqueued (after commit), as a worker would run them."""
    from k0.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def sent(eager, django_capture_on_commit_callbacks):
    """Runs `action` in a transaction and returns the e-mails its tasks sent."""

    def run(action):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, mail.outbox[before:]

    return run


def event_of(message):
    (part,) = message.attachments
    assert part.get_content_type() == "text/calendar"
    method = part.get_param("method")
    cal = Calendar.from_ical(part.get_payload(decode=True))
    assert cal["METHOD"] == method
    (event,) = cal.events
    return method, event


@pytest.fixture
def meeting(case, case_team_member, coordinator):
    return add_meeting(case, facilitators=[case_team_member, coordinator])


def test_invitation_goes_to_each_facilitator_with_an_ics(
    sent, meeting, case, case_team_member, coordinator
):
    invitation, messages = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    assert sorted(m.to[0] for m in messages) == sorted([case_team_member.email, coordinator.email])
    method, event = event_of(messages[0])
    assert method == "REQUEST"
    assert str(event["UID"]) == invitation.uid
    assert event["SEQUENCE"] == 0
    # 3 December 2026 10:00 in Helsinki (EET, UTC+2), 90 minutes.
    assert event.start == dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)
    assert event.end == dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    assert case.reference in str(event["SUMMARY"])
    assert str(event["CLASS"]) == "PRIVATE"
    assert str(event["ORGANIZER"]) == f"mailto:{case_team_member.email}"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted([f"mailto:{case_team_member.email}", f"mailto:{coordinator.email}"])
    assert "CN" not in event["ORGANIZER"].params  # addresses, no names
    assert f"/cases/{case.reference}/#intervention-{meeting.pk}" in str(event["URL"])


def test_summer_time_meeting_is_converted_with_summer_offset(sent, case, case_team_member):
    meeting = add_meeting(
        case, facilitators=[case_team_member], date=dt.date(2027, 3, 29), start=dt.time(10, 0)
    )
    _, (message,) = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    _, event = event_of(message)
    assert event.start == dt.datetime(2027, 3, 29, 7, 0, tzinfo=dt.UTC)  # EEST, UTC+3


def test_changing_the_time_sends_an_update_with_the_same_uid_and_higher_sequence(
    sent, meeting, case_team_member
):
    invitation, _ = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.start_time = dt.time(12, 30)
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert len(messages) == 2
    method, event = event_of(messages[0])
    assert method == "REQUEST"
    assert str(event["UID"]) == invitation.uid and event["SEQUENCE"] == 1
    assert event.start == dt.datetime(2026, 12, 3, 10, 30, tzinfo=dt.UTC)


def test_editing_notes_only_sends_nothing(sent, meeting, case_team_member):
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.notes = "Uusi muistiinpano"
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert messages == []


def test_a_meeting_never_invited_sends_nothing_when_changed(sent, meeting, case_team_member):
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert messages == [] and not MeetingInvitation.objects.exists()


def test_a_removed_facilitator_gets_a_cancellation(sent, meeting, case_team_member, coordinator):
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.facilitators.set([case_team_member])
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    by_recipient = {m.to[0]: event_of(m) for m in messages}
    assert by_recipient[coordinator.email][0] == "CANCEL"
    assert by_recipient[case_team_member.email][0] == "REQUEST"
    _, event = by_recipient[case_team_member.email]
    assert [str(a) for a in [event["ATTENDEE"]]] == [f"mailto:{case_team_member.email}"]


def test_removing_the_meeting_cancels_it(sent, meeting, case_team_member, coordinator):
    invitation, _ = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    _, messages = sent(
        lambda: (intervention_removed(meeting, by=case_team_member), meeting.delete())
    )
    assert sorted(m.to[0] for m in messages) == sorted([case_team_member.email, coordinator.email])
    method, event = event_of(messages[0])
    assert method == "CANCEL"
    assert str(event["UID"]) == invitation.uid and event["SEQUENCE"] == 1
    assert str(event["STATUS"]) == "CANCELLED"
    invitation.refresh_from_db()
    assert invitation.cancelled and invitation.intervention is None


def test_clearing_the_start_time_cancels_and_setting_it_again_reinvites(
    sent, meeting, case_team_member
):
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.start_time = None
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert {event_of(m)[0] for m in messages} == {"CANCEL"}
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert messages == []  # already cancelled
    meeting.start_time = dt.time(9, 0)
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert {(event_of(m)[0], event_of(m)[1]["SEQUENCE"]) for m in messages} == {("REQUEST", 2)}


def test_a_meeting_recorded_as_done_is_not_cancelled(sent, case, case_team_member):
    # It took place: a cancellation would delete it from everyone's calendar afterwards.
    meeting = add_meeting(
        case, facilitators=[case_team_member], date=dt.date(2026, 11, 27), start=dt.time(6, 0)
    )
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.status = "done"
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert messages == []


def test_done_never_cancels_even_when_saved_before_the_start_without_the_form(
    sent, case, case_team_member
):
    # The form refuses this (see below); code that saves without it must still not cancel.
    meeting = add_meeting(
        case, facilitators=[case_team_member], date=dt.date(2026, 11, 27), start=dt.time(15, 0)
    )
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.status = "done"
    meeting.save()
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert messages == []
    assert not InvitationDelivery.objects.filter(method="CANCEL").exists()


def test_a_meeting_recorded_as_done_at_another_time_sends_an_update(
    sent, case, case_team_member, coordinator
):
    meeting = add_meeting(
        case,
        facilitators=[case_team_member, coordinator],
        date=dt.date(2026, 11, 27),
        start=dt.time(6, 0),
    )
    invitation, _ = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    # It was held half an hour earlier than invited, and the coordinator did not come.
    meeting.status = "done"
    meeting.start_time = dt.time(5, 30)
    meeting.save()
    meeting.facilitators.set([case_team_member])
    _, messages = sent(lambda: intervention_changed(meeting, by=case_team_member))
    assert sorted(m.to[0] for m in messages) == sorted([case_team_member.email, coordinator.email])
    for message in messages:
        method, event = event_of(message)
        assert method == "REQUEST"
        assert str(event["UID"]) == invitation.uid and event["SEQUENCE"] == 1
        assert event.start == dt.datetime(2026, 11, 27, 3, 30, tzinfo=dt.UTC)


def test_a_done_meeting_cannot_start_later_than_now_in_helsinki(case):
    # 01:30 on 28 November in Helsinki is still the 27th in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 28, 1, 30, tzinfo=HELSINKI), tick=False):
        fields = {"case": case, "kind": "joint", "status": "done", "date": dt.date(2026, 11, 28)}
        Intervention(**fields, start_time=dt.time(1, 0)).full_clean()
        Intervention(**fields).full_clean()  # no start time: the date alone counts
        with translation.override("en"), pytest.raises(ValidationError) as error:
            Intervention(**fields, start_time=dt.time(2, 0)).full_clean()
        assert error.value.message_dict == {
            "status": [
                "The meeting starts on 28 Nov 2026 at 02:00: it cannot be marked done before it "
                "starts. Keep it planned, or correct the date or the start time."
            ]
        }
        Intervention(**{**fields, "status": "planned"}, start_time=dt.time(2, 0)).full_clean()


@pytest.fixture
def edit_meeting(client, case, case_team_member, coordinator, sent):
    """Posts the intervention form of the case page as a facilitator; returns the response
    and the e-mails sent."""
    client.force_login(case_team_member)

    def post(meeting, **changes):
        data = {
            "kind": "joint",
            "status": meeting.status,
            "date": meeting.date.isoformat(),
            "start_time": meeting.start_time.strftime("%H:%M"),
            "duration_minutes": meeting.duration_minutes,
            "facilitators": [u.pk for u in meeting.facilitators.all()],
            "summary": "Tapaaminen sovittiin",
            **changes,
        }
        url = reverse("cases:interventions_edit", args=[case.reference, meeting.pk])
        return sent(lambda: client.post(url, data))

    return post


def test_marking_an_invited_meeting_done_before_it_starts_is_refused(
    edit_meeting, case, case_team_member, coordinator
):
    # 07:00 in Helsinki; the meeting starts at 15:00 today.
    meeting = add_meeting(
        case,
        facilitators=[case_team_member, coordinator],
        date=dt.date(2026, 11, 27),
        start=dt.time(15, 0),
    )
    send_invitation(intervention=meeting, by=case_team_member)
    response, messages = edit_meeting(meeting, status="done", summary="Kirjoitettu yhteenveto")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["status"]
    assert 'id="id_status_error"' in response.content.decode()
    assert 'value="Kirjoitettu yhteenveto"' in response.content.decode()  # nothing typed is lost
    meeting.refresh_from_db()
    assert meeting.status == "planned"
    assert messages == []
    assert not InvitationDelivery.objects.filter(sequence__gt=0).exists()


def test_marking_an_invited_meeting_done_after_it_started_sends_nothing(
    edit_meeting, case, case_team_member, coordinator
):
    meeting = add_meeting(
        case,
        facilitators=[case_team_member, coordinator],
        date=dt.date(2026, 11, 27),
        start=dt.time(6, 30),
    )
    send_invitation(intervention=meeting, by=case_team_member)
    response, messages = edit_meeting(meeting, status="done")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "done"
    assert messages == []
    assert not InvitationDelivery.objects.filter(method="CANCEL").exists()


def test_only_planned_meetings_with_a_time_and_facilitators_with_e_mail(case, case_team_member):
    unplanned = add_meeting(
        case, facilitators=[case_team_member], status="done", date=dt.date(2026, 11, 2)
    )
    with pytest.raises(InvitationError):
        send_invitation(intervention=unplanned, by=case_team_member)
    no_time = add_meeting(case, facilitators=[case_team_member], start=None)
    with pytest.raises(InvitationError):
        send_invitation(intervention=no_time, by=case_team_member)
    no_mail = add_meeting(case, facilitators=[UserFactory(email="")])
    with pytest.raises(InvitationError):
        send_invitation(intervention=no_mail, by=case_team_member)
    assert not MeetingInvitation.objects.exists()


def test_an_attendee_gets_only_the_newest_revision_after_an_outage(
    meeting, case_team_member, coordinator, django_capture_on_commit_callbacks
):
    # The broker was down: nothing was delivered when the revisions were made.
    send_invitation(intervention=meeting, by=case_team_member)
    meeting.start_time = dt.time(13, 0)
    meeting.save()
    intervention_changed(meeting, by=case_team_member)
    assert InvitationDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 4
    deliver_pending_invitations()  # the periodic sweep
    assert len(mail.outbox) == 2
    assert {event_of(m)[1]["SEQUENCE"] for m in mail.outbox} == {1}
    assert InvitationDelivery.objects.filter(status=DeliveryStatus.SKIPPED).count() == 2
    deliver_pending_invitations()
    assert len(mail.outbox) == 2


def test_invitation_is_in_the_recipients_language(sent, meeting, case_team_member, coordinator):
    coordinator.language = "sv"
    coordinator.save()
    _, messages = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    swedish = next(m for m in messages if m.to == [coordinator.email])
    assert "3.12.2026" in swedish.body and '<html lang="sv">' in swedish.alternatives[0][0]
    finnish = next(m for m in messages if m.to == [case_team_member.email])
    assert "3.12.2026" in finnish.body


# An invitation follows its meeting even when the task that should have synchronised it was
# lost (the broker was down when the case was saved): the outbox sweep compares them.


def test_a_moved_meeting_whose_sync_was_lost_is_updated_by_the_sweep(
    sent,
    meeting,
    case_team_member,
):
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    # Saved without the announcement reaching a worker: no task ran.
    meeting.start_time = dt.time(12, 30)
    meeting.save()

    result, messages = sent(sweep_outbox_task)
    assert result["invitations_resynced"] == 1
    assert len(messages) == 2  # both facilitators
    method, event = event_of(messages[0])
    assert method == "REQUEST" and event["SEQUENCE"] == 1
    assert event.start == dt.datetime(2026, 12, 3, 10, 30, tzinfo=dt.UTC)

    result, messages = sent(sweep_outbox_task)
    assert result["invitations_resynced"] == 0 and messages == []


def test_a_removed_meeting_whose_sync_was_lost_is_cancelled_by_the_sweep(
    sent,
    meeting,
    case_team_member,
):
    sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    meeting.delete()

    result, messages = sent(sweep_outbox_task)
    assert result["invitations_resynced"] == 1
    assert {event_of(m)[0] for m in messages} == {"CANCEL"}
    assert MeetingInvitation.objects.get().cancelled


def test_the_sweep_does_not_cancel_a_meeting_removed_long_ago(sent, meeting, case_team_member):
    invitation, _ = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    MeetingInvitation.objects.filter(pk=invitation.pk).update(
        starts_at=invitation.starts_at - dt.timedelta(days=30)
    )
    meeting.delete()
    result, messages = sent(sweep_outbox_task)
    assert result["invitations_resynced"] == 0 and messages == []


def test_the_sweep_leaves_meetings_long_past_alone(sent, meeting, case_team_member):
    invitation, _ = sent(lambda: send_invitation(intervention=meeting, by=case_team_member))
    MeetingInvitation.objects.filter(pk=invitation.pk).update(
        starts_at=invitation.starts_at - dt.timedelta(days=30)
    )
    meeting.start_time = dt.time(12, 30)
    meeting.save()
    result, messages = sent(sweep_outbox_task)
    assert result["invitations_resynced"] == 0 and messages == []

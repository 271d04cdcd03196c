"""Nothing about a child leaves K-0: not in e-mails, calendar files, log lines or task
messages. Checked against a case whose every field holds the fixture names and narrative."""

import datetime as dt
import json
import logging
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from kombu.messaging import Producer

from k0.jobs.models import Job
from k0.jobs.services import run_job, start_job
from k0.reminders.invitations import (
    deliver_pending_invitations,
    intervention_changed,
    intervention_removed,
    send_invitation,
)
from k0.reminders.services import run_daily

from .conftest import HELSINKI, TODAY, add_follow_up, add_meeting, all_text, assert_no_secrets


@pytest.fixture
def published():
    """Task messages as the broker would receive them (body and headers, serialised)."""
    messages = []

    def publish(self, body, *args, **kwargs):
        messages.append({"body": body, "headers": kwargs.get("headers", {})})

    with mock.patch.object(Producer, "publish", publish):
        yield messages


def test_nothing_about_a_child_leaves_in_any_email_file_log_or_task_message(
    case,
    case_team_member,
    coordinator,
    published,
    caplog,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level(logging.DEBUG)
    add_follow_up(case, TODAY - dt.timedelta(days=4), case_team_member)
    add_follow_up(case, TODAY + dt.timedelta(days=1), coordinator)
    meeting = add_meeting(case, facilitators=[case_team_member, coordinator])

    run_daily()  # Friday: reminders
    with time_machine.travel(dt.datetime(2026, 11, 30, 7, 0, tzinfo=HELSINKI)):
        run_daily()  # Monday: reminders and digests
    with django_capture_on_commit_callbacks(execute=True):
        send_invitation(intervention=meeting, by=case_team_member)
    deliver_pending_invitations()  # what the enqueued task does in the worker
    meeting.start_time = dt.time(14, 0)
    meeting.save()
    with django_capture_on_commit_callbacks(execute=True):
        intervention_changed(meeting, by=case_team_member)
    deliver_pending_invitations()
    with django_capture_on_commit_callbacks(execute=True):
        intervention_removed(meeting, by=case_team_member)
    deliver_pending_invitations()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="my_follow_ups_ics", requested_by=coordinator, params={})
    run_job(job.pk)

    # 2 + 2 reminders, 2 digests, and 2 each of invitation, update and cancellation.
    assert len(mail.outbox) == 12
    for message in mail.outbox:
        assert_no_secrets(all_text(message))
    job.refresh_from_db()
    ics = job.result_file.read().decode()
    assert case.reference in ics
    assert_no_secrets(ics)

    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + (caplog.text if record.exc_info else "")
        assert_no_secrets(text)

    assert published, "tasks were enqueued"
    for message in published:
        args, kwargs, _embed = message["body"]
        assert all(type(a) is int for a in args) and kwargs == {}
        assert_no_secrets(json.dumps(message["body"]) + json.dumps(message["headers"], default=str))


def test_periodic_tasks_take_no_arguments():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert not entry.get("args") and not entry.get("kwargs"), name
        assert entry["options"]["expires"] > 0, name


def test_job_params_are_ids_only(case, coordinator):
    # The params of the calendar job are empty: the handler finds the requester's data.
    job = Job.objects.create(kind="my_follow_ups_ics", requested_by=coordinator)
    assert job.params == {}

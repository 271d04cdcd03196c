"""Daily follow-up reminders and the weekly digest: selection, once per day, retries."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from k0.cases.models import FollowUp
from k0.cases.services import set_case_team
from k0.reminders.models import DeliveryStatus, DigestLog, ReminderKind, ReminderLog
from k0.reminders.services import (
    due_follow_ups,
    record_due_reminders,
    retry_pending,
    run_daily,
)
from k0.reminders.tasks import send_daily_reminders_task
from tests.factories import make_case

from .backends import FlakyBackend
from .conftest import HELSINKI, TODAY, add_follow_up


def reminded(today):
    return sorted(
        ReminderLog.objects.filter(for_date=today).values_list("follow_up__due_date", flat=True)
    )


def test_overdue_and_due_within_two_days_are_reminded(case, case_team_member):
    for days in (-30, -1, 0, 1, 2, 3, 10):
        add_follow_up(case, TODAY + dt.timedelta(days=days), case_team_member)
    add_follow_up(case, TODAY, case_team_member, done_at=TODAY)  # done: nothing to remind
    summary = run_daily()
    assert reminded(TODAY) == [TODAY + dt.timedelta(days=d) for d in (-30, -1, 0, 1, 2)]
    kinds = dict(ReminderLog.objects.values_list("follow_up__due_date", "kind"))
    assert kinds[TODAY - dt.timedelta(days=1)] == ReminderKind.OVERDUE
    assert kinds[TODAY] == ReminderKind.DUE_SOON
    # One e-mail per responsible member, listing all of their follow-ups.
    assert summary.reminder_emails == 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [case_team_member.email]
    assert item_lines(message) == 5
    assert case.reference in message.subject or "2" in message.subject


def item_lines(message) -> int:
    return sum(1 for line in message.body.splitlines() if line.startswith("- "))


# (instant of the run, UTC) → the Helsinki date it must use. Around both DST changes of
# 2026 (29 March 03:00 → 04:00, 25 October 04:00 → 03:00) and at either end of the day,
# where the UTC date differs from Helsinki's.
DST_CASES = [
    (dt.datetime(2026, 3, 28, 5, 0, tzinfo=dt.UTC), dt.date(2026, 3, 28)),  # 07:00 EET
    (dt.datetime(2026, 3, 28, 22, 30, tzinfo=dt.UTC), dt.date(2026, 3, 29)),  # 00:30 EET
    (dt.datetime(2026, 3, 29, 4, 0, tzinfo=dt.UTC), dt.date(2026, 3, 29)),  # 07:00 EEST
    (dt.datetime(2026, 3, 29, 21, 30, tzinfo=dt.UTC), dt.date(2026, 3, 30)),  # 00:30 EEST
    (dt.datetime(2026, 10, 24, 4, 0, tzinfo=dt.UTC), dt.date(2026, 10, 24)),  # 07:00 EEST
    (dt.datetime(2026, 10, 24, 21, 30, tzinfo=dt.UTC), dt.date(2026, 10, 25)),  # 00:30 EEST
    (dt.datetime(2026, 10, 25, 5, 0, tzinfo=dt.UTC), dt.date(2026, 10, 25)),  # 07:00 EET
    (dt.datetime(2026, 10, 25, 21, 59, tzinfo=dt.UTC), dt.date(2026, 10, 25)),  # 23:59 EET
]


@pytest.mark.parametrize(("instant", "today"), DST_CASES)
def test_due_and_overdue_follow_the_helsinki_date_across_dst(
    school, case_team_member, instant, today
):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        case = make_case(
            school=school, responsible=case_team_member, referred_on=dt.date(2026, 1, 5)
        )
        for days in range(-2, 5):
            add_follow_up(case, today + dt.timedelta(days=days), case_team_member)
    with time_machine.travel(instant, tick=False):
        assert timezone.localdate() == today
        run_daily(digest=False)
    # Calendar days, not 48 hours: the day after tomorrow counts even in a 23- or 25-hour day.
    assert reminded(today) == [today + dt.timedelta(days=d) for d in (-2, -1, 0, 1, 2)]
    kinds = sorted(ReminderLog.objects.values_list("kind", flat=True))
    assert kinds == ["due_soon"] * 3 + ["overdue"] * 2
    assert len(mail.outbox) == 1 and item_lines(mail.outbox[0]) == 5


def test_a_follow_up_is_reminded_once_a_day_however_often_the_run_repeats(case, case_team_member):
    add_follow_up(case, TODAY + dt.timedelta(days=1), case_team_member)
    run_daily()
    run_daily()
    send_daily_reminders_task.apply()  # the task runs the same code
    call_command("send_reminders", stdout=mock.Mock())
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.get().status == DeliveryStatus.SENT
    with time_machine.travel(dt.datetime(2026, 11, 28, 7, 0, tzinfo=HELSINKI), tick=False):
        run_daily()
        run_daily()
    assert len(mail.outbox) == 2


def test_no_reminder_for_closed_cases_or_members_who_left_the_team(
    school, case, case_team_member, team_member
):
    other = make_case(school=school, responsible=team_member)
    add_follow_up(other, TODAY, team_member)
    closed = make_case(school=school, responsible=case_team_member)
    add_follow_up(closed, TODAY, case_team_member)
    closed.close(
        by=case_team_member, outcome="discontinued", closing_summary="-", aftercare_plan=""
    )
    # team_member stays responsible for the follow-up but is taken off the case team.
    set_case_team(
        case=other, responsible=case_team_member, members=[], coordinator=None, by=team_member
    )
    assert record_due_reminders(today=TODAY) == 0
    assert list(due_follow_ups(TODAY)) != []  # the follow-up is due; the access rule stops it


def test_a_follow_up_done_after_the_scan_is_not_sent(case, case_team_member, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    FlakyBackend.failures = 1
    follow_up = add_follow_up(case, TODAY, case_team_member)
    run_daily()  # recorded, sending failed
    FollowUp.objects.filter(pk=follow_up.pk).update(done_at=TODAY)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        retry_pending()
    assert mail.outbox == []
    assert ReminderLog.objects.get().status == DeliveryStatus.SKIPPED


def test_smtp_failure_is_recorded_and_retried_with_back_off(case, case_team_member, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    FlakyBackend.failures = 2
    add_follow_up(case, TODAY, case_team_member)
    summary = run_daily()
    assert summary.failed == 1 and 59 < summary.retry_in <= 60
    log = ReminderLog.objects.get()
    assert log.status == DeliveryStatus.PENDING and log.attempts == 1
    assert log.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert (
        dt.timedelta(seconds=59) < log.next_attempt_at - timezone.now() <= dt.timedelta(seconds=60)
    )
    # Not again before the back-off has passed…
    retry_pending()
    assert FlakyBackend.calls == 1
    # …then the second attempt fails too, and waits four minutes.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        retry_pending()
    log.refresh_from_db()
    assert log.attempts == 2 and log.next_attempt_at - timezone.now() > dt.timedelta(minutes=3)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6), tick=False):
        retry_pending()
        retry_pending()
    log.refresh_from_db()
    assert log.status == DeliveryStatus.SENT and log.attempts == 3
    assert len(mail.outbox) == 1


def test_gives_up_after_the_maximum_attempts(case, case_team_member, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    settings.REMINDER_MAX_ATTEMPTS = 2
    FlakyBackend.failures = 10
    add_follow_up(case, TODAY, case_team_member)
    run_daily()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        retry_pending()
    log = ReminderLog.objects.get()
    assert log.status == DeliveryStatus.FAILED and log.attempts == 2
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3), tick=False):
        retry_pending()
    assert FlakyBackend.calls == 2 and mail.outbox == []


def test_the_task_retries_when_sending_failed(case, case_team_member, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    FlakyBackend.failures = 1
    add_follow_up(case, TODAY, case_team_member)
    with (
        mock.patch.object(send_daily_reminders_task, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        send_daily_reminders_task()
    assert 59 < retry.call_args.kwargs["countdown"] <= 60


@pytest.fixture(autouse=True)
def _reset_flaky():
    FlakyBackend.failures = 0
    FlakyBackend.calls = 0


@pytest.mark.parametrize(
    ("language", "date_text"), [("fi", "27.11.2026"), ("sv", "27.11.2026"), ("en", "27 Nov 2026")]
)
def test_reminder_is_in_the_recipients_language(case, case_team_member, language, date_text):
    case_team_member.language = language
    case_team_member.save()
    add_follow_up(case, TODAY, case_team_member)
    run_daily()
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert f'<html lang="{language}">' in html
    assert date_text in message.body and date_text in html


def test_reminder_links_to_the_case_and_my_work(case, case_team_member, settings):
    follow_up = add_follow_up(case, TODAY, case_team_member)
    run_daily()
    (message,) = mail.outbox
    assert f"{settings.SITE_URL}/cases/{case.reference}/#follow-up-{follow_up.pk}" in message.body
    assert f"{settings.SITE_URL}/work/" in message.body


# --- weekly digest ----------------------------------------------------------------------------


MONDAY = dt.datetime(2026, 11, 30, 7, 0, tzinfo=HELSINKI)


def test_weekly_digest_lists_open_cases_overdue_follow_ups_and_idle_cases(
    school, case, case_team_member, coordinator
):
    idle = make_case(school=school, responsible=case_team_member)
    add_follow_up(case, TODAY - dt.timedelta(days=3), case_team_member)
    with time_machine.travel(MONDAY, tick=False):
        from k0.cases.models import Case

        Case.objects.filter(pk=idle.pk).update(
            last_activity_at=timezone.now() - dt.timedelta(days=40)
        )
        summary = run_daily()
    assert summary.digests == 2  # the responsible member and the coordinator
    # The responsible member also gets the day's reminder; the digest is the other e-mail.
    digest = next(
        m for m in mail.outbox if m.to == [case_team_member.email] and idle.reference in m.body
    )
    assert case.reference in digest.body and idle.reference in digest.body
    assert "40" in digest.body  # days without activity
    assert DigestLog.objects.filter(week_start=dt.date(2026, 11, 30)).count() == 2


def test_digest_is_sent_once_a_week_and_only_on_the_digest_day(case, case_team_member):
    run_daily()  # Friday: no digest
    assert not DigestLog.objects.exists()
    with time_machine.travel(MONDAY, tick=False):
        run_daily()
        run_daily()
    with time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False):
        run_daily(digest=True)  # forced later in the same week: still one per week
    assert DigestLog.objects.filter(status=DeliveryStatus.SENT).count() == 2
    assert len(mail.outbox) == 2


def test_no_digest_for_users_without_open_cases_or_other_roles(
    case, principal, programme_office, team_member
):
    with time_machine.travel(MONDAY, tick=False):
        run_daily()
    recipients = {m.to[0] for m in mail.outbox}
    assert principal.email not in recipients
    assert programme_office.email not in recipients
    assert team_member.email not in recipients  # no cases


# --- the command ------------------------------------------------------------------------------


def test_command_runs_a_given_day(case, case_team_member, capsys):
    add_follow_up(case, dt.date(2026, 11, 20), case_team_member)
    call_command("send_reminders", "--date", "2026-11-19")
    assert "1 reminder(s) recorded, 1 reminder e-mail(s)" in capsys.readouterr().out
    assert ReminderLog.objects.get().for_date == dt.date(2026, 11, 19)


def test_command_refuses_a_future_date(db):
    with pytest.raises(CommandError, match="future"):
        call_command("send_reminders", "--date", "2027-01-01")


def test_command_exits_with_an_error_when_sending_failed(case, case_team_member, settings):
    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    FlakyBackend.failures = 1
    add_follow_up(case, TODAY, case_team_member)
    with pytest.raises(CommandError, match="could not be sent"):
        call_command("send_reminders", stdout=mock.Mock())


def test_command_has_help():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "--date" in result.stdout


def test_sweep_task_sends_what_is_pending_and_due(case, case_team_member, settings):
    from k0.reminders.tasks import sweep_outbox_task

    settings.EMAIL_BACKEND = "tests.reminders.backends.FlakyBackend"
    FlakyBackend.failures = 1
    add_follow_up(case, TODAY, case_team_member)
    run_daily()
    assert sweep_outbox_task()["reminder_emails"] == 0  # back-off not over yet
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert sweep_outbox_task() == {
            "reminder_emails": 1,
            "digests": 0,
            "invitations": 0,
            "invitations_resynced": 0,
            "closures_untold": 0,
            "inactive_case_notices": 0,
            "closure_notices": 0,
            "case_event_notices": 0,
            "failed": 0,
        }
    assert len(mail.outbox) == 1

"""Issue 13 item 7: an open case nobody works on is listed, announced once, closed as
discontinued after the grace period by the nightly run, and then ages and is purged like any
closed case. Anything recorded during the grace period stops the countdown."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from k0.cases.choices import Phase
from k0.cases.models import PhaseChange
from k0.privacy.retention import apply_retention
from k0.reminders.models import DeliveryStatus, InactiveCaseNotice
from k0.reminders.tasks import sweep_outbox_task
from schools.models import Membership, Role
from tests.cases.conftest import add_party
from tests.factories import MembershipFactory, UserFactory, make_case

from .test_retention import database_text

T0 = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
SECRET = "Salainen Oppilas"


def at(moment):
    return time_machine.travel(moment, tick=False)


def days(n):
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _policy(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_YEARS = 5
    settings.CASE_INACTIVE_DAYS = 730
    settings.CASE_INACTIVE_GRACE_DAYS = 90


@pytest.fixture
def idle_case(school, case_team_member, coordinator):
    with at(T0):
        case = make_case(
            school=school,
            responsible=case_team_member,
            coordinator=coordinator,
            referred_on=T0.date(),
        )
        add_party(case, SECRET, role="bystander", contact="040 765 4321")
    return case


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notices_sent():
    return sorted((m.to[0], m.body) for m in mail.outbox)


def test_idle_case_is_listed_announced_once_closed_after_grace_and_then_purged(
    idle_case, case_team_member, coordinator, administrator
):
    ref = idle_case.reference
    with at(T0 + days(729)):
        report = apply_retention()
        assert report.inactive.listed == 0 and not mail.outbox
        page = logged_in(coordinator).get(reverse("cases:coordinator_home"))
        assert not page.context["inactive"]

    listed_on = T0 + days(731)
    closes_on = timezone.localdate(listed_on) + days(90)
    with at(listed_on):
        # Listed before the nightly run already, with the day it will be closed …
        page = logged_in(coordinator).get(reverse("cases:coordinator_home"))
        assert [row["case"].reference for row in page.context["inactive"]] == [ref]
        assert page.context["inactive"][0]["closes_on"] == closes_on
        assert closes_on.strftime("%-d.%-m.%Y") in page.content.decode()
        admin_page = logged_in(administrator).get(reverse("privacy:inactive"))
        assert [row["case"].reference for row in admin_page.context["rows"]] == [ref]
        case_page = logged_in(case_team_member).get(idle_case.get_absolute_url())
        assert case_page.context["inactive_closes_on"] == closes_on
        assert 'id="inactive-warning"' in case_page.content.decode()
        # … announced by the nightly run: one e-mail each to the coordinator and the
        # responsible member, with the reference and the dates, never a name …
        report = apply_retention()
        assert [a[0] for a in report.inactive.announced] == [ref]
        assert [m.to[0] for m in sorted(mail.outbox, key=lambda m: m.to[0])] == sorted(
            [coordinator.email, case_team_member.email]
        )
        for message in mail.outbox:
            assert ref in message.body and closes_on.strftime("%-d.%-m.%Y") in message.body
            assert SECRET not in message.body and "040 765 4321" not in message.body
        # … and only once, however often the run or the outbox sweep repeats.
        apply_retention()
        sweep_outbox_task()
    with at(listed_on + days(1)):
        apply_retention()
        sweep_outbox_task()
        assert len(mail.outbox) == 2
        assert InactiveCaseNotice.objects.filter(status=DeliveryStatus.SENT).count() == 2
        page = logged_in(coordinator).get(reverse("cases:coordinator_home"))
        assert page.context["inactive"][0]["closes_on"] == closes_on

    with at(listed_on + days(89)):
        assert apply_retention().inactive.closed == []
    closed_at = listed_on + days(90)
    with at(closed_at):
        assert apply_retention().inactive.closed == [ref]
    idle_case.refresh_from_db()
    assert idle_case.phase == Phase.CLOSED and idle_case.outcome == "discontinued"
    assert idle_case.closed_at == closed_at
    # Closed by K-0, not by a person, and the timeline says why.
    change = PhaseChange.objects.filter(case=idle_case).last()
    assert change.to_phase == Phase.CLOSED and change.changed_by is None
    assert change.reason and idle_case.closing_summary == change.reason
    with translation.override("en"):
        assert change.actor == "K-0 (automatic)"
    assert idle_case.history.first().history_user is None
    timeline = logged_in(case_team_member).get(idle_case.get_absolute_url()).context["timeline"]
    assert any(entry.text == change.reason and entry.by == change.actor for entry in timeline)
    assert len(mail.outbox) == 2

    # From its closing the case ages like any other.
    purge_day = closed_at + dt.timedelta(days=round(365.25 * 5))
    with at(purge_day - days(1)):
        assert apply_retention().done == 0
    assert SECRET in database_text()
    with at(purge_day + days(1)):
        assert apply_retention().done == 1
    text = database_text()
    assert SECRET not in text and "040 765 4321" not in text
    assert change.reason not in text  # the note is blanked with the other free text


def test_activity_during_the_grace_period_stops_the_countdown(
    idle_case, case_team_member, coordinator
):
    listed_on = T0 + days(731)
    with at(listed_on):
        apply_retention()
    assert len(mail.outbox) == 2
    worked_on = listed_on + days(30)
    with at(worked_on):
        response = logged_in(case_team_member).post(
            reverse("cases:notes_add", args=[idle_case.reference]), {"text": "Tilanne tarkistettu"}
        )
        assert response.status_code == 302
        assert not logged_in(coordinator).get(reverse("cases:coordinator_home")).context["inactive"]
    with at(listed_on + days(120)):
        report = apply_retention()
        assert report.inactive.closed == [] and report.inactive.listed == 0
    idle_case.refresh_from_db()
    assert idle_case.phase != Phase.CLOSED
    assert len(mail.outbox) == 2
    # A new stretch without activity is announced anew, once.
    with at(worked_on + days(731)):
        apply_retention()
        apply_retention()
    assert len(mail.outbox) == 4


def test_a_case_idle_for_years_is_announced_before_it_is_closed(
    idle_case, case_team_member, coordinator
):
    """When the rule first runs (or after the job was stopped), old idle cases get the whole
    grace period from their announcement, not an immediate closure."""
    first_run = T0 + days(6 * 365)
    with at(first_run):
        report = apply_retention()
        assert report.inactive.closed == [] and len(report.inactive.announced) == 1
        assert report.inactive.announced[0][2] == timezone.localdate(first_run) + days(90)
    with at(first_run + days(89)):
        assert apply_retention().inactive.closed == []
    with at(first_run + days(90)):
        assert apply_retention().inactive.closed == [idle_case.reference]


def test_dry_run_lists_what_would_happen_and_changes_nothing(idle_case, capsys):
    from django.core.management import call_command

    with at(T0 + days(731)):
        before = database_text()
        call_command("apply_retention", "--dry-run")
        assert database_text() == before
    idle_case.refresh_from_db()
    assert idle_case.inactivity_notice_at is None and not InactiveCaseNotice.objects.exists()
    out = capsys.readouterr().out
    assert "Would announce 1 newly inactive open case(s)." in out and idle_case.reference in out
    assert not mail.outbox


def test_one_e_mail_per_person_and_none_to_who_has_left(
    school, coordinator, case_team_member, team_member
):
    with at(T0):
        first = make_case(
            school=school,
            responsible=case_team_member,
            coordinator=coordinator,
            referred_on=T0.date(),
        )
        second = make_case(
            school=school, responsible=team_member, coordinator=coordinator, referred_on=T0.date()
        )
    Membership.objects.filter(user=team_member).delete()  # left the school's K-0 team
    with at(T0 + days(731)):
        apply_retention()
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert sorted(by_person) == sorted([coordinator.email, case_team_member.email])
    assert first.reference in by_person[coordinator.email]
    assert second.reference in by_person[coordinator.email]
    assert second.reference not in by_person[case_team_member.email]


@pytest.mark.parametrize("n", [1, 30])
def test_inactive_lists_query_count_is_constant(
    n, school, coordinator, administrator, django_assert_max_num_queries
):
    with at(T0):
        for _ in range(n):
            responsible = UserFactory()
            MembershipFactory(user=responsible, school=school, role=Role.TEAM_MEMBER)
            make_case(
                school=school,
                responsible=responsible,
                coordinator=coordinator,
                referred_on=T0.date(),
            )
    with at(T0 + days(731)):
        client = logged_in(coordinator)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("cases:coordinator_home"))
        assert len(response.context["inactive"]) == n
        client = logged_in(administrator)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("privacy:inactive"))
        assert len(response.context["rows"]) == n


ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CASE_INACTIVE_DAYS", "2y", "CASE_INACTIVE_DAYS='2y' is not a whole number"),
        (
            "CASE_INACTIVE_DAYS",
            "0",
            "CASE_INACTIVE_DAYS='0' is out of range: use a whole number from 90 to 3650",
        ),
        (
            "CASE_INACTIVE_GRACE_DAYS",
            "-5",
            "CASE_INACTIVE_GRACE_DAYS='-5' is out of range: use a whole number from 14 to 365",
        ),
        (
            "CASE_INACTIVE_GRACE_DAYS",
            "1000",
            "CASE_INACTIVE_GRACE_DAYS='1000' is out of range: use a whole number from 14 to 365",
        ),
    ],
)
def test_bad_inactivity_settings_stop_start_up(variable, value, message):
    env = {**os.environ, "DEBUG": "true", variable: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert message in result.stderr

"""The beat schedule: Helsinki time across DST, overridable by environment, tasks exist."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings

from k0.celery import app

from .conftest import HELSINKI

ROOT = Path(__file__).resolve().parents[2]


def test_every_scheduled_task_exists_and_expires():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert entry["options"]["expires"] > 0, name


@pytest.mark.parametrize(
    ("last_run", "expected_next"),
    [
        # Spring forward on 29 March: 07:00 EEST is 04:00 UTC, 22 hours after the last run.
        (
            dt.datetime(2026, 3, 28, 7, 0, tzinfo=HELSINKI),
            dt.datetime(2026, 3, 29, 4, 0, tzinfo=dt.UTC),
        ),
        # Fall back on 25 October: 07:00 EET is 05:00 UTC, 24 hours after the last run.
        (
            dt.datetime(2026, 10, 24, 7, 0, tzinfo=HELSINKI),
            dt.datetime(2026, 10, 25, 5, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_daily_reminders_run_at_seven_helsinki_time_across_dst(last_run, expected_next):
    configured = settings.CELERY_BEAT_SCHEDULE["daily-reminders"]["schedule"]
    schedule = crontab(hour=configured.hour, minute=configured.minute, app=app)
    with time_machine.travel(last_run + dt.timedelta(hours=1), tick=False):
        now = dt.datetime.now(dt.UTC)
        assert now + schedule.remaining_estimate(last_run) == expected_next


def _settings_with(**env):
    environment = {**os.environ, **env}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "e = s.CELERY_BEAT_SCHEDULE['daily-reminders']['schedule']; "
            "print(sorted(e.hour), sorted(e.minute), s.DIGEST_WEEKDAY)",
        ],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "k0.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_schedule_is_overridable_by_environment():
    result = _settings_with(REMINDER_HOUR="6", REMINDER_MINUTE="30", DIGEST_WEEKDAY="5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[6] [30] 5"


def test_a_nonsense_hour_stops_the_start():
    result = _settings_with(REMINDER_HOUR="25")
    assert result.returncode != 0
    assert "REMINDER_HOUR='25' is out of range: use a whole number from 0 to 23" in result.stderr

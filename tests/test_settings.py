"""The process refuses unsafe production configuration, and a safe one passes check --deploy."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from k0.environment import between

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"


SCRUBBED = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "TWO_FACTOR_REQUIRED",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "k0.example.fi"}


def run_manage(*args, **env_overrides):
    return run_python("manage.py", *args, **env_overrides)


def run_python(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "k0.example.fi"}, "SECRET_KEY must be set"),
        (
            {"DEBUG": "false", "ALLOWED_HOSTS": "k0.example.fi", "SECRET_KEY": "short"},
            "at least 50 random characters",
        ),
        (
            {"DEBUG": "false", "SECRET_KEY": GOOD_KEY},
            "ALLOWED_HOSTS must be set",
        ),
        (
            {"DEBUG": "maybe", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "k0.example.fi"},
            "DEBUG='maybe' is not a boolean: use true or false",
        ),
    ],
)
def test_production_refuses_unsafe_configuration(overrides, message):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("command", ["check", "migrate", "shell", "runserver"])
def test_commands_that_touch_a_site_still_refuse_without_the_secret(command):
    result = run_manage(command, "--help" if command == "runserver" else "-v0", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_makemigrations_check_runs_in_a_clean_clone_without_any_setting():
    """Nothing set at all, as a clean clone's CI step runs it: the migrations are checked."""
    result = run_manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_production_settings_pass_deploy_check():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="k0.example.fi",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_mode_starts_without_secret_key():
    result = run_manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr


def settings_value(name, **env_overrides):
    """The value of a setting in a fresh process, or the process's error output."""
    return run_python(
        "-c",
        f"from django.conf import settings; print(repr(settings.{name}))",
        DJANGO_SETTINGS_MODULE="k0.settings",
        **env_overrides,
    )


def declared():
    import k0.settings

    return k0.settings.env.scheme


@pytest.mark.parametrize("value", ["ture", "maybe", "enabled"])
def test_a_two_factor_setting_that_is_not_a_boolean_stops_the_start_up(value):
    result = run_manage("check", TWO_FACTOR_REQUIRED=value, **PRODUCTION)
    assert result.returncode != 0
    assert f"TWO_FACTOR_REQUIRED='{value}' is not a boolean: use true or false." in result.stderr


def test_every_boolean_setting_is_checked():
    booleans = [name for name, (kind, _default) in declared().items() if kind is bool]
    assert {"DEBUG", "TWO_FACTOR_REQUIRED", "STATIC_MANIFEST"} <= set(booleans)
    result = run_python(
        "-c", "import k0.settings", **{**PRODUCTION, **dict.fromkeys(booleans, "enabled")}
    )
    assert result.returncode != 0
    for name in booleans:
        assert f"{name}='enabled' is not a boolean" in result.stderr, name


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("RETENTION_HOUR", "24", "from 0 to 23"),
        ("REMINDER_HOUR", "-1", "from 0 to 23"),
        ("REMINDER_MINUTE", "60", "from 0 to 59"),
        ("DIGEST_WEEKDAY", "0", "from 1 to 7"),
        ("DIGEST_WEEKDAY", "8", "from 1 to 7"),
        ("ATTACHMENT_MAX_MB", "0", "from 1 to 100"),
        ("EMAIL_TIMEOUT", "0", "from 1 to 600"),
        ("SESSION_IDLE_MINUTES", "half an hour", "from 1 to 720"),
        ("JOB_RESULT_DAYS", "7.5", "from 1 to 90"),
    ],
)
def test_an_integer_setting_out_of_its_range_stops_the_start_up(name, value, allowed):
    result = run_python("-c", "import k0.settings", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"{name}='{value}' is " in result.stderr
    assert f"use a whole number {allowed}." in result.stderr


def test_every_integer_setting_declares_its_range():
    from k0.environment import checked_env

    with pytest.raises(ImproperlyConfigured, match="NEW_LIMIT: an integer setting needs a range"):
        checked_env({}, NEW_LIMIT=(int, 3))
    with pytest.raises(ImproperlyConfigured, match="the default 0 is not allowed"):
        checked_env({}, NEW_LIMIT=(int, 0, between(1, 9)))


def test_a_log_level_that_does_not_exist_stops_the_start_up():
    result = run_python("-c", "import k0.settings", **{**PRODUCTION, "LOG_LEVEL": "LOUD"})
    assert "LOG_LEVEL='LOUD' is not allowed: use one of DEBUG, INFO, WARNING" in result.stderr


def test_every_bad_value_is_named_at_once():
    result = run_manage("check", **PRODUCTION, RETENTION_HOUR="25", STATIC_MANIFEST="yep")
    assert result.returncode != 0
    assert "STATIC_MANIFEST='yep'" in result.stderr and "RETENTION_HOUR='25'" in result.stderr


def test_an_empty_value_means_the_default():
    # `NAME=` as in .env.example: django-environ alone reads it as false for a boolean
    # whose default is true, and fails with a traceback for an integer.
    result = settings_value("SECURE_SSL_REDIRECT", **PRODUCTION, SECURE_SSL_REDIRECT="")
    assert result.stdout.strip() == "True", result.stderr
    result = settings_value("TWO_FACTOR_REQUIRED", **PRODUCTION, TWO_FACTOR_REQUIRED="")
    assert result.stdout.strip() == "True", result.stderr
    result = settings_value("RETENTION_YEARS", **PRODUCTION, RETENTION_YEARS=" ")
    assert result.stdout.strip() == "5", result.stderr
    result = settings_value("TWO_FACTOR_REQUIRED", **PRODUCTION, TWO_FACTOR_REQUIRED="off")
    assert result.stdout.strip() == "False", result.stderr


def test_settings_are_read_only_through_the_declarations():
    """Every variable the settings read is in the env block (type, default, range), none is
    read later with its own type and default."""
    source = (ROOT / "k0" / "settings.py").read_text()
    assert not re.findall(r"\benv\.(?:int|str|bool|list|float|json)\(", source)
    read = set(re.findall(r"\benv\(\s*\"(\w+)\"", source))
    assert read <= set(declared()), read - set(declared())
    assert {"RETENTION_HOUR", "REMINDER_HOUR", "CELERY_QUEUE", "EMAIL_TIMEOUT"} <= read


def test_deploy_check_warns_when_two_factor_is_off_in_production():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", TWO_FACTOR_REQUIRED="false", **PRODUCTION
    )
    assert result.returncode != 0
    assert "accounts.W001" in result.stderr + result.stdout


def test_deploy_check_warns_when_server_timing_is_on_in_production():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SERVER_TIMING="true", **PRODUCTION
    )
    assert result.returncode != 0
    assert "accounts.W003" in result.stderr + result.stdout


def test_deploy_check_warns_behind_a_proxy_without_a_proxy_count():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", SECURE_PROXY_SSL_HEADER="true", **PRODUCTION
    )
    assert result.returncode != 0
    assert "accounts.W002" in result.stderr + result.stdout
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECURE_PROXY_SSL_HEADER="true",
        AXES_PROXY_COUNT="1",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr

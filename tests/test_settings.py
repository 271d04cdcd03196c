"""The process refuses unsafe production configuration, and a safe one passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"


SCRUBBED = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_manage(*args, **env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
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
            "is not a boolean",
        ),
    ],
)
def test_production_refuses_unsafe_configuration(overrides, message):
    result = run_manage("check", **overrides)
    assert result.returncode != 0
    assert message in result.stderr


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

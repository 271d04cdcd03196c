"""The §29.7 informing deadline is checked at start-up like every setting."""

import pytest

from tests.test_settings import PRODUCTION, run_python


@pytest.mark.parametrize(
    ("value", "problem"),
    [("0", "is out of range"), ("abc", "is not a whole number"), ("91", "is out of range")],
)
def test_a_bad_informing_deadline_stops_the_start_up(value, problem):
    result = run_python(
        "-c", "import k0.settings", **{**PRODUCTION, "INFORMING_DEADLINE_DAYS": value}
    )
    assert result.returncode != 0
    assert f"INFORMING_DEADLINE_DAYS='{value}' {problem}: use a whole number from 1 to 90." in (
        result.stderr
    )


def test_the_informing_deadline_defaults_to_seven_days(settings):
    result = run_python(
        "-c",
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'k0.settings'); "
        "from django.conf import settings; print(settings.INFORMING_DEADLINE_DAYS)",
        **PRODUCTION,
    )
    assert result.stdout.strip() == "7", result.stderr

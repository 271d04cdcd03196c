"""Rate limits per client address (log-in, password reset), per account (reset e-mails), per
user (jobs and exports) and per API token: past the limit a clear 429, in the user's
language for browsers and as JSON for the API, and after the window the requests work again.
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from k0 import ratelimits
from k0.indicators.models import ApiToken, ApiTokenUse
from k0.jobs.models import Job
from tests.cases.factories import make_case

ROOT = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    """Windows are fixed stretches of clock time: tests step over them with the clock."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def later(traveller, seconds):
    traveller.shift(dt.timedelta(seconds=seconds))


def assert_429_page(response, *, window):
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert 1 <= int(response["Retry-After"]) <= window
    return response.content.decode()


# --- password reset -------------------------------------------------------------------------


def reset(client, email, address="192.0.2.10", **extra):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, **extra)


def test_password_reset_is_limited_per_address_with_a_page_in_the_users_language(
    client, team_member, settings, clock
):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 5
    for _ in range(5):
        assert reset(client, "nobody@example.invalid").status_code == 302
    response = reset(client, team_member.email, HTTP_ACCEPT_LANGUAGE="en")
    body = assert_429_page(response, window=3600)
    assert "Too many requests in a short time. Please try again in" in body
    assert response["Content-Language"] == "en"
    assert not mail.outbox
    # Another address is not affected…
    assert reset(client, team_member.email, address="198.51.100.7").status_code == 302
    # …and after the window this one works again.
    later(clock, 3601)
    assert reset(client, team_member.email).status_code == 302


def test_the_finnish_page_is_the_default(client, settings, clock):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 1
    reset(client, "a@example.invalid")
    response = reset(client, "a@example.invalid")
    assert response.status_code == 429 and response["Content-Language"] == "fi"


def test_reset_e_mails_to_one_account_are_limited_without_revealing_the_account(
    client, team_member, settings, clock
):
    """Six requests from six addresses: three e-mails, and every answer is the same one an
    unknown address gets."""
    settings.RATE_LIMIT_RESET_EMAILS_PER_HOUR = 3
    answers = [reset(client, team_member.email, address=f"192.0.2.{i}") for i in range(6)]
    unknown = reset(client, "nobody@example.invalid", address="192.0.2.99")
    assert {(a.status_code, a.url) for a in answers} == {(unknown.status_code, unknown.url)}
    assert len(mail.outbox) == 3
    # The owner is not locked out: the links already sent still work…
    link = re.search(r"https?://\S+/password/reset/\S+/", mail.outbox[-1].body).group(0)
    page = client.get(urlsplit(link).path, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    # …and a new one can be asked for once the hour has passed.
    later(clock, 3601)
    reset(client, team_member.email, address="192.0.2.50")
    assert len(mail.outbox) == 4


# --- log-in ---------------------------------------------------------------------------------


def test_log_in_attempts_are_limited_per_address(client, settings, clock):
    """django-axes locks a user name at one address; trying many user names from one address
    is what this limit stops."""
    settings.RATE_LIMIT_LOGIN_PER_MINUTE = 20
    url = reverse("login")
    for i in range(20):
        response = client.post(
            url, {"username": f"user{i}", "password": "wrong"}, REMOTE_ADDR="192.0.2.20"
        )
        assert response.status_code == 200
    response = client.post(
        url, {"username": "user99", "password": "wrong"}, REMOTE_ADDR="192.0.2.20"
    )
    assert_429_page(response, window=60)
    assert client.get(url, REMOTE_ADDR="192.0.2.20").status_code == 200  # the page itself
    later(clock, 61)
    response = client.post(
        url, {"username": "user99", "password": "wrong"}, REMOTE_ADDR="192.0.2.20"
    )
    assert response.status_code == 200


def test_ipv6_clients_are_counted_by_their_64_network(client, settings, clock):
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 2
    reset(client, "a@example.invalid", address="2001:db8:1:2::1")
    reset(client, "a@example.invalid", address="2001:db8:1:2::ffff")
    assert reset(client, "a@example.invalid", address="2001:db8:1:2:abcd::9").status_code == 429
    assert reset(client, "a@example.invalid", address="2001:db8:1:3::1").status_code == 302


# --- jobs and exports -----------------------------------------------------------------------


def test_job_starts_are_limited_per_user_across_kinds(
    client, case, case_team_member, team_member, settings, clock
):
    settings.RATE_LIMIT_JOBS_PER_HOUR = 3
    client.force_login(case_team_member)
    calendar = reverse("reminders:follow_ups_calendar")
    summary = reverse("documents:case_summary", args=[case.reference])
    for url in (calendar, calendar, summary):
        assert client.post(url).status_code == 302
    assert_429_page(client.post(calendar), window=3600)
    assert_429_page(client.post(summary), window=3600)
    assert Job.objects.count() == 3
    # Another user has their own count.
    client.force_login(team_member)
    assert client.post(calendar).status_code == 302
    # After the window the user can start jobs again.
    client.force_login(case_team_member)
    later(clock, 3601)
    assert client.post(calendar).status_code == 302


def test_an_outsider_is_refused_before_being_counted(client, case, outsider, settings, clock):
    settings.RATE_LIMIT_JOBS_PER_HOUR = 1
    client.force_login(outsider)
    url = reverse("documents:case_summary", args=[case.reference])
    assert [client.post(url).status_code for _ in range(3)] == [404, 404, 404]


def test_indicator_exports_and_report_pdfs_share_the_users_limit(
    client, programme_office, school, case_team_member, settings, clock
):
    settings.RATE_LIMIT_JOBS_PER_HOUR = 2
    make_case(school=school, responsible=case_team_member)
    client.force_login(programme_office)
    export = reverse("indicators:export_csv")
    query = {"period": "calendar_year:2026"}
    assert client.get(export, query).status_code != 429
    assert client.post(reverse("indicators:report_pdf"), query).status_code != 429
    assert_429_page(client.get(export, query), window=3600)
    assert_429_page(client.post(reverse("indicators:report_pdf"), query), window=3600)
    later(clock, 3601)
    assert client.get(export, query).status_code != 429


# --- the indicator API ----------------------------------------------------------------------


def test_the_api_is_limited_per_token_with_a_json_answer(client, administrator, settings, clock):
    settings.RATE_LIMIT_API_PER_MINUTE = 3
    token, raw = ApiToken.issue(name="Power BI", created_by=administrator)
    _other, other_raw = ApiToken.issue(name="Excel", created_by=administrator)
    url = reverse("indicators:api")
    query = {"period": "calendar_year:2026"}

    def ask(secret):
        return client.get(url, query, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert [ask(raw).status_code != 429 for _ in range(3)] == [True] * 3
    response = ask(raw)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {"error": "rate_limited", "retry_after": int(response["Retry-After"])}
    assert ApiTokenUse.objects.filter(token=token, status=429).count() == 1
    assert ask(other_raw).status_code != 429  # each token has its own count
    later(clock, 61)
    assert ask(raw).status_code != 429


def test_an_unknown_token_is_refused_not_counted(client, settings, clock):
    settings.RATE_LIMIT_API_PER_MINUTE = 1
    url = reverse("indicators:api")
    statuses = {client.get(url, HTTP_AUTHORIZATION="Bearer nope").status_code for _ in range(3)}
    assert statuses == {401}


# --- the shared cache -----------------------------------------------------------------------


COUNT_IN_ANOTHER_PROCESS = f"""
import django, json, os, time_machine
django.setup()
from django.test import RequestFactory
from k0 import ratelimits
request = RequestFactory().post("/")
with time_machine.travel({START.timestamp()}, tick=False):  # the same window as the test's
    print(json.dumps([ratelimits.hit(request, "jobs", os.environ["WHO"]) for _ in range(3)]))
"""


def count_in_another_process(cache_url, who):
    env = {
        **os.environ,
        "WHO": who,
        "DJANGO_SETTINGS_MODULE": "k0.settings",
        "CACHE_URL": cache_url,
        "RATE_LIMIT_JOBS_PER_HOUR": "3",
    }
    result = subprocess.run(
        [sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def shared_cache_urls(tmp_path):
    urls = [f"filecache://{tmp_path / 'cache'}"]
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker.startswith("redis://"):
        urls.append(broker)
    return urls


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_counts_are_shared_between_processes(kind, settings, tmp_path, clock):
    """The embedded file cache and Redis: what one process counted, the next one sees."""
    urls = dict(zip(["file", "redis"], shared_cache_urls(tmp_path), strict=False))
    if kind not in urls:
        pytest.skip("Redis is used when CELERY_BROKER_URL is a redis:// URL (the CI's second pass)")
    import environ

    config = environ.Env.cache_url_config(urls[kind])
    if kind == "file":
        config["TIMEOUT"] = None
    settings.CACHES = {"default": config}
    settings.RATE_LIMIT_JOBS_PER_HOUR = 3
    # A key of its own: Redis outlives the test run (and other runs share it).
    who, other = f"user-{uuid.uuid4().hex}", f"user-{uuid.uuid4().hex}"
    assert count_in_another_process(urls[kind], who) == [None, None, None]
    assert ratelimits.hit(RequestFactory().post("/"), "jobs", who) is not None
    assert ratelimits.hit(RequestFactory().post("/"), "jobs", other) is None


def test_an_unreachable_cache_lets_requests_through_and_is_logged(client, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.RATE_LIMIT_PASSWORD_RESET_PER_HOUR = 1
    assert [reset(client, "a@example.invalid").status_code for _ in range(3)] == [302] * 3
    assert "Rate limit password_reset not checked" in caplog.text


# --- settings -------------------------------------------------------------------------------


def manage(*args, **env):
    scrubbed = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CACHE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**scrubbed, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_limit_out_of_range_stops_start_up():
    result = manage("check", DEBUG="true", RATE_LIMIT_JOBS_PER_HOUR="0")
    assert result.returncode != 0
    assert (
        "RATE_LIMIT_JOBS_PER_HOUR='0' is out of range: use a whole number from 1 to 1000"
        in result.stderr
    )


def test_deploy_check_warns_about_a_cache_each_process_keeps_to_itself():
    result = manage(
        "check",
        "--deploy",
        DEBUG="false",
        SECRET_KEY="k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
        ALLOWED_HOSTS="k0.example.fi",
        CACHE_URL="locmemcache://",
    )
    assert "k0.W101" in result.stdout + result.stderr


def test_the_embedded_default_is_a_file_cache_under_var():
    from django.conf import settings as project_settings

    # The tests run with their own cache (tests/conftest.py); read what the settings give.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "CACHE_URL"},
            "DJANGO_SETTINGS_MODULE": "k0.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    backend, location = result.stdout.split()
    assert backend.endswith("FileBasedCache")
    assert Path(location) == project_settings.BASE_DIR / "var" / "cache"

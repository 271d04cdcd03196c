import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.accounts.factories import PASSWORD


def log_in(client, user):
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_session_cookie_expires_with_the_browser_and_idles_out(client, team_member):
    log_in(client, team_member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""  # a browser-session cookie
    session = Session.objects.get()
    remaining = (session.expire_date.timestamp() - time.time()) / 60
    assert 29 <= remaining <= 30


def test_idle_session_ends_after_the_timeout(client, team_member):
    import time_machine

    log_in(client, team_member)
    assert client.get("/cases/").status_code == 200
    with time_machine.travel(time.time() + 31 * 60):
        response = client.get("/cases/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_activity_keeps_the_session_but_not_past_twelve_hours(client, team_member):
    import time_machine

    log_in(client, team_member)
    start = time.time()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + minutes * 60):
            assert client.get("/cases/").status_code == 200
    with time_machine.travel(start + 12 * 3600 + 60):
        response = client.get("/cases/")
    assert response.status_code == 302


def test_deactivating_a_user_ends_their_sessions(client, team_member):
    log_in(client, team_member)
    assert client.get("/cases/").status_code == 200
    team_member.is_active = False
    team_member.save()
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_lock_out_is_logged_without_the_username(client, team_member, caplog):
    for _ in range(6):
        client.post(reverse("login"), {"username": team_member.username, "password": "x"})
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "locked out" in messages
    assert team_member.username not in messages


# What htmx sends when it polls ("My work", a job's status): `hx-headers` on the polling element.
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_K0_BACKGROUND": "poll"}


def poll_my_work(client):
    return client.get(reverse("reminders:my_work"), **POLL)


def test_polling_alone_does_not_keep_the_session(client, team_member):
    import time_machine

    log_in(client, team_member)
    start = time.time()
    assert client.get(reverse("reminders:my_work")).status_code == 200
    for minute in range(1, 30):
        with time_machine.travel(start + minute * 60):
            response = poll_my_work(client)
            assert response.status_code == 200 and 'id="my-work"' in response.content.decode()
    with time_machine.travel(start + 31 * 60):
        response = poll_my_work(client)
        # The whole page goes to the log-in page, not just the polled fragment.
        assert response.status_code == 200
        assert response["HX-Redirect"] == reverse("login")
        assert 'id="my-work"' not in response.content.decode()
        response = client.get("/cases/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_click_between_polls_renews_the_idle_time(client, team_member):
    import time_machine

    log_in(client, team_member)
    start = time.time()
    assert client.get(reverse("reminders:my_work")).status_code == 200
    for minute in range(1, 50):
        with time_machine.travel(start + minute * 60):
            if minute == 20:
                assert client.get("/cases/").status_code == 200  # the user's own request
            assert poll_my_work(client).status_code == 200
            assert "HX-Redirect" not in poll_my_work(client)
    with time_machine.travel(start + 51 * 60):
        assert poll_my_work(client)["HX-Redirect"] == reverse("login")


def test_an_htmx_request_after_the_session_expired_sends_the_page_to_log_in(client, team_member):
    import time_machine

    log_in(client, team_member)
    assert client.get("/cases/").status_code == 200
    with time_machine.travel(time.time() + 3 * 3600):
        response = poll_my_work(client)
    assert response["HX-Redirect"] == reverse("login")


def test_the_polling_elements_mark_their_requests_as_background(client, team_member):
    from k0.jobs.models import Job

    client.force_login(team_member)
    marker = """hx-headers='{"K0-Background": "poll"}'"""
    body = client.get(reverse("reminders:my_work")).content.decode()
    assert 'hx-trigger="every 60s"' in body and marker in body
    job = Job.objects.create(kind="follow_up_calendar", requested_by=team_member)
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body and marker in body

import time

from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.factories import PASSWORD


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

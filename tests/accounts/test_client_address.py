"""The log-in lock-out sees the client's own address, behind a trusted proxy too, and never
one the client wrote into X-Forwarded-For itself."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from k0.accounts.client import client_address
from tests.accounts.factories import PASSWORD

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.9"
USER = "198.51.100.7"


def log_in(client, user, password=PASSWORD, *, remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"username": user.username, "password": password}
    return client.post(reverse("login"), data, **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, None, "127.0.0.9"),
        (0, ATTACKER, "127.0.0.9"),  # no proxy: the header is the client's own, ignored
        (1, ATTACKER, ATTACKER),
        (1, f"1.2.3.4, {ATTACKER}", ATTACKER),  # 1.2.3.4 came from the client: untrusted
        (1, f"not-an-address, {ATTACKER}", ATTACKER),
        (2, f"1.2.3.4, {ATTACKER}, 10.0.0.1", ATTACKER),
        (1, None, "127.0.0.9"),  # not through the proxy: the connection's address
    ],
)
def test_client_address(settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": "127.0.0.9"}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(RequestFactory().post("/login/", **headers)) == address


def test_without_a_proxy_a_forged_header_does_not_escape_the_lock_out(client, team_member):
    for i in range(5):
        log_in(client, team_member, "wrong", remote=ATTACKER, forwarded=f"192.0.2.{i}")
    response = log_in(client, team_member, remote=ATTACKER, forwarded="192.0.2.77")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_behind_a_proxy_one_client_cannot_lock_a_user_out_for_everyone(
    client, team_member, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        # The attacker also forges entries of its own; the proxy appends the real address.
        log_in(client, team_member, "wrong", remote=PROXY, forwarded=f"192.0.2.{i}, {ATTACKER}")
    assert log_in(client, team_member, remote=PROXY, forwarded=ATTACKER).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # The user, from their own address through the same proxy, still gets in.
    assert log_in(client, team_member, remote=PROXY, forwarded=USER).status_code == 302

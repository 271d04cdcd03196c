"""The authorization matrix again, with the city log-in on and every persona a user that the
city log-in created, holding city log-in sessions with the provider's strong authentication and
the second factor required. Such a user may do exactly what the same role may do — no more."""

import dataclasses

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory

from k0.accounts.oidc import services, session
from k0.accounts.oidc.models import Identity
from tests.test_authorization_matrix import (
    EXPECTED,
    check,
    fill,
    project_urls,
    world,  # noqa: F401  (a fixture)
)

pytest_plugins = ["tests.oidc.plugin"]  # (for its loading of the URLconf)

ISSUER = "http://127.0.0.1:9"  # nothing listens: no request leaves the machine

# With the city log-in configured its pages answer: starting a log-in sends everyone to the
# provider (a logged-in user's to confirm the session), and a callback without the answer's
# state goes back to the log-in page.
CONFIGURED = {
    "oidc_login": dataclasses.replace(
        EXPECTED["oidc_login"], ok_get=frozenset({302}), anonymous_get=frozenset({302})
    ),
    "oidc_callback": dataclasses.replace(
        EXPECTED["oidc_callback"], ok_get=frozenset({302}), anonymous_get=frozenset({302})
    ),
}


@pytest.fixture
def make_user():
    """Personas are created by the city log-in; administrator rights are given by hand."""

    def make(username, **rights):
        user = services.user_for_login(
            issuer=ISSUER,
            subject=f"subject-{username}",
            claims={"name": username, "email": f"{username}@example.invalid"},
        )
        if rights:
            get_user_model().objects.filter(pk=user.pk).update(**rights)
            user.refresh_from_db()
        return user

    return make


def city_sessions():
    """Logs a persona's client in as the callback does after a strong city log-in; the session
    is made once per persona and reused for every URL (the walk is long)."""
    made = {}

    def log_in(client, user):
        if user.pk not in made:
            client.force_login(user)
            request = RequestFactory().get("/")
            request.session, request.user = client.session, user
            identity = Identity.objects.get(user=user)
            session.start(
                request, issuer=ISSUER, subject=identity.subject, id_token="unused", strong=True
            )
            request.session.save()
            made[user.pk] = request.session.session_key
        client.cookies[django_settings.SESSION_COOKIE_NAME] = made[user.pk]

    return log_in


CHUNKS = 4  # the walk is long: in parts, so that test workers can share it


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_the_matrix_holds_for_users_of_the_city_log_in(world, settings, chunk):  # noqa: F811
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = (
        ISSUER,
        "k0",
        "secret",
    )
    settings.TWO_FACTOR_REQUIRED = True
    # Starting a log-in needs the provider's discovery document; nothing answers at ISSUER,
    # so K-0 answers with its "not answering" message (302).
    assert all(identity.user.has_usable_password() is False for identity in Identity.objects.all())
    assert Identity.objects.count() == len(world["people"])

    log_in = city_sessions()
    failures = {}
    for name, expected in sorted({**EXPECTED, **CONFIGURED}.items())[chunk::CHUNKS]:
        converters = next(c for n, _, c in project_urls() if n == name)
        url = fill(name, converters, world)
        found = check(name, url, expected, world, log_in=log_in)
        if found:
            failures[url] = found
    assert not failures


def test_a_local_password_session_is_still_held_at_the_second_factor(world, settings):  # noqa: F811
    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    client.force_login(world["people"]["case_team"])
    assert client.get(world["case"].get_absolute_url()).status_code == 302

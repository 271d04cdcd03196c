"""A city log-in session lasts no longer than the provider vouches for it, and log-out ends
both sessions."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from k0.accounts.oidc import client as oidc_client
from k0.accounts.oidc.models import Identity
from k0.accounts.oidc.views import MESSAGES
from schools.models import Role
from tests.oidc.helpers import callback_path, city_log_in, start_city_login
from tests.schools.factories import MembershipFactory

pytest_plugins = ["tests.oidc.plugin"]


@pytest.fixture(autouse=True)
def _english_pages(client, settings):  # noqa: F811 (the pytest-django fixture)
    """The messages are checked in English: the test client asks for it, and users made at the
    city log-in without a `locale` get English as their own language (set at each log-in)."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def member(client, city_login, settings):
    """A team member logged in through the city log-in; `browser` holds their cookies at the
    provider. Sessions are confirmed every minute here."""
    settings.OIDC_RECHECK_MINUTES = 1
    city_login.add_user("riikka")
    browser = requests.Session()
    city_log_in(city_login, client, "riikka", browser=browser)
    user = Identity.objects.get().user
    MembershipFactory(user=user, role=Role.TEAM_MEMBER)
    assert client.get("/cases/").status_code == 200
    return browser


def follow_confirmation(city_login, client, browser, response):
    """K-0 sends the page load through the provider (prompt=none) and back."""
    assert response.status_code == 302
    assert response.url == f"{reverse('oidc_login')}?next=%2Fcases%2F"
    to_provider = client.get(response.url)
    query = parse_qs(urlsplit(to_provider.url).query)
    assert query["prompt"] == ["none"] and query["id_token_hint"]
    back = city_login.log_in(to_provider.url, "riikka", browser=browser)
    return client.get(callback_path(back), **EN)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_provider_confirms_an_active_session_without_a_page(client, city_login, member):
    first = client.session["k0_oidc"]["confirmed_at"]
    with time_machine.travel(time.time() + 70):
        response = follow_confirmation(city_login, client, member, client.get("/cases/"))
        assert response.status_code == 302 and response.url == "/cases/"
        assert client.get("/cases/").status_code == 200
    assert client.session["k0_oidc"]["confirmed_at"] > first


def test_a_user_deactivated_at_the_provider_loses_the_k0_session(client, city_login, member):
    city_login.deactivate("riikka")
    with time_machine.travel(time.time() + 70):
        response = follow_confirmation(city_login, client, member, client.get("/cases/"))
        assert response.url == reverse("login")
        assert not logged_in(client)
        with translation.override("en"):
            expected = str(MESSAGES["session_ended"])
        assert expected in client.get(response.url, **EN).content.decode()
        assert client.get("/cases/").url.startswith(reverse("login"))


def test_an_unconfirmed_session_ends_after_twice_the_interval(client, member):
    with time_machine.travel(time.time() + 130):
        response = client.post(reverse("home"))
        assert response.status_code == 302 and response.url == reverse("login")
        assert not logged_in(client)


def test_a_form_being_sent_is_not_interrupted_by_the_confirmation(client, member):
    with time_machine.travel(time.time() + 70):
        response = client.post(reverse("home"))
        assert response.status_code == 302 and response.url == "/cases/"
        assert logged_in(client)


def test_an_htmx_request_turns_the_confirmation_into_a_page_load(client, member):
    with time_machine.travel(time.time() + 70):
        response = client.get(
            "/cases/",
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL="http://testserver/cases/?phase=plan",
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == f"{reverse('oidc_login')}?next=%2Fcases%2F%3Fphase%3Dplan"


def test_an_unconfirmed_session_ends_htmx_requests_too(client, member):
    with time_machine.travel(time.time() + 130):
        response = client.get("/cases/", HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"] == reverse("login")
        assert not logged_in(client)


def test_local_sessions_are_not_sent_to_the_provider(client, city_login, team_member, settings):
    settings.OIDC_RECHECK_MINUTES = 1
    client.force_login(team_member)
    with time_machine.travel(time.time() + 600):
        assert client.get("/cases/").status_code == 200


def test_log_out_ends_the_k0_session_and_the_providers(client, city_login, member):
    # While the provider session lives, another K-0 log-in in this browser needs no password.
    assert isinstance(city_login.log_in(start_city_login(client), "riikka", browser=member), str)

    response = client.post(reverse("logout"))
    assert not logged_in(client)
    end_session = urlsplit(response.url)
    assert f"{end_session.scheme}://{end_session.netloc}" == city_login.issuer
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/login/"]
    assert query["id_token_hint"] and query["client_id"] == ["k0"]

    back = city_login.log_out(response.url, member)
    assert back.startswith("http://testserver/login/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the log-in set the user's own, fi
    page = client.get(callback_path(back), **EN).content.decode()
    with translation.override("en"):
        assert "You are logged out of K-0 and of the city log-in." in page
    assert client.get("/cases/").url.startswith(reverse("login"))
    # The provider session is gone too: its log-in page is shown again.
    again = city_login.log_in(start_city_login(client), "riikka", browser=member, stop=True)
    assert not isinstance(again, str) and 'id="login-form"' in again.text


def test_log_out_when_the_provider_cannot_be_reached(client, fresh_provider):
    fresh_provider.add_user("sanna-s")
    city_log_in(fresh_provider, client, "sanna-s")
    fresh_provider.stop()
    oidc_client._clients.clear()  # its discovery document is no longer at hand either
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert not logged_in(client)
    page = client.get(response.url, **EN).content.decode()
    assert "the city log-in service did not answer" in page


def test_a_made_up_error_answer_logs_no_one_out(client, member):
    response = client.get(reverse("oidc_callback"), {"error": "login_required", "state": "x"})
    assert response.url == reverse("login")
    assert logged_in(client)

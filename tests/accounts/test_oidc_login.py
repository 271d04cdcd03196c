"""City log-in (OpenID Connect) against a real provider: who is who, strong authentication,
local passwords, and failures that a user understands."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.accounts.oidc import services
from k0.accounts.oidc.models import Identity
from k0.accounts.oidc.views import MESSAGES
from schools.models import Membership, Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.oidc.helpers import callback_path, city_log_in, start_city_login
from tests.schools.factories import MembershipFactory

pytest_plugins = ["tests.oidc.plugin"]


@pytest.fixture(autouse=True)
def _english_pages(client, settings):  # noqa: F811 (the pytest-django fixture)
    """The messages are checked in English: the test client asks for it, and users made at the
    city log-in without a `locale` get English as their own language (set at each log-in)."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


User = get_user_model()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def message(reason):
    with translation.override("en"):
        return str(MESSAGES[reason])


def body(response):
    return response.content.decode()


def test_without_configuration_the_login_page_is_as_before(client, db):
    page = body(client.get(reverse("login")))
    assert 'id="city-login"' not in page
    assert 'id="password-login"' in page
    assert client.get(reverse("oidc_login")).status_code == 404
    assert client.get(reverse("oidc_callback")).status_code == 404


def test_login_page_offers_the_city_login_and_keeps_the_next_page(client, settings, db):
    settings.OIDC_ISSUER = "https://login.example.fi"
    page = body(client.get(reverse("login") + "?next=/cases/"))
    assert f'href="{reverse("oidc_login")}?next=/cases/"' in page
    assert 'id="password-login"' in page


def test_first_login_creates_the_user_with_no_role(client, city_login):
    provider_user = city_login.add_user(
        "aino", name="Aino Opettaja", email="aino@koulu.example", locale="sv-FI"
    )
    response = city_log_in(city_login, client, "aino")
    assert response.status_code == 302 and response.url == "/"

    identity = Identity.objects.get()
    assert identity.issuer == city_login.issuer
    assert identity.subject == provider_user["sub"]
    user = identity.user
    assert (user.first_name, user.last_name) == ("Aino Opettaja", "")
    assert user.email == "aino@koulu.example"
    assert user.language == "sv"
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    assert client.cookies["django_language"].value == "sv"

    # No role yet: the page that says to ask the K-0 administrator, not an error.
    home = client.get("/")
    assert home.status_code == 403
    assert "no_role.html" in [t.name for t in home.templates]


def test_the_user_is_found_again_by_subject_and_keeps_their_own_language(client, city_login):
    city_login.add_user("bea", name="Bea Old", email="bea@old.example", locale="en")
    city_log_in(city_login, client, "bea")
    user = Identity.objects.get().user
    user.language = "fi"  # chosen later in K-0
    user.save()
    MembershipFactory(user=user, role=Role.TEAM_MEMBER)

    city_login.set_user("bea", claims={"name": "Bea New", "email": "bea@new.example"})
    client.post(reverse("logout"))
    response = city_log_in(city_login, client, "bea", next_url="/cases/")
    assert response.status_code == 302 and response.url == "/cases/"
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert (user.first_name, user.email, user.language) == ("Bea New", "bea@new.example", "fi")
    assert client.get("/cases/").status_code == 200


def test_the_same_email_with_another_subject_is_another_user(client, city_login):
    local = UserFactory(username="local", email="shared@koulu.example")
    city_login.add_user("first", email="shared@koulu.example")
    city_login.add_user("second", email="shared@koulu.example")
    city_log_in(city_login, client, "first")
    first = client.get("/").wsgi_request.user
    client.post(reverse("logout"))
    city_log_in(city_login, client, "second")
    second = client.get("/").wsgi_request.user
    assert first.pk != second.pk
    assert local.pk not in (first.pk, second.pk)
    assert User.objects.filter(email="shared@koulu.example").count() == 3


@pytest.mark.parametrize(
    ("locale", "language"),
    [("sv-FI", "sv"), ("fi", "fi"), ("en_GB", "en"), ("de-DE", "fi"), (None, "fi"), (7, "fi")],
)
def test_language_comes_from_locale_when_given(locale, language, db, settings):
    settings.LANGUAGE_CODE = "fi"  # K-0's default, which the fixture above changes
    user = services.user_for_login(
        issuer="https://login.example.fi", subject=f"s-{locale}", claims={"locale": locale}
    )
    assert user.language == language


def test_strong_provider_authentication_stands_in_for_totp(client, city_login, settings):
    settings.TWO_FACTOR_REQUIRED = True
    city_login.add_user("cecilia")
    city_log_in(city_login, client, "cecilia")
    user = Identity.objects.get().user
    MembershipFactory(user=user, role=Role.TEAM_MEMBER)
    response = client.get("/cases/")
    assert response.status_code == 200
    assert response.wsgi_request.user.is_verified()
    assert not TOTPDevice.objects.filter(user=user).exists()
    # The OTP admin site (production's admin) accepts it too, for a user who is staff.
    response.wsgi_request.user.is_staff = True
    assert OTPAdminSite().has_permission(response.wsgi_request)


def test_login_without_strong_authentication_is_refused(client, city_login, caplog):
    city_login.add_user("dora", strong=False)
    response = city_log_in(city_login, client, "dora")
    assert response.status_code == 302 and response.url == reverse("login")
    assert message("weak") in body(client.get(response.url, **EN))
    assert not User.objects.exists()
    assert "city log-in refused reason=weak" in caplog.text


def test_weak_login_can_fall_back_to_local_totp(client, city_login, settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.OIDC_WEAK_LOGIN = "totp"
    city_login.add_user("eero", strong=False)
    city_log_in(city_login, client, "eero")
    MembershipFactory(user=Identity.objects.get().user, role=Role.TEAM_MEMBER)
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url == reverse("two_factor_verify")


@pytest.mark.parametrize(("username", "strong"), [("high", True), ("low", False)])
def test_acr_can_be_the_measure_of_strong_authentication(
    client, city_login, settings, username, strong
):
    settings.OIDC_STRONG_AMR = []
    settings.OIDC_STRONG_ACR = ["urn:k0:test:loa:high"]
    acr = f"urn:k0:test:loa:{username}"
    city_login.add_user(username, amr=["pwd"], acr=acr)
    city_log_in(city_login, client, username)
    assert Identity.objects.exists() is strong


def test_local_accounts_still_need_totp_when_the_city_login_is_on(client, city_login, settings):
    settings.TWO_FACTOR_REQUIRED = True
    user = MembershipFactory(user=UserFactory(username="paikallinen")).user
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url == reverse("two_factor_verify")


def test_local_password_login_can_be_limited_to_administrators(
    client, city_login, settings, team_member, administrator
):
    settings.OIDC_LOCAL_LOGIN = False
    page = body(client.get(reverse("login")))
    assert "<details>" in page and 'id="city-login"' in page

    response = client.post(
        reverse("login"), {"username": team_member.username, "password": PASSWORD}, **EN
    )
    assert response.status_code == 200
    assert "Password log-in is only for administrators" in body(response)
    assert "<details open>" in body(response)
    assert client.get("/cases/").status_code == 302

    response = client.post(
        reverse("login"), {"username": administrator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_user_closed_in_k0_cannot_log_in_through_the_city(client, city_login):
    city_login.add_user("fanni")
    city_log_in(city_login, client, "fanni")
    user = Identity.objects.get().user
    user.is_active = False
    user.save()
    client.logout()  # which also forgets the cookies
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = city_log_in(city_login, client, "fanni")
    assert response.url == reverse("login")
    assert message("inactive") in body(client.get(response.url, **EN))
    assert "_auth_user_id" not in client.session


def test_cancelling_at_the_provider_is_explained(client, city_login, caplog):
    city_login.add_user("gabriel")
    back = city_login.log_in(start_city_login(client), "gabriel", cancel=True)
    response = client.get(callback_path(back))
    assert response.status_code == 302 and response.url == reverse("login")
    assert message("cancelled") in body(client.get(response.url, **EN))
    assert "city log-in refused reason=cancelled error=access_denied" in caplog.text


def test_provider_down_when_starting_is_explained(client, settings, db, caplog):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing answers
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "k0", "secret"
    response = client.get(reverse("oidc_login"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert message("unavailable") in body(client.get(response.url, **EN))
    assert "reason=unavailable" in caplog.text


def test_provider_down_when_returning_is_explained(client, fresh_provider):
    fresh_provider.add_user("hilda")
    back = fresh_provider.log_in(start_city_login(client), "hilda")
    fresh_provider.stop()
    response = client.get(callback_path(back))
    assert response.status_code == 302 and response.url == reverse("login")
    assert message("unavailable") in body(client.get(response.url, **EN))
    assert not User.objects.exists()


def test_discovery_naming_another_issuer_is_refused(client, city_login, settings):
    # The same provider reached by another name: its discovery document names 127.0.0.1.
    settings.OIDC_ISSUER = city_login.issuer.replace("127.0.0.1", "localhost")
    response = client.get(reverse("oidc_login"))
    assert response.url == reverse("login")
    assert message("invalid") in body(client.get(response.url, **EN))


def test_failures_and_successes_are_logged_without_tokens_or_personal_data(
    client, city_login, caplog
):
    caplog.set_level(logging.INFO)  # as in production (LOG_LEVEL)
    provider_user = city_login.add_user("ilona", name="Ilona Salainen", email="ilona@x.example")
    city_login.add_user("weak-ilona", name="Ilona Heikko", strong=False)
    city_log_in(city_login, client, "weak-ilona")  # refused: weak
    back = city_login.log_in(start_city_login(client), "ilona")
    client.get(callback_path(back))  # succeeds
    client.get(callback_path(back))  # replayed: refused
    id_token = client.session["k0_oidc"]["id_token"]
    code = back.split("code=")[1].split("&")[0]
    state = back.split("state=")[1].split("&")[0]

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "city log-in user_id=" in logged and "reason=weak" in logged
    assert "reason=state" in logged
    for secret in (id_token, code, state, provider_user["sub"], "Ilona", "ilona@x.example"):
        assert secret not in logged


def test_user_creation_is_not_done_twice_for_one_subject(db):
    claims = {"email": "same@x.example"}
    first = services.user_for_login(issuer="https://i.example", subject="s1", claims=claims)
    again = services.user_for_login(issuer="https://i.example", subject="s1", claims=claims)
    other_issuer = services.user_for_login(issuer="https://j.example", subject="s1", claims=claims)
    assert first.pk == again.pk != other_issuer.pk


def test_city_log_in_users_are_not_offered_a_k0_password(client, city_login, team_member):
    city_login.add_user("ulla")
    city_log_in(city_login, client, "ulla")
    MembershipFactory(user=Identity.objects.get().user, role=Role.TEAM_MEMBER)
    assert reverse("password_change") not in body(client.get("/cases/"))
    client.force_login(team_member)
    assert reverse("password_change") in body(client.get("/cases/"))


def test_who_the_user_is_comes_from_the_id_token_only(client, city_login, settings):
    # This provider sends `oid` from its user-info endpoint only, never in the ID token.
    settings.OIDC_SUBJECT_CLAIM = "oid"
    city_login.add_user("vilja", extra={"oid": "0b1c-user-info-only"})
    response = city_log_in(city_login, client, "vilja")
    assert response.url == reverse("login")
    assert message("invalid") in body(client.get(response.url, **EN))
    assert not User.objects.exists()

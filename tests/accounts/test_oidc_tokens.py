"""Answers from the provider that K-0 must refuse.

The provider issues every code and token here; the tests replay them, plant them in another
browser, tamper with them or present them at the wrong time. The code exchange happens between
K-0 and the provider, so a tampered ID token is checked by the same client method the callback
uses (`parse_id_token`, called inside `authorize_access_token`), with K-0's configuration.
"""

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, JoseError
from joserfc.jwk import OctKey

from k0.accounts.oidc import client as oidc_client
from k0.accounts.oidc.models import Identity
from k0.accounts.oidc.views import MESSAGES, _reason
from tests.oidc.helpers import callback_path, city_log_in, start_city_login
from tests.oidc.provider import CLIENT_SECRET, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET

pytest_plugins = ["tests.oidc.plugin"]


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    """The messages are checked in English: the test client asks for it, and users made at the
    city log-in without a `locale` get English as their own language (set at each log-in)."""
    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def shown(client, response):
    """The message on the log-in page the failed callback sent the browser to."""
    assert response.status_code == 302 and response.url == reverse("login")
    return client.get(response.url, follow=True, **EN).content.decode()


def message(reason):
    with translation.override("en"):
        return str(MESSAGES[reason])


def logged_in(client):
    return "_auth_user_id" in client.session


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_the_authorization_request_carries_pkce_state_and_nonce(client, city_login):
    query = parse_qs(urlsplit(start_city_login(client)).query)
    assert query["client_id"] == ["k0"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20


def test_a_replayed_answer_is_refused(client, city_login):
    city_login.add_user("jaana")
    back = city_login.log_in(start_city_login(client), "jaana")
    assert client.get(callback_path(back)).url == "/"

    assert message("state") in shown(client, client.get(callback_path(back)))
    other_browser = Client()
    assert message("state") in shown(other_browser, other_browser.get(callback_path(back)))
    assert not logged_in(other_browser)


def test_an_answer_to_another_browsers_login_is_refused(client, city_login):
    # Log-in CSRF: an attacker plants the answer to their own log-in in the victim's browser.
    city_login.add_user("mallory")
    attacker = Client()
    back = city_login.log_in(start_city_login(attacker), "mallory")
    assert message("state") in shown(client, client.get(callback_path(back)))
    assert not logged_in(client)
    assert not Identity.objects.exists()


def test_a_code_issued_to_another_client_is_refused(client, city_login):
    city_login.add_user("kalle")
    url = start_city_login(client).replace("client_id=k0&", f"client_id={OTHER_CLIENT_ID}&")
    back = city_login.log_in(url, "kalle")
    assert "code=" in back
    assert message("invalid") in shown(client, client.get(callback_path(back)))
    assert not logged_in(client)
    assert not Identity.objects.exists()


def test_an_id_token_issued_to_another_client_is_refused(city_login):
    city_login.add_user("liisa")
    token, nonce = city_login.tokens_for(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET, "liisa")
    app = oidc_client.get_client()
    with pytest.raises(ClaimError) as refused:
        app.parse_id_token(token, nonce=nonce, leeway=oidc_client.LEEWAY)
    assert refused.value.claim == "aud"
    assert _reason(refused.value) == "wrong_client"


def test_a_tampered_id_token_is_refused(client, city_login):
    city_login.add_user("mikko")
    city_log_in(city_login, client, "mikko")
    issued = client.session["k0_oidc"]["id_token"]
    header, payload, signature = issued.split(".")
    claims = json.loads(unb64(payload))
    app = oidc_client.get_client()
    # The token as issued passes: what follows is refused for the tampering alone.
    app.parse_id_token({"id_token": issued}, nonce=claims["nonce"], leeway=oidc_client.LEEWAY)

    forged = ".".join(
        [header, b64(json.dumps({**claims, "sub": "someone-else"}).encode()), signature]
    )
    with pytest.raises(BadSignatureError) as refused:
        app.parse_id_token({"id_token": forged}, nonce=claims["nonce"])
    assert _reason(refused.value) == "invalid"


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_an_id_token_re_signed_without_the_providers_key_is_refused(client, city_login, alg):
    city_login.add_user(f"niko-{alg}")
    city_log_in(city_login, client, f"niko-{alg}")
    claims = json.loads(unb64(client.session["k0_oidc"]["id_token"].split(".")[1]))
    if alg == "none":
        header = b64(json.dumps({"alg": "none"}).encode())
        forged = f"{header}.{b64(json.dumps(claims).encode())}."
    else:
        # "Algorithm confusion": signed with the client secret that K-0 also knows.
        forged = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET))
    with pytest.raises(JoseError) as refused:
        oidc_client.get_client().parse_id_token({"id_token": forged}, nonce=claims["nonce"])
    assert _reason(refused.value) == "invalid"


def test_an_expired_id_token_is_refused(client, city_login):
    city_login.add_user("noora")
    back = city_login.log_in(start_city_login(client), "noora")
    # The provider's ID tokens live 5 minutes; K-0 tolerates 1 minute of clock difference.
    with time_machine.travel(time.time() + 7 * 60):
        response = client.get(callback_path(back))
        assert message("clock") in shown(client, response)
        assert not logged_in(client)


def test_an_id_token_from_the_future_is_refused_as_clock_trouble(client, city_login, caplog):
    city_login.add_user("olli-o")
    back = city_login.log_in(start_city_login(client), "olli-o")
    with time_machine.travel(time.time() - 10 * 60):  # K-0's clock 10 minutes behind
        response = client.get(callback_path(back))
        assert message("clock") in shown(client, response)
    assert not logged_in(client)
    assert "reason=clock" in caplog.text


def test_clock_difference_within_the_leeway_is_accepted(client, city_login):
    city_login.add_user("pirkko")
    back = city_login.log_in(start_city_login(client), "pirkko")
    with time_machine.travel(time.time() - 30):
        assert client.get(callback_path(back)).url == "/"

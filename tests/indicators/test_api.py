"""The BI endpoint: bearer tokens only, refused when missing, wrong, revoked or expired;
every use logged; tokens created and revoked by an administrator."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from k0.indicators.models import ApiToken, ApiTokenUse, hash_token

from .conftest import SECRETS

URL = reverse("indicators:api")
QUERY = {"period": "school_year:2025", "by": "area"}


@pytest.fixture
def token(city, administrator):
    return ApiToken.issue(name="Power BI", created_by=administrator)


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_valid_token_gets_the_indicators_as_json(client, token):
    _token, raw = token

    response = client.get(URL, QUERY, **bearer(raw))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    document = response.json()
    assert document["breakdown"] == "area"
    assert document["period"]["label"] == "2025–2026"
    assert {"fi", "sv", "en"} <= set(document["note"])


def test_each_use_is_logged_with_token_time_and_what_was_asked(client, token):
    api_token, raw = token

    client.get(URL, QUERY, **bearer(raw))

    use = ApiTokenUse.objects.get()
    assert use.token == api_token
    assert use.used_at == timezone.now()
    assert use.query == "period=school_year%3A2025&by=area"
    assert use.status == 200
    api_token.refresh_from_db()
    assert api_token.last_used_at == timezone.now()


def test_missing_token_is_refused(client, token):
    response = client.get(URL, QUERY)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="k0-indicators"'
    assert not ApiTokenUse.objects.exists()


@pytest.mark.parametrize(
    "header",
    ["Bearer k0i_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "k0i_nothing", "Token abc"],
)
def test_wrong_token_is_refused(client, token, header):
    response = client.get(URL, QUERY, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert "data" not in response.json()


def test_token_in_the_query_string_is_not_accepted(client, token):
    _token, raw = token

    response = client.get(URL, {**QUERY, "token": raw, "access_token": raw})

    assert response.status_code == 401


def test_revoked_token_is_refused_and_the_attempt_logged(client, token):
    api_token, raw = token
    api_token.revoke()

    response = client.get(URL, QUERY, **bearer(raw))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert ApiTokenUse.objects.get().status == 401


def test_expired_token_is_refused(client, token):
    api_token, raw = token
    api_token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    api_token.save()

    assert client.get(URL, QUERY, **bearer(raw)).status_code == 401


def test_token_before_its_expiry_is_accepted(client, token):
    api_token, raw = token
    api_token.expires_at = timezone.now() + dt.timedelta(days=1)
    api_token.save()

    assert client.get(URL, QUERY, **bearer(raw)).status_code == 200


def test_a_logged_in_session_is_not_a_token(client, token, programme_office):
    client.force_login(programme_office)

    assert client.get(URL, QUERY).status_code == 401


def test_bad_parameters_are_a_400_with_the_errors(client, token):
    _token, raw = token

    response = client.get(URL, {"period": "range:2025"}, **bearer(raw))

    assert response.status_code == 400
    assert "period" in response.json()["errors"]
    assert ApiTokenUse.objects.get().status == 400


def test_only_a_hash_of_the_token_is_stored(token):
    api_token, raw = token

    assert api_token.token_hash == hash_token(raw) != raw
    assert raw.startswith("k0i_") and len(raw) > 40
    assert api_token.prefix == raw[:8]
    stored = ApiToken.objects.filter(pk=api_token.pk).values().get()
    assert raw not in [str(v) for v in stored.values()]


def test_endpoint_answers_get_only(client, token):
    _token, raw = token

    assert client.post(URL, QUERY, **bearer(raw)).status_code == 405


def test_no_name_or_case_reference_in_the_api_answer(client, token, no_suppression, city):
    _token, raw = token
    content = client.get(URL, QUERY, **bearer(raw)).content.decode()

    for secret in [*SECRETS, *(case.reference for case in city["cases"])]:
        assert secret not in content


# --- administration ----------------------------------------------------------------------------


def test_administrator_creates_a_token_and_sees_it_once(client, administrator, city):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:indicators_apitoken_add"), {"name": "Power BI", "expires_at_0": ""}
    )

    assert response.status_code == 200
    raw = re.search(r'value="(k0i_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(raw)
    assert token.created_by == administrator
    assert client.get(URL, QUERY, **bearer(raw)).status_code == 200
    change_page = client.get(reverse("admin:indicators_apitoken_change", args=[token.pk]))
    assert raw not in change_page.content.decode()


def test_administrator_revokes_tokens_from_the_list(client, administrator, token):
    api_token, raw = token
    client.force_login(administrator)

    client.post(
        reverse("admin:indicators_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [api_token.pk]},
    )

    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    assert client.get(URL, QUERY, **bearer(raw)).status_code == 401


def test_use_log_is_read_only_in_the_admin(client, administrator, token):
    _token, raw = token
    client.get(URL, QUERY, **bearer(raw))
    client.force_login(administrator)

    changelist = client.get(reverse("admin:indicators_apitokenuse_changelist"))
    use = ApiTokenUse.objects.get()

    assert changelist.status_code == 200
    assert client.get(reverse("admin:indicators_apitokenuse_add")).status_code == 403
    delete = reverse("admin:indicators_apitokenuse_delete", args=[use.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiTokenUse.objects.exists()


def test_log_keeps_only_the_known_parameters(client, token):
    _token, raw = token

    client.get(URL, {**QUERY, "token": raw, "note": "x"}, **bearer(raw))

    assert ApiTokenUse.objects.get().query == "period=school_year%3A2025&by=area"


def test_very_long_parameters_are_refused_without_a_crash(client, db):
    from k0.indicators.models import ApiToken

    _token, raw = ApiToken.issue(name="BI")
    response = client.get(
        "/indicators/api/v1/indicators/",
        {"period": "%" * 100, "by": "ä" * 100},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code in (400, 401)

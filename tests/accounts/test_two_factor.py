import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.accounts.models import EnrolmentCode
from tests.accounts.factories import PASSWORD


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_password_alone_opens_nothing_but_enrolment(client, team_member):
    password_login(client, team_member)
    response = client.get("/cases/")
    assert response.status_code == 302 and response.url == reverse("two_factor_verify")
    response = client.get(response.url)
    assert response.status_code == 302 and response.url == reverse("two_factor_setup")


def test_enrolment_shows_qr_and_needs_a_valid_code(client, team_member, settings):
    # django-otp slows retries after a wrong code; this test retries at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _code, raw = EnrolmentCode.issue(team_member)
    password_login(client, team_member)
    client.post(reverse("two_factor_setup"), {"code": raw})
    response = client.get(reverse("two_factor_setup"))
    body = response.content.decode()
    assert 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=team_member, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"),
        {"token": "000000" if code_for(device) != "000000" else "111111"},
    )
    assert response.status_code == 200
    assert client.get("/cases/").status_code == 302
    response = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cases/").status_code == 200


def test_every_role_needs_the_second_factor_and_a_code_cannot_be_reused(client, principal):
    device = TOTPDevice.objects.create(user=principal, name="K-0", confirmed=True)
    password_login(client, principal)
    assert client.get(reverse("cases:principal_overview")).status_code == 302
    code = code_for(device)
    response = client.post(reverse("two_factor_verify"), {"token": code})
    assert response.status_code == 302
    assert client.get(reverse("cases:principal_overview")).status_code == 200

    client.post(reverse("logout"))
    password_login(client, principal)
    response = client.post(reverse("two_factor_verify"), {"token": code})
    assert response.status_code == 200, "a used code must be refused"
    assert client.get(reverse("cases:principal_overview")).status_code == 302


def test_admin_requires_the_second_factor(client, administrator):
    password_login(client, administrator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert reverse("two_factor_verify") in response.url or "login" in response.url


def test_programme_office_is_held_at_the_second_factor(client, programme_office):
    password_login(client, programme_office)
    assert client.get(reverse("indicators:dashboard")).status_code == 302

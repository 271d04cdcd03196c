"""Two-factor enrolment needs a one-time code from an administrator; the admin never shows a
TOTP key or QR code."""

import datetime as dt
import time
from base64 import b32encode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

import k0.urls  # noqa: F401  (loaded with the test settings' two-factor off, as in test_login)
from k0.accounts.models import EnrolmentCode
from tests.accounts.factories import PASSWORD


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def setup_page(client):
    return client.get(reverse("two_factor_setup")).content.decode()


def enrol(client, user, raw):
    """Gives the enrolment code, then confirms with a code from the (new) device."""
    client.post(reverse("two_factor_setup"), {"code": raw})
    assert 'src="data:image/svg+xml' in setup_page(client)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(reverse("two_factor_setup"), {"token": code_for(device)}), device


def test_a_password_alone_shows_no_qr_code_and_says_whom_to_ask(client, team_member):
    password_login(client, team_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = setup_page(client)
    assert "ask your K-0 administrator for an enrolment code" in body
    assert 'name="code"' in body
    assert "data:image/svg+xml" not in body
    assert not TOTPDevice.objects.filter(user=team_member).exists()
    assert client.get("/cases/").status_code == 302


def test_an_administrators_code_enrols_the_phone_once(client, team_member, caplog):
    code, raw = EnrolmentCode.issue(team_member)
    password_login(client, team_member)
    response, device = enrol(client, team_member, raw)
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/cases/").status_code == 200
    code.refresh_from_db()
    assert code.used_at is not None
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "enrolment code issued" in logged and "enrolment code used" in logged
    assert raw not in logged and team_member.username not in logged

    # Lost phone: the administrator deletes the device; the old code does not work again.
    device.delete()
    client.post(reverse("logout"))
    password_login(client, team_member)
    response = client.post(reverse("two_factor_setup"), {"code": raw})
    assert response.status_code == 200
    assert "data:image/svg+xml" not in setup_page(client)


@pytest.mark.parametrize("case", ["mistyped", "another_users", "expired", "replaced"])
def test_a_code_that_is_not_valid_for_the_user_is_refused(client, team_member, principal, case):
    code, raw = EnrolmentCode.issue(team_member)
    if case == "mistyped":
        raw = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    elif case == "another_users":
        _code, raw = EnrolmentCode.issue(principal)
    elif case == "replaced":
        EnrolmentCode.issue(team_member)  # a new code revokes the earlier one
    elif case == "expired":
        code.expires_at = timezone.now() - dt.timedelta(seconds=1)
        code.save()
    password_login(client, team_member)
    response = client.post(reverse("two_factor_setup"), {"code": raw})
    assert response.status_code == 200
    assert "data:image/svg+xml" not in response.content.decode()
    assert "data:image/svg+xml" not in setup_page(client)
    assert not TOTPDevice.objects.filter(user=team_member).exists()


def test_the_code_may_be_typed_in_small_letters_and_without_dashes(client, team_member):
    _code, raw = EnrolmentCode.issue(team_member)
    password_login(client, team_member)
    response, _device = enrol(client, team_member, " " + raw.replace("-", "").lower())
    assert response.status_code == 302


def test_a_key_shown_before_the_code_is_never_the_one_enrolled(client, team_member):
    # A device left unconfirmed by the old first-come enrolment: whoever saw its QR code.
    old = TOTPDevice.objects.create(user=team_member, name="K-0", confirmed=False)
    _code, raw = EnrolmentCode.issue(team_member)
    password_login(client, team_member)
    _response, device = enrol(client, team_member, raw)
    assert device.pk != old.pk and device.key != old.key
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_a_code_used_in_another_session_meanwhile_enrols_nothing(client, team_member):
    code, raw = EnrolmentCode.issue(team_member)
    password_login(client, team_member)
    client.post(reverse("two_factor_setup"), {"code": raw})
    setup_page(client)
    device = TOTPDevice.objects.get(user=team_member, confirmed=False)
    assert code.redeem()  # the other session
    response = client.post(reverse("two_factor_setup"), {"token": code_for(device)})
    assert response.status_code == 302 and response.url == reverse("two_factor_setup")
    device.refresh_from_db()
    assert not device.confirmed
    assert "data:image/svg+xml" not in setup_page(client)


def test_only_a_hash_of_the_code_is_stored(team_member):
    code, raw = EnrolmentCode.issue(team_member)
    stored = EnrolmentCode.objects.filter(pk=code.pk).values().get()
    assert raw not in str(stored) and raw.replace("-", "") not in str(stored)
    assert code.expires_at - code.created_at == dt.timedelta(days=7)


def test_the_management_command_issues_and_prints_a_code(team_member, capsys):
    call_command("issue_enrolment_code", team_member.username)
    out = capsys.readouterr().out
    raw = out.split(": ")[1].split()[0]
    assert EnrolmentCode.find_valid(team_member, raw) is not None
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("issue_enrolment_code", team_member.username, "nobody")
    assert EnrolmentCode.objects.count() == 1


def test_the_admin_issues_codes_shown_once(client, administrator, team_member, principal, settings):
    settings.TWO_FACTOR_REQUIRED = False  # the admin behind it is tested in test_two_factor
    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "issue_enrolment_codes", "_selected_action": [team_member.pk, principal.pk]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    codes = EnrolmentCode.objects.all()
    assert {code.user for code in codes} == {team_member, principal}
    assert all(code.created_by == administrator for code in codes)
    raw = body.split('id="enrolment-codes"')[1].split("<code>")[1].split("</code>")[0]
    assert EnrolmentCode.find_valid(principal, raw) or EnrolmentCode.find_valid(team_member, raw)

    listing = client.get(reverse("admin:accounts_enrolmentcode_changelist"))
    assert listing.status_code == 200 and raw not in listing.content.decode()
    assert client.get(reverse("admin:accounts_enrolmentcode_add")).status_code == 403


def test_the_admin_lists_and_deletes_devices_but_never_shows_a_key(client, administrator, settings):
    settings.TWO_FACTOR_REQUIRED = False
    from tests.accounts.factories import UserFactory

    device = TOTPDevice.objects.create(user=UserFactory(), name="K-0", confirmed=True)
    secrets = (device.key, b32encode(device.bin_key).decode(), device.config_url)
    client.force_login(administrator)
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    change_url = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    page = client.get(change_url)
    assert page.status_code == 200
    for body in (listing.content.decode(), page.content.decode()):
        assert not any(secret in body for secret in secrets)
        assert "/config/" not in body and "/qrcode/" not in body
    for view in ("config", "qrcode"):
        # django-otp's own views are gone: the admin's catch-all sends these to the index.
        response = client.get(change_url.replace("/change/", f"/{view}/"), follow=True)
        assert response.redirect_chain and response["Content-Type"].startswith("text/html")
        assert not any(secret in response.content.decode() for secret in secrets)
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    assert client.post(change_url, {"key": "00" * 20}).status_code == 403

    response = client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()

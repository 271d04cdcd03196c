import logging
from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.languages import set_language_cookie

from .models import EnrolmentCode

log = logging.getLogger("k0.auth")


class LoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # With OIDC_LOCAL_LOGIN off, staff use the city log-in; a password is left only to
        # administrators, who must be able to get in when the city log-in is down.
        if not settings.OIDC_LOCAL_LOGIN and not user.is_staff:
            raise forms.ValidationError(
                _("Log in with your city account. Password log-in is only for administrators."),
                code="local_login_off",
            )


class LoginView(auth_views.LoginView):
    """Log-in with a K-0 password, and the way to the city log-in when it is configured."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["city_login"] = bool(settings.OIDC_ISSUER)
        context["local_login"] = settings.OIDC_LOCAL_LOGIN or not settings.OIDC_ISSUER
        return context

    def form_valid(self, form):
        return set_language_cookie(super().form_valid(form), form.get_user().language)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _safe_next(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        return next_url
    return reverse("home")


def two_factor_verify(request):
    """Second step of log-in: a code from the user's authenticator app."""
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=True).first()
    if device is None:
        return redirect("two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # verify_token refuses a code already used (the device remembers the last time step).
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            log.info("second factor verified user_id=%s", request.user.pk)
            return redirect(_safe_next(request))
        log.warning("second factor failed user_id=%s", request.user.pk)
        form.add_error("token", _("The code is wrong or already used. Wait for the next code."))
    return render(request, "registration/two_factor_verify.html", {"form": form})


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# The session remembers which enrolment code the user gave, between the code and the QR step.
ENROLMENT_CODE_KEY = "k0_enrolment_code"
_CODE_NOT_VALID = _(
    "This enrolment code is not valid: it is mistyped, expired or already used. "
    "Ask your K-0 administrator for a new one."
)


def two_factor_setup(request):
    """Enrols an authenticator app: an enrolment code from an administrator, then a QR code
    (and the key for typing in), then one code from the app.

    Without the enrolment code a password opens no QR code: someone who has learnt the
    password of a user without a phone yet cannot register their own.
    """
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        if not request.user.is_verified():
            return redirect("two_factor_verify")
        messages.info(request, _("Two-factor log-in is already in use."))
        return redirect("home")
    code_id = request.session.get(ENROLMENT_CODE_KEY)
    if code_id is None:
        return _enrolment_code_step(request)
    enrolment = EnrolmentCode.objects.valid().filter(pk=code_id, user=request.user).first()
    if enrolment is None:
        # Used from another session, revoked or expired since it was given.
        return _code_no_longer_valid(request)
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "K-0"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                if not enrolment.redeem():
                    return _code_no_longer_valid(request)
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            request.session.pop(ENROLMENT_CODE_KEY, None)
            otp_login(request, device)
            log.info("second factor enrolled user_id=%s", request.user.pk)
            messages.success(request, _("Two-factor log-in is now in use."))
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is wrong. Check the time on your phone and try again."))
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_data_uri": qr.svg_data_uri(scale=5, dark="#1a1a1a"),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "registration/two_factor_setup.html", context)


def _code_no_longer_valid(request):
    request.session.pop(ENROLMENT_CODE_KEY, None)
    messages.error(request, _CODE_NOT_VALID)
    return redirect("two_factor_setup")


def _enrolment_code_step(request):
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = EnrolmentCode.find_valid(request.user, form.cleaned_data["code"])
        if enrolment is not None:
            # A fresh key: one shown before, to whoever had the password, is never confirmed.
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            request.session[ENROLMENT_CODE_KEY] = enrolment.pk
            log.info("enrolment code accepted user_id=%s code_id=%s", request.user.pk, enrolment.pk)
            return redirect("two_factor_setup")
        log.warning("enrolment code refused user_id=%s", request.user.pk)
        form.add_error("code", _CODE_NOT_VALID)
    return render(request, "accounts/enrolment_code.html", {"form": form})

"""City log-in pages: start, callback (return from the provider) and log-out.

Every way a log-in can fail ends on the log-in page with a message the user understands, and
one log line with a reason code — never a token, a claim or an exception text, which may carry
personal data.
"""

from __future__ import annotations

import logging
import traceback

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError

from k0.languages import set_language_cookie

from . import client, services, session

log = logging.getLogger("k0.auth")

# What the user is told, by reason code (the code goes to the log).
MESSAGES = {
    "unavailable": _(
        "The city log-in service is not answering right now. Try again in a few minutes."
    ),
    "cancelled": _("The log-in was cancelled. You can log in again whenever you like."),
    "state": _("The log-in took too long or was started in another window. Please log in again."),
    "clock": _(
        "The log-in could not be confirmed because the clocks of K-0 and the city log-in "
        "service disagree. Try again; if it keeps happening, tell your K-0 administrator."
    ),
    "wrong_client": _(
        "The answer from the city log-in was meant for another service. Please log in again "
        "from K-0."
    ),
    "invalid": _(
        "The log-in could not be confirmed. Please try again; if it keeps failing, tell your "
        "K-0 administrator."
    ),
    "refused": _(
        "The city log-in service did not log you in. Please try again; if it keeps failing, "
        "tell your K-0 administrator."
    ),
    "weak": _(
        "K-0 needs strong authentication. Log in again and confirm the log-in with your "
        "second factor, for example the authenticator app on your phone."
    ),
    "inactive": _("Your K-0 user account is closed. Ask your K-0 administrator for access."),
    "session_ended": _("Your city log-in has ended. Please log in again."),
}

# Error codes of OAuth 2.0 and OpenID Connect that may be written to the log as they are;
# anything else a provider sends is logged as "other".
KNOWN_ERRORS = {
    "access_denied",
    "account_selection_required",
    "consent_required",
    "interaction_required",
    "invalid_client",
    "invalid_grant",
    "invalid_request",
    "invalid_scope",
    "login_required",
    "server_error",
    "temporarily_unavailable",
    "unauthorized_client",
    "unsupported_grant_type",
    "unsupported_response_type",
}
TIME_CLAIMS = {"exp", "iat", "nbf", "auth_time"}
# Claims that count only from the verified ID token, never from the user-info answer.
ID_TOKEN_ONLY = {*TIME_CLAIMS, "iss", "sub", "aud", "azp", "nonce", "amr", "acr"}


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 500
        return "unavailable" if status >= 500 else "invalid"
    if isinstance(exc, requests.RequestException):
        return "unavailable"
    if isinstance(exc, MismatchingStateError):
        return "state"
    if isinstance(exc, OAuthError):
        # The token endpoint refused the code: used already, issued to another client, or a
        # PKCE verifier that does not match.
        unavailable = exc.error in ("server_error", "temporarily_unavailable")
        return "unavailable" if unavailable else "invalid"
    if isinstance(exc, ExpiredTokenError):
        return "clock"
    if isinstance(exc, ClaimError):
        if exc.claim in TIME_CLAIMS:
            return "clock"
        if exc.claim in ("aud", "azp"):
            return "wrong_client"
        return "invalid"
    if isinstance(exc, (JoseError, client.IssuerMismatch, client.SubjectMismatch)):
        return "invalid"
    return "unexpected"


def _where(exc: Exception) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else "?"


def _fail(request, reason, *, exc=None, provider_error=None, end_session=False):
    detail = ""
    if provider_error is not None:
        detail = f" error={provider_error if provider_error in KNOWN_ERRORS else 'other'}"
    if exc is not None:
        # The class and place only: exception texts can quote tokens or claims.
        detail += f" exception={type(exc).__name__} at={_where(exc)}"
    level = logging.ERROR if reason == "unexpected" else logging.WARNING
    log.log(level, "city log-in refused reason=%s%s", reason, detail)
    if end_session:
        logout(request)
    messages.error(request, MESSAGES.get(reason, MESSAGES["invalid"]))
    return redirect("login")


def _safe_next(request) -> str:
    next_url = request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("home")


@login_not_required
@require_GET
def start(request):
    """Sends the browser to the provider's log-in: authorization code flow with PKCE.

    For a session that is already a city log-in this is the periodic confirmation: the
    provider answers at once (prompt=none), without showing a page.
    """
    if not client.enabled():
        raise Http404
    next_url = _safe_next(request)
    current = session.info(request) if request.user.is_authenticated else None
    params = {"ui_locales": get_language()}
    if current is not None:
        params.update(prompt="none", id_token_hint=current["id_token"])
    try:
        app = client.get_client()
        redirect_uri = request.build_absolute_uri(reverse("oidc_callback"))
        authorization = app.create_authorization_url(redirect_uri, **params)
    except Exception as exc:  # never a 500: the provider's trouble is not the user's fault
        return _fail(request, _reason(exc), exc=exc)
    app.save_authorize_data(request, redirect_uri=redirect_uri, **authorization)
    session.remember_flow(
        request, authorization["state"], next_url=next_url, recheck=current is not None
    )
    return HttpResponseRedirect(authorization["url"])


@login_not_required
@require_GET
def callback(request):
    """The provider's answer: checks it, finds or creates the user, logs them in."""
    if not client.enabled():
        raise Http404
    state = request.GET.get("state", "")
    flow = session.take_flow(request, state)
    recheck = bool(flow and flow["recheck"])
    error = request.GET.get("error")
    if flow is None:
        # Not started in this browser session, or already used: a replay, a stale tab, or a
        # link made elsewhere (which must not log anyone out either).
        return _fail(request, "state", provider_error=error)
    if error:
        client.get_client().framework.clear_state_data(request.session, state)
        if recheck:
            # The provider no longer vouches for the session (e.g. the user was deactivated).
            return _fail(request, "session_ended", provider_error=error, end_session=True)
        if error == "access_denied":
            reason = "cancelled"
        elif error in ("server_error", "temporarily_unavailable"):
            reason = "unavailable"
        else:
            reason = "refused"
        return _fail(request, reason, provider_error=error)
    try:
        app = client.get_client()
        # State, PKCE verifier, code exchange, and the ID token's signature and claims.
        token = app.authorize_access_token(request, leeway=client.LEEWAY)
        claims = dict(token["userinfo"])
        _add_userinfo(app, token, claims)
    except Exception as exc:  # never a 500: each failure has its message
        return _fail(request, _reason(exc), exc=exc, end_session=recheck)

    issuer = claims["iss"]
    subject = claims.get(settings.OIDC_SUBJECT_CLAIM)
    if not isinstance(subject, str) or not subject:
        return _fail(request, "invalid", end_session=recheck)
    strong = services.is_strong(claims)
    if not strong and settings.OIDC_WEAK_LOGIN == "refuse":
        return _fail(request, "weak", end_session=recheck)

    if recheck:
        current = session.info(request)
        if (
            not request.user.is_authenticated
            or current is None
            or (current["issuer"], current["subject"]) != (issuer, subject)
        ):
            return _fail(request, "session_ended", end_session=True)
    user = services.user_for_login(issuer=issuer, subject=subject, claims=claims)
    if not user.is_active:
        return _fail(request, "inactive", end_session=recheck)
    if recheck:
        session.confirm(request, id_token=token["id_token"])
        log.info("city log-in confirmed user_id=%s", user.pk)
        return redirect(flow["next"])

    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    session.start(
        request, issuer=issuer, subject=subject, id_token=token["id_token"], strong=strong
    )
    log.info("city log-in user_id=%s strong=%s", user.pk, strong)
    return set_language_cookie(redirect(flow["next"]), user.language)


def _add_userinfo(app, token, claims) -> None:
    """Fills in profile claims the ID token left out from the user-info endpoint.

    Some providers put only `sub` in the ID token and the rest behind the user-info endpoint.
    The answer must be about the same subject; it never replaces what the ID token says, and
    who the user is and how they authenticated are taken from the ID token only.
    """
    wanted = {settings.OIDC_EMAIL_CLAIM, "name"}
    if settings.OIDC_GROUP_MAPPING:
        wanted.add(settings.OIDC_GROUPS_CLAIM)
    if wanted <= claims.keys() or not app.load_server_metadata().get("userinfo_endpoint"):
        return
    userinfo = app.userinfo(token=token)
    if userinfo.get("sub") != claims["sub"]:
        raise client.SubjectMismatch()
    from_id_token_only = ID_TOKEN_ONLY | {settings.OIDC_SUBJECT_CLAIM}
    for name, value in userinfo.items():
        if name not in claims and name not in from_id_token_only:
            claims[name] = value


class LogoutView(auth_views.LogoutView):
    """Log-out. A city log-in session is ended at the provider too (RP-initiated logout):
    the browser goes to the provider's end-session page and comes back to the log-in page."""

    def post(self, request, *args, **kwargs):
        current = session.info(request)
        end_session_url = None
        if current is not None and client.enabled():
            try:
                end_session_url = (
                    client.get_client()
                    .create_logout_url(
                        post_logout_redirect_uri=request.build_absolute_uri(reverse("login")),
                        id_token_hint=current["id_token"],
                        client_id=settings.OIDC_CLIENT_ID,
                        ui_locales=get_language(),
                    )
                    .get("url")
                )
            except Exception as exc:
                log.warning(
                    "city log-out not passed on to the provider exception=%s", type(exc).__name__
                )
        response = super().post(request, *args, **kwargs)
        if current is None:
            return response
        if end_session_url is None:
            messages.warning(
                request,
                _(
                    "You are logged out of K-0, but the city log-in service did not answer. "
                    "Close the browser to end your city log-in too."
                ),
            )
            return response
        messages.success(request, _("You are logged out of K-0 and of the city log-in."))
        return HttpResponseRedirect(end_session_url)

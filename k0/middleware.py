import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django_htmx.http import HttpResponseClientRedirect

LOGIN_AT_KEY = "k0_login_at"
LAST_ACTIVITY_KEY = "k0_last_activity"
# Sent by the page's own background requests (htmx polling of "My work" and of a job's
# status: `hx-headers` on the polling element). Such a request is not the user's activity.
BACKGROUND_HEADER = "K0-Background"


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "poll"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _to_login(request):
    """Where a request goes when its session has ended: the log-in page, the whole page."""
    if _is_htmx(request):
        # A redirect would be followed inside the XHR and the log-in page swapped into a
        # fragment, leaving the rest of the page about children on the screen.
        return HttpResponseClientRedirect(resolve_url(settings.LOGIN_URL))
    return redirect_to_login(request.get_full_path())


class NoStoreMiddleware:
    """Keeps authenticated pages out of caches and ends idle and over-age sessions.

    School computers are shared: a page about a child must not come back from the browser's
    cache after log-out, a session left open must end after SESSION_IDLE_MINUTES without
    the user doing anything (background polls do not count), and a session opened in the
    morning must not last the week (SESSION_ABSOLUTE_LIMIT).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = time.time()
            started = session.get(LOGIN_AT_KEY)
            last = session.get(LAST_ACTIVITY_KEY)
            if started is None:
                session[LOGIN_AT_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIMIT.total_seconds() or (
                last is not None and now - last > settings.SESSION_IDLE_MINUTES * 60
            ):
                logout(request)
                return _to_login(request)
            if last is None or not is_background(request):
                # Also what saves the session (SESSION_SAVE_EVERY_REQUEST is off), renewing
                # its stored expiry; a background request leaves both as they were.
                session[LAST_ACTIVITY_KEY] = now
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        elif (
            _is_htmx(request)
            and response.status_code == 302
            and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
        ):
            # The stored session expired (LoginRequiredMiddleware answered): same as above.
            return _to_login(request)
        return response


# Pages a logged-in user may reach before the second factor: the factor pages themselves and
# what they link to.
_BEFORE_SECOND_FACTOR = {
    "two_factor_verify",
    "two_factor_setup",
    "logout",
    "set_language",
    "accessibility",
    "health",
    # The city log-in's own pages: a session confirmed there with strong authentication
    # needs no local code (k0.accounts.oidc.models.ProviderDevice marks it verified).
    "oidc_login",
    "oidc_callback",
}


class RequireTwoFactorMiddleware:
    """With TWO_FACTOR_REQUIRED, a password alone opens nothing but the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.TWO_FACTOR_REQUIRED:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match and match.url_name in _BEFORE_SECOND_FACTOR:
            return None
        if request.path.startswith(settings.STATIC_URL):
            return None
        return redirect("two_factor_verify")


class ServerTimingMiddleware:
    """With SERVER_TIMING=true, each answer says how long the app worked on it and how much of
    that was the database (`Server-Timing: app;dur=…, db;dur=…`, milliseconds). The load test
    reads it to tell database time, Python time and time spent waiting for a free worker apart.
    Off by default: the header shows internals that production browsers do not need."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.db import connection

        spent = [0.0]

        def timed(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - start

        start = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        app = (time.perf_counter() - start) * 1000
        response["Server-Timing"] = f"app;dur={app:.1f}, db;dur={spent[0] * 1000:.1f}"
        return response

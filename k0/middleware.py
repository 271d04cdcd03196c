import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

LOGIN_AT_KEY = "k0_login_at"


class NoStoreMiddleware:
    """Keeps authenticated pages out of caches and ends sessions past the absolute limit.

    School computers are shared: a page about a child must not come back from the browser's
    cache after log-out, and a session left open in the morning must not last the week.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_AT_KEY)
            now = time.time()
            if started is None:
                request.session[LOGIN_AT_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIMIT.total_seconds():
                logout(request)
                return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
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

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect

_LOGIN_AT = "k0_login_at"


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
            started = request.session.get(_LOGIN_AT)
            now = time.time()
            if started is None:
                request.session[_LOGIN_AT] = now
            elif now - started > settings.SESSION_ABSOLUTE_LIMIT.total_seconds():
                logout(request)
                return redirect(settings.LOGIN_URL)
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store"
        return response

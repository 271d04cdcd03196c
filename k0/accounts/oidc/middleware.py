"""Keeps a city log-in session no longer than the provider vouches for it."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect

from . import client, session

# The log-in flow itself, log-out, and pages without personal data are never held up.
_EXEMPT = {"oidc_login", "oidc_callback", "logout", "login", "health", "set_language"}


class ProviderSessionMiddleware:
    """Confirms a city log-in session at the provider every OIDC_RECHECK_MINUTES.

    The confirmation is a round trip of the browser through the provider with prompt=none:
    if the user is deactivated there, or has logged out of the city log-in, the provider
    answers login_required and the K-0 session ends. Only page loads make the trip (a form
    being filled in is never interrupted; an htmx request is turned into a page load of the
    page it came from). A session that has gone twice the interval without confirmation ends
    at its next request of any kind.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not client.enabled():
            return None
        current = session.info(request)
        if current is None or request.path.startswith(settings.STATIC_URL):
            return None
        match = request.resolver_match
        if match and match.url_name in _EXEMPT:
            return None
        htmx = getattr(request, "htmx", False)
        if session.past_deadline(current):
            logout(request)
            messages.error(request, _("Your city log-in has ended. Please log in again."))
            login_url = reverse("login")
            return HttpResponseClientRedirect(login_url) if htmx else redirect(login_url)
        if not session.recheck_due(current) or request.method != "GET":
            return None
        if htmx:
            here = htmx.current_url_abs_path or reverse("home")
            return HttpResponseClientRedirect(_start_url(here))
        return redirect(_start_url(request.get_full_path()))


def _start_url(next_url):
    return f"{reverse('oidc_login')}?{urlencode({'next': next_url})}"

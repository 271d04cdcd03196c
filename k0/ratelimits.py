"""Rate limits: how often one client address, user or API token may ask for costly work.

Each limit counts per key and answers past it:

- `login`: per client address, RATE_LIMIT_LOGIN_PER_MINUTE (20) log-in attempts; 429 page.
- `password_reset`: per client address, RATE_LIMIT_PASSWORD_RESET_PER_HOUR (5); 429 page.
- `password_reset_email`: per account, RATE_LIMIT_RESET_EMAILS_PER_HOUR (3) e-mails; past
  it no e-mail and the usual answer (k0/accounts/password_reset.py says why).
- `jobs`: per user, RATE_LIMIT_JOBS_PER_HOUR (30) PDFs, calendar files and indicator
  exports together; 429 page.
- `api`: per indicator API token, RATE_LIMIT_API_PER_MINUTE (30); 429 JSON.

django-ratelimit counts requests in fixed windows (an hour, a minute) in the default cache
(CACHE_URL). The cache must be one that every web process shares, or each process would
allow the limit again: Redis in production, a file cache under var/cache in the embedded
set-up (shared by the processes of one machine). Keys are hashes, so client addresses and
user ids are not stored in the cache as such. The 429 answer carries Retry-After: the
seconds until the window ends.

A cache that cannot be reached lets requests through (logged): the limits guard against
abuse, and the team must not lose the application when Redis is down.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core import checks
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    setting: str  # how many requests a window allows
    window: int  # seconds


LIMITS = {
    "login": Limit("RATE_LIMIT_LOGIN_PER_MINUTE", 60),
    "password_reset": Limit("RATE_LIMIT_PASSWORD_RESET_PER_HOUR", 3600),
    "password_reset_email": Limit("RATE_LIMIT_RESET_EMAILS_PER_HOUR", 3600),
    "jobs": Limit("RATE_LIMIT_JOBS_PER_HOUR", 3600),
    "api": Limit("RATE_LIMIT_API_PER_MINUTE", 60),
}


def client_address(request) -> str:
    """The client's address as django-axes sees it, so that its proxy settings apply here
    too (the lock-out and these limits count the same client)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR") or "unknown"


def by_address(request) -> str:
    """The client address to count: an IPv6 client is its /64 network, since one client
    usually holds a whole /64 and could otherwise change address at every request."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def by_user(request) -> str:
    return str(request.user.pk)


def hit(request, group: str, value: str) -> int | None:
    """Counts one request of `group` for `value` (an address, a user or token id).

    Returns None while within the limit, else the seconds until the window ends.
    """
    limit = LIMITS[group]
    rate = (getattr(settings, limit.setting), limit.window)
    try:
        usage = get_usage(
            request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
        )
    except (OSError, RedisError) as error:
        logger.warning("Rate limit %s not checked: cache error %s", group, type(error).__name__)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def too_many_requests(request, wait: int) -> HttpResponse:
    """The 429 page, in the user's language, with Retry-After."""
    minutes = math.ceil(wait / 60)
    message = ngettext(
        "Too many requests in a short time. Please try again in %(minutes)s minute.",
        "Too many requests in a short time. Please try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def too_many_requests_json(wait: int) -> JsonResponse:
    """The 429 answer of the API: machine-readable, with Retry-After."""
    response = JsonResponse({"error": "rate_limited", "retry_after": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def refuse_if_limited(request, group: str, value: str) -> HttpResponse | None:
    """For a view that counts after its own checks: the 429 page, or None to go on."""
    wait = hit(request, group, value)
    return None if wait is None else too_many_requests(request, wait)


def rate_limited(group: str, *, key=by_user, methods=("POST",)):
    """View decorator: counts requests with one of `methods` per `key(request)` and answers
    429 past the limit. Put it inside the access checks, so refused requests are not counted
    against the limit and an outsider still gets the refusal."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                refused = refuse_if_limited(request, group, key(request))
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


NOT_SHARED = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs=None, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in NOT_SHARED:
        return [
            checks.Warning(
                f"CACHE_URL gives {backend.rsplit('.', 1)[-1]}: each process counts the rate "
                "limits on its own, so the limits do not hold.",
                hint="Set CACHE_URL to Redis (redis://host:6379/1), or leave it unset for "
                "the file cache under var/cache on a single machine.",
                id="k0.W101",
            )
        ]
    return []

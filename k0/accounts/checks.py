"""Deployment checks of the log-in and exposure settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_in_production(app_configs=None, **kwargs):
    if settings.DEBUG or settings.TWO_FACTOR_REQUIRED:
        return []
    return [
        Warning(
            "Two-factor log-in is off (TWO_FACTOR_REQUIRED=false) with DEBUG=false: a password "
            "alone opens records about children.",
            hint="Unset TWO_FACTOR_REQUIRED or set it to true in production.",
            id="accounts.W001",
        )
    ]


@register(Tags.security, deploy=True)
def proxy_count_behind_a_proxy(app_configs=None, **kwargs):
    if settings.DEBUG or not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return []
    if settings.TRUSTED_PROXY_COUNT:
        return []
    return [
        Warning(
            "SECURE_PROXY_SSL_HEADER says the app is behind a proxy, but AXES_PROXY_COUNT is 0: "
            "every client then has the proxy's address, and failed log-ins from anyone lock a "
            "user out for everyone.",
            hint="Set AXES_PROXY_COUNT to the number of proxies in front of the app.",
            id="accounts.W002",
        )
    ]


@register(Tags.security, deploy=True)
def server_timing_in_production(app_configs=None, **kwargs):
    if settings.DEBUG or "k0.middleware.ServerTimingMiddleware" not in settings.MIDDLEWARE:
        return []
    return [
        Warning(
            "SERVER_TIMING is on with DEBUG=false: every answer tells anyone how long the app "
            "and its database worked on it.",
            hint="SERVER_TIMING is for load tests (bin/loadtest); leave it off in production.",
            id="accounts.W003",
        )
    ]

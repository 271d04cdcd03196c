"""What a K-0 session keeps of a city log-in, and when it must be confirmed again.

The ID token is kept (server-side, in the session table) only to name the session when asking
the provider to confirm it (`id_token_hint`) and to end it (RP-initiated logout). A session
is confirmed at the provider without user interaction (prompt=none) every
OIDC_RECHECK_MINUTES; one that has gone twice that long unconfirmed ends, so a user
deactivated at the provider cannot keep a K-0 session.
"""

from __future__ import annotations

import time

from django.conf import settings
from django_otp import login as otp_login

from .models import ProviderDevice

SESSION_KEY = "k0_oidc"
# Authorization requests under way, by state: where to return and whether it re-checks.
FLOWS_KEY = "k0_oidc_flows"
MAX_FLOWS = 10


def start(request, *, issuer: str, subject: str, id_token: str, strong: bool) -> None:
    """Marks a freshly logged-in session as a city log-in (after `auth.login`)."""
    request.session[SESSION_KEY] = {
        "issuer": issuer,
        "subject": subject,
        "id_token": id_token,
        "confirmed_at": time.time(),
    }
    if strong:
        device, _ = ProviderDevice.objects.get_or_create(
            user=request.user, defaults={"name": "City log-in"}
        )
        otp_login(request, device)


def confirm(request, *, id_token: str) -> None:
    """The provider confirmed the session again."""
    info = dict(request.session[SESSION_KEY])
    info.update(id_token=id_token, confirmed_at=time.time())
    request.session[SESSION_KEY] = info


def info(request) -> dict | None:
    session = getattr(request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def _age(info: dict) -> float:
    return time.time() - info["confirmed_at"]


def recheck_due(info: dict) -> bool:
    return _age(info) >= settings.OIDC_RECHECK_MINUTES * 60


def past_deadline(info: dict) -> bool:
    return _age(info) >= 2 * settings.OIDC_RECHECK_MINUTES * 60


def remember_flow(request, state: str, *, next_url: str, recheck: bool) -> None:
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flows[state] = {"next": next_url, "recheck": recheck, "at": time.time()}
    # Keep the newest few (several tabs may each start a log-in).
    newest = sorted(flows.items(), key=lambda item: item[1]["at"])[-MAX_FLOWS:]
    request.session[FLOWS_KEY] = dict(newest)


def take_flow(request, state: str) -> dict | None:
    """The flow started with `state`, removed so that it cannot be used twice."""
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    return flow

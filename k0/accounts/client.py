"""The client's address, for the log-in lock-out (django-axes' AXES_CLIENT_IP_CALLABLE).

Lock-outs are per username and address, so the address must be the client's own and not one
the client can choose:

- No proxy (`AXES_PROXY_COUNT=0`): the connection's address (REMOTE_ADDR). X-Forwarded-For
  is ignored, since without a proxy the client writes it.
- Behind N trusted proxies, each appending the address it received the request from to
  X-Forwarded-For (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`):
  the N-th entry from the right, written by the outermost proxy. Entries further left were
  sent by the client and are ignored, and the nearest proxy's own address (REMOTE_ADDR) is
  never taken for the client's, so one client's failures cannot lock a user out for everyone.

django-ipware reads the header. It counts the proxies listed *in* the header after the client,
which is one fewer than the proxies in front of the app (the nearest one is REMOTE_ADDR), and
its non-strict mode accepts a header with more entries than that (the client's own in front).
"""

from django.conf import settings
from ipware import get_client_ip


def client_address(request) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if not proxies:
        return remote
    address, _routable = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    # A request that did not come through the proxies (no or too short a header): its own
    # connection address.
    return address or remote

"""Authentication events go to the application log, without personal data.

The username is personal data, so log lines name the user by id only; failed attempts
(where no user id is known) are logged without the typed username.
"""

import logging
import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from k0.middleware import LOGIN_AT_KEY

log = logging.getLogger("k0.auth")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log.info("login succeeded user_id=%s", user.pk)
    if request is not None and hasattr(request, "session"):
        # Start of the 12-hour absolute session limit (k0.middleware.NoStoreMiddleware).
        request.session[LOGIN_AT_KEY] = time.time()


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout user_id=%s", getattr(user, "pk", None))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed")


@receiver(user_locked_out)
def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    log.warning("login locked out after repeated failures")

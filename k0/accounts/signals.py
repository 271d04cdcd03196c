"""Authentication events go to the application log, without personal data.

The username is personal data, so log lines name the user by id only; failed attempts
(where no user id is known) are logged without the typed username.
"""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

log = logging.getLogger("k0.auth")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    log.info("login succeeded user_id=%s", user.pk)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    log.info("logout user_id=%s", getattr(user, "pk", None))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning("login failed")

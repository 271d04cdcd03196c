"""Password reset with limits that neither reveal accounts nor lock their owners out.

Requests are limited per client address (k0.ratelimits, group `password_reset`), whether or
not the address belongs to an account. Each account also gets at most
RATE_LIMIT_RESET_EMAILS_PER_HOUR e-mails an hour (`password_reset_email`), however many
addresses ask: past that, the request is answered exactly as any other ("if it belongs to a
user, we send a link") and no e-mail is sent. So someone who knows a colleague's address can
neither flood their inbox nor learn whether the account exists; and they cannot keep the
owner from resetting either: the links already sent stay valid (PASSWORD_RESET_TIMEOUT), and
a new one can be asked for within the hour.
"""

from __future__ import annotations

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm

from k0 import ratelimits

logger = logging.getLogger("k0.auth")


class LimitedPasswordResetForm(PasswordResetForm):
    request = None

    def save(self, *args, request=None, **kwargs):
        self.request = request
        return super().save(*args, request=request, **kwargs)

    def get_users(self, email):
        for user in super().get_users(email):
            if ratelimits.hit(self.request, "password_reset_email", str(user.pk)) is None:
                yield user
            else:
                logger.info("Password reset e-mail to user %s held back: limit reached.", user.pk)


password_reset = ratelimits.rate_limited("password_reset", key=ratelimits.by_address)(
    auth_views.PasswordResetView.as_view(form_class=LimitedPasswordResetForm)
)

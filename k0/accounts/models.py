from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("k0.auth")


class User(AbstractUser):
    """A member of staff. Children and guardians are never users; they are case parties."""

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="fi",
        help_text=_("Language of e-mails and documents sent to this user."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username


# --- Two-factor enrolment codes ---------------------------------------------------------------
# Letters and digits that cannot be mistaken for each other when read out or typed (no I, O,
# 0, 1): 12 of them are 60 bits, far beyond guessing while the code is valid.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 12


def normalise_code(raw: str) -> str:
    """The code as typed, without spaces and dashes, in capitals."""
    return "".join(raw.split()).replace("-", "").upper()


def hash_code(raw: str) -> str:
    return hashlib.sha256(normalise_code(raw).encode()).hexdigest()


class EnrolmentCodeQuerySet(models.QuerySet):
    def valid(self):
        """Codes not used, not revoked and not expired."""
        return self.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class EnrolmentCode(models.Model):
    """A one-time code with which a user enrols their phone for two-factor log-in.

    An administrator issues it (admin action or `manage.py issue_enrolment_code`) and gives
    it to the user; without one, knowing a password is not enough to register a phone of
    one's own. Only a SHA-256 hash is stored: the code is shown once, when issued. The rows
    stay as the record of who issued which code to whom and when it was used.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolment_codes",
        verbose_name=_("user"),
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("two-factor enrolment code")
        verbose_name_plural = _("two-factor enrolment codes")
        default_permissions = ("add", "view")

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    @transaction.atomic
    def issue(cls, user, *, created_by=None) -> tuple[EnrolmentCode, str]:
        """A new code for `user` (earlier unused ones are revoked); returns it with the code
        itself, which is not stored."""
        now = timezone.now()
        cls.objects.valid().filter(user=user).update(revoked_at=now)
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        code = cls.objects.create(
            user=user,
            code_hash=hash_code(raw),
            created_by=created_by,
            created_at=now,
            expires_at=now + timedelta(days=settings.ENROLMENT_CODE_DAYS),
        )
        log.info(
            "enrolment code issued user_id=%s code_id=%s by_user_id=%s",
            user.pk,
            code.pk,
            getattr(created_by, "pk", None),
        )
        return code, "-".join(raw[i : i + 4] for i in range(0, _CODE_LENGTH, 4))

    @classmethod
    def find_valid(cls, user, raw: str) -> EnrolmentCode | None:
        """The user's valid code with this value, or None."""
        if not normalise_code(raw or ""):
            return None
        return cls.objects.valid().filter(user=user, code_hash=hash_code(raw)).first()

    @property
    def is_valid(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    def redeem(self) -> bool:
        """Marks the code used; False if it was used, revoked or expired meanwhile."""
        used = type(self).objects.valid().filter(pk=self.pk).update(used_at=timezone.now())
        if used:
            log.info("enrolment code used user_id=%s code_id=%s", self.user_id, self.pk)
        return bool(used)

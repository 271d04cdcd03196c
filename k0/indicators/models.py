"""Access tokens for BI tools (e.g. Power BI) reading the indicator endpoint.

Only a SHA-256 hash of a token is stored: the token is shown once, when an administrator
creates it, so a copy of the database (or of a backup) does not hand out access. Tokens are
long random strings, so a plain fast hash is enough; a slow password hash is for guessable
secrets. Every request made with a known token is logged (`ApiTokenUse`).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "k0i_"  # recognisable by secret scanners and in logs


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("Who or what uses the token, e.g. “Power BI, city reports”."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so an administrator can tell tokens apart without the secret.
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("Leave empty for no expiry.")
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("indicator API token")
        verbose_name_plural = _("indicator API tokens")
        default_permissions = ("add", "change", "view")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, created_by=None, expires_at=None) -> tuple[ApiToken, str]:
        """Creates a token; returns it with the raw secret, which is never stored."""
        token = cls(name=name, created_by=created_by, expires_at=expires_at)
        raw = token.set_new_secret()
        token.save()
        return token, raw

    def set_new_secret(self) -> str:
        """Gives an unsaved token its secret; returns the secret, which is not kept."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(raw)
        self.prefix = raw[: len(TOKEN_PREFIX) + 4]
        return raw

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """The token with this secret, usable or not (a refused use is logged too)."""
        if not raw:
            return None
        return cls.objects.filter(token_hash=hash_token(raw)).first()

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class ApiTokenUse(models.Model):
    """One request made with a known token: which token, when, what it asked, the answer."""

    token = models.ForeignKey(
        ApiToken, on_delete=models.CASCADE, related_name="uses", verbose_name=_("token")
    )
    used_at = models.DateTimeField(_("used"), default=timezone.now, db_index=True)
    query = models.CharField(_("what was asked"), max_length=300, blank=True)
    status = models.PositiveSmallIntegerField(_("answer (HTTP status)"))

    class Meta:
        ordering = ["-used_at", "-pk"]
        verbose_name = _("indicator API token use")
        verbose_name_plural = _("indicator API token uses")
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.token} {self.used_at:%Y-%m-%d %H:%M} {self.status}"


class IndicatorSnapshot(models.Model):
    """The counts of one ended period, frozen the first time the period is published.

    Published figures must not change afterwards: a case reopened, edited or closed again
    later would otherwise rewrite a year the programme office has already reported, and two
    readings of the same year could be subtracted. The snapshot holds the raw counts of every
    population by the finest group (area, school kind, grade band), the areas as they were,
    the days to closure and the resolved outcomes: everything a page, chart, export, PDF or
    the API shows, for every breakdown. Disclosure control is applied when the figures are
    shown, so every output of a period hides the same numbers under the current rules; the
    pattern it hid is kept alongside (`patterns`), used only under the same rules, threshold
    and numbers, so a page of a frozen period reads it instead of running the suppression.

    One snapshot serves all breakdowns of a period: breakdowns frozen at different moments
    would carry different city rows, and their difference would show the cases in between.
    Only counts are stored, no case or person: retention and erasure leave snapshots alone.
    """

    period_kind = models.CharField(_("kind of period"), max_length=20)
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    definitions_version = models.PositiveSmallIntegerField(_("version of the definitions"))
    counts = models.JSONField(_("counts"), editable=False)
    # What the disclosure control hid, per family, under the rules and threshold in each
    # key (`report.Patterns`): a derived cache, recomputed wherever it does not apply.
    patterns = models.JSONField(_("hidden numbers"), default=dict, editable=False)
    frozen_at = models.DateTimeField(_("frozen"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-period_start", "period_end"]
        verbose_name = _("frozen indicator figures")
        verbose_name_plural = _("frozen indicator figures")
        default_permissions = ("view",)
        constraints = [
            # Two first viewers at once: one insert wins, the other reads the winner's.
            models.UniqueConstraint(
                fields=["period_start", "period_end", "definitions_version"],
                name="indicator_snapshot_once_per_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="indicator_snapshot_start_before_end",
            ),
        ]

    def __str__(self):
        return f"{self.period_start.isoformat()} – {self.period_end.isoformat()}"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from schools.models import Membership, Role, School

# Roles a provider group may grant. Programme office (city-wide indicators) and administrator
# rights are never granted by a group: an administrator gives them by hand.
MAPPABLE_ROLES = (Role.TEAM_MEMBER, Role.COORDINATOR, Role.PRINCIPAL)


class Identity(models.Model):
    """A user's account at the city's identity provider.

    A user is found by the provider's stable subject (`sub`, or `oid` in Entra ID) within one
    issuer, never by e-mail: an address can be reused or changed, a subject cannot.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oidc_identities",
        verbose_name=_("user"),
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("first log-in"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last log-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("city log-in identity")
        verbose_name_plural = _("city log-in identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")
        ]

    def __str__(self):
        return str(self.user)


class GroupMapping(models.Model):
    """One row of the group mapping table: members of a provider group get a role in a school.

    Used only when OIDC_GROUP_MAPPING is on. Memberships made from this table are marked
    (`MappedMembership`) and taken away again when the user is no longer in the group;
    memberships an administrator gave by hand are never touched.
    """

    group = models.CharField(
        _("provider group"),
        max_length=255,
        help_text=_(
            "The group exactly as the identity provider sends it in the groups claim "
            "(in Entra ID, the group's object ID)."
        ),
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("school")
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=[(role.value, role.label) for role in MAPPABLE_ROLES],
    )

    class Meta:
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["group", "school__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "school", "role"], name="oidc_group_mapping_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[role.value for role in MAPPABLE_ROLES]),
                name="oidc_group_mapping_school_roles_only",
                violation_error_message=_("A group can only give a role in a school."),
            ),
        ]

    def __str__(self):
        return f"{self.group} → {self.get_role_display()}, {self.school}"


class MappedMembership(models.Model):
    """Marks a school membership that the group mapping made (and may take away again)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="provider_grant"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership from a provider group")
        verbose_name_plural = _("memberships from provider groups")


class ProviderDevice(Device):
    """The provider's strong authentication, as django-otp sees it.

    When a city log-in carries strong authentication (OIDC_STRONG_AMR / OIDC_STRONG_ACR), the
    session is marked verified with this device, so every check of the second factor — the
    two-factor middleware and the OTP admin site alike — accepts it without a local TOTP code.
    It has no codes of its own: `verify_token` always refuses.
    """

    class Meta:
        verbose_name = _("city log-in strong authentication")
        verbose_name_plural = _("city log-in strong authentication")

    def verify_token(self, token):
        return False

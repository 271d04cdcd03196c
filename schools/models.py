from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Area(models.Model):
    """A district or region of the city (alue), used to group statistics."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # Helsinki's districts have Swedish names too (Eteläinen – Södra); shown in Swedish.
    name_sv = models.CharField(_("name in Swedish"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page: Swedish where the city has one."""
        return self.name_sv if self.name_sv and _in_swedish() else self.name


def _in_swedish() -> bool:
    return (get_language() or "").startswith("sv")


def localized_area_names(areas: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(id, name) pairs with the Swedish names on a Swedish page (one query, only then);
    an area without one keeps its name."""
    if not areas or not _in_swedish():
        return areas
    swedish = dict(
        Area.objects.filter(pk__in=[pk for pk, _name in areas])
        .exclude(name_sv="")
        .values_list("pk", "name_sv")
    )
    return [(pk, swedish.get(pk, name)) for pk, name in areas]


class SchoolKind(models.TextChoices):
    DAYCARE = "daycare", _("Daycare")
    PRIMARY = "primary", _("Primary school (grades 1–6)")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school (grades 7–9)")
    UNIFIED = "unified", _("Unified school (grades 1–9)")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary or vocational")


class School(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="schools", verbose_name=_("area")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SchoolKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    TEAM_MEMBER = "team_member", _("K-0 team member")
    PRINCIPAL = "principal", _("Principal")
    COORDINATOR = "coordinator", _("K-0 coordinator")
    PROGRAMME_OFFICE = "programme_office", _("Programme office")


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(user__is_active=True).filter(
            Q(school__isnull=True) | Q(school__is_active=True)
        )


class Membership(models.Model):
    """A user's role, in one school or (programme office) city-wide.

    A user may hold several: a teacher on two schools' K-0 teams, or a coordinator serving
    many schools has one membership per school.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name=_("school"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["role", "school__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(role=Role.PROGRAMME_OFFICE, school__isnull=True))
                | (~Q(role=Role.PROGRAMME_OFFICE) & Q(school__isnull=False)),
                name="membership_school_matches_role",
                violation_error_message=_(
                    "Programme office memberships have no school; every other role needs one."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_per_school"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(school__isnull=True),
                name="membership_unique_citywide",
            ),
        ]

    def __str__(self):
        where = self.school or _("city-wide")
        return f"{self.user} – {self.get_role_display()} – {where}"

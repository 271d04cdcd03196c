from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from k0.cases.limits import DETAIL, text_limit


class RequestKind(models.TextChoices):
    EXPORT_JSON = "export_json", _("Export (JSON)")
    EXPORT_PDF = "export_pdf", _("Export (PDF)")
    ERASE = "erase", _("Early erasure")


class DataSubjectRequest(models.Model):
    """An audited data-subject request handled by an administrator.

    Holds no name: the party is referred to by id and case, so the audit trail survives the
    erasure it records.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    party_id = models.PositiveBigIntegerField(_("party id"))
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
    )
    reason = models.TextField(_("reason and legal basis"), blank=True, **text_limit(DETAIL))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        default_permissions = ("view",)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OIDCConfig(AppConfig):
    name = "k0.accounts.oidc"
    label = "oidc"
    verbose_name = _("City log-in")
    default_auto_field = "django.db.models.BigAutoField"

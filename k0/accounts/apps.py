from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "k0.accounts"
    label = "accounts"
    verbose_name = _("Users")

    def ready(self):
        from . import checks, signals  # noqa: F401  (deploy checks; log-in audit logging)

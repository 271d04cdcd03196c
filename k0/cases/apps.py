from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "k0.cases"
    label = "cases"
    verbose_name = _("K-0 cases")

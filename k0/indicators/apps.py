from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "k0.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from . import checks  # noqa: F401  (registers the settings checks)

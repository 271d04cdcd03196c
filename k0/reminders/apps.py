from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "k0.reminders"
    label = "reminders"
    verbose_name = _("Reminders and calendar")

    def ready(self):
        # Reminders follows case changes; cases does not know reminders (k0.cases.changes).
        from k0.cases import changes

        from .followers import case_changed

        changes.follow(case_changed)

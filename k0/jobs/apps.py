from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "k0.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        # Each app declares its job kinds in `job_handlers.py`; web and worker processes
        # both need the registry (the web process to refuse unknown kinds at start).
        autodiscover_modules("job_handlers")
        # The rate limits guard job starts (among others); k0 itself is not an app, so their
        # deploy check on the cache is registered here.
        from k0 import ratelimits  # noqa: F401

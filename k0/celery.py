"""The Celery application. Workers start with `celery -A k0 worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "k0.settings")

app = Celery("k0")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

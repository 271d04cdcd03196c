from celery import shared_task

from .retention import apply_retention


@shared_task(name="k0.privacy.apply_retention", acks_late=True)
def apply_retention_task() -> int:
    """Nightly: the same code as `manage.py apply_retention`. Safe to run twice."""
    return apply_retention().done

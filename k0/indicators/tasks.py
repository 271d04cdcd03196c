from celery import shared_task

from .forms import available_periods
from .report import freeze


@shared_task(name="k0.indicators.freeze_ended_periods", acks_late=True)
def freeze_ended_periods_task() -> int:
    """Nightly: freezes the figures of every ended period that has none yet, so a period's
    figures are fixed the night after it ends whether or not anyone has looked at them.
    Returns how many periods are frozen in all. Safe to run twice, or beside a viewer."""
    return len(freeze(available_periods()))

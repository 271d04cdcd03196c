"""Celery tasks of the job mechanism. Arguments are ids only."""

from __future__ import annotations

from celery import shared_task

from .models import lease
from .services import purge_expired_results, requeue_stalled, run_job


@shared_task(bind=True, name="k0.jobs.run_job", max_retries=3, ignore_result=True)
def run_job_task(self, job_id: int) -> str:
    outcome = run_job(job_id)
    if outcome == "busy":
        # Another delivery holds the job: a live duplicate, or a run whose worker was just
        # killed (reject-on-worker-lost puts the message straight back). Look again when
        # that run's lease has run out; by then it has either finished or is taken as dead.
        raise self.retry(countdown=int(lease().total_seconds()) + 5)
    return outcome


@shared_task(name="k0.jobs.maintenance", ignore_result=True)
def jobs_maintenance_task() -> dict:
    """Periodic: re-enqueue stalled jobs, delete expired result files."""
    return {"requeued": requeue_stalled(), "expired": purge_expired_results()}

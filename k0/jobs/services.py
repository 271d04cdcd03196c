"""Starting, running and tidying up jobs. The API other apps use is `start_job`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .enqueue import enqueue_on_commit
from .models import Job, JobStatus
from .registry import JobError, get_handler, kinds, may_see

logger = logging.getLogger(__name__)

# A job that crashed its worker this many times is not tried again.
MAX_ATTEMPTS = 3
# A queued job older than this has probably lost its message (broker down when it was
# started); the sweep enqueues it again. Duplicates are harmless: only one run claims it.
REQUEUE_AFTER = timedelta(minutes=10)


def start_job(*, kind: str, requested_by, params: dict) -> Job:
    """Creates a queued job and runs it in the background once the transaction commits.

    `params` must be JSON of ids, dates and flags — never names or free text.
    """
    from .tasks import run_job_task

    if kind not in kinds():
        raise LookupError(f"No job handler for {kind!r}.")
    job = Job.objects.create(kind=kind, requested_by=requested_by, params=params)
    enqueue_on_commit(run_job_task, job.pk)
    return job


def run_job(job_id: int) -> str:
    """Runs one job if it is this worker's to run. Returns what happened:
    "done", "failed", "busy" (another live run holds it) or "skipped" (finished or gone).

    The handler runs outside any transaction, so its progress reports are visible at once.
    """
    job = Job.objects.claim(job_id)
    if job is None:
        current = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return "busy" if current in (JobStatus.QUEUED, JobStatus.RUNNING) else "skipped"
    if job.attempts > MAX_ATTEMPTS:
        # Each earlier run died with its worker (killed, out of memory): stop trying.
        job.fail(_("The job stopped unexpectedly several times. Please try again later."))
        logger.error("Job %s (%s) gave up after %s attempts.", job.pk, job.kind, job.attempts - 1)
        return "failed"
    if not may_see(job.requested_by, job):
        # Taken off the case (or the role removed) after starting the job: make nothing.
        job.fail(_("You no longer have access to what this job was about."))
        logger.info("Job %s (%s) refused: the requester lost access.", job.pk, job.kind)
        return "failed"
    try:
        handler = get_handler(job.kind)
        filename, content_type, content = handler(job)
    except JobError as error:
        job.fail(str(error))
        logger.info("Job %s (%s) failed: %s", job.pk, job.kind, type(error).__name__)
        return "failed"
    except Exception:
        job.fail(
            _(
                "The job failed because of an unexpected error. Please try again; if it "
                "fails again, tell the support the job number %(pk)s."
            )
            % {"pk": job.pk}
        )
        logger.exception("Job %s (%s) raised an unexpected error.", job.pk, job.kind)
        return "failed"
    if not job.finish(filename=filename, content_type=content_type, content=content):
        logger.warning("Job %s (%s) was taken over by another run.", job.pk, job.kind)
        return "skipped"
    logger.info("Job %s (%s) done.", job.pk, job.kind)
    return "done"


def requeue_stalled(*, now=None) -> int:
    """Enqueues again the jobs whose message was lost (broker down) or whose worker died."""
    from .tasks import run_job_task

    now = now or timezone.now()
    ids = list(
        Job.objects.stalled(queued_before=now - REQUEUE_AFTER, now=now).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for pk in ids:
            enqueue_on_commit(run_job_task, pk)
    return len(ids)


def purge_expired_results(*, now=None) -> int:
    """Deletes result files past their expiry date (setting JOB_RESULT_DAYS)."""
    now = now or timezone.now()
    expired = Job.objects.filter(status=JobStatus.DONE, expires_at__lt=now)
    count = 0
    for job in expired.iterator():
        job.expire()
        count += 1
    return count

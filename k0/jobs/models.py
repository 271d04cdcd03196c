"""Long work done off the request (exports, PDFs): one `Job` row per request.

The row is the truth about a job; the Celery message only says "run job 42". So a lost
message is recovered by the periodic sweep (`k0.jobs.services.requeue_stalled`), and a
duplicate message finds the job already claimed. Result files live under MEDIA_ROOT
(var/private), which is never served by URL: downloads go through `views.job_download`,
which checks the requester.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT without URLs: a template or view cannot link a result file by mistake."""

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a checked view.")


def private_storage() -> PrivateStorage:
    # A callable (not an instance) so migrations do not freeze the path.
    return PrivateStorage()


def _result_path(job: Job, filename: str) -> str:
    # Never the user-facing name: that is kept in `result_name` and only sent on download.
    return f"jobs/{job.pk}/{uuid.uuid4().hex}"


def lease() -> timedelta:
    """How long a running job may go without finishing before it is taken as dead.

    Longer than Celery's hard time limit, which would have killed the task by then; so a job
    still marked running after this was lost with its worker and may be claimed again.
    """
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobQuerySet(models.QuerySet):
    def claim(self, pk: int) -> Job | None:
        """Marks the job running for this worker; None when it is not ours to run.

        A conditional update that changes exactly one row: a queued job, or a running one
        whose worker died (its lease ran out). A second delivery of the same message, or a
        second worker, changes no row and leaves the job alone.
        """
        now = timezone.now()
        claimable = Q(status=JobStatus.QUEUED) | Q(
            status=JobStatus.RUNNING, started_at__lt=now - lease()
        )
        changed = (
            self.filter(pk=pk)
            .filter(claimable)
            .update(
                status=JobStatus.RUNNING,
                started_at=now,
                attempts=F("attempts") + 1,
                progress=0,
                error="",
            )
        )
        return self.get(pk=pk) if changed == 1 else None

    def stalled(self, *, queued_before, now=None):
        """Jobs whose message was probably lost: queued long ago, or running past the lease."""
        now = now or timezone.now()
        return self.filter(
            Q(status=JobStatus.QUEUED, created_at__lt=queued_before)
            | Q(status=JobStatus.RUNNING, started_at__lt=now - lease())
        )


class Job(models.Model):
    """A long piece of work for one user, and its result file."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    # Ids, dates and flags only — never names or free text: they sit in the database and
    # the handler fetches what it needs.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result_file = models.FileField(
        _("result file"), storage=private_storage, upload_to=_result_path, blank=True
    )
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    # Cases whose records the result holds, when the handler chose them by what the
    # requester could see (the follow-up calendar): access is checked against them again
    # on every view of the job. Ids only; None for kinds that do not record them (and for
    # results made before they were recorded).
    result_case_ids = models.JSONField(_("cases in the result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_max_100")
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def label(self) -> str:
        from .registry import label_for

        return str(label_for(self.kind))

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == JobStatus.DONE
            and bool(self.result_file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    def set_progress(self, pct: int) -> None:
        """For handlers: saved at once (outside any transaction) so the job page sees it."""
        pct = max(0, min(100, int(pct)))
        self.progress = pct
        Job.objects.filter(pk=self.pk, status=JobStatus.RUNNING, attempts=self.attempts).update(
            progress=pct
        )

    def finish(self, *, filename: str, content_type: str, content: bytes) -> bool:
        """Stores the result and marks the job done; False if this run lost the job.

        `attempts` is the fence: a worker that was taken as dead and comes back cannot
        overwrite the result of the run that replaced it.
        """
        self.result_file.save("result", ContentFile(content), save=False)
        now = timezone.now()
        changed = Job.objects.filter(
            pk=self.pk, status=JobStatus.RUNNING, attempts=self.attempts
        ).update(
            status=JobStatus.DONE,
            progress=100,
            result_file=self.result_file.name,
            result_name=get_valid_filename(filename)[:200] or "result",
            content_type=content_type[:100],
            result_case_ids=(
                None if self.result_case_ids is None else sorted(set(self.result_case_ids))
            ),
            finished_at=now,
            expires_at=now + timedelta(days=settings.JOB_RESULT_DAYS),
        )
        if changed != 1:
            self.result_file.delete(save=False)
            return False
        self.refresh_from_db()
        return True

    def fail(self, message: str) -> None:
        """Records a failure; `message` is shown to the user, so it must be plain and safe."""
        Job.objects.filter(pk=self.pk, status__in=ACTIVE_STATUSES).update(
            status=JobStatus.FAILED, error=str(message), finished_at=timezone.now()
        )
        self.refresh_from_db()

    def expire(self) -> None:
        """Deletes the result file; the row stays so the user sees that it expired."""
        if self.result_file:
            self.result_file.delete(save=False)
        Job.objects.filter(pk=self.pk).update(status=JobStatus.EXPIRED, result_file="")
        self.refresh_from_db()

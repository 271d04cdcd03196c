"""Job pages: a user sees, polls and downloads only the jobs they started, and only while
they may still see what the job is about."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from .models import Job
from .registry import may_see, record_download


def _own_job(request, pk: int) -> Job:
    # Someone else's job answers 404, like a job that does not exist: a job's existence
    # (and its kind) says something about its requester's work.
    return get_object_or_404(Job.objects.filter(requested_by=request.user), pk=pk)


def _no_longer_available(request, job: Job):
    """The requester has lost access to what the job is about (taken off the case, role
    removed): say so, without the file name, which holds the case reference.

    404 like the case page they can no longer open; an htmx poll gets the status block with
    200, so that it is shown and the polling stops.
    """
    if request.htmx:
        return render(request, "jobs/_unavailable.html", {"job": job})
    return render(request, "jobs/unavailable.html", {"job": job}, status=404)


def job_list(request):
    jobs = Job.objects.filter(requested_by=request.user)[:50]
    return render(request, "jobs/list.html", {"jobs": jobs})


def job_detail(request, pk):
    job = _own_job(request, pk)
    if not may_see(request.user, job):
        return _no_longer_available(request, job)
    # htmx polls this page; it gets just the status block, which stops polling once the
    # job has finished. Without JavaScript the page has a plain "refresh" link.
    template = "jobs/_status.html" if request.htmx else "jobs/detail.html"
    return render(request, template, {"job": job})


def job_download(request, pk):
    job = _own_job(request, pk)
    if not may_see(request.user, job):
        return _no_longer_available(request, job)
    if not job.is_downloadable:
        raise Http404
    record_download(request, job)
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=job.result_name,
        content_type=job.content_type or "application/octet-stream",
    )

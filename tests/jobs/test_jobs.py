"""Jobs: started after commit with ids only, claimed once, results private and expiring."""

import datetime as dt
import logging
from pathlib import Path
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from k0.jobs import registry
from k0.jobs.models import Job, JobStatus, PrivateStorage, lease
from k0.jobs.services import (
    MAX_ATTEMPTS,
    purge_expired_results,
    requeue_stalled,
    run_job,
    start_job,
)
from k0.jobs.tasks import run_job_task
from tests.accounts.factories import UserFactory


def test_start_job_enqueues_the_job_id_after_commit(
    team_member, handler, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(run_job_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        job = start_job(kind="test_kind", requested_by=team_member, params={"case": 3})
        assert not delay.called  # not before the transaction commits
    assert len(callbacks) == 1
    delay.assert_called_once_with(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.params == {"case": 3}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_enqueues_nothing(handler):
    user = UserFactory()
    with mock.patch.object(run_job_task, "delay") as delay:
        with pytest.raises(RuntimeError), transaction.atomic():
            start_job(kind="test_kind", requested_by=user, params={})
            raise RuntimeError("the view failed after starting the job")
        assert not delay.called
        assert not Job.objects.exists()
        # …while a committed one is enqueued exactly once.
        job = start_job(kind="test_kind", requested_by=user, params={})
    delay.assert_called_once_with(job.pk)


def test_unknown_kind_is_refused(team_member):
    with pytest.raises(LookupError):
        start_job(kind="no_such_kind", requested_by=team_member, params={})
    assert not Job.objects.exists()


def test_broker_down_when_enqueueing_keeps_the_job_for_the_sweep(
    team_member, handler, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch.object(run_job_task, "delay", side_effect=OperationalError("refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = start_job(kind="test_kind", requested_by=team_member, params={})
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert "Could not enqueue k0.jobs.run_job" in caplog.text
    # The sweep enqueues it again once it has waited long enough.
    with (
        mock.patch.object(run_job_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert requeue_stalled() == 0
        assert requeue_stalled(now=timezone.now() + dt.timedelta(minutes=11)) == 1
    delay.assert_called_once_with(job.pk)


def test_enqueue_refuses_anything_but_ids():
    from k0.jobs.enqueue import enqueue_on_commit

    with pytest.raises(TypeError):
        enqueue_on_commit(run_job_task, "Aada Esimerkki")


def test_job_runs_reports_progress_and_stores_a_private_result(team_member, handler, private_media):
    seen = []

    def impl(job):
        job.set_progress(40)
        seen.append(Job.objects.get(pk=job.pk).progress)
        return "tulos.csv", "text/csv", b"a;b\n1;2\n"

    handler.impl = impl
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert seen == [40]  # visible to the job page while the handler still runs
    assert job.status == JobStatus.DONE and job.progress == 100
    assert job.result_name == "tulos.csv" and job.content_type == "text/csv"
    path = Path(job.result_file.path)
    assert path.read_bytes() == b"a;b\n1;2\n"
    assert path.is_relative_to(private_media)
    assert "tulos" not in path.name  # stored under a random name
    assert job.expires_at - job.finished_at == dt.timedelta(days=7)


def test_private_files_have_no_url():
    with pytest.raises(ValueError):
        PrivateStorage().url("jobs/1/abc")


def test_job_error_is_shown_to_the_user(team_member, handler):
    def impl(job):
        raise registry.JobError("Valitulla aikavälillä ei ole tietoja.")

    handler.impl = impl
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Valitulla aikavälillä ei ole tietoja."


def test_unexpected_error_gives_a_clear_message_and_is_logged(team_member, handler, caplog):
    def impl(job):
        raise KeyError("boom")

    handler.impl = impl
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    with caplog.at_level(logging.ERROR):
        assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert str(job.pk) in job.error and "KeyError" not in job.error
    assert "raised an unexpected error" in caplog.text


def test_a_job_is_claimed_once(team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    assert Job.objects.claim(job.pk) is not None
    # A second delivery of the same message while the first run is alive.
    assert Job.objects.claim(job.pk) is None
    assert run_job(job.pk) == "busy"
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    assert run_job(job.pk) == "skipped"


def test_a_job_whose_worker_died_is_claimed_again_after_the_lease(team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    Job.objects.claim(job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - lease() - dt.timedelta(1))
    assert run_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.attempts == 2


def test_a_run_that_lost_its_claim_cannot_overwrite_the_result(team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    first = Job.objects.claim(job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - lease() - dt.timedelta(1))
    second = Job.objects.claim(job.pk)
    assert second.finish(filename="b.txt", content_type="text/plain", content=b"second")
    assert not first.finish(filename="a.txt", content_type="text/plain", content=b"first")
    job.refresh_from_db()
    assert job.result_name == "b.txt"
    assert Path(job.result_file.path).read_bytes() == b"second"


def test_a_job_that_keeps_killing_its_worker_is_given_up(team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member, attempts=MAX_ATTEMPTS)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error


def test_busy_task_retries_after_the_lease(team_member, handler):
    from celery.exceptions import Retry

    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    Job.objects.claim(job.pk)
    with (
        mock.patch.object(run_job_task, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        run_job_task(job.pk)
    assert retry.call_args.kwargs["countdown"] > lease().total_seconds()


def test_expired_results_are_deleted(team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(job.pk)
    job.refresh_from_db()
    path = Path(job.result_file.path)
    assert purge_expired_results() == 0
    assert purge_expired_results(now=timezone.now() + dt.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.EXPIRED and not job.result_file
    assert not path.exists()


# --- pages ----------------------------------------------------------------------------------


def test_job_page_polls_while_running_and_stops_when_done(client, team_member, handler):
    client.force_login(team_member)
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert reverse("jobs:detail", args=[job.pk]) in body  # plain refresh link without JS
    partial = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<div id="job-status"')
    run_job(job.pk)
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "hx-trigger" not in body
    assert reverse("jobs:download", args=[job.pk]) in body


def test_failed_job_page_shows_the_error(client, team_member, handler):
    def impl(job):
        raise registry.JobError("Tiedostoa ei voitu muodostaa.")

    handler.impl = impl
    client.force_login(team_member)
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(job.pk)
    body = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Tiedostoa ei voitu muodostaa." in body and 'role="alert"' in body


def test_requester_downloads_the_result(client, team_member, handler):
    client.force_login(team_member)
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(job.pk)
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"ok"
    assert 'attachment; filename="out.txt"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["outsider", "principal", "programme_office", "coordinator"])
def test_other_users_cannot_see_or_download_a_job(client, request, team_member, handler, persona):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(job.pk)
    client.force_login(request.getfixturevalue(persona))
    for name in ("jobs:detail", "jobs:download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert job.label not in client.get(reverse("jobs:list")).content.decode()


def test_anonymous_users_are_sent_to_log_in(client, team_member, handler):
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    for url in (reverse("jobs:list"), reverse("jobs:detail", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_expired_result_cannot_be_downloaded(client, team_member, handler):
    client.force_login(team_member)
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(job.pk)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_job_list_shows_own_jobs(client, team_member, handler):
    client.force_login(team_member)
    job = Job.objects.create(kind="test_kind", requested_by=team_member)
    body = client.get(reverse("jobs:list")).content.decode()
    assert reverse("jobs:detail", args=[job.pk]) in body


def test_registering_two_handlers_for_one_kind_is_an_error(handler):
    with pytest.raises(ValueError):
        registry.job_handler("test_kind")(lambda job: ("a", "b", b""))


def test_maintenance_task_requeues_lost_jobs_and_deletes_expired_results(
    team_member, handler, django_capture_on_commit_callbacks
):
    from k0.jobs.tasks import jobs_maintenance_task

    done = Job.objects.create(kind="test_kind", requested_by=team_member)
    run_job(done.pk)
    Job.objects.filter(pk=done.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    lost = Job.objects.create(
        kind="test_kind",
        requested_by=team_member,
        created_at=timezone.now() - dt.timedelta(minutes=30),
    )
    with (
        mock.patch.object(run_job_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert jobs_maintenance_task() == {"requeued": 1, "expired": 1}
    delay.assert_called_once_with(lost.pk)

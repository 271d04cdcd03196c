"""Reminders on real Celery workers: never twice, never lost.

These start worker processes (`celery -A k0 worker`) that share the test database and the
broker with the test. pytest-django's SQLite test database lives in memory, where no other
process can see it, so on SQLite they are skipped; CI's second pass runs them on PostgreSQL
with Redis (`.ci/run`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/k0_ci \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/15 .venv/bin/python -m pytest tests/reminders

Only the SMTP server is faked (a real one, on a socket: `smtp_server.FakeSMTPServer`), or
mail is written to files that the test reads.
"""

from __future__ import annotations

import datetime as dt
import email
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from k0.cases.models import FollowUp
from k0.celery import app
from k0.jobs.models import Job, JobStatus
from k0.jobs.tasks import jobs_maintenance_task
from k0.reminders.models import DeliveryStatus, InvitationDelivery, ReminderLog
from k0.reminders.tasks import send_daily_reminders_task, sweep_outbox_task
from tests import worker_processes

from .conftest import add_follow_up, add_meeting, assert_no_secrets, make_sensitive_case
from .smtp_server import FakeSMTPServer

ROOT = Path(__file__).resolve().parents[2]
BROKER = urlsplit(settings.CELERY_BROKER_URL)
ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
ON_REDIS = BROKER.scheme in ("redis", "rediss")
# A queue of this test run's own: another run (or a stray worker) on the same Redis database
# neither takes these tasks nor has its own purged.
QUEUE = f"k0-test-{uuid.uuid4().hex[:12]}"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        ON_SQLITE,
        reason="a worker process cannot share pytest-django's in-memory SQLite test database; "
        "these run in CI's PostgreSQL + Redis pass",
    ),
]
needs_redis = pytest.mark.skipif(
    not ON_REDIS, reason="redelivery of unacknowledged tasks is tested with Redis"
)


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def read_mail(folder: Path) -> list[email.message.Message]:
    """Messages written by Django's file backend (separated by a line of 79 dashes)."""
    messages = []
    for path in sorted(folder.glob("*")):
        # Bytes, not text: 8-bit UTF-8 parts would otherwise be re-read as Latin-1.
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.lstrip(b"\n")))
    return messages


def decoded(message: email.message.Message) -> str:
    parts = [str(message["Subject"]), str(message["To"])]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload:
            parts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(parts)


def purge_broker() -> None:
    """Leftovers of an earlier test (or a killed worker) must not run in this one."""
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    if ON_REDIS:
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete(f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
        client.close()


def enqueue(task) -> None:
    """What beat does: send the (argument-less) periodic task, to this run's queue."""
    task.apply_async(queue=QUEUE)


@pytest.fixture
def mail_dir(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def workers(tmp_path, mail_dir):
    """Starts worker processes, each in its own process group (so a test can kill it
    outright). Afterwards stops every process of every group and checks that none of their
    database sessions is left, so the session's end can drop the test database."""
    purge_broker()
    started: list[subprocess.Popen] = []

    def start(name: str, *, pool: str = "solo", **env: str) -> subprocess.Popen:
        log = tmp_path / f"worker-{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "k0",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
        environment = {
            **os.environ,
            "DATABASE_URL": worker_processes.database_url(
                settings.DATABASES["default"], f"{worker_processes.APPLICATION_NAME}:{name}"
            ),
            "EMAIL_URL": f"filemail://{mail_dir}",
            # Tasks the worker enqueues itself (e.g. the jobs sweep) stay in this run's queue.
            "CELERY_QUEUE": QUEUE,
            **env,
        }
        process = worker_processes.start(command, log=log, env=environment, cwd=ROOT)
        started.append(process)
        wait_until(lambda: " ready." in log.read_text(), 60, f"worker {name} to start")
        return process

    yield start
    try:
        worker_processes.stop(started)
    finally:
        purge_broker()
    worker_processes.assert_no_connections_left(
        connection, application_name=worker_processes.APPLICATION_NAME
    )


STUBBORN = """
import os, signal, sys, time
import psycopg

if os.fork() == 0:
    # A pool process that ignores the SIGTERM its worker got, holding a database session.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    session = psycopg.connect(sys.argv[1])
    session.execute("SELECT 1")
    open(sys.argv[2], "w").close()
time.sleep(600)
"""


def test_stopping_a_worker_ends_every_process_of_its_group_and_their_sessions(tmp_path):
    # Waiting for the worker's own process left such a child running, and its session kept
    # the test database from being dropped at the end of the run.
    name = f"{worker_processes.APPLICATION_NAME}:stubborn"
    url = worker_processes.database_url(settings.DATABASES["default"], name)
    ready = tmp_path / "ready"
    script = tmp_path / "stubborn.py"
    script.write_text(STUBBORN)
    process = worker_processes.start(
        [sys.executable, str(script), url, str(ready)],
        log=tmp_path / "stubborn.log",
        env=dict(os.environ),
        cwd=ROOT,
    )
    try:
        wait_until(ready.exists, 30, "the child's database session")
        assert len(worker_processes.group_members(process.pid)) == 2
        assert worker_processes.other_connections(connection, application_name=name)
    finally:
        worker_processes.stop([process], grace=2)
    assert process.returncode == -signal.SIGTERM  # the leader stopped at once…
    assert worker_processes.group_members(process.pid) == []  # …and the child was killed
    worker_processes.assert_no_connections_left(connection, application_name=name, timeout=5)


def succeeded(process, task_name: str) -> int:
    return sum(
        1
        for line in process.log.read_text().splitlines()
        if f"Task {task_name}[" in line and " succeeded in " in line
    )


@pytest.fixture
def due_case(school, case_team_member, coordinator):
    """A case with a follow-up due tomorrow (real time: the workers' clock is not frozen)."""
    case = make_sensitive_case(school=school, responsible=case_team_member, coordinator=coordinator)
    follow_up = add_follow_up(case, timezone.localdate() + dt.timedelta(days=1), case_team_member)
    return case, follow_up


def test_a_due_follow_up_yields_one_email_when_the_task_runs_twice_on_two_workers(
    workers, mail_dir, due_case, case_team_member
):
    case, follow_up = due_case
    first, second = workers("first"), workers("second")
    # Two beats (or a retry and a beat) send the daily task twice; two workers take one each.
    enqueue(send_daily_reminders_task)
    enqueue(send_daily_reminders_task)
    name = send_daily_reminders_task.name
    wait_until(
        lambda: succeeded(first, name) + succeeded(second, name) == 2,
        60,
        "both runs of the daily task",
    )
    messages = read_mail(mail_dir)
    assert len(messages) == 1
    assert messages[0]["To"] == case_team_member.email
    text = decoded(messages[0])
    assert case.reference in text
    assert_no_secrets(text)
    log = ReminderLog.objects.get(follow_up=follow_up)
    assert log.status == DeliveryStatus.SENT and log.attempts == 1
    for process in (first, second):
        assert_no_secrets(process.log.read_text())


@needs_redis
def test_a_worker_killed_while_sending_is_replaced_and_the_email_goes_out_once(
    workers, due_case, case_team_member
):
    case, follow_up = due_case
    with FakeSMTPServer() as smtp:
        # Short visibility timeout: Redis gives an unacknowledged task to the next worker
        # after this (6 h in production).
        env = {"EMAIL_URL": smtp.url, "CELERY_VISIBILITY_TIMEOUT": "4"}
        doomed = workers("doomed", **env)
        smtp.hold()
        enqueue(send_daily_reminders_task)
        assert smtp.data_received.wait(60), doomed.log.read_text()
        # The worker is inside the SMTP conversation, its claim uncommitted. Kill it outright.
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
        time.sleep(1)
        assert smtp.messages == []  # the server dropped the unfinished message
        log = ReminderLog.objects.get(follow_up=follow_up)
        assert log.status == DeliveryStatus.PENDING  # the claim died with the connection
        smtp.release()

        # The task was never acknowledged (acks_late): Redis still holds it. A worker
        # starting after the visibility timeout restores it and runs it.
        time.sleep(5)
        successor = workers("successor", **env)
        wait_until(lambda: len(smtp.messages) == 1, 60, "the reminder from the new worker")
        name = send_daily_reminders_task.name
        wait_until(lambda: succeeded(successor, name) == 1, 30, "the task to finish")
        time.sleep(2)
        assert len(smtp.messages) == 1
        log.refresh_from_db()
        assert log.status == DeliveryStatus.SENT and log.attempts == 1
        assert case.reference in decoded(smtp.messages[0])
        print(
            f"\nkilled worker pid {doomed.pid} (exit {doomed.returncode}); successor log:\n"
            + "\n".join(
                line
                for line in successor.log.read_text().splitlines()
                if "Task " in line or "Sent " in line or "Restor" in line
            )
        )


def _pool_children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


@needs_redis
def test_a_killed_pool_process_is_replaced_and_its_task_runs_again(
    workers, due_case, case_team_member
):
    case, follow_up = due_case
    with FakeSMTPServer() as smtp:
        worker = workers("prefork", pool="prefork", EMAIL_URL=smtp.url)
        smtp.hold()
        enqueue(send_daily_reminders_task)
        assert smtp.data_received.wait(60), worker.log.read_text()
        (child,) = _pool_children(worker.pid)
        os.kill(child, signal.SIGKILL)
        # reject-on-worker-lost puts the task straight back on the queue; a new pool
        # process takes it.
        wait_until(lambda: "WorkerLostError" in worker.log.read_text(), 30, "the lost child")
        time.sleep(1)
        assert smtp.messages == []
        smtp.release()
        wait_until(lambda: len(smtp.messages) == 1, 60, "the reminder from the new child")
        time.sleep(2)
        assert len(smtp.messages) == 1
        log = ReminderLog.objects.get(follow_up=follow_up)
        assert log.status == DeliveryStatus.SENT and log.attempts == 1


def _redis_ping() -> bool:
    result = subprocess.run(
        ["redis-cli", "-h", BROKER.hostname, "-p", str(BROKER.port or 6379), "ping"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return result.stdout.strip() == "PONG"


def _start_redis() -> None:
    for folder in ("/var/lib/redis", "/var/log/redis"):
        os.makedirs(folder, exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            str(BROKER.port or 6379),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
            "--logfile",
            "/var/log/redis/ci.log",
        ],
        check=True,
        timeout=30,
    )
    wait_until(_redis_ping, 30, "Redis to come back")


@needs_redis
@pytest.mark.skipif(
    BROKER.hostname not in ("127.0.0.1", "localhost") or not shutil.which("redis-server"),
    reason="stops and restarts a local Redis server",
)
def test_with_redis_stopped_saving_still_works_and_the_next_scan_sends(
    client, workers, mail_dir, school, case_team_member, coordinator, settings
):
    case = make_sensitive_case(school=school, responsible=case_team_member, coordinator=coordinator)
    meeting = add_meeting(
        case,
        facilitators=[case_team_member],
        date=timezone.localdate() + dt.timedelta(days=7),
    )
    client.force_login(case_team_member)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    subprocess.run(
        ["redis-cli", "-h", BROKER.hostname, "-p", str(BROKER.port or 6379), "shutdown", "nosave"],
        timeout=30,
    )
    try:
        wait_until(lambda: not _redis_ping(), 30, "Redis to stop")
        started = time.monotonic()
        response = client.post(
            reverse("cases:follow_ups_add", args=[case.reference]),
            {"due_date": tomorrow.isoformat(), "responsible": case_team_member.pk},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        follow_up = FollowUp.objects.get(case=case)
        # Work that is enqueued at once is saved too; its enqueue fails and is logged.
        response = client.post(reverse("reminders:invite", args=[case.reference, meeting.pk]))
        assert response.status_code == 302
        response = client.post(reverse("reminders:follow_ups_calendar"))
        assert response.status_code == 302
        job = Job.objects.get()
        assert time.monotonic() - started < 30  # no request hangs on the dead broker
    finally:
        if not _redis_ping():
            _start_redis()

    assert job.status == JobStatus.QUEUED
    assert InvitationDelivery.objects.filter(status=DeliveryStatus.PENDING).count() == 1
    worker = workers("after-outage")
    # The next daily scan finds the follow-up; the outbox sweep sends the invitation; the
    # jobs sweep re-enqueues the job once it has waited long enough.
    enqueue(send_daily_reminders_task)
    enqueue(sweep_outbox_task)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    enqueue(jobs_maintenance_task)
    wait_until(lambda: len(read_mail(mail_dir)) == 2, 60, "the reminder and the invitation")
    wait_until(lambda: Job.objects.get(pk=job.pk).status == JobStatus.DONE, 60, "the job to finish")
    messages = read_mail(mail_dir)
    assert sorted(m["To"] for m in messages) == [case_team_member.email] * 2
    assert ReminderLog.objects.get(follow_up=follow_up).status == DeliveryStatus.SENT
    for message in messages:
        assert_no_secrets(decoded(message))
    job.refresh_from_db()
    assert case.reference in job.result_file.read().decode()
    job.expire()  # the file was written under the project's var/private by the worker
    assert_no_secrets(worker.log.read_text())

"""A task runs on a real Celery worker process through the configured broker (the embedded
filesystem broker locally, Redis in CI)."""

import os
import sys
import uuid
from pathlib import Path

import pytest

from k0.tasks import health_check
from tests import worker_processes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    """A worker in a process group of its own; afterwards every process of the group is
    stopped and waited for (see `tests.worker_processes`)."""
    log = ROOT / "var" / "test-worker.log"
    log.parent.mkdir(exist_ok=True)
    process = worker_processes.start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "k0",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        log=log,
        env=os.environ.copy(),
        cwd=ROOT,
    )
    yield process
    worker_processes.stop([process])


@pytest.mark.worker
def test_task_runs_on_a_real_worker(worker):
    token = uuid.uuid4().hex
    result = health_check.delay(token)
    assert result.get(timeout=60) == f"pong:{token}"

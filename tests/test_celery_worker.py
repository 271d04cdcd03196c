"""A task runs on a real Celery worker process through the configured broker (the embedded
filesystem broker locally, Redis in CI)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from k0.tasks import health_check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    log = ROOT / "var" / "test-worker.log"
    log.parent.mkdir(exist_ok=True)
    proc = subprocess.Popen(
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
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.worker
def test_task_runs_on_a_real_worker(worker):
    token = uuid.uuid4().hex
    result = health_check.delay(token)
    assert result.get(timeout=60) == f"pong:{token}"

"""Processes that tests start (Celery workers), stopped with everything they forked, and the
database connections they leave behind.

pytest-django drops the PostgreSQL test database when the session ends, and PostgreSQL
refuses while any other connection to it is open ("database is being accessed by other
users"; it waits only 5 s). A worker's connections close when its processes are gone — all
of them: a prefork worker's pool processes (or one it forked while shutting down) are not
the process `Popen.wait()` waits for. So each worker runs in a process group of its own, and
stopping it waits until no process of the group is left. Its database connections carry an
application name, so a test can check that none outlived it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

APPLICATION_NAME = "k0-test-worker"


def start(command: list[str], *, log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """Starts `command` as the leader of a new process group (and session)."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # After the command name (in parentheses, may contain spaces): state, ppid, pgrp.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
        os.killpg(pgid, signum)


def _wait_for_groups(processes: list[subprocess.Popen], timeout: float) -> list[int]:
    """Waits until every group is empty (reaping the leaders); returns the groups left."""
    deadline = time.monotonic() + timeout
    while True:
        for process in processes:
            process.poll()  # reap the leader, or it lingers as a zombie
        left = [p.pid for p in processes if group_members(p.pid)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def stop(processes: Iterable[subprocess.Popen], *, grace: float = 20.0) -> None:
    """Stops every process group of `processes`: SIGTERM (a worker finishes its task and
    exits), SIGKILL for whatever is left after `grace` seconds. Returns only when no process
    of any group is left; raises if one survives SIGKILL."""
    processes = list(processes)
    for process in processes:
        _signal_group(process.pid, signal.SIGTERM)
    left = _wait_for_groups(processes, grace)
    for pgid in left:
        _signal_group(pgid, signal.SIGKILL)
    left = _wait_for_groups(processes, 10)
    assert not left, f"process groups {left} survived SIGKILL"


def database_url(settings_dict: dict, application_name: str) -> str:
    """DATABASE_URL for a worker process: the test database, with an application name that
    shows in pg_stat_activity."""
    from urllib.parse import quote

    auth = quote(settings_dict.get("USER") or "")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"])
    host = settings_dict.get("HOST") or "localhost"
    port = settings_dict.get("PORT") or 5432
    name = settings_dict["NAME"]
    return f"postgres://{auth}@{host}:{port}/{name}?application_name={quote(application_name)}"


def other_connections(connection, *, application_name: str | None = None) -> list[tuple]:
    """(pid, application name, state) of the other sessions on `connection`'s database
    (PostgreSQL), optionally only those whose application name starts with
    `application_name`."""
    query = (
        "SELECT pid, application_name, state FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    params: list[str] = []
    if application_name is not None:
        query += " AND application_name LIKE %s"
        params.append(application_name.replace("%", r"\%").replace("_", r"\_") + "%")
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def terminate(connection, pids: Iterable[int]) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def assert_no_connections_left(connection, *, application_name: str, timeout: float = 10):
    """Fails if sessions of `application_name` are still open `timeout` seconds after their
    processes were stopped — after ending them, so the test database can still be dropped."""
    deadline = time.monotonic() + timeout
    while left := other_connections(connection, application_name=application_name):
        if time.monotonic() >= deadline:
            terminate(connection, [pid for pid, _, _ in left])
            raise AssertionError(f"database sessions outlived their worker processes: {left}")
        time.sleep(0.1)

"""Putting a task on the queue once the transaction that made its work commits.

Every background task in K-0 is enqueued through `enqueue_on_commit`:
- after commit, so a worker never looks for a row that a rolled-back (or not yet committed)
  transaction was going to create;
- with ids only, checked here, so names and case text never travel through the broker;
- never failing the request: if the broker is down, the change is already saved and the
  work is found again from the database by the periodic scans (the daily reminder scan,
  the outbox and job sweeps), so the error is logged and swallowed;
- for tasks that keep no result (`ignore_result=True`): their outcome is in the database.
  A task with a Redis result backend subscribes to its result when it is sent, and with
  Redis down that blocks for ~20 s of reconnects and then breaks the result consumer for
  the rest of the process — not something a web request may do.
"""

from __future__ import annotations

import logging

from django.db import transaction
from kombu.exceptions import KombuError

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *ids: int, using: str | None = None) -> None:
    if not all(type(value) is int for value in ids):
        raise TypeError(f"{task.name} takes ids only, got {[type(v).__name__ for v in ids]}.")
    if not task.ignore_result:
        raise TypeError(f"{task.name} must be declared with ignore_result=True.")

    def publish():
        try:
            task.delay(*ids)
        except (KombuError, OSError) as error:
            # The database already holds the work; a scan will pick it up when the broker
            # is back. The ids and the error class are enough to trace it.
            logger.warning(
                "Could not enqueue %s%s (%s); a periodic scan will pick it up.",
                task.name,
                tuple(ids),
                type(error).__name__,
            )

    transaction.on_commit(publish, using=using)

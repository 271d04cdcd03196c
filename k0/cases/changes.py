"""Telling other apps that someone changed a case, without `cases` importing them.

`cases` sits below the apps that follow cases (reminders, privacy, documents): they import
it, never the other way round. An app that must react to a change of a case registers a
follower when Django starts (its `AppConfig.ready`); `Case.record_activity()`, called after
every change a user makes, announces the case, and each follower is called with the case's
id once the transaction commits, so it reads the committed state from the database. A
rolled-back change announces nothing.

Followers do their work from the database state, never from what the view had in hand
(e.g. reminders synchronises the meeting invitations of the case in a Celery task), so an
announcement repeated or arriving late does the same work again and no more.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

_followers: list[Callable[[int], None]] = []


def follow(follower: Callable[[int], None]) -> Callable[[int], None]:
    """Registers `follower(case_id)`, called after commit for each announced change."""
    if follower not in _followers:
        _followers.append(follower)
    return follower


def announce(case_id: int) -> None:
    """Calls every follower with `case_id` once the current transaction commits (at once in
    autocommit)."""
    for follower in _followers:
        transaction.on_commit(partial(follower, case_id), robust=True)

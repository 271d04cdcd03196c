"""Claim, send, record: the one way background e-mail leaves K-0.

`deliver()` locks the pending outbox rows, flips them from *pending* to *sent* with a
conditional update and sends the e-mail — all inside one transaction, so:

- two workers (a retry, a second beat, a duplicate message) cannot both send: the second
  skips the locked rows, or (SQLite, which locks the whole database) waits and then finds
  them sent;
- a worker killed mid-send loses nothing: its transaction dies with its database
  connection, the rows are pending again, and the redelivered task (acks_late,
  reject-on-worker-lost) sends them;
- an SMTP failure rolls the claim back and is recorded on the rows (attempts, error,
  next attempt with back-off); after REMINDER_MAX_ATTEMPTS the rows are marked failed.

The remaining window — the SMTP server accepted the message and the worker died before the
COMMIT — can repeat one e-mail; it is milliseconds wide, and SMTP offers nothing better.
Marking sent *before* sending would turn that into a lost e-mail instead.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import DeliveryStatus

logger = logging.getLogger(__name__)

# Network and SMTP trouble: worth trying again later. Anything else is a bug and is raised.
RETRYABLE = (smtplib.SMTPException, OSError)


class Result(StrEnum):
    SENT = "sent"
    NOTHING = "nothing"  # nothing pending (another worker had it, or it was not needed)
    FAILED = "failed"  # recorded; tried again after the back-off


def backoff(attempts: int) -> timedelta:
    """1 min, 4 min, 16 min, then hourly."""
    return timedelta(seconds=min(60 * 4 ** max(attempts - 1, 0), 3600))


Build = Callable[[list], tuple[EmailMessage | None, Iterable]]


class _ClaimLost(Exception):
    pass


def deliver(model, pks: Iterable[int], build: Build) -> Result:
    """Sends one e-mail for the pending rows `pks` of outbox `model`.

    `build(rows)` returns the message and the rows it covers; rows it leaves out are no
    longer needed (e.g. the follow-up was done meanwhile) and are marked skipped. It runs
    inside the claim, so what it reads is what is sent.
    """
    now = timezone.now()
    rows: list = []
    try:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(
                    pk__in=list(pks),
                    status=DeliveryStatus.PENDING,
                    next_attempt_at__lte=now,
                )
                .order_by("pk")
            )
            if not rows:
                return Result.NOTHING
            message, covered = build(rows)
            covered_pks = {row.pk for row in covered} if message is not None else set()
            not_needed = [row.pk for row in rows if row.pk not in covered_pks]
            if not_needed:
                model.objects.filter(pk__in=not_needed).update(status=DeliveryStatus.SKIPPED)
            if not covered_pks:
                return Result.NOTHING
            claimed = model.objects.filter(
                pk__in=covered_pks, status=DeliveryStatus.PENDING
            ).update(
                status=DeliveryStatus.SENT,
                sent_at=now,
                attempts=F("attempts") + 1,
                last_error="",
            )
            if claimed != len(covered_pks):
                # Cannot happen while we hold the row locks; if it does, send nothing.
                raise _ClaimLost
            message.send(fail_silently=False)
    except _ClaimLost:
        return Result.NOTHING
    except RETRYABLE as error:
        _record_failure(model, [row.pk for row in rows], error)
        return Result.FAILED
    except Exception as error:
        if rows:
            _record_failure(model, [row.pk for row in rows], error)
        raise
    logger.info("Sent %s for %s row(s) %s.", model._meta.model_name, len(rows), sorted(covered_pks))
    return Result.SENT


def _record_failure(model, pks: list[int], error: Exception) -> None:
    now = timezone.now()
    # The exception class and the server's reply: enough to act on, and SMTP replies do
    # not echo message content.
    text = f"{type(error).__name__}: {error}"[:500]
    for row in model.objects.filter(pk__in=pks, status=DeliveryStatus.PENDING):
        attempts = row.attempts + 1
        final = attempts >= settings.REMINDER_MAX_ATTEMPTS
        model.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
            attempts=attempts,
            last_error=text,
            next_attempt_at=now + backoff(attempts),
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
        )
        log = logger.error if final else logger.warning
        log(
            "%s %s: sending failed (attempt %s%s): %s",
            model._meta.model_name,
            row.pk,
            attempts,
            ", giving up" if final else "",
            type(error).__name__,
        )


def earliest_retry(model, **filters) -> timedelta | None:
    """When the next recorded failure among `filters` is due to be tried again."""
    nxt = (
        model.objects.filter(status=DeliveryStatus.PENDING, attempts__gt=0, **filters)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if nxt is None:
        return None
    return max(nxt - timezone.now(), timedelta(seconds=1))

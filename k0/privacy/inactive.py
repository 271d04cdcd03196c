"""Open cases nobody works on: listed, announced, then closed as discontinued.

Retention starts when a case is closed, so a case left open would keep its personal data for
ever. An open case with no recorded activity for CASE_INACTIVE_DAYS is listed to its
coordinator ("My schools") and to the administrator (Data-subject requests → Inactive
cases). The nightly retention run announces it once (`Case.inactivity_notice_at`, and an
e-mail to the coordinator and the responsible member) and, CASE_INACTIVE_GRACE_DAYS later,
closes it as discontinued with no human actor (`Case.close_as_inactive`). Anything recorded
in the case meanwhile moves its last activity past the announcement and stops the countdown.
From its closure the case ages like any other and is pseudonymised RETENTION_YEARS later.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from k0.cases.models import Case
from k0.reminders.inactive import record_notices, send_pending_notices

log = logging.getLogger("k0.retention")


@dataclass
class InactivityReport:
    # (reference, last activity, closing day) of cases announced in this run
    announced: list[tuple[str, dt.date, dt.date]] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    listed: int = 0  # all inactive open cases after the run
    notices: dict = field(default_factory=dict)  # e-mails sent and failed


def inactive_cases(now: dt.datetime | None = None):
    """What the coordinator's and the administrator's lists show, oldest activity first."""
    return (
        Case.objects.inactive(now)
        .select_related("school", "coordinator", "responsible")
        .order_by("last_activity_at", "pk")
    )


def _announced():
    return Q(inactivity_notice_at__isnull=False, inactivity_notice_at__gte=F("last_activity_at"))


def close_due(now: dt.datetime, *, dry_run: bool = False) -> list[str]:
    """Closes the announced inactive cases whose grace period is over."""
    today = timezone.localdate(now)
    closed = []
    for case in Case.objects.inactive(now).filter(_announced()).order_by("pk"):
        if case.inactivity_closes_on(now) > today:
            continue
        if dry_run or case.close_as_inactive(now=now):
            closed.append(case.reference)
            log.info(
                "case %s %s as discontinued: no activity since %s",
                case.reference,
                "would be closed" if dry_run else "closed",
                timezone.localdate(case.last_activity_at),
            )
    return closed


def announce_new(now: dt.datetime, *, dry_run: bool = False) -> list[tuple[str, dt.date, dt.date]]:
    """Announces the inactive cases whose current stretch is not yet announced: stamps the
    announcement and records the e-mails, in one transaction per case."""
    announced = []
    for case in (
        Case.objects.inactive(now)
        .exclude(_announced())
        .select_related("coordinator", "responsible")
        .order_by("pk")
    ):
        if not dry_run:
            with transaction.atomic():
                # Only if nothing was recorded since we read the case: activity in between
                # means it is not inactive any more.
                stamped = Case.objects.filter(
                    pk=case.pk, last_activity_at=case.last_activity_at
                ).update(inactivity_notice_at=now)
                if not stamped:
                    continue
                case.inactivity_notice_at = now
                record_notices(case)
        last = timezone.localdate(case.last_activity_at)
        closes_on = case.inactivity_closes_on(now)
        announced.append((case.reference, last, closes_on))
        log.info(
            "case %s inactive since %s: %s, to be closed on %s",
            case.reference,
            last,
            "would be announced" if dry_run else "announced",
            closes_on,
        )
    return announced


def handle_inactive_cases(
    now: dt.datetime | None = None, *, dry_run: bool = False
) -> InactivityReport:
    """The nightly step before pseudonymisation: close what is due, announce what is new."""
    now = now or timezone.now()
    report = InactivityReport()
    report.closed = close_due(now, dry_run=dry_run)
    report.announced = announce_new(now, dry_run=dry_run)
    if not dry_run:
        # Failures wait for their back-off and are retried by the outbox sweep.
        report.notices = send_pending_notices()
    report.listed = Case.objects.inactive(now).count()
    log.info(
        "inactive open cases: %s listed, %s newly announced, %s closed as discontinued; "
        "%s notice e-mail(s) sent, %s failed",
        report.listed,
        len(report.announced),
        len(report.closed),
        report.notices.get("sent", 0),
        report.notices.get("failed", 0),
    )
    return report

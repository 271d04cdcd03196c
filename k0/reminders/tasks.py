"""Celery tasks for reminders and invitations. Arguments are ids only; the work is found in
the database, so a retry or a duplicate message does the same (claimed) work again."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .case_events import deliver_case_event_notices
from .closures import (
    deliver_closure_notices,
    deliver_pending_closure_notices,
    queue_untold_closures,
)
from .inactive import send_pending_notices
from .invitations import (
    deliver_invitation,
    deliver_pending_invitations,
    sync_case_invitations,
    sync_standing_invitations,
)
from .services import retry_pending, run_daily


@shared_task(
    bind=True, name="k0.reminders.send_daily_reminders", max_retries=None, ignore_result=True
)
def send_daily_reminders_task(self) -> dict:
    """Beat, daily at REMINDER_HOUR:REMINDER_MINUTE Helsinki time."""
    summary = run_daily()
    # SMTP trouble was recorded on the rows with a back-off; come back when the first one is
    # due. The rows stop at REMINDER_MAX_ATTEMPTS, so this stops too.
    if summary.retry_in is not None and self.request.retries < settings.REMINDER_MAX_ATTEMPTS:
        raise self.retry(countdown=summary.retry_in)
    return summary.as_dict()


@shared_task(
    bind=True, name="k0.reminders.deliver_invitation", max_retries=None, ignore_result=True
)
def deliver_invitation_task(self, invitation_id: int) -> dict:
    counts = deliver_invitation(invitation_id)
    if counts["failed"] and self.request.retries < settings.REMINDER_MAX_ATTEMPTS:
        from .delivery import earliest_retry
        from .models import InvitationDelivery

        wait = earliest_retry(InvitationDelivery, invitation_id=invitation_id)
        if wait is not None:
            raise self.retry(countdown=wait.total_seconds())
    return counts


@shared_task(name="k0.reminders.sync_case_invitations", ignore_result=True)
def sync_case_invitations_task(case_id: int) -> None:
    """After a change to a case: its invitations follow its meetings as saved."""
    sync_case_invitations(case_id)


@shared_task(
    bind=True, name="k0.reminders.deliver_closure_notices", max_retries=None, ignore_result=True
)
def deliver_closure_notices_task(self, closure_id: int) -> dict:
    """Tells the principals that a closure awaits their acknowledgement."""
    counts = deliver_closure_notices(closure_id)
    if counts["failed"] and self.request.retries < settings.REMINDER_MAX_ATTEMPTS:
        from .delivery import earliest_retry
        from .models import ClosureNotice

        wait = earliest_retry(ClosureNotice, closure_id=closure_id)
        if wait is not None:
            raise self.retry(countdown=wait.total_seconds())
    return counts


@shared_task(
    bind=True, name="k0.reminders.deliver_case_event_notices", max_retries=None, ignore_result=True
)
def deliver_case_event_notices_task(self, case_id: int) -> dict:
    """Tells of a transfer or a handover of a case (reference only)."""
    counts = deliver_case_event_notices(case_id)
    if counts["failed"] and self.request.retries < settings.REMINDER_MAX_ATTEMPTS:
        from .delivery import earliest_retry
        from .models import CaseEventNotice

        wait = earliest_retry(CaseEventNotice, case_id=case_id)
        if wait is not None:
            raise self.retry(countdown=wait.total_seconds())
    return counts


@shared_task(name="k0.reminders.sweep_outbox", ignore_result=True)
def sweep_outbox_task() -> dict:
    """Beat, every OUTBOX_SWEEP_MINUTES: sends e-mails that are pending and due — after a
    broker outage, a lost message or a failure's back-off. Never sends anything twice."""
    summary = retry_pending()
    resynced = sync_standing_invitations()
    untold = queue_untold_closures()
    invitations = deliver_pending_invitations()
    notices = send_pending_notices()
    closures = deliver_pending_closure_notices()
    case_events = deliver_case_event_notices()
    return {
        "case_event_notices": case_events["sent"],
        "reminder_emails": summary.reminder_emails,
        "digests": summary.digests,
        "invitations": invitations["sent"],
        "invitations_resynced": resynced,
        "closures_untold": untold,
        "inactive_case_notices": notices["sent"],
        "closure_notices": closures["sent"],
        "failed": summary.failed
        + invitations["failed"]
        + notices["failed"]
        + closures["failed"]
        + case_events["failed"],
    }

"""What reminders does when someone changed a case (`k0.cases.changes`).

Registered in `RemindersConfig.ready`, so the cases app never imports reminders; called
after the change commits, with the case id only:
- a closure that awaits the principal's acknowledgement gets its outbox rows at once (the
  outbox sweep sends them if the broker is down);
- a case with meeting invitations has them synchronised with its meetings by a task
  (`sync_case_invitations_task`), which reads the saved meetings, so a late or repeated run
  does no harm.
"""

from __future__ import annotations

from k0.jobs.enqueue import enqueue_on_commit

from .case_events import case_events_changed
from .closures import closure_changed
from .models import MeetingInvitation


def case_changed(case_id: int) -> None:
    closure_changed(case_id)
    case_events_changed(case_id)
    if MeetingInvitation.objects.filter(case_id=case_id).exists():
        from .tasks import sync_case_invitations_task

        enqueue_on_commit(sync_case_invitations_task, case_id)

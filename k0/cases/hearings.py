"""Hearing a party (kuuleminen) is a recorded meeting.

A done intervention of a hearing kind (`HEARING_KINDS`: individual discussion, guardian
discussion, home visit) marks each of its participant parties heard on its date, and the
party points to the meeting (`Party.heard_in`). A party heard outside any recorded meeting is
marked by hand (`heard_on` with `heard_how`, no meeting) and a meeting never overrides that.
`Party.heard_on` stays the one fact that the checklist, the principal's progress page and the
indicators read.
"""

from __future__ import annotations

from collections.abc import Iterable

from .choices import HEARING_KINDS, InterventionStatus
from .models import Case, Intervention, Party


def sync_hearings(case: Case, *, by=None, forget: Iterable[int] = ()) -> list[Party]:
    """Brings every party's hearing in line with the case's done hearing meetings, after a
    meeting was saved or removed; returns the parties that changed.

    A party heard in a meeting (or not heard at all) takes the date of its earliest done
    hearing meeting, or becomes unheard when there is none any more (the meeting was
    changed or removed). `forget` names parties whose meeting is being removed: the database
    has already emptied their link, so they would otherwise look marked by hand.
    """
    forget = set(forget)
    meetings = (
        Intervention.objects.filter(
            case=case, status=InterventionStatus.DONE, kind__in=HEARING_KINDS
        )
        .prefetch_related("participants")
        .order_by("date", "pk")
    )
    first: dict[int, Intervention] = {}
    for meeting in meetings:
        for party in meeting.participants.all():
            first.setdefault(party.pk, meeting)
    changed = []
    for party in Party.objects.filter(case=case):
        by_hand = party.heard_on is not None and party.heard_in_id is None
        if by_hand and party.pk not in forget:
            continue
        meeting = first.get(party.pk)
        heard_on = meeting.date if meeting else None
        heard_in_id = meeting.pk if meeting else None
        if (party.heard_on, party.heard_in_id) == (heard_on, heard_in_id):
            continue
        party.heard_on, party.heard_in_id, party.heard_how = heard_on, heard_in_id, ""
        party._history_user = by
        party.save(update_fields=["heard_on", "heard_in", "heard_how"])
        changed.append(party)
    return changed

"""The access log: one row for each request that shows or changes a case's records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from schools.models import Role
from schools.roles import roles_of

from .models import AccessAction, AccessLog, Case


def role_in_case(user, case: Case) -> str:
    """How the user reaches this case, for the log (not a permission check)."""
    if user.pk == case.responsible_id or any(m.pk == user.pk for m in case.members.all()):
        return "case_team"
    if user.pk == case.coordinator_id:
        return Role.COORDINATOR
    roles = roles_of(user)
    for role in (Role.PRINCIPAL, Role.TEAM_MEMBER, Role.COORDINATOR, Role.PROGRAMME_OFFICE):
        if role in roles:
            return role
    return "staff" if user.is_staff else "other"


def log_access(request, case: Case, action: str | None = None, *, role: str | None = None):
    if action is None:
        action = AccessAction.VIEW if request.method in ("GET", "HEAD") else AccessAction.CHANGE
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else request.path[:80]
    return AccessLog.objects.create(
        case=case,
        user=request.user,
        role=role or role_in_case(request.user, case),
        action=action,
        view=view[:80],
    )


@dataclass
class AccessDay:
    """One person's openings of a case on one day."""

    day: date
    user: object
    roles: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    count: int = 0
    last: datetime | None = None


# The case page groups the latest openings; the full log is in the admin.
ACCESS_LOG_ROWS = 500


def access_days(case: Case) -> list[AccessDay]:
    """The latest ACCESS_LOG_ROWS log rows of the case, one entry per person and day, newest
    first: the team opens its cases many times a day, and a row per click hid the opening
    that matters (someone outside the team). One query."""
    groups: dict[tuple, AccessDay] = {}
    rows = AccessLog.objects.filter(case=case).select_related("user")[:ACCESS_LOG_ROWS]
    for row in rows:
        day = timezone.localdate(row.at)
        entry = groups.get((row.user_id, day))
        if entry is None:
            entry = groups[(row.user_id, day)] = AccessDay(day=day, user=row.user, last=row.at)
        entry.count += 1
        label = row.role_label
        if label not in entry.roles:
            entry.roles.append(label)
        action = row.get_action_display()
        if action not in entry.actions:
            entry.actions.append(action)
    return list(groups.values())

"""The access log: one row for each request that shows or changes a case's records."""

from __future__ import annotations

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

"""Work on a case that spans apps: opening it, and keeping its team's permissions in step."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import Case, CasePerm, CaseUserObjectPermission


def _case_permissions() -> list[Permission]:
    ct = ContentType.objects.get_for_model(Case)
    return list(Permission.objects.filter(content_type=ct, codename__in=list(CasePerm)))


def sync_case_permissions(*, case: Case) -> None:
    """Grants view/change on the case to its team and coordinator, and revokes them from
    everyone else (a member taken off the team loses access at once)."""
    team = {user.pk for user in case.team_users()}
    perms = _case_permissions()
    wanted = {(user_id, perm.pk) for user_id in team for perm in perms}
    existing = dict(
        ((row.user_id, row.permission_id), row.pk)
        for row in CaseUserObjectPermission.objects.filter(content_object=case)
    )
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        CaseUserObjectPermission.objects.filter(pk__in=stale).delete()
    CaseUserObjectPermission.objects.bulk_create(
        [
            CaseUserObjectPermission(content_object=case, user_id=user_id, permission_id=perm_id)
            for user_id, perm_id in wanted - existing.keys()
        ]
    )


@transaction.atomic
def open_case(*, created_by, school, responsible, members, coordinator=None, **referral) -> Case:
    """Records a referral as a new case in phase *referral*.

    The member who opens the case is on its team from the start, so they can go on working
    on it; taking them off the team later revokes their access like anyone else's.
    """
    case = Case(
        school=school,
        responsible=responsible,
        coordinator=coordinator,
        created_by=created_by,
        **referral,
    )
    case._history_user = created_by
    case.save()
    case.members.set({*members, created_by})
    sync_case_permissions(case=case)
    return case


@transaction.atomic
def set_case_team(*, case: Case, responsible, members, coordinator, by) -> None:
    case.responsible = responsible
    case.coordinator = coordinator
    case._history_user = by
    case.save()
    case.members.set(members)
    sync_case_permissions(case=case)

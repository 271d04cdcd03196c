"""The one way a view gets a case, for every app.

- `get_case_for`: a case the user works on (case team, assigned coordinator), decided by
  `Case.objects.visible_to`; 404 for any other case, so a URL never tells an outsider that a
  case exists. Writes the request's access-log row.
- `progress_case`: a case of a school where the user is the principal (the pseudonymised
  progress page and its PDF); 404 for anything else, also for other roles.
- `refuses_closed_case`: a view that changes a case calls `case.ensure_open()` on POST; this
  decorator turns the refusal into the message and the way back to the case page.

Other apps import these from here, never from a views module.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect

from .audit import log_access
from .models import Case, CaseClosedError


def get_case_for(
    request,
    reference: str,
    *,
    log_action: str | None = None,
    log: bool = True,
) -> Case:
    """The case `reference` if the user works on it, else 404.

    There is no separate change permission to check: `CasePerm.VIEW` and `CasePerm.CHANGE`
    are always granted and revoked together (`services.sync_case_permissions`), because
    whoever is on a case's team both reads and records in it. Visibility is the check; what
    may change when is a rule of the case (`Case.ensure_open`, the phase guards).
    """
    case = get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "school", "responsible", "coordinator"
        ),
        reference=reference,
    )
    if log:
        log_access(request, case, log_action)
    return case


def progress_case(request, reference: str) -> Case:
    """A case of the principal's school; 404 for anything else (also for other roles, so a
    case URL never tells an outsider that the case exists)."""
    return get_object_or_404(
        Case.objects.in_schools_of_principal(request.user).select_related("school"),
        reference=reference,
    )


def progress_case_or_transferred(request, reference: str) -> tuple[Case, object]:
    """`progress_case`, or a case transferred away from the principal's school: then also
    the accepted transfer, whose time ends what the sending principal may see of it."""
    from schools.models import Role
    from schools.roles import schools_where

    from .transfers import CaseTransfer, TransferStatus

    schools = schools_where(request.user, Role.PRINCIPAL)
    case = Case.objects.filter(reference=reference).select_related("school").first()
    if case is not None and case.school_id in set(schools.values_list("pk", flat=True)):
        return case, None
    transfer = (
        CaseTransfer.objects.filter(
            case__reference=reference, status=TransferStatus.ACCEPTED, from_school__in=schools
        )
        .order_by("-decided_at")
        .first()
    )
    if case is None or transfer is None:
        raise Http404
    return case, transfer


def refuses_closed_case(view):
    """A closed case is read-only (`Case.ensure_open`): a change to one answers with the
    message and the case page instead."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except CaseClosedError as error:
            messages.error(request, str(error))
            return redirect(error.case)

    return wrapped

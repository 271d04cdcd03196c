"""Who holds which role where. The K-0 apps ask these helpers; they never read memberships
directly, so the rules for inactive users and schools live in one place."""

from .models import Membership, Role, School

# The page a role lands on after log-in, in order of precedence for users with several roles.
START_ORDER = [Role.PRINCIPAL, Role.COORDINATOR, Role.TEAM_MEMBER, Role.PROGRAMME_OFFICE]


def roles_of(user) -> set[str]:
    """The roles a user holds anywhere. Cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_k0_roles", None)
    if cached is None:
        cached = set(Membership.objects.active().filter(user=user).values_list("role", flat=True))
        user._k0_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def schools_where(user, *roles: str):
    """Active schools in which the user holds one of `roles`."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    return School.objects.filter(
        is_active=True, memberships__user=user, memberships__role__in=roles
    ).distinct()


def start_role(user) -> str | None:
    held = roles_of(user)
    for role in START_ORDER:
        if role in held:
            return role
    return None


def role_required(*roles: str):
    """View decorator: the user must hold one of `roles` somewhere, otherwise 403."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles_of(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

"""Who holds which role where, and what each role starts on and finds in the navigation.

The K-0 apps ask these helpers; they never read memberships directly, so the rules for
inactive users and schools live in one place. `k0.views.home` and the navigation context
processor read the start pages and links from here (by URL name: schools imports no K-0 app).
"""

from django.utils.translation import gettext_lazy as _

from .models import Membership, Role, School

# The page a role lands on after log-in, in order of precedence for users with several roles.
START_ORDER = [Role.PRINCIPAL, Role.COORDINATOR, Role.TEAM_MEMBER, Role.PROGRAMME_OFFICE]
START_PAGES = {
    Role.TEAM_MEMBER: "cases:list",
    Role.PRINCIPAL: "cases:principal_overview",
    Role.COORDINATOR: "cases:coordinator_home",
    Role.PROGRAMME_OFFICE: "indicators:dashboard",
}
# Navigation links, in order: (URL name, label, roles that see it). Hiding a link is never
# the check; each view checks for itself.
NAVIGATION = [
    ("reminders:my_work", _("My work"), {Role.TEAM_MEMBER, Role.COORDINATOR}),
    ("cases:list", _("Cases"), {Role.TEAM_MEMBER, Role.COORDINATOR}),
    ("cases:coordinator_home", _("My schools"), {Role.COORDINATOR}),
    ("cases:principal_overview", _("School overview"), {Role.PRINCIPAL}),
    ("indicators:dashboard", _("Indicators"), {Role.PROGRAMME_OFFICE}),
]


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


def start_page(user) -> str | None:
    """The URL name of the page the user starts on, by their first role in START_ORDER."""
    role = start_role(user)
    return START_PAGES[role] if role else None


def navigation_for(user) -> list[tuple[str, object]]:
    """(URL name, label) of the links for the roles the user holds; the administration
    links follow the user's staff flags."""
    roles = roles_of(user)
    links = [(name, label) for name, label, seen_by in NAVIGATION if roles & seen_by]
    if user.is_superuser:
        links.append(("privacy:search", _("Data-subject requests")))
    if user.is_staff:
        links.append(("admin:index", _("Administration")))
    return links


def users_with_role(school, role: str):
    """Active users who hold `role` in `school` (e.g. who can be on a case's team)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__school=school, memberships__role=role)
        .distinct()
    )


def belongs_to(user, school) -> bool:
    """Whether the user holds any role in `school`."""
    return Membership.objects.filter(user=user, school=school).exists()


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

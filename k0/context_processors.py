from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schools.models import Role
from schools.roles import roles_of


def navigation(request):
    """Navigation links for the roles the user holds; hiding a link is never the check."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    roles = roles_of(user)
    links = []
    if Role.TEAM_MEMBER in roles or Role.COORDINATOR in roles:
        links.append((reverse("reminders:my_work"), _("My work")))
        links.append((reverse("cases:list"), _("Cases")))
    if Role.COORDINATOR in roles:
        links.append((reverse("cases:coordinator_home"), _("My schools")))
    if Role.PRINCIPAL in roles:
        links.append((reverse("cases:principal_overview"), _("School overview")))
    if Role.PROGRAMME_OFFICE in roles:
        links.append((reverse("indicators:dashboard"), _("Indicators")))
    if user.is_superuser:
        links.append((reverse("privacy:search"), _("Data-subject requests")))
    if user.is_staff:
        links.append((reverse("admin:index"), _("Administration")))
    current = request.path
    return {
        "nav_links": [
            {"url": url, "label": label, "current": current.startswith(url)} for url, label in links
        ]
    }

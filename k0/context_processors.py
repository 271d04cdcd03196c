from django.urls import reverse

from schools.roles import navigation_for


def navigation(request):
    """Navigation links for the roles the user holds (`schools.roles.NAVIGATION`); hiding a
    link is never the check."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = [(reverse(name), label) for name, label in navigation_for(user)]
    current = request.path
    return {
        "nav_links": [
            {"url": url, "label": label, "current": current.startswith(url)} for url, label in links
        ]
    }

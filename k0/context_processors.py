from django.urls import reverse

from schools.roles import navigation_for


def navigation(request):
    """Navigation links for the roles the user holds (`schools.roles.NAVIGATION`); hiding a
    link is never the check."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = [(reverse(name), label) for name, label in navigation_for(user)]
    # The longest link the path starts with is the current one, and only that one:
    # "My schools" (/cases/my-schools/) is not also "Cases" (/cases/).
    matches = [url for url, _ in links if request.path.startswith(url)]
    current = max(matches, key=len) if matches else None
    return {
        "nav_links": [
            {"url": url, "label": label, "current": url == current} for url, label in links
        ]
    }

"""Steps of a city log-in as the Django test client takes them (with tests/oidc/provider.py)."""

from django.urls import reverse


def start_city_login(client, next_url="/"):
    """Presses "Log in with your city account"; returns the provider URL K-0 redirects to."""
    response = client.get(reverse("oidc_login"), {"next": next_url})
    assert response.status_code == 302, response
    return response["Location"]


def callback_path(url):
    """The provider sends the browser back to http://testserver/…: the test client's path."""
    assert url.startswith("http://testserver/"), url
    return url[len("http://testserver") :]


def city_log_in(provider, client, username, *, next_url="/", browser=None, **headers):
    """A whole city log-in: K-0 → the provider's log-in page → K-0's callback."""
    back = provider.log_in(start_city_login(client, next_url), username, browser=browser)
    return client.get(callback_path(back), **headers)

"""The city log-in in Chromium, through the real provider's own log-in and log-out pages.

The flow runs in a browser context that enforces K-0's Content Security Policy (the one for
axe-core bypasses it), so a policy that blocked the way to the provider — log-out is a form
whose answer redirects there — would fail here.
"""

import re
import threading
import time

from playwright.sync_api import expect

from k0.accounts.oidc.models import Identity
from schools.models import Membership, Role

from .conftest import assert_accessible

pytest_plugins = ["tests.oidc.plugin"]


def test_log_in_and_out_through_the_city_log_in(
    browser, browser_context_args, live_server, city_login, school
):
    city_login.allow_site(live_server.url)
    provider_user = city_login.add_user(
        "aila", name="Aila Opettaja", email="aila@koulu.example", locale="fi-FI"
    )

    checked = browser.new_context(**browser_context_args)  # axe-core needs the CSP bypassed
    context = browser.new_context(locale="fi-FI")
    page = checked.new_page()
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("#city-login")).to_be_visible()
    assert_accessible(page)
    checked.close()

    strict = context.new_page()
    blocked = []
    strict.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    try:
        # First log-in: the provider's page, then K-0 creates the user, with no role yet.
        strict.goto(f"{live_server.url}/login/")
        strict.locator("#city-login").click()
        strict.wait_for_url(re.compile("^" + re.escape(city_login.issuer) + "/interaction/"))
        strict.locator("#username").fill("aila")
        strict.locator("#password").fill("provider-password")
        strict.locator("#sign-in").click()
        strict.wait_for_url(f"{live_server.url}/")
        expect(strict.locator("h1")).to_contain_text("Sinulla ei ole vielä roolia")
        identity = Identity.objects.get(subject=provider_user["sub"])
        assert identity.user.email == "aila@koulu.example"

        # An administrator adds her to the school's K-0 team.
        Membership.objects.create(user=identity.user, school=school, role=Role.TEAM_MEMBER)
        strict.goto(f"{live_server.url}/")
        strict.wait_for_url(f"{live_server.url}/cases/")
        expect(strict.locator("h1")).to_have_text("Omat tapaukset")
        expect(strict.locator(".site-header__user")).to_contain_text("Aila Opettaja")

        # Log-out ends K-0's session and, on the provider's own page, the provider's.
        strict.locator(".site-header__user button[type=submit]").click()
        strict.wait_for_url(re.compile("^" + re.escape(city_login.issuer) + "/session/end"))
        strict.locator("#logout-yes").click()
        strict.wait_for_url(re.compile("^" + re.escape(live_server.url) + "/login/"))
        expect(strict.locator(".messages")).to_be_visible()
        strict.goto(f"{live_server.url}/cases/")
        strict.wait_for_url(re.compile(r"/login/\?next="))

        # Logging in again asks for the password at the provider again.
        strict.locator("#city-login").click()
        strict.wait_for_url(re.compile("^" + re.escape(city_login.issuer) + "/interaction/"))
        expect(strict.locator("#login-form")).to_be_visible()
        assert not blocked, blocked
    finally:
        context.close()
        wait_for_request_threads()


def wait_for_request_threads(timeout=5):
    """The live server answers each keep-alive connection in a thread that holds a database
    connection until the browser closes it; let them end, so that none outlives the test (on
    PostgreSQL the test database could not be dropped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)

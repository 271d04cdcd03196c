"""Fixtures for the city log-in tests: a real OpenID Connect provider, and K-0 set up for it.

Test modules load them with `pytest_plugins = ["tests.oidc.plugin"]`. Without Node.js (or
without `bin/setup dev` having installed the provider) the tests that need the provider are
skipped with the reason — except in CI (CI=true), where they must run and so fail instead.
"""

import copy
import os
from urllib.parse import urlsplit

import pytest

# k0/urls.py puts the OTP admin site in place at import when TWO_FACTOR_REQUIRED is on, and
# these tests turn that setting on: load the URLconf now, as configured for the test run, so
# that the admin of every later test does not depend on which test came first.
import k0.urls  # noqa: F401

from .provider import Provider, unavailable_reason


def _require_provider():
    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the city log-in tests: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    _require_provider()
    folder = tmp_path_factory.mktemp("oidc-provider")
    provider = Provider(folder / "state.json", folder / "provider.log").start()
    yield provider
    provider.stop()


@pytest.fixture
def city_login(oidc_provider, settings, db):
    """K-0 configured for the test provider, as the environment would configure it."""
    for name, value in oidc_provider.k0_settings().items():
        setattr(settings, name, value)
    # What k0/settings.py adds for OIDC_ISSUER: log-out may redirect a form to the provider.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    issuer = urlsplit(oidc_provider.issuer)
    policy["DIRECTIVES"]["form-action"].append(f"{issuer.scheme}://{issuer.netloc}")
    settings.CONTENT_SECURITY_POLICY = policy
    return oidc_provider


@pytest.fixture
def fresh_provider(tmp_path, settings, db):
    """A provider of the test's own, which the test may stop (the provider going down)."""
    _require_provider()
    provider = Provider(tmp_path / "state.json", tmp_path / "provider.log").start()
    for name, value in provider.k0_settings().items():
        setattr(settings, name, value)
    yield provider
    provider.stop()

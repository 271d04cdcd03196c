import warnings

import pytest
from django.core.cache import cache
from django.utils import translation

from schools.models import Role

from .accounts.factories import UserFactory
from .schools.factories import MembershipFactory, SchoolFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Production hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and one last check before it is dropped: a session a
    test left open (a worker process, a thread, the live server) would make PostgreSQL refuse
    to drop it and leave it behind. Such sessions are ended, and named in a warning."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from tests import worker_processes

    with django_db_blocker.unblock():
        left = worker_processes.other_connections(connection)
        if left:
            worker_processes.terminate(connection, [pid for pid, _, _ in left])
    if left:
        warnings.warn(
            f"sessions left open on the test database were ended: {left}",
            pytest.PytestWarning,
            stacklevel=1,
        )


@pytest.fixture(autouse=True)
def _rate_limit_counts(settings):
    """Rate-limit counts live in the cache: each test starts with none, in a cache of this
    process only (pytest-xdist workers must not count each other's requests)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "k0"}
    }
    cache.clear()


@pytest.fixture(autouse=True)
def _finnish():
    """Finnish is the product's default language; tests see what a Finnish user sees."""
    with translation.override("fi"):
        yield


@pytest.fixture
def school(db):
    return SchoolFactory(name="Testikoulu")


@pytest.fixture
def other_school(db):
    return SchoolFactory(name="Toinen koulu")


def _member(role, school, username):
    return MembershipFactory(user=UserFactory(username=username), school=school, role=role).user


@pytest.fixture
def team_member(school):
    return _member(Role.TEAM_MEMBER, school, "team_member")


@pytest.fixture
def case_team_member(school):
    return _member(Role.TEAM_MEMBER, school, "case_team_member")


@pytest.fixture
def principal(school):
    return _member(Role.PRINCIPAL, school, "principal")


@pytest.fixture
def coordinator(school):
    return _member(Role.COORDINATOR, school, "coordinator")


@pytest.fixture
def programme_office(db):
    return _member(Role.PROGRAMME_OFFICE, None, "programme_office")


@pytest.fixture
def outsider(other_school):
    """A K-0 team member of another school."""
    return _member(Role.TEAM_MEMBER, other_school, "outsider")


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", is_staff=True, is_superuser=True)


@pytest.fixture
def case(school, case_team_member, coordinator):
    """A case in referral, with the case-team member responsible and the coordinator."""
    from .cases.factories import make_case

    return make_case(school=school, responsible=case_team_member, coordinator=coordinator)

"""Every app's test factories in one import, for tests that span apps (the authorization
matrix, the browser tests). Each is defined next to its app's tests: `tests/<app>/factories.py`."""

from tests.accounts.factories import PASSWORD, UserFactory
from tests.cases.factories import CaseFactory, add_guardian, add_party, make_case
from tests.schools.factories import AreaFactory, MembershipFactory, SchoolFactory

__all__ = [
    "PASSWORD",
    "AreaFactory",
    "CaseFactory",
    "MembershipFactory",
    "SchoolFactory",
    "UserFactory",
    "add_guardian",
    "add_party",
    "make_case",
]

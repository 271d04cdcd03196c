# Cases' time freeze and helpers apply here too.
from tests.cases.conftest import _frozen_time, add_guardian, add_party  # noqa: F401

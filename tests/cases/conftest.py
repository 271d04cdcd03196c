import datetime as dt

import pytest
import time_machine

# Many tests import these from here; they live with the case factories.
from .factories import add_guardian, add_party

__all__ = ["add_guardian", "add_party"]

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _frozen_time():
    """Dates matter in the workflow (no future dates, overdue follow-ups)."""
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=True):
        yield

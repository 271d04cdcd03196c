import datetime as dt

import pytest
import time_machine

from k0.cases.choices import InformedHow, PartyKind, PartyRole
from k0.cases.models import Guardianship, Party

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _frozen_time():
    """Dates matter in the workflow (no future dates, overdue follow-ups)."""
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def add_party(case, name, *, role=PartyRole.CENTRAL, kind=PartyKind.PUPIL, **fields):
    return Party.objects.create(case=case, name=name, role=role, kind=kind, **fields)


def add_guardian(case, pupil, name, *, informed=True, **fields):
    guardian = add_party(case, name, role=pupil.role, kind=PartyKind.GUARDIAN, **fields)
    Guardianship.objects.create(
        guardian=guardian,
        pupil=pupil,
        informed_on=dt.date(2026, 9, 3) if informed else None,
        informed_how=InformedHow.PHONE if informed else "",
    )
    return guardian

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from k0.cases.choices import PartyKind, PartyRole
from k0.cases.models import CaseNote, FollowUp, Guardianship, Intervention, Party
from tests.factories import make_case

HELSINKI = ZoneInfo("Europe/Helsinki")
TODAY = dt.date(2026, 11, 27)  # a Friday

# Everything a child's record holds that must never leave K-0: checked against every
# e-mail, calendar file, log line and task message these tests produce.
PUPILS = ("Aada Esimerkki", "Veeti Virtanen")
GUARDIAN = "Anneli Esimerkki"
NARRATIVE = "Tönittiin portaissa ja kiusattiin Snapchatissa"
NOTE = "Seurantakeskustelu sujui hyvin kotona"
SECRETS = [
    *PUPILS,
    GUARDIAN,
    NARRATIVE,
    NOTE,
    "Aada",
    "Veeti",
    "Esimerkki",
    "Virtanen",
    "Anneli",
    "Snapchat",
    "portaissa",
]


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


@pytest.fixture(autouse=True)
def _frozen_time(request):
    """Dates matter here. Tests with a real worker run on real time: the worker process
    cannot see the frozen clock."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    with time_machine.travel(dt.datetime(2026, 11, 27, 7, 0, tzinfo=HELSINKI), tick=True):
        yield


def make_sensitive_case(*, school, responsible, coordinator=None, members=()):
    """A case whose record holds children's names and narrative everywhere it can."""
    case = make_case(
        school=school,
        responsible=responsible,
        coordinator=coordinator,
        members=members,
        known_at_referral=NARRATIVE,
        referral_source_detail=GUARDIAN,
    )
    case.summary = NARRATIVE
    case.plan = NARRATIVE
    case.save()
    pupils = [
        Party.objects.create(case=case, name=name, role=PartyRole.CENTRAL, kind=PartyKind.PUPIL)
        for name in PUPILS
    ]
    guardian = Party.objects.create(
        case=case, name=GUARDIAN, role=PartyRole.CENTRAL, kind=PartyKind.GUARDIAN
    )
    Guardianship.objects.create(guardian=guardian, pupil=pupils[0])
    CaseNote.objects.create(case=case, author=responsible, text=NARRATIVE)
    return case


@pytest.fixture
def case(school, case_team_member, coordinator):
    return make_sensitive_case(school=school, responsible=case_team_member, coordinator=coordinator)


def add_follow_up(case, due_date, responsible, **fields):
    return FollowUp.objects.create(
        case=case,
        due_date=due_date,
        responsible=responsible,
        notes=NOTE,
        next_step=NARRATIVE,
        **fields,
    )


def add_meeting(case, *, facilitators, date=dt.date(2026, 12, 3), start=dt.time(10, 0), **fields):
    fields.setdefault("duration_minutes", 90)
    fields.setdefault("status", "planned")
    intervention = Intervention.objects.create(
        case=case,
        kind="joint",
        date=date,
        start_time=start,
        summary=NARRATIVE,
        notes=NARRATIVE,
        external_participants=GUARDIAN,
        **fields,
    )
    intervention.facilitators.set(facilitators)
    intervention.participants.set(case.parties.all())
    return intervention


def all_text(message) -> str:
    """Subject, bodies, alternatives and attachments of an e-mail, as one string."""
    parts = [message.subject, message.body, *message.to]
    parts += [content for content, _ in getattr(message, "alternatives", [])]
    for attachment in message.attachments:
        if hasattr(attachment, "get_payload"):
            parts.append(attachment.get_payload(decode=True).decode())
        else:
            parts.append(str(attachment[1]))
    parts.append(message.message().as_string())
    return "\n".join(parts)


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Runs `action` as a request would: its after-commit work (what reminders does when a
    case changed, `k0.reminders.followers`) and the tasks that work enqueues run in-process,
    as a worker would run them."""
    from k0.celery import app

    def run(action):
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                return action()
        finally:
            app.conf.task_always_eager = False

    return run

"""Principals hear of each closure that awaits their acknowledgement: once, by reference."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from k0.cases.choices import PartyKind, PartyRole
from k0.cases.models import Guardianship, Party, PhaseChange
from k0.reminders.closures import closure_awaits_acknowledgement, deliver_closure_notices
from k0.reminders.models import ClosureNotice, DeliveryStatus
from k0.reminders.tasks import sweep_outbox_task
from schools.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory

from .conftest import GUARDIAN, NARRATIVE, all_text, assert_no_secrets

TEAM_NAMES = ["Tiina", "Tiimiläinen", "Kalle", "Koordinaattori", "Riitta", "Rehtori"]


@pytest.fixture
def eager():
    from k0.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def sent(eager, django_capture_on_commit_callbacks):
    """Runs `action` as a request would (its tasks run after commit); returns the e-mails."""

    def run(action):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        return result, mail.outbox[before:]

    return run


@pytest.fixture
def closable(case, case_team_member, coordinator, principal):
    """The sensitive case, ready to be closed as transferred: every central pupil's
    guardians informed. Everyone has a name that must not reach the principal's e-mail."""
    for user, (first, last) in zip(
        (case_team_member, coordinator, principal),
        zip(TEAM_NAMES[::2], TEAM_NAMES[1::2], strict=True),
        strict=True,
    ):
        user.first_name, user.last_name = first, last
        user.save()
    Guardianship.objects.update(informed_on=dt.date(2026, 9, 3), informed_how="phone")
    guardian = Party.objects.create(
        case=case, name=GUARDIAN, role=PartyRole.CENTRAL, kind=PartyKind.GUARDIAN
    )
    for pupil in case.parties.filter(kind=PartyKind.PUPIL, guardian_links__isnull=True):
        Guardianship.objects.create(
            guardian=guardian, pupil=pupil, informed_on=dt.date(2026, 9, 3), informed_how="phone"
        )
    return case


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def close(client, case):
    response = client.post(
        reverse("cases:close", args=[case.reference]),
        {"outcome": "transferred", "closing_summary": NARRATIVE, "aftercare_plan": NARRATIVE},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def reopen(client, case):
    response = client.post(reverse("cases:reopen", args=[case.reference]), {"reason": NARRATIVE})
    assert response.status_code == 302


def test_each_principal_of_the_school_is_told_once_by_reference_only(
    sent, team_client, closable, school, other_school, principal
):
    second = MembershipFactory(
        user=UserFactory(username="vararehtori"), school=school, role=Role.PRINCIPAL
    ).user
    MembershipFactory(user=UserFactory(email=""), school=school, role=Role.PRINCIPAL)
    MembershipFactory(user=UserFactory(), school=other_school, role=Role.PRINCIPAL)

    _, messages = sent(lambda: close(team_client, closable))

    assert sorted(m.to for m in messages) == sorted([[principal.email], [second.email]])
    progress = reverse("cases:progress", args=[closable.reference])
    for message in messages:
        text = all_text(message)
        assert closable.reference in text and progress in text
        assert_no_secrets(text)
        for name in TEAM_NAMES:
            assert name not in text
    (closure,) = PhaseChange.objects.filter(case=closable, to_phase="closed")
    assert ClosureNotice.objects.filter(closure=closure, status=DeliveryStatus.SENT).count() == 2

    # A second run of the task, the sweep, or queuing the same closure again send nothing.
    _, again = sent(lambda: closure_awaits_acknowledgement(closure=closure))
    assert again == []
    assert deliver_closure_notices(closure.pk) == {"sent": 0, "failed": 0}
    assert sweep_outbox_task()["closure_notices"] == 0
    assert len(mail.outbox) == 2


def test_a_case_reopened_and_closed_again_is_notified_again(sent, team_client, closable, principal):
    _, first = sent(lambda: close(team_client, closable))
    sent(lambda: reopen(team_client, closable))
    _, second = sent(lambda: close(team_client, closable))
    assert [m.to for m in first] == [[principal.email]]
    assert [m.to for m in second] == [[principal.email]]
    closures = PhaseChange.objects.filter(case=closable, to_phase="closed")
    assert ClosureNotice.objects.filter(closure__in=closures).count() == 2


def test_a_notice_left_pending_is_skipped_once_the_closure_is_acknowledged(
    client, closable, case_team_member, principal
):
    # The broker was down when the case was closed: the notice waits in the outbox.
    closure = closable.close(
        by=case_team_member, outcome="transferred", closing_summary=NARRATIVE, aftercare_plan=""
    )
    closure_awaits_acknowledgement(closure=closure)
    client.force_login(principal)
    client.post(reverse("cases:review", args=[closable.reference]), {"acknowledge": "1"})
    assert sweep_outbox_task()["closure_notices"] == 0
    assert mail.outbox == []
    assert ClosureNotice.objects.get().status == DeliveryStatus.SKIPPED


def test_the_sweep_sends_a_notice_the_broker_never_delivered(closable, case_team_member, principal):
    closure = closable.close(
        by=case_team_member, outcome="transferred", closing_summary=NARRATIVE, aftercare_plan=""
    )
    closure_awaits_acknowledgement(closure=closure)  # its task was never run
    assert sweep_outbox_task()["closure_notices"] == 1
    assert [m.to for m in mail.outbox] == [[principal.email]]


def test_the_sweep_tells_of_a_closure_whose_notices_were_never_written(
    closable, case_team_member, principal
):
    # The process that closed the case ended between the commit and its follower.
    closable.close(
        by=case_team_member, outcome="transferred", closing_summary=NARRATIVE, aftercare_plan=""
    )
    assert not ClosureNotice.objects.exists()
    result = sweep_outbox_task()
    assert result["closures_untold"] == 1
    assert [m.to for m in mail.outbox] == [[principal.email]]
    assert sweep_outbox_task()["closures_untold"] == 0
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_old_and_acknowledged_closures_alone(
    closable, case_team_member, principal
):
    closable.close(
        by=case_team_member, outcome="transferred", closing_summary=NARRATIVE, aftercare_plan=""
    )
    type(closable).objects.filter(pk=closable.pk).update(
        closed_at=closable.closed_at - dt.timedelta(days=31)
    )
    assert sweep_outbox_task()["closures_untold"] == 0
    assert mail.outbox == []


def test_the_notice_is_in_the_principals_language(sent, team_client, closable, principal):
    principal.language = "sv"
    principal.save()
    _, (message,) = sent(lambda: close(team_client, closable))
    assert '<html lang="sv">' in message.alternatives[0][0]


def test_principals_who_left_the_school_are_not_told(closable, case_team_member, principal, school):
    closure = closable.close(
        by=case_team_member, outcome="transferred", closing_summary=NARRATIVE, aftercare_plan=""
    )
    closure_awaits_acknowledgement(closure=closure)
    Membership.objects.filter(user=principal, school=school).delete()
    assert deliver_closure_notices(closure.pk) == {"sent": 0, "failed": 0}
    assert mail.outbox == []

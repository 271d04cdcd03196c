"""A case moves with the child: transfer to another school, and handover inside a school."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from k0.cases.choices import Phase
from k0.cases.models import AccessLog, Case, CaseTransfer, Handover
from k0.cases.transfers import TransferError
from schools.models import Role, SchoolKind
from tests.accounts.factories import UserFactory
from tests.cases.factories import make_case
from tests.schools.factories import MembershipFactory, SchoolFactory

from .conftest import add_party

CHILD = "Aada Siirtyvä"


def member(role, school, username):
    user = UserFactory(username=username, email=f"{username}@example.invalid")
    MembershipFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def world(db):
    primary = SchoolFactory(name="Ala-aste", kind=SchoolKind.PRIMARY)
    lower = SchoolFactory(name="Yläkoulu", kind=SchoolKind.LOWER_SECONDARY)
    people = {
        "sender": member(Role.TEAM_MEMBER, primary, "sender"),
        "sending_principal": member(Role.PRINCIPAL, primary, "sending_principal"),
        "receiver": member(Role.TEAM_MEMBER, lower, "receiver"),
        "receiving_principal": member(Role.PRINCIPAL, lower, "receiving_principal"),
        "receiving_coordinator": member(Role.COORDINATOR, lower, "receiving_coordinator"),
    }
    case = make_case(school=primary, responsible=people["sender"], phase=Phase.MAPPING)
    add_party(case, CHILD, grade=6)
    central = case.parties.filter(role="central", kind="pupil").count()
    return {"primary": primary, "lower": lower, "case": case, "central_before": central, **people}


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    from k0.celery import app

    def run(action):
        app.conf.task_always_eager = True
        before = len(mail.outbox)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                result = action()
        finally:
            app.conf.task_always_eager = False
        return result, mail.outbox[before:]

    return run


def login(client, user):
    client.force_login(user)
    return client


def test_the_whole_life_of_a_transfer(client, world, eager):
    case, sender = world["case"], world["sender"]
    propose = reverse("cases:transfer_propose", args=[case.reference])
    login(client, sender)

    # Proposed: the receiving principal and coordinator are told, by reference only.
    response, sent = eager(
        lambda: client.post(propose, {"to_school": world["lower"].pk, "reason": "Yläkouluun"})
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in sent) == [
        "receiving_coordinator@example.invalid",
        "receiving_principal@example.invalid",
    ]
    assert all(case.reference in m.subject and CHILD not in m.body for m in sent)
    first = CaseTransfer.objects.get()
    # A second proposal while one waits is refused with a message, nothing lost.
    response = client.post(propose, {"to_school": world["lower"].pk, "reason": "Uudestaan"})
    assert response.status_code == 200 and CaseTransfer.objects.count() == 1

    # Declined by the receiving principal: the proposer is told.
    login(client, world["receiving_principal"])
    answer = reverse("cases:transfer_answer", args=[first.pk])
    page = client.get(answer)
    assert page.status_code == 200 and b"Yl\xc3\xa4kouluun" not in page.content  # no reason
    response, sent = eager(lambda: client.post(answer, {"decision": "decline"}))
    assert response.status_code == 302
    assert [m.to for m in sent] == [["sender@example.invalid"]]
    case.refresh_from_db()
    assert case.school == world["primary"]

    # Proposed again, accepted by the coordinator with a responsible member there.
    login(client, sender)
    eager(lambda: client.post(propose, {"to_school": world["lower"].pk, "reason": "Uudestaan"}))
    second = CaseTransfer.objects.get(status="proposed")
    login(client, world["receiving_coordinator"])
    answer = reverse("cases:transfer_answer", args=[second.pk])
    assert b"Uudestaan" in client.get(answer).content  # the coordinator reads the reason
    response = client.post(answer, {"decision": "accept"})
    assert "responsible" in response.context["form"].errors
    response, sent = eager(
        lambda: client.post(answer, {"decision": "accept", "responsible": world["receiver"].pk})
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in sent) == ["receiver@example.invalid", "sender@example.invalid"]
    case.refresh_from_db()
    assert (case.school, case.responsible, case.reference) == (
        world["lower"],
        world["receiver"],
        first.case.reference,
    )
    assert AccessLog.objects.filter(case=case, user=world["receiving_coordinator"]).exists()
    assert case.history.filter(school=world["lower"]).exists()

    # The sending team lost access; the receiving team sees the whole case and its history.
    login(client, sender)
    assert client.get(case.get_absolute_url()).status_code == 404
    login(client, world["receiver"])
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert CHILD in body
    assert body.count('data-transfer-status="') == 2
    kinds = [entry.kind for entry in page.context["timeline"]]
    assert kinds.count("transfer") == 4  # two proposals, a decline and an acceptance
    assert client.get(reverse("cases:history", args=[case.reference])).status_code == 200

    # The sending principal keeps the pseudonymised progress up to the transfer.
    login(client, world["receiver"])
    add_party(case, "Myöhempi Oppilas")  # recorded at the new school after the transfer
    login(client, world["sending_principal"])
    page = client.get(reverse("cases:progress", args=[case.reference]))
    assert page.status_code == 200
    assert b'id="transferred-away"' in page.content
    before = world["central_before"]
    assert page.context["central_count"] == before  # not the party recorded afterwards
    assert CHILD.encode() not in page.content
    # The receiving principal sees the case's progress as their own school's.
    login(client, world["receiving_principal"])
    page = client.get(reverse("cases:progress", args=[case.reference]))
    assert page.status_code == 200 and page.context["central_count"] == before + 1


def test_a_closed_case_is_not_transferred_and_others_cannot_answer(world, client):
    case = world["case"]
    transfer = CaseTransfer.propose(
        case=case, to_school=world["lower"], reason="Syy", by=world["sender"]
    )
    with pytest.raises(TransferError):
        transfer.accept(by=world["sending_principal"], responsible=world["receiver"])
    login(client, world["sending_principal"])
    answer = reverse("cases:transfer_answer", args=[transfer.pk])
    assert client.get(answer).status_code == 404
    transfer.decline(by=world["receiving_principal"])
    Case.objects.filter(pk=case.pk).update(phase=Phase.CLOSED)
    case.refresh_from_db()
    with pytest.raises(TransferError):
        CaseTransfer.propose(case=case, to_school=world["lower"], reason="Syy", by=world["sender"])


def test_handover_by_the_coordinator_tells_the_previous_responsible(world, client, eager):
    case = world["case"]
    coordinator = member(Role.COORDINATOR, world["primary"], "coordinator")
    colleague = member(Role.TEAM_MEMBER, world["primary"], "colleague")
    login(client, coordinator)
    url = reverse("cases:handover", args=[case.reference])
    assert client.get(url).status_code == 200
    response, sent = eager(
        lambda: client.post(url, {"responsible": colleague.pk, "members": [colleague.pk]})
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.responsible == colleague
    handover = Handover.objects.get()
    assert (handover.previous_responsible, handover.by) == (world["sender"], coordinator)
    assert [m.to for m in sent] == [["sender@example.invalid"]]
    assert case.reference in sent[0].subject and CHILD not in sent[0].body
    assert AccessLog.objects.filter(case=case, user=coordinator, action="change").exists()
    # The previous responsible member is off the team now.
    login(client, world["sender"])
    assert client.get(case.get_absolute_url()).status_code == 404
    login(client, colleague)
    assert client.get(case.get_absolute_url()).status_code == 200


def test_handover_by_the_principal_offers_only_the_schools_team(world, client):
    case = world["case"]
    login(client, world["sending_principal"])
    url = reverse("cases:handover", args=[case.reference])
    response = client.post(url, {"responsible": world["receiver"].pk})  # another school's
    assert response.status_code == 200 and "responsible" in response.context["form"].errors
    login(client, world["receiving_principal"])
    assert client.get(url).status_code == 404


def test_earlier_cases_of_the_pupil_are_shown_and_access_logged(world, client):
    sender = world["sender"]
    earlier = make_case(school=world["primary"], responsible=sender)
    pupil = world["case"].parties.get(name=CHILD)
    add_party(earlier, CHILD, person=pupil.person)
    hidden = make_case(school=world["lower"], responsible=world["receiver"])
    add_party(hidden, CHILD, person=pupil.person)
    login(client, sender)
    response = client.get(reverse("cases:earlier_cases", args=[world["case"].reference]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-earlier-case="{earlier.reference}"' in body
    assert hidden.reference not in body
    assert AccessLog.objects.filter(case=earlier, user=sender, view="cases:earlier_cases").exists()
    assert not AccessLog.objects.filter(case=hidden).exists()


def test_retention_blanks_the_reason_and_answer_of_transfers(world):
    from k0.privacy.retention import pseudonymise_case

    case = world["case"]
    transfer = CaseTransfer.propose(
        case=case, to_school=world["lower"], reason=f"{CHILD} muuttaa", by=world["sender"]
    )
    transfer.decline(by=world["receiving_principal"], answer=f"{CHILD} jää")
    Case.objects.filter(pk=case.pk).update(
        phase=Phase.CLOSED, outcome="resolved", closed_at="2015-06-01T12:00:00Z"
    )
    assert pseudonymise_case(case.pk, policy="test")
    transfer.refresh_from_db()
    assert (transfer.reason, transfer.answer) == ("", "")
    assert not transfer.history.exclude(reason="").exists()


def test_a_closed_case_is_not_handed_over(world, client):
    case = world["case"]
    Case.objects.filter(pk=case.pk).update(phase=Phase.CLOSED)
    login(client, world["sending_principal"])
    url = reverse("cases:handover", args=[case.reference])
    response = client.post(url, {"responsible": world["sender"].pk})
    assert response.status_code == 302
    assert not Handover.objects.exists()


def test_accepting_hands_the_open_work_to_the_receiving_school(world):
    """After the transfer nobody at the sending school can see the case: its open follow-up,
    active safety measure and planned meeting must not stay with them."""
    from k0.cases.models import FollowUp, Intervention
    from k0.cases.models_duties import SafetyMeasure

    case, sender, receiver = world["case"], world["sender"], world["receiver"]
    today = timezone.localdate()
    follow_up = FollowUp.objects.create(
        case=case, due_date=today + dt.timedelta(days=7), responsible=sender
    )
    measure = SafetyMeasure.objects.create(
        case=case, kind="supervised_breaks", what="Välitunnit", owner=sender, starts_on=today
    )
    meeting = Intervention.objects.create(
        case=case, kind="joint", status="planned", date=today + dt.timedelta(days=3)
    )
    meeting.facilitators.add(sender)
    transfer = CaseTransfer.propose(
        case=case, to_school=world["lower"], reason="Yläkouluun", by=sender
    )
    transfer.accept(by=world["receiving_coordinator"], responsible=receiver)

    follow_up.refresh_from_db()
    measure.refresh_from_db()
    assert follow_up.responsible == receiver
    assert measure.owner == receiver
    assert list(meeting.facilitators.all()) == []


def test_a_principal_cannot_hand_a_case_to_themselves(world, client):
    """A principal who is also on the school's K-0 team would otherwise reach the records
    principals never see by naming themselves."""
    case, principal = world["case"], world["sending_principal"]
    MembershipFactory(user=principal, school=world["primary"], role=Role.TEAM_MEMBER)
    login(client, principal)
    url = reverse("cases:handover", args=[case.reference])
    response = client.post(url, {"responsible": principal.pk, "members": [principal.pk]})
    assert response.status_code == 200
    assert "responsible" in response.context["form"].errors
    case.refresh_from_db()
    assert case.responsible == world["sender"]

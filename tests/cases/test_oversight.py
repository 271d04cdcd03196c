import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext

from k0.cases.models import AccessLog, Case, CaseNote, FollowUp, Intervention, PrincipalReview
from k0.cases.pseudonyms import PartyRef, letters, pseudonyms
from k0.cases.services import set_case_team
from schools.models import Membership, Role
from tests.factories import make_case

from .conftest import add_guardian, add_party

NAMES = ["Aada Salainen", "Bertil Salainen", "Anna Salainen", "Opettaja Salainen"]
NOTE = "Arkaluonteinen merkintä kotitilanteesta"
SUMMARY = "Yhteenveto, jota rehtori ei saa nähdä"


@pytest.fixture
def busy_case(case, case_team_member):
    a = add_party(case, NAMES[0], heard_on=dt.date(2026, 9, 5))
    add_party(case, NAMES[1], role="bystander")
    add_guardian(case, a, NAMES[2])
    add_party(case, NAMES[3], kind="staff")
    intervention = Intervention.objects.create(
        case=case, kind="joint", date=dt.date(2026, 10, 1), notes=NOTE, summary=NOTE
    )
    intervention.participants.add(a)
    CaseNote.objects.create(case=case, author=case_team_member, text=NOTE)
    case.summary = SUMMARY
    case.known_at_referral = SUMMARY
    case.save()
    FollowUp.objects.create(case=case, due_date=dt.date(2026, 11, 1), responsible=case_team_member)
    return case


def assert_no_personal_data(body):
    for secret in [*NAMES, NOTE, SUMMARY]:
        assert secret not in body


def test_principal_overview_shows_progress_signals_without_names(client, principal, busy_case):
    client.force_login(principal)
    response = client.get(reverse("cases:principal_overview"))
    body = response.content.decode()
    assert busy_case.reference in body
    assert response.context["rows"][0]["case"].overdue_follow_ups == 1
    assert_no_personal_data(body)


def test_principal_sees_pseudonyms_not_names(client, principal, busy_case):
    client.force_login(principal)
    response = client.get(reverse("cases:progress", args=[busy_case.reference]))
    assert response.status_code == 200
    body = response.content.decode()
    assert_no_personal_data(body)
    pseudonyms_shown = [row["pseudonym"] for row in response.context["parties"]]
    # Bystanders are listed first (role order), pseudonyms follow the order of entry.
    assert pseudonyms_shown == [
        "Oppilas B",
        "Oppilas A, huoltaja",
        "Oppilas A",
        "Henkilökunnan jäsen A",
    ]
    for pseudonym in pseudonyms_shown:
        assert pseudonym in body


def test_pseudonyms_are_stable_and_name_guardians_after_pupils():
    labels = {"pupil": "Pupil", "guardian": "Guardian", "staff": "Staff", "other": "Other"}
    parties = [
        PartyRef(5, "pupil"),
        PartyRef(7, "guardian", (5,)),
        PartyRef(8, "guardian", (5,)),
        PartyRef(9, "pupil"),
        PartyRef(11, "staff"),
        PartyRef(12, "guardian", ()),
    ]
    names = pseudonyms(parties, labels, "Guardian of %(pupil)s")
    assert names == {
        5: "Pupil A",
        9: "Pupil B",
        11: "Staff A",
        7: "Guardian of Pupil A",
        8: "Guardian of Pupil A (2)",
        12: "Guardian A",
    }
    assert pseudonyms(reversed(parties), labels, "Guardian of %(pupil)s") == names
    assert [letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_principal_of_another_school_gets_404(client, busy_case, other_school):
    from tests.factories import MembershipFactory

    other = MembershipFactory(school=other_school, role=Role.PRINCIPAL).user
    client.force_login(other)
    assert client.get(reverse("cases:progress", args=[busy_case.reference])).status_code == 404
    assert client.get(busy_case.get_absolute_url()).status_code == 404


def test_principal_on_the_case_team_sees_the_full_case(
    client, principal, busy_case, case_team_member, school
):
    Membership.objects.create(user=principal, school=school, role=Role.TEAM_MEMBER)
    set_case_team(
        case=busy_case,
        responsible=case_team_member,
        members=[principal],
        coordinator=None,
        by=case_team_member,
    )
    client.force_login(principal)
    response = client.get(reverse("cases:progress", args=[busy_case.reference]))
    assert response.status_code == 302 and response.url == busy_case.get_absolute_url()
    assert NOTE in client.get(busy_case.get_absolute_url()).content.decode()


def test_principal_acknowledges_closure_with_history(client, principal, case, case_team_member):
    case.close(
        by=case_team_member, outcome="transferred", closing_summary="Siirretty.", aftercare_plan=""
    )
    client.force_login(principal)
    overview = client.get(reverse("cases:principal_overview"), {"show": "awaiting"})
    assert overview.context["awaiting_count"] == 1
    client.post(
        reverse("cases:review", args=[case.reference]),
        {"acknowledge": "1", "comment": "Hyvin hoidettu."},
    )
    case.refresh_from_db()
    assert case.closure_acknowledged_at is not None
    review = PrincipalReview.objects.get(case=case)
    assert review.acknowledges_closure and review.author == principal
    assert case.history.latest().history_user == principal
    overview = client.get(reverse("cases:principal_overview"), {"show": "awaiting"})
    assert overview.context["awaiting_count"] == 0


def test_case_team_sees_the_principals_comments_and_acknowledgement(
    client, principal, case, case_team_member
):
    principal.first_name, principal.last_name = "Riitta", "Rehtori"
    principal.save()
    review_url = reverse("cases:review", args=[case.reference])
    client.force_login(principal)
    client.post(review_url, {"comment": "Muistakaa jälkiseuranta."})
    case.close(
        by=case_team_member, outcome="transferred", closing_summary="Siirretty.", aftercare_plan=""
    )

    client.force_login(case_team_member)
    body = client.get(case.get_absolute_url()).content.decode()
    assert 'id="principal-review"' in body and 'id="acknowledgement-awaited"' in body
    assert "27.11.2026 Riitta Rehtori: Muistakaa jälkiseuranta." in body

    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)):
        client.force_login(principal)
        response = client.post(review_url, {"acknowledge": "1", "comment": "Kuitattu, kiitos."})
        assert response.url == reverse("cases:progress", args=[case.reference])
        client.force_login(case_team_member)
        response = client.get(case.get_absolute_url())
    body = response.content.decode()
    assert 'id="acknowledgement-awaited"' not in body
    acknowledged = "30.11.2026 Riitta Rehtori – {}: Kuitattu, kiitos.".format(
        gettext("acknowledged the closure")
    )
    assert acknowledged in body
    assert body.index(acknowledged) < body.index("27.11.2026 Riitta Rehtori: Muistakaa")
    reviews = [
        (entry.when.date(), entry.text, entry.by, entry.anchor)
        for entry in response.context["timeline"]
        if entry.kind == "review"
    ]
    assert reviews == [
        (dt.date(2026, 11, 30), "Kuitattu, kiitos.", "Riitta Rehtori", "principal-review"),
        (dt.date(2026, 11, 27), "Muistakaa jälkiseuranta.", "Riitta Rehtori", "principal-review"),
    ]
    titles = {e.title for e in response.context["timeline"] if e.kind == "review"}
    assert len(titles) == 2  # an acknowledgement reads differently from a comment


def test_open_case_cannot_be_acknowledged_but_can_be_commented(client, principal, case):
    client.force_login(principal)
    client.post(reverse("cases:review", args=[case.reference]), {"acknowledge": "1"})
    case.refresh_from_db()
    assert case.closure_acknowledged_at is None
    client.post(reverse("cases:review", args=[case.reference]), {"comment": "Miten menee?"})
    assert PrincipalReview.objects.get(case=case).comment == "Miten menee?"


def test_coordinator_sees_assigned_cases_across_schools(
    client, coordinator, case, other_school, outsider
):
    Membership.objects.create(user=coordinator, school=other_school, role=Role.COORDINATOR)
    elsewhere = make_case(school=other_school, responsible=outsider, coordinator=coordinator)
    unassigned = make_case(school=other_school, responsible=outsider)
    client.force_login(coordinator)
    response = client.get(reverse("cases:coordinator_home"))
    shown = {row["case"].reference for row in response.context["rows"]}
    assert shown == {case.reference, elsewhere.reference}
    assert unassigned.reference not in response.content.decode()
    assert client.get(unassigned.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "name", ["detail", "edit_referral", "edit_work", "team", "history", "parties_add", "close"]
)
def test_every_case_page_writes_exactly_one_access_log_row(client, case, case_team_member, name):
    client.force_login(case_team_member)
    before = AccessLog.objects.count()
    assert client.get(reverse(f"cases:{name}", args=[case.reference])).status_code == 200
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert len(rows) == 1
    assert (rows[0].user, rows[0].case, rows[0].role, rows[0].action) == (
        case_team_member,
        case,
        "case_team",
        "view",
    )
    assert rows[0].view == f"cases:{name}"


def test_progress_page_is_logged_and_shows_who_opened(client, principal, case, case_team_member):
    client.force_login(case_team_member)
    client.get(case.get_absolute_url())
    client.force_login(principal)
    response = client.get(reverse("cases:progress", args=[case.reference]))
    logs = list(response.context["access_log"])
    assert [(log.user, log.action) for log in logs] == [
        (principal, "progress"),
        (case_team_member, "view"),
    ]
    assert str(case_team_member) in response.content.decode()


def test_refused_access_writes_no_row(client, outsider, case):
    client.force_login(outsider)
    client.get(case.get_absolute_url())
    assert not AccessLog.objects.exists()


def test_case_team_sees_who_changed_what(client, case, case_team_member):
    client.force_login(case_team_member)
    client.post(
        reverse("cases:edit_work", args=[case.reference]),
        {"summary": "Muutettu", "root_causes": ["old_quarrel"]},
    )
    response = client.get(reverse("cases:history", args=[case.reference]))
    rows = response.context["rows"]
    changed = [row for row in rows if row["type"] == "muutettu"] or [
        row for row in rows if row["fields"]
    ]
    assert changed and changed[0]["who"] == case_team_member
    assert "tapauksen yhteenveto" in changed[0]["fields"]


@pytest.mark.django_db(transaction=True)
def test_access_log_is_append_only_in_postgresql(case, case_team_member):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    entry = AccessLog.objects.create(
        case=case, user=case_team_member, role="case_team", action="view", view="cases:detail"
    )
    from django.db import DatabaseError

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(view="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()
    assert AccessLog.objects.get(pk=entry.pk).view == "cases:detail"
    assert Case.objects.filter(pk=case.pk).exists()


def test_progress_counts_central_and_bystander_parties_as_the_indicators_do(
    client, principal, case, settings
):
    """Two central pupils with a guardian each, central and bystander staff, a bystander
    pupil and a group of 10: 2 central parties and 11 bystander parties, on the principal's
    page and in the programme office's figures alike."""

    from k0.cases.choices import Outcome
    from k0.cases.models import PartyGroup
    from k0.indicators.periods import calendar_year
    from k0.indicators.report import report

    for name in ("Keskeinen Yksi", "Keskeinen Kaksi"):
        pupil = add_party(case, name, grade=4)
        add_guardian(case, pupil, f"Huoltaja {name}")
    add_party(case, "Opettaja Keskeinen", kind="staff")
    add_party(case, "Opettaja Sivullinen", kind="staff", role="bystander")
    add_party(case, "Sivullinen Oppilas", role="bystander", grade=4)
    PartyGroup.objects.create(case=case, name="4A", head_count=10, grade=4)
    client.force_login(principal)

    response = client.get(reverse("cases:progress", args=[case.reference]))

    assert response.context["central_count"] == 2
    assert response.context["bystander_count"] == 11
    body = response.content.decode()
    assert '<dd id="central-parties">2 ' in body
    assert '<dd id="bystander-parties">11 ' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("cases:progress", args=[case.reference])).content.decode()
    assert "Pupils recorded as central parties." in page
    assert "plus the head counts of bystander groups." in page

    settings.K0_SUPPRESSION_THRESHOLD = 1
    Case.objects.filter(pk=case.pk).update(
        phase="closed", outcome=Outcome.RESOLVED, closed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    )
    published = report(calendar_year(2026))
    assert published.city_value("parties", "central_parties_resolved").number == 2
    assert published.city_value("parties", "bystander_parties_resolved").number == 11

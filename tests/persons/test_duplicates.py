"""Likely duplicate person records: proposed by a command, merged by an administrator after
review (logged, reversible), never automatically."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from k0.cases.choices import Outcome, Phase
from k0.cases.models import AccessLog, Case, Party, Person, PersonDuplicate, PersonMerge
from k0.indicators.periods import calendar_year
from k0.indicators.report import report
from tests.cases.factories import make_case

from .conftest import add_party
from .test_person_records import learner_number


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def two_records(school, case_team_member, settings):
    """The same child recorded twice (two cases, two records), and a namesake born another
    year, and a guardian with the child's name."""
    settings.K0_SUPPRESSION_THRESHOLD = 1
    cases = [make_case(school=school, responsible=case_team_member) for _ in range(3)]
    for n, case in enumerate(cases[:2]):
        Case.objects.filter(pk=case.pk).update(
            phase=Phase.CLOSED,
            outcome=Outcome.RESOLVED,
            closed_at=dt.datetime(2025, 3 + n, 1, 12, tzinfo=dt.UTC),
        )
    a = add_party(cases[0], "Aada Kaksoiskirjattu")
    b = add_party(cases[1], "aada kaksoiskirjattu")
    namesake = add_party(cases[2], "Aada Kaksoiskirjattu")
    add_party(cases[2], "Aada Kaksoiskirjattu", kind="guardian")
    Person.objects.filter(pk__in=[a.person_id, b.person_id]).update(birth_year=2012)
    Person.objects.filter(pk=namesake.person_id).update(birth_year=2010)
    return a, b


def central(year=2025):
    return report(calendar_year(year)).city_figure("central_parties_resolved").number


def test_the_command_proposes_likely_duplicates_and_merges_nothing(two_records, capsys):
    a, b = two_records
    call_command("propose_person_duplicates")
    assert "1 new" in capsys.readouterr().out
    (pair,) = PersonDuplicate.objects.all()
    assert {pair.first_id, pair.second_id} == {a.person_id, b.person_id}
    assert pair.reason == "name_and_birth_year"
    assert not PersonMerge.objects.exists()
    call_command("propose_person_duplicates")
    assert PersonDuplicate.objects.count() == 1, "not proposed twice"

    Person.objects.filter(pk=b.person_id).update(birth_year=None)
    number = learner_number("6789012345")
    Person.objects.filter(pk__in=[a.person_id, b.person_id]).update(learner_number=number)
    PersonDuplicate.objects.all().delete()
    call_command("propose_person_duplicates")
    assert PersonDuplicate.objects.get().reason == "learner_number"


def test_an_administrator_merges_after_review_and_can_undo(
    two_records, admin_client, administrator
):
    a, b = two_records
    call_command("propose_person_duplicates")
    pair = PersonDuplicate.objects.get()
    assert central() == 2

    url = reverse("privacy:duplicate_review", args=[pair.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert a.case.reference in page.content.decode() and b.case.reference in page.content.decode()
    response = admin_client.post(url, {"action": "merge", "keep": a.person_id})
    assert response.status_code == 302
    merge = PersonMerge.objects.get()
    assert (merge.kept_id, merge.merged_id, merge.merged_by) == (
        a.person_id,
        b.person_id,
        administrator,
    )
    assert Party.objects.get(pk=b.pk).person_id == a.person_id
    assert central() == 1, "one child now"
    assert AccessLog.objects.filter(case=b.case, user=administrator, action="change").exists()
    assert Party.history.filter(id=b.pk, person_id=a.person_id).exists()

    response = admin_client.post(reverse("privacy:merge_undo", args=[merge.pk]))
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == administrator
    assert Party.objects.get(pk=b.pk).person_id == b.person_id
    assert central() == 2
    assert PersonDuplicate.objects.get().is_open, "back for review"


def test_dismissing_keeps_both_records(two_records, admin_client):
    call_command("propose_person_duplicates")
    pair = PersonDuplicate.objects.get()
    url = reverse("privacy:duplicate_review", args=[pair.pk])
    assert admin_client.post(url, {"action": "dismiss"}).status_code == 302
    pair.refresh_from_db()
    assert pair.dismissed_at is not None and not PersonMerge.objects.exists()
    assert admin_client.get(reverse("privacy:duplicates")).status_code == 200

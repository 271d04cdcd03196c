"""Person records: one person across cases, linked or created explicitly, in retention,
data-subject export and erasure."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from k0.cases.models import Party, Person
from k0.cases.persons import learner_number_check_digit, validate_learner_number
from k0.privacy.retention import pseudonymise_case
from k0.privacy.subject import erase_party, party_record
from tests.factories import make_case

from .conftest import add_party


def learner_number(payload: str) -> str:
    return f"1.2.246.562.24.{payload}{learner_number_check_digit(payload)}"


def test_learner_number_is_an_oid_with_its_check_digit():
    validate_learner_number("1.2.246.562.24.10000000003")  # 1 × 7 = 7, so the digit is 3
    good = learner_number("1234567890")
    validate_learner_number(good)
    wrong_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
    for bad in (wrong_digit, "1.2.246.562.10.12345678901", "010203A123B", "1.2.246.562.24.1"):
        with pytest.raises(ValidationError):
            validate_learner_number(bad)


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def _add(client, case, **data):
    url = reverse("cases:parties_add", args=[case.reference])
    return client.post(url, {"role": "central", "kind": "pupil", **data})


def test_a_new_party_gets_a_new_person_with_birth_year_and_learner_number(team_client, case):
    number = learner_number("2345678901")
    response = _add(
        team_client, case, name="Aada Esimerkki", birth_year=2013, learner_number=number
    )
    assert response.status_code == 302
    party = Party.objects.get(case=case)
    assert (party.person.name, party.person.birth_year) == ("Aada Esimerkki", 2013)
    assert party.person.learner_number == number
    assert party.person.history.get().history_user == party.history.get().history_user


def test_a_bad_learner_number_is_refused_and_the_form_keeps_what_was_typed(team_client, case):
    response = _add(team_client, case, name="Aada Esimerkki", learner_number="120313-123A")
    assert response.status_code == 200
    assert "learner_number" in response.context["form"].errors
    assert 'value="Aada Esimerkki"' in response.content.decode()
    assert not Party.objects.exists() and not Person.objects.exists()


def test_earlier_record_is_offered_and_linked_only_when_chosen(
    team_client, case, school, case_team_member
):
    earlier_case = make_case(school=school, responsible=case_team_member)
    earlier = add_party(earlier_case, "Aada Esimerkki")
    Person.objects.filter(pk=earlier.person_id).update(birth_year=2013)

    response = _add(team_client, case, name="aada esimerkki", birth_year=2013)
    assert response.status_code == 200, "a possible earlier record needs an explicit choice"
    form = response.context["form"]
    assert "person_choice" in form.errors
    choices = dict(form.fields["person_choice"].choices)
    assert str(earlier.person_id) in choices and "new" in choices
    assert earlier_case.reference in choices[str(earlier.person_id)]
    assert not Party.objects.filter(case=case).exists()

    response = _add(
        team_client, case, name="aada esimerkki", birth_year=2013, person_choice=earlier.person_id
    )
    assert response.status_code == 302
    assert Party.objects.get(case=case).person_id == earlier.person_id


def test_creating_a_new_record_despite_a_match_keeps_two_persons(
    team_client, case, school, case_team_member
):
    earlier_case = make_case(school=school, responsible=case_team_member)
    number = learner_number("3456789012")
    earlier = add_party(earlier_case, "Aada E.")
    Person.objects.filter(pk=earlier.person_id).update(learner_number=number)
    response = _add(
        team_client, case, name="Aada Esimerkki", learner_number=number, person_choice="new"
    )
    assert response.status_code == 302
    assert Party.objects.get(case=case).person_id != earlier.person_id
    assert Person.objects.filter(learner_number=number).count() == 2


def test_records_of_cases_the_user_may_not_see_are_never_offered(
    team_client, case, other_school, outsider, school, team_member
):
    number = learner_number("4567890123")
    for foreign_case in (
        make_case(school=other_school, responsible=outsider),
        make_case(school=school, responsible=team_member),  # same school, not on its team
    ):
        foreign = add_party(foreign_case, "Aada Esimerkki")
        Person.objects.filter(pk=foreign.person_id).update(birth_year=2013, learner_number=number)
    response = _add(
        team_client, case, name="Aada Esimerkki", birth_year=2013, learner_number=number
    )
    assert response.status_code == 302, "no candidate: the party is saved with a new person"
    assert Person.objects.count() == 3


def test_migration_gives_every_existing_party_a_person_of_its_own(transactional_db):
    executor = MigrationExecutor(connection)
    before = [("cases", "0015_per_party_follow_up"), ("schools", "0002_area_swedish_name")]
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    School = apps.get_model("schools", "School")
    Area = apps.get_model("schools", "Area")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    area = Area.objects.create(name="Etelä")
    school = School.objects.create(name="Koulu", area=area, kind="primary")
    user = User.objects.create(username="u")
    parties = []
    for n in (1, 2):
        case = Case.objects.create(
            reference=f"K0-2020-000{n}",
            school=school,
            referred_on=dt.date(2020, 1, n),
            referral_source="pupil",
            responsible=user,
            created_by=user,
        )
        parties += [
            Party.objects.create(case=case, name="Aada", role="central", kind="pupil"),
            Party.objects.create(case=case, name="Anna", role="central", kind="guardian"),
        ]

    executor = MigrationExecutor(connection)
    after = [("cases", "0017_parties_to_persons"), ("schools", "0002_area_swedish_name")]
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Party = apps.get_model("cases", "Party")
    linked = {p.pk: (p.person_id, p.person.name, p.person.kind) for p in Party.objects.all()}
    assert len({person for person, _, _ in linked.values()}) == 4, "one person per party"
    assert sorted((name, kind) for _, name, kind in linked.values()) == [
        ("Aada", "pupil"),
        ("Aada", "pupil"),
        ("Anna", "guardian"),
        ("Anna", "guardian"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _closed_long_ago(case):
    from k0.cases.models import Case

    Case.objects.filter(pk=case.pk).update(
        phase="closed", outcome="resolved", closed_at=dt.datetime(2015, 6, 1, tzinfo=dt.UTC)
    )


def test_retention_deletes_a_person_only_when_no_case_of_theirs_is_left(
    case, school, case_team_member
):
    later = make_case(school=school, responsible=case_team_member)
    first = add_party(case, "Aada Esimerkki")
    add_party(later, "Aada Esimerkki", person=first.person)
    alone = add_party(case, "Bertta Esimerkki")
    _closed_long_ago(case)
    assert pseudonymise_case(case.pk, policy="test")
    assert Person.objects.filter(pk=first.person_id).exists(), "still in an open case"
    assert not Person.objects.filter(pk=alone.person_id).exists()
    assert not Person.history.filter(id=alone.person_id).exists()
    alone.refresh_from_db()
    assert alone.person_id is None and alone.name != "Bertta Esimerkki"

    _closed_long_ago(later)
    assert pseudonymise_case(later.pk, policy="test")
    assert not Person.objects.filter(pk=first.person_id).exists()


def test_subject_export_and_erasure_cover_the_person(case, school, case_team_member):
    later = make_case(school=school, responsible=case_team_member)
    pupil = add_party(case, "Aada Esimerkki")
    Person.objects.filter(pk=pupil.person_id).update(
        birth_year=2013, learner_number=learner_number("5678901234")
    )
    add_party(later, "Aada Esimerkki", person=pupil.person)
    pupil.refresh_from_db()
    record = party_record(pupil)
    assert record["person"]["name"] == "Aada Esimerkki"
    assert record["person"]["birth_year"] == 2013
    assert sorted(record["person"]["cases"]) == sorted([case.reference, later.reference])

    erase_party(pupil)
    person = Person.objects.get(pk=pupil.person_id)
    assert person.name != "Aada Esimerkki"
    assert (person.birth_year, person.learner_number) == (None, "")
    assert not person.history.filter(name="Aada Esimerkki").exists()

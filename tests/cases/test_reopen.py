"""A case whose personal data was removed by retention is never reopened; a new case that
refers to it takes over its school and categorical referral fields, nothing personal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from k0.cases.choices import Phase
from k0.cases.models import Case, PhaseError
from k0.privacy.retention import apply_retention

from .conftest import add_party

SECRET = "Salainen Oppilas"


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


@pytest.fixture
def purged(case, case_team_member):
    """The fixture case, referred by the police, closed in 2019 and pseudonymised since."""
    Case.objects.filter(pk=case.pk).update(
        referral_source="police",
        locations=["school_day"],
        already_tried=["kiva_team"],
        referral_source_detail="Salainen poliisi",
        already_tried_notes="Salainen yritys",
    )
    add_party(case, SECRET, role="bystander")
    case.close(
        by=case_team_member,
        outcome="discontinued",
        closing_summary="Salainen yhteenveto",
        aftercare_plan="",
    )
    Case.objects.filter(pk=case.pk).update(closed_at=dt.datetime(2019, 6, 1, 12, tzinfo=dt.UTC))
    assert apply_retention().done == 1
    case.refresh_from_db()
    assert case.personal_data_removed
    return case


def test_a_pseudonymised_case_cannot_be_reopened(purged, case_team_member):
    with pytest.raises(PhaseError) as refused, translation.override("en"):
        purged.reopen(by=case_team_member, reason="Kiusaaminen alkoi uudelleen.")
    assert "Open a new case that refers to it instead" in str(refused.value)
    purged.refresh_from_db()
    assert purged.phase == Phase.CLOSED and purged.closed_at is not None


def test_a_closed_case_with_its_data_is_still_reopened(case, case_team_member):
    case.close(by=case_team_member, outcome="discontinued", closing_summary="x", aftercare_plan="")
    case.reopen(by=case_team_member, reason="Kiusaaminen alkoi uudelleen.")
    assert case.phase == Phase.FOLLOW_UP


def test_reopen_page_says_why_and_offers_a_new_case(team_client, purged):
    url = reverse("cases:reopen", args=[purged.reference])
    response = team_client.get(url)
    assert response.status_code == 200
    assert response.context["errors"] and 'name="reason"' not in response.content.decode()
    assert reverse("cases:follow_on", args=[purged.reference]) in response.content.decode()
    response = team_client.post(url, {"reason": "Tilanne uusiutui."})
    assert response.status_code == 200 and response.context["errors"]
    purged.refresh_from_db()
    assert purged.phase == Phase.CLOSED


def test_case_page_of_a_pseudonymised_case_offers_a_new_case_instead_of_reopening(
    team_client, purged
):
    body = team_client.get(purged.get_absolute_url()).content.decode()
    assert 'id="data-removed"' in body
    assert reverse("cases:follow_on", args=[purged.reference]) in body
    assert reverse("cases:reopen", args=[purged.reference]) not in body


def test_new_case_follows_the_old_one_and_copies_nothing_personal(
    team_client, purged, school, case_team_member
):
    url = reverse("cases:follow_on", args=[purged.reference])
    response = team_client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["school"] == school.pk
    assert form.initial["referral_source"] == "police"
    assert form.initial["forms_of_bullying"] == purged.forms_of_bullying
    assert form.initial["locations"] == ["school_day"]
    assert "known_at_referral" not in form.initial
    assert 'id="follows-note"' in response.content.decode()

    response = team_client.post(
        url,
        {
            "school": school.pk,
            "responsible": case_team_member.pk,
            "referred_on": "2026-11-20",
            "referral_source": "police",
            "forms_of_bullying": ["verbal"],
            "known_at_referral": "Uusi tilanne",
        },
    )
    new = Case.objects.exclude(pk=purged.pk).get()
    assert response.status_code == 302 and response.url == new.get_absolute_url()
    assert new.follows == purged and new.phase == Phase.REFERRAL
    assert new.referral_source_detail == "" and new.already_tried_notes == ""
    assert not new.parties.exists()
    new_page = team_client.get(new.get_absolute_url()).content.decode()
    assert 'id="related-cases"' in new_page and purged.get_absolute_url() in new_page
    old_page = team_client.get(purged.get_absolute_url()).content.decode()
    assert new.get_absolute_url() in old_page.split('id="related-cases"')[1].split("</p>")[0]


def test_new_case_from_an_open_case_goes_back_to_it(team_client, case):
    response = team_client.get(reverse("cases:follow_on", args=[case.reference]))
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert Case.objects.count() == 1


def test_coordinator_sees_the_refusal_but_opens_no_case(client, purged, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("cases:reopen", args=[purged.reference]))
    assert response.status_code == 200 and response.context["errors"]
    assert reverse("cases:follow_on", args=[purged.reference]) not in response.content.decode()
    assert client.get(reverse("cases:follow_on", args=[purged.reference])).status_code == 403

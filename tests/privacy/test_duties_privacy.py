"""The duties' records are personal data: retention, data-subject export and early erasure
cover them, history rows included."""

import datetime as dt
import io

from django.core.management import call_command

from k0.cases.models_duties import (
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)
from k0.privacy.retention import apply_retention
from k0.privacy.subject import erase_party, party_record
from tests.cases.conftest import add_guardian, add_party
from tests.cases.factories import give_consent
from tests.factories import make_case

from .test_retention import build_closed_case, database_text

POLICE_NUMBER = "5500/R/424242/19"
SECRETS = [
    "Salainen Oppilas",
    "Salainen Huoltaja",
    POLICE_NUMBER,
    "Salainen virasto",
    "Salainen suostumus",
    "Salainen peruutus",
    "Salainen toimi",
    "Salainen palvelu",
    "Salainen ilmoituslaji",
]


def add_duties(case, pupil, guardian, user):
    consent = give_consent(
        pupil,
        guardian,
        on=case.referred_on,
        scope="Salainen suostumus",
        withdrawn_on=case.referred_on + dt.timedelta(days=5),
        withdrawal_reason="Salainen peruutus",
    )
    consent.scope = "Salainen suostumus (muokattu)"
    consent.save()  # a second history row
    StatutoryNotice.objects.create(
        case=case,
        kind="crime_report",
        made_on=case.referred_on,
        pupil=pupil,
        police_case_number=POLICE_NUMBER,
        made_by=user,
    )
    StatutoryNotice.objects.create(
        case=case,
        kind="child_welfare",
        made_on=case.referred_on,
        pupil=pupil,
        office="Salainen virasto",
    )
    StatutoryNotice.objects.create(
        case=case, kind="other", other_kind="Salainen ilmoituslaji", made_on=case.referred_on
    )
    SafetyMeasure.objects.create(
        case=case,
        kind="other",
        what="Salainen toimi",
        party=pupil,
        owner=user,
        starts_on=case.referred_on,
    )
    ServiceReferral.objects.create(
        case=case,
        party=pupil,
        service="other",
        other_service="Salainen palvelu",
        referred_on=case.referred_on,
    )


def test_retention_leaves_no_name_or_police_number_of_a_purged_case(
    school, case_team_member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = build_closed_case(school, case_team_member, dt.date(2019, 6, 1))
    pupil = case.parties.get(kind="pupil")
    guardian = case.parties.get(kind="guardian")
    add_duties(case, pupil, guardian, case_team_member)
    assert POLICE_NUMBER in database_text()

    assert apply_retention().done == 1

    text = database_text()
    for secret in SECRETS:
        assert secret not in text, secret
    out = io.StringIO()
    call_command("dumpdata", "cases", stdout=out)
    for secret in SECRETS:
        assert secret not in out.getvalue(), secret
    # Categories stay for the indicators.
    assert sorted(StatutoryNotice.objects.values_list("kind", flat=True)) == [
        "child_welfare",
        "crime_report",
        "other",
    ]
    assert ServiceReferral.objects.get().service == "other"


def test_the_data_subject_export_holds_the_duties_records(school, case_team_member):
    case = make_case(school=school, responsible=case_team_member)
    pupil = add_party(case, "Aada Esimerkki")
    guardian = add_guardian(case, pupil, "Anna Esimerkki")
    add_duties(case, pupil, guardian, case_team_member)
    record = party_record(pupil)
    assert record["consents"][0]["guardian"] == "Anna Esimerkki"
    assert record["consents"][0]["withdrawal_reason"] == "Salainen peruutus"
    assert {n["police_case_number"] for n in record["notices"]} >= {POLICE_NUMBER}
    assert record["safety_measures"][0]["what"] == "Salainen toimi"
    assert record["service_referrals"][0]["service"] == "Salainen palvelu"
    assert party_record(guardian)["consents"][0]["pupil"] == "Aada Esimerkki"


def test_early_erasure_blanks_the_duties_records_of_the_party(school, case_team_member):
    case = make_case(school=school, responsible=case_team_member)
    pupil = add_party(case, "Aada Esimerkki")
    guardian = add_guardian(case, pupil, "Anna Esimerkki")
    add_duties(case, pupil, guardian, case_team_member)
    erase_party(pupil)
    consent = GuardianConsent.objects.get()
    assert (consent.scope, consent.withdrawal_reason) == ("", "")
    assert not consent.history.filter(scope__contains="Salainen").exists()
    assert not StatutoryNotice.objects.filter(police_case_number=POLICE_NUMBER).exists()
    assert not StatutoryNotice.history.filter(police_case_number=POLICE_NUMBER).exists()
    assert SafetyMeasure.objects.get().what == ""
    assert ServiceReferral.objects.get().other_service == ""

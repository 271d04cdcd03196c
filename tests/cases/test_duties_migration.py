"""Migrations cases 0012-0014: the referral's police flags become notices and each pupil's single
consent becomes that guardian's consent record, on a database holding the old structure."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The schools app stays at its newest state (its areas are created in the old database).
BEFORE = [("cases", "0011_remove_casegroupobjectpermission"), ("schools", "0002_area_swedish_name")]
AFTER = [
    ("cases", "0014_remove_referral_flags_and_single_consent"),
    ("schools", "0002_area_swedish_name"),
]


@pytest.fixture
def executor(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    # Back to the newest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_flags_and_consents_become_records_without_loss(executor):
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    Area = apps.get_model("schools", "Area")
    School = apps.get_model("schools", "School")
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    Guardianship = apps.get_model("cases", "Guardianship")

    user = User.objects.create(username="vanha")
    school = School.objects.create(name="Vanha koulu", area=Area.objects.create(name="Alue"))

    def case(reference, **flags):
        return Case.objects.create(
            reference=reference,
            school=school,
            referred_on=dt.date(2025, 3, 1),
            referral_source="police",
            responsible=user,
            created_by=user,
            **flags,
        )

    both = case("K0-2025-0001", crime_report=True, police_request=True)
    request_only = case("K0-2025-0002", police_request=True)
    neither = case("K0-2025-0003")
    pupil = Party.objects.create(case=both, role="central", kind="pupil", name="Aada")
    guardian = Party.objects.create(case=both, role="central", kind="guardian", name="Anna")
    Guardianship.objects.create(guardian=guardian, pupil=pupil)
    pupil.consent_given_on = dt.date(2025, 3, 3)
    pupil.consent_given_by = guardian
    pupil.consent_scope = "Keskustelut ja sovittelu"
    pupil.save()
    no_consent = Party.objects.create(case=both, role="central", kind="pupil", name="Eetu")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Notice = apps.get_model("cases", "StatutoryNotice")
    Consent = apps.get_model("cases", "GuardianConsent")

    notices = sorted(Notice.objects.values_list("case_id", "kind", "made_on", "from_referral"))
    assert notices == [
        (both.pk, "crime_report", dt.date(2025, 3, 1), True),
        (both.pk, "police_request", dt.date(2025, 3, 1), True),
        (request_only.pk, "police_request", dt.date(2025, 3, 1), True),
    ]
    assert not Notice.objects.filter(case_id=neither.pk).exists()
    consent = Consent.objects.get()
    assert (consent.pupil_id, consent.guardian_id, consent.status) == (
        pupil.pk,
        guardian.pk,
        "given",
    )
    assert (consent.decided_on, consent.scope) == (dt.date(2025, 3, 3), "Keskustelut ja sovittelu")
    assert not Consent.objects.filter(pupil_id=no_consent.pk).exists()

    # And back: the flags and the consent return.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    flags = dict(
        (pk, (c, p))
        for pk, c, p in Case.objects.values_list("pk", "crime_report", "police_request")
    )
    assert flags == {
        both.pk: (True, True),
        request_only.pk: (False, True),
        neither.pk: (False, False),
    }
    restored = Party.objects.get(pk=pupil.pk)
    assert (restored.consent_given_on, restored.consent_given_by_id) == (
        dt.date(2025, 3, 3),
        guardian.pk,
    )

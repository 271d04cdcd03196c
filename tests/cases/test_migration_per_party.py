"""Migration 0015 on a database holding the old structure with data: each case-level
follow-up assessment becomes the answer of every central party of its case, marked migrated,
and nothing of the old record is lost."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The schools app stays at its newest state (its areas are created in the old database).
BEFORE = [
    ("cases", "0014_remove_referral_flags_and_single_consent"),
    ("schools", "0002_area_swedish_name"),
]
AFTER = [("cases", "0015_per_party_follow_up"), ("schools", "0002_area_swedish_name")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_database():
    """The database as it was before 0015; brought back to the newest state afterwards, so
    the tests that follow find the schema they expect."""
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_case_level_assessments_become_each_central_partys_migrated_answer(old_database):
    apps = old_database
    Area = apps.get_model("schools", "Area")
    School = apps.get_model("schools", "School")
    User = apps.get_model("accounts", "User")
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    FollowUp = apps.get_model("cases", "FollowUp")

    area = Area.objects.create(name="Itä")
    school = School.objects.create(name="Koulu", area=area, kind="unified")
    user = User.objects.create(username="tiina")
    case = Case.objects.create(
        reference="K0-2025-0001",
        school=school,
        referred_on=dt.date(2025, 9, 1),
        referral_source="school_staff",
        responsible=user,
        created_by=user,
    )
    aino = Party.objects.create(case=case, role="central", kind="pupil", name="Aino")
    bruno = Party.objects.create(case=case, role="central", kind="pupil", name="Bruno")
    Party.objects.create(case=case, role="central", kind="guardian", name="Hanna")
    Party.objects.create(case=case, role="bystander", kind="pupil", name="Cecilia")
    done = FollowUp.objects.create(
        case=case,
        due_date=dt.date(2025, 10, 1),
        done_at=dt.date(2025, 10, 2),
        responsible=user,
        method="meeting",
        bullying="decreased",
        situation="better",
        agreements="partly",
        notes="Muistiinpano",
    )
    pending = FollowUp.objects.create(case=case, due_date=dt.date(2025, 11, 1), responsible=user)

    apps = _migrate(AFTER)
    FollowUpAnswer = apps.get_model("cases", "FollowUpAnswer")
    FollowUp = apps.get_model("cases", "FollowUp")

    answers = FollowUpAnswer.objects.filter(follow_up_id=done.pk).order_by("party_id")
    assert [(a.party_id, a.bullying, a.situation, a.agreements, a.migrated) for a in answers] == [
        (aino.pk, "decreased", "better", "partly", True),
        (bruno.pk, "decreased", "better", "partly", True),
    ]
    assert not FollowUpAnswer.objects.filter(follow_up_id=pending.pk).exists()
    kept = FollowUp.objects.get(pk=done.pk)
    assert (kept.bullying, kept.situation, kept.agreements, kept.notes) == (
        "decreased",
        "better",
        "partly",
        "Muistiinpano",
    )
    assert kept.not_needed_on is None

    # Backwards: the answers go, the case-level record stays.
    apps = _migrate(BEFORE)
    FollowUp = apps.get_model("cases", "FollowUp")
    assert FollowUp.objects.get(pk=done.pk).bullying == "decreased"

import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from k0.cases.models import (
    Agreement,
    Attachment,
    Case,
    CaseNote,
    FollowUp,
    Intervention,
    Party,
    PartyGroup,
    PhaseChange,
    PrincipalReview,
)
from k0.privacy.retention import apply_retention
from tests.cases.conftest import add_guardian, add_party
from tests.factories import make_case

SECRETS = [
    "Salainen Oppilas",
    "Salainen Huoltaja",
    "Luokka Salainen",
    "Salainen muistiinpano",
    "Salainen sopimus",
    "Salainen yhteenveto",
    "salainen-liite.png",
    "Salainen ulkopuolinen",
]


def build_closed_case(school, user, closed_on, tag=""):
    case = make_case(school=school, responsible=user, referred_on=closed_on - dt.timedelta(60))
    pupil = add_party(
        case,
        f"Salainen Oppilas{tag}",
        heard_on=closed_on - dt.timedelta(50),
        contact="040 123 4567",
        support_needs="Salainen tuki",
        grade=7,
    )
    guardian = add_guardian(case, pupil, f"Salainen Huoltaja{tag}")
    pupil.name = f"Salainen Oppilas{tag} (muokattu)"
    pupil.save()  # a second history row with the name
    PartyGroup.objects.create(case=case, name=f"Luokka Salainen{tag}", head_count=20, grade=7)
    meeting = Intervention.objects.create(
        case=case,
        kind="mediation",
        date=closed_on - dt.timedelta(40),
        notes="Salainen muistiinpano",
        summary="Salainen yhteenveto",
        external_participants="Salainen ulkopuolinen",
    )
    meeting.participants.set([pupil, guardian])
    Agreement.objects.create(case=case, intervention=meeting, text="Salainen sopimus")
    FollowUp.objects.create(
        case=case,
        due_date=closed_on - dt.timedelta(20),
        responsible=user,
        done_at=closed_on - dt.timedelta(20),
        bullying="stopped",
        situation="better",
        agreements="kept",
        method="meeting",
        notes="Salainen muistiinpano",
        next_step="Salainen yhteenveto",
    )
    CaseNote.objects.create(case=case, author=user, text="Salainen muistiinpano")
    PhaseChange.objects.create(
        case=case,
        from_phase="closed",
        to_phase="follow_up",
        changed_by=user,
        reason="Salainen muistiinpano",
    )
    PrincipalReview.objects.create(case=case, author=user, comment="Salainen muistiinpano")
    attachment = Attachment(
        case=case,
        original_name="salainen-liite.png",
        size=3,
        content_type="image/png",
        uploaded_by=user,
        description="Salainen yhteenveto",
    )
    attachment.file.save("x.png", ContentFile(b"png"), save=False)
    attachment.save()
    case.summary = case.known_at_referral = case.plan = "Salainen yhteenveto"
    case.closing_summary = case.aftercare_plan = "Salainen yhteenveto"
    case.save()
    Case.objects.filter(pk=case.pk).update(
        phase="closed",
        outcome="resolved",
        closed_at=dt.datetime.combine(closed_on, dt.time(12), tzinfo=dt.UTC),
    )
    return Case.objects.get(pk=case.pk)


def database_text() -> str:
    """Every text value in every table, history tables included."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the DB
            for row in cursor.fetchall():
                chunks.extend(str(value) for value in row if isinstance(value, str))
    return "\n".join(chunks)


def categorical_snapshot():
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "reference",
                "phase",
                "outcome",
                "referred_on",
                "closed_at",
                "school_id",
                "forms_of_bullying",
                "referral_source",
                "root_causes",
            )
        ),
        "parties": list(
            Party.objects.order_by("pk").values_list("case_id", "role", "kind", "grade", "heard_on")
        ),
        "groups": list(PartyGroup.objects.order_by("pk").values_list("head_count", "grade")),
        "interventions": list(Intervention.objects.order_by("pk").values_list("kind", "date")),
        "follow_ups": list(
            FollowUp.objects.order_by("pk").values_list(
                "done_at", "bullying", "situation", "agreements"
            )
        ),
    }


@pytest.fixture
def old_and_recent(school, case_team_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_YEARS = 5
    old = [
        build_closed_case(school, case_team_member, dt.date(2019, 6, 1), tag=f" {i}")
        for i in range(3)
    ]
    recent = build_closed_case(school, case_team_member, dt.date(2025, 6, 1), tag=" uusi")
    return old, recent


def test_dry_run_lists_per_school_and_changes_nothing(old_and_recent, school, capsys):
    before = database_text()
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "Would pseudonymise 3 case(s)" in out
    assert f"{school.name}: 3" in out
    assert database_text() == before


def test_retention_removes_every_trace_of_personal_data(old_and_recent, tmp_path):
    old, recent = old_and_recent
    files = [Attachment.objects.get(case=case).file.path for case in old]
    before = categorical_snapshot()
    report = apply_retention()
    assert report.done == 3
    text = database_text()
    for secret in SECRETS:
        for i in range(3):
            assert f"{secret} {i}" not in text
        assert not any(f"{secret} {i}" in text for i in range(3))
    assert "040 123 4567" in text  # the recent case keeps its data …
    assert "Salainen Oppilas uusi" in text
    old_rows = text.replace("Salainen Oppilas uusi", "")
    assert "Salainen Oppilas 0" not in old_rows
    for path in files:
        assert not __import__("os").path.exists(path)
    assert categorical_snapshot() == before  # … and everything indicators use is unchanged
    for case in old:
        case.refresh_from_db()
        assert case.pseudonymised_at is not None and case.retention_policy == "closed+5y"
        names = sorted(case.parties.values_list("name", flat=True))
        assert names == ["Oppilas A", "Oppilas A, huoltaja"]


def test_interrupted_run_ends_like_an_uninterrupted_one(old_and_recent):
    first = apply_retention(stop_after=1)
    assert first.done == 1
    assert Case.objects.filter(pseudonymised_at__isnull=False).count() == 1
    second = apply_retention()
    assert second.done == 2
    assert apply_retention().done == 0  # idempotent
    interrupted = database_text()
    assert not any(secret + " 2" in interrupted for secret in SECRETS)


def test_retention_command_reports(old_and_recent, capsys):
    call_command("apply_retention")
    assert "Pseudonymised 3 case(s)" in capsys.readouterr().out
    call_command("apply_retention")
    assert "Pseudonymised 0 case(s)" in capsys.readouterr().out


def test_json_dump_of_pseudonymised_case_has_no_names(old_and_recent):
    apply_retention()
    out = io.StringIO()
    call_command("dumpdata", "cases", stdout=out)
    assert "Salainen Oppilas 1" not in out.getvalue()


def test_every_indicator_for_every_period_is_identical_after_retention(old_and_recent, settings):
    # Threshold 1 publishes every count, so the comparison sees real numbers, not markers.
    settings.K0_SUPPRESSION_THRESHOLD = 1
    from k0.indicators.definitions import BREAKDOWNS
    from k0.indicators.exports import as_json
    from k0.indicators.periods import periods_between
    from k0.indicators.report import reports

    periods = [
        *periods_between(dt.date(2019, 1, 1), dt.date(2026, 11, 27), "calendar_year"),
        *periods_between(dt.date(2019, 1, 1), dt.date(2026, 11, 27), "school_year"),
    ]

    def everything():
        result = {}
        for breakdown in [None, *BREAKDOWNS]:
            for period, published in zip(periods, reports(periods, breakdown), strict=True):
                data = as_json(published)
                data.pop("generated_at", None)
                result[(period.label, period.kind, breakdown)] = data
        return result

    before = everything()
    city_2019 = before[("2019", "calendar_year", None)]["data"]
    assert any(row.get("value") == 3 for row in city_2019), "three resolved central pupils"
    assert apply_retention().done == 3
    assert everything() == before


def test_generated_documents_of_the_case_are_deleted(old_and_recent, case_team_member):
    import os

    from k0.jobs.models import Job
    from k0.jobs.services import run_job

    old, recent = old_and_recent
    job = Job.objects.create(
        kind="case_summary_pdf",
        requested_by=case_team_member,
        params={"case_id": old[0].pk, "variant": "team", "language": "fi"},
    )
    keep = Job.objects.create(
        kind="case_summary_pdf",
        requested_by=case_team_member,
        params={"case_id": recent.pk, "variant": "team", "language": "fi"},
    )
    assert run_job(job.pk) == "done" and run_job(keep.pk) == "done"
    job.refresh_from_db()
    path = job.result_file.path
    assert os.path.exists(path)
    apply_retention()
    job.refresh_from_db()
    keep.refresh_from_db()
    assert not os.path.exists(path) and not job.result_file
    assert keep.result_file and os.path.exists(keep.result_file.path)

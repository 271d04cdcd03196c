import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from k0.bench.seed import BENCH_PASSWORD
from k0.cases.builders import reached
from k0.cases.choices import Phase
from k0.cases.models import Case, CaseUserObjectPermission, Party


def test_seed_bench_and_bench_run_at_a_tiny_scale(db, capsys, settings):
    settings.DEBUG = True
    call_command("seed_bench", "--schools", "3", "--cases", "12")
    assert Case.objects.count() == 12
    assert Party.objects.count() >= 12 * 6
    assert CaseUserObjectPermission.objects.count() >= 12 * 2
    assert Case.history.count() == 12
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(set(references)) == 12
    capsys.readouterr()

    call_command("bench", "--json", "--samples", "2", "--warmup", "1")
    result = json.loads(capsys.readouterr().out)
    names = {f["name"] for f in result["figures"]}
    assert names == {
        "case_list_team_member",
        "case_list_coordinator",
        "case_page_long_timeline",
        "principal_overview",
        "my_work",
        "indicator_dashboard_year",
        "indicator_csv_export_year",
        "case_summary_pdf",
    }
    for figure in result["figures"]:
        assert figure["median_ms"] > 0 and figure["queries"] > 0
    frozen = result["frozen_report"]
    assert frozen["fresh_ms"] > 0 and frozen["frozen_ms"] > 0 and frozen["target_share"] == 0.1
    versus = result["indicators_vs_sql"]
    assert versus["ratio"] > 0 and versus["own_sql_ratio"] > 0
    assert versus["own_sql_queries"] == 10  # the list of areas and 9 aggregates
    assert result["data"]["cases"] == 12


def test_seeded_bench_cases_hold_what_their_phase_needs(db, settings):
    settings.DEBUG = True
    call_command("seed_bench", "--schools", "2", "--cases", "60", "--seed", "7")
    phases = set(Case.objects.values_list("phase", flat=True))
    assert Phase.CLOSED in phases and phases - {Phase.CLOSED}
    for case in Case.objects.prefetch_related("parties__consents"):
        pupils = [p for p in case.parties.all() if p.role == "central" and p.kind == "pupil"]
        assert bool(case.plan) == reached(case.phase, Phase.MEASURES), case.phase
        assert bool(case.root_causes) == reached(case.phase, Phase.PLAN), case.phase
        assert bool(case.closing_summary and case.outcome) == (case.phase == Phase.CLOSED)
        assert all(bool(p.heard_on) == reached(case.phase, Phase.PLAN) for p in pupils)
        assert all(bool(p.consents.all()) == reached(case.phase, Phase.MAPPING) for p in pupils)


def test_bench_without_data_says_what_to_do(db, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="run seed_bench first"):
        call_command("bench")


def test_seed_bench_and_bench_refuse_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_bench", "--schools", "1", "--cases", "1")
    assert not get_user_model().objects.exists()
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("bench")


def test_seed_bench_in_production_gives_unusable_passwords(db, settings, capsys):
    settings.DEBUG = False
    call_command("seed_bench", "--schools", "1", "--cases", "2", "--allow-production")
    assert BENCH_PASSWORD not in capsys.readouterr().out
    users = get_user_model().objects.all()
    assert users.count() >= 5
    assert not any(user.has_usable_password() for user in users)
    # An operator measures with production settings on such a database.
    call_command("bench", "--allow-production", "--json", "--samples", "1", "--warmup", "0")
    result = json.loads(capsys.readouterr().out)
    assert result["data"]["cases"] == 2

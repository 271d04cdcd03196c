"""`manage.py export_indicators` and the start-up checks of the indicator settings."""

import io
import json

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connections
from openpyxl import load_workbook

from k0.indicators.checks import indicator_settings


@pytest.fixture
def run(capsys, monkeypatch):
    """Runs the command as from a shell: returns (exit code, stdout, stderr)."""
    # run_from_argv closes the database connections when done, which would end the test's
    # transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(argv):
        command = load_command_class(get_commands()["export_indicators"], "export_indicators")
        code = 0
        try:
            command.run_from_argv(["manage.py", "export_indicators", *argv])
        except SystemExit as exit_:
            code = exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_json_to_standard_output(city, run):
    code, out, err = run(
        ["--from", "2025-08-01", "--to", "2026-07-31", "--by", "area", "--format", "json"]
    )

    assert code == 0 and err == ""
    document = json.loads(out)
    assert document["period"]["kind"] == "school_year"  # recognised as the fixed period
    assert document["breakdown"] == "area"


def test_csv_and_xlsx_to_a_file(city, tmp_path, run):
    csv_file, xlsx_file = tmp_path / "out.csv", tmp_path / "out.xlsx"

    run(
        [
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--format",
            "csv",
            "--output",
            str(csv_file),
        ],
    )
    code, out, err = run(
        [
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--format",
            "xlsx",
            "--output",
            str(xlsx_file),
        ],
    )

    assert code == 0 and out == ""
    assert f"to {xlsx_file}" in err
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbfperiod_start,")
    rows = list(load_workbook(xlsx_file).worksheets[0].iter_rows(values_only=True))
    assert rows[1][2] == "2025"  # the calendar year, recognised as such


def test_free_range_is_exported_with_a_warning(city, run):
    code, out, err = run(["--from", "2026-01-01", "--to", "2026-03-31", "--format", "json"])

    assert code == 0
    assert json.loads(out)["period"]["kind"] == "range"
    assert "overlapping periods" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2026-02-01", "--to", "2026-01-01", "--format", "csv"], "is after --to"),
        (["--from", "2026-13-01", "--to", "2026-12-31", "--format", "csv"], "is not a date"),
        (["--from", "2026-01-01", "--to", "2026-12-31", "--format", "pdf"], "invalid choice"),
        (
            ["--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "--by", "school"],
            "invalid choice",
        ),
        (["--from", "2026-01-01", "--format", "csv"], "--to"),
        (["--from", "2026-01-01", "--to", "2026-12-31"], "--format"),
    ],
)
def test_bad_arguments_go_to_stderr_with_a_non_zero_exit(db, run, argv, message):
    code, out, err = run(argv)

    assert code != 0
    assert out == ""
    assert message in err


def test_unwritable_output_is_a_clear_error(city, tmp_path, run):
    target = tmp_path / "missing" / "out.csv"

    code, _out, err = run(
        ["--from", "2025-01-01", "--to", "2025-12-31", "--format", "csv", "--output", str(target)],
    )

    assert code == 1
    assert "cannot write" in err


def test_help_describes_every_option(run):
    code, out, _err = run(["--help"])

    assert code == 0
    for option in ("--from", "--to", "--by", "--format", "--output"):
        assert option in out


def test_call_command_works_for_scripts(city):
    out = io.StringIO()

    call_command(
        "export_indicators",
        "--from",
        "2025-08-01",
        "--to",
        "2026-07-31",
        "--format",
        "csv",
        stdout=out,
    )

    assert out.getvalue().startswith("period_start,")


def test_settings_check_accepts_the_defaults(settings):
    assert indicator_settings() == []


@pytest.mark.parametrize(
    ("name", "value", "error_id"),
    [
        ("K0_SUPPRESSION_THRESHOLD", 0, "indicators.E001"),
        ("K0_RESOLVED_OUTCOMES", ["resolved", "fixed"], "indicators.E002"),
        ("K0_RESOLVED_OUTCOMES", [], "indicators.E002"),
    ],
)
def test_settings_check_refuses_bad_values(settings, name, value, error_id):
    setattr(settings, name, value)

    assert [error.id for error in indicator_settings()] == [error_id]

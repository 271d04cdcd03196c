"""The load test's own parts: preparing users, the timing header, and the check that notices
a lost save or an e-mail sent twice. (The run itself is `bin/loadtest`, not a test.)"""

import csv
import json

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.cases.models import CaseNote

MIDDLEWARE = django_settings.MIDDLEWARE
FIELDS = ["Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%"]


@pytest.fixture
def bench(db, settings):
    settings.DEBUG = True
    call_command("seed_bench", "--schools", "2", "--cases", "6")


def test_prepare_gives_bench_users_a_password_and_a_device(bench, tmp_path, settings):
    call_command("loadtest_prepare", "--output", str(tmp_path))
    listed = json.loads((tmp_path / "users.json").read_text())
    assert {p["role"] for p in listed} == {
        "team_member",
        "coordinator",
        "principal",
        "programme_office",
    }
    assert all(p["username"].startswith("bench-") for p in listed)
    assert (tmp_path / "users.json").stat().st_mode & 0o077 == 0
    member = next(p for p in listed if p["role"] == "team_member")

    settings.TWO_FACTOR_REQUIRED = True
    client = Client()
    response = client.post(
        "/login/", {"username": member["username"], "password": member["password"]}
    )
    assert response.status_code == 302
    assert client.get("/cases/").url.startswith("/login/verify/")
    code = f"{totp(bytes.fromhex(member['totp_key'])):06d}"
    assert client.post("/login/verify/", {"token": code}).status_code == 302
    assert client.get("/cases/").status_code == 200
    assert TOTPDevice.objects.filter(user__username=member["username"]).count() == 1


def test_prepare_refuses_production_settings_without_the_flag(bench, tmp_path, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("loadtest_prepare", "--output", str(tmp_path))
    assert not (tmp_path / "users.json").exists()


def test_prepare_refuses_a_database_with_anyone_but_bench_users(bench, tmp_path, team_member):
    with pytest.raises(CommandError, match="nothing but seed_bench data"):
        call_command("loadtest_prepare", "--output", str(tmp_path))
    assert not TOTPDevice.objects.exists()
    assert not (tmp_path / "users.json").exists()


def test_undo_takes_the_passwords_and_devices_away(bench, tmp_path):
    call_command("loadtest_prepare", "--output", str(tmp_path))
    listed = json.loads((tmp_path / "users.json").read_text())
    call_command("loadtest_prepare", "--output", str(tmp_path), "--undo")
    assert not TOTPDevice.objects.exists()
    assert not (tmp_path / "users.json").exists()
    member = listed[0]
    user = get_user_model().objects.get(username=member["username"])
    assert not user.check_password(member["password"]) and not user.has_usable_password()


def test_server_timing_header_only_when_asked(team_member, case, client):
    client.force_login(team_member)
    assert "Server-Timing" not in client.get("/cases/")
    with override_settings(MIDDLEWARE=["k0.middleware.ServerTimingMiddleware", *MIDDLEWARE]):
        timed = Client()  # a client loads the middleware at its first request
        timed.force_login(team_member)
        header = timed.get("/cases/")["Server-Timing"]
    app, db = (float(part.split("dur=")[1]) for part in header.split(", "))
    assert app >= db > 0


def _results(tmp_path, saved_notes, *, failures=0, mail=()):
    (tmp_path / "mail").mkdir()
    for i, text in enumerate(mail):
        (tmp_path / "mail" / f"{i}.log").write_text(text + "\n" + "-" * 79 + "\n")
    (tmp_path / "u5_timing.json").write_text(
        json.dumps({"timing": {}, "saves": {"save note": saved_notes}})
    )
    (tmp_path / "before.json").write_text(json.dumps({"notes": 0, "last_follow_up": 0}))
    with (tmp_path / "u5_stats.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        writer.writeheader()
        writer.writerow(
            {
                "Type": "POST",
                "Name": "save note",
                "Request Count": saved_notes + failures,
                "Failure Count": failures,
                "Requests/s": 1,
                "50%": 50,
                "95%": 90,
            }
        )
        writer.writerow(
            {
                "Type": "",
                "Name": "Aggregated",
                "Request Count": saved_notes + failures,
                "Failure Count": failures,
                "Requests/s": 1,
                "50%": 50,
                "95%": 90,
            }
        )


def _add_notes(case, user, n):
    for i in range(n):
        CaseNote.objects.create(case=case, author=user, text=f"Kuormitustesti {i}")
    CaseNote.objects.create(case=case, author=user, text="A note of the team's own")


def test_check_passes_when_every_save_is_stored(case, case_team_member, tmp_path, capsys):
    _results(tmp_path, 3, failures=2)
    _add_notes(case, case_team_member, 3)
    call_command("loadtest_check", "--results", str(tmp_path), "--users", "5")
    out = capsys.readouterr().out
    assert "5 users: 1.0 requests/s, 2 errors of 5 requests" in out
    assert "saved by the tool      3, in the database      3  ok" in out


def test_check_fails_when_a_save_is_missing(case, case_team_member, tmp_path, capsys):
    _results(tmp_path, 3)
    _add_notes(case, case_team_member, 2)
    with pytest.raises(CommandError, match="differ"):
        call_command("loadtest_check", "--results", str(tmp_path), "--users", "5")
    assert "DIFFERENT" in capsys.readouterr().out


def test_check_fails_when_an_e_mail_went_out_twice(case, case_team_member, tmp_path):
    # As K-0 sends its e-mails: text and HTML alternatives.
    message = EmailMultiAlternatives("Seuranta", "K0-2026-0001", to=["a@koulu.example"])
    message.attach_alternative("<p>K0-2026-0001</p>", "text/html")
    text = message.message().as_string()
    _results(tmp_path, 0, mail=[text, text])
    with pytest.raises(CommandError, match="twice"):
        call_command("loadtest_check", "--results", str(tmp_path), "--users", "5")

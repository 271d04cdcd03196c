import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from k0 import demo
from k0.accounts.models import EnrolmentCode
from schools.models import Area, Membership, Role, School


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seed_demo_creates_every_role_and_is_idempotent(db, capsys, debug):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (
        Area.objects.count(),
        School.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
    )
    assert counts[:2] == (2, 6)
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert len(set(School.objects.values_list("kind", flat=True))) >= 4
    coordinator = Membership.objects.filter(role=Role.COORDINATOR).values("user").distinct()
    assert Membership.objects.filter(user__in=coordinator, role=Role.COORDINATOR).count() == 2
    assert "tiina" in first and "Password" in first
    from k0.cases.choices import PHASE_ORDER
    from k0.cases.models import Case

    assert set(Case.objects.values_list("phase", flat=True)) == {
        "referral",
        "mapping",
        "plan",
        "measures",
        "follow_up",
        "closed",
    }
    assert Case.objects.values("school").distinct().count() >= 2
    for case in Case.objects.all():  # each got to its phase through the workflow
        assert case.phase_changes.count() == PHASE_ORDER.index(case.phase), case.reference

    call_command("seed_demo")
    second = capsys.readouterr().out
    assert (
        Area.objects.count(),
        School.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
    ) == counts
    assert "areas 0, schools 0, users 0, memberships 0, cases 0" in second

    assert get_user_model().objects.get(username="admin").check_password(demo.DEMO_PASSWORD)


def test_seed_demo_refuses_to_run_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
    assert not School.objects.exists()


def test_seed_demo_in_production_never_gives_a_known_password(db, settings, capsys):
    settings.DEBUG = False
    call_command("seed_demo", "--allow-production")
    out = capsys.readouterr().out
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert demo.DEMO_PASSWORD not in out
    printed = dict(re.findall(r"^  (\w+) .* password (\S+)$", out, re.MULTILINE))
    assert set(printed) == {spec.username for spec in demo.USERS}
    assert len(set(printed.values())) == len(printed)
    for user in User.objects.all():
        assert not user.check_password(demo.DEMO_PASSWORD), user.username
        assert user.check_password(printed[user.username]), user.username

    call_command("seed_demo", "--allow-production")
    again = capsys.readouterr().out
    assert "password unchanged" in again
    assert not any(password in again for password in printed.values())


def test_seed_demo_with_two_factor_on_prints_an_enrolment_code_per_user(db, settings, capsys):
    settings.DEBUG = True
    settings.TWO_FACTOR_REQUIRED = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    codes = dict(re.findall(r"^  (\w+) +(\w{4}-\w{4}-\w{4})$", out, re.MULTILINE))
    assert set(codes) == {spec.username for spec in demo.USERS}
    for username, code in codes.items():
        user = get_user_model().objects.get(username=username)
        assert EnrolmentCode.find_valid(user, code) is not None, username

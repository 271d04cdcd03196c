from django.contrib.auth import get_user_model
from django.core.management import call_command

from schools.models import Area, Membership, Role, School


def test_seed_demo_creates_every_role_and_is_idempotent(db, capsys):
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

    call_command("seed_demo")
    second = capsys.readouterr().out
    assert (
        Area.objects.count(),
        School.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
    ) == counts
    assert "areas 0, schools 0, users 0, memberships 0, cases 0" in second

"""Fictional demo data for the embedded set-up. Every name here is invented."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from schools.models import Area, Membership, Role, School, SchoolKind

DEMO_PASSWORD = "k0-demo-salasana"

AREAS = ["Eteläinen alue", "Itäinen alue"]

SCHOOLS = [
    # name, area index, kind
    ("Kallioniemen yhtenäiskoulu", 0, SchoolKind.UNIFIED),
    ("Merikallion ala-aste", 0, SchoolKind.PRIMARY),
    ("Vuorilahden yläkoulu", 1, SchoolKind.LOWER_SECONDARY),
    ("Koivurinteen päiväkoti", 1, SchoolKind.DAYCARE),
    ("Itärannan lukio", 1, SchoolKind.UPPER_SECONDARY),
    ("Länsimäen ala-aste", 0, SchoolKind.PRIMARY),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None
    schools: tuple[int, ...] = ()
    description: str = ""


USERS = [
    DemoUser("tiina", "Tiina", "Tiimiläinen", Role.TEAM_MEMBER, (0,), "K-0 team member"),
    DemoUser("tomi", "Tomi", "Tukiopettaja", Role.TEAM_MEMBER, (0,), "K-0 team member"),
    DemoUser("sanna", "Sanna", "Sosiaalityö", Role.TEAM_MEMBER, (0,), "K-0 team member"),
    DemoUser("reija", "Reija", "Rehtori", Role.PRINCIPAL, (0,), "principal"),
    DemoUser("kaisa", "Kaisa", "Koordinaattori", Role.COORDINATOR, (0, 2), "coordinator"),
    DemoUser("olli", "Olli", "Ohjelmatoimisto", Role.PROGRAMME_OFFICE, (), "programme office"),
    DemoUser("veera", "Veera", "Vuorilahti", Role.TEAM_MEMBER, (2,), "team member, other school"),
    DemoUser("ville", "Ville", "Vuorinen", Role.PRINCIPAL, (2,), "principal, other school"),
    DemoUser("admin", "Aino", "Ylläpitäjä", None, (), "administrator"),
]


@transaction.atomic
def seed() -> dict[str, int]:
    """Creates what is missing and changes nothing that exists. Returns counts created."""
    created = {"areas": 0, "schools": 0, "users": 0, "memberships": 0}
    areas = []
    for name in AREAS:
        area, new = Area.objects.get_or_create(name=name)
        created["areas"] += new
        areas.append(area)
    schools = []
    for name, area_index, kind in SCHOOLS:
        school, new = School.objects.get_or_create(
            name=name, defaults={"area": areas[area_index], "kind": kind}
        )
        created["schools"] += new
        schools.append(school)
    User = get_user_model()
    for spec in USERS:
        user, new = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@k0-demo.invalid",
                "is_staff": spec.role is None,
                "is_superuser": spec.role is None,
            },
        )
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created["users"] += 1
        if spec.role is None:
            continue
        targets = [schools[i] for i in spec.schools] or [None]
        for school in targets:
            _, new = Membership.objects.get_or_create(user=user, school=school, role=spec.role)
            created["memberships"] += new
    return created


def login_table() -> list[tuple[str, str]]:
    return [(spec.username, spec.description) for spec in USERS]

"""Fictional demo data for the embedded set-up. Every name here is invented."""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from schools.models import Area, Membership, Role, School, SchoolKind

DEMO_PASSWORD = "k0-demo-salasana"

# Finnish and Swedish names, as Helsinki's districts have.
AREAS = [("Eteläinen alue", "Södra området"), ("Itäinen alue", "Östra området")]

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
def seed(*, random_passwords: bool = False) -> tuple[dict[str, int], dict[str, str]]:
    """Creates what is missing and changes nothing that exists.

    Returns the counts created and, with `random_passwords`, the password of each user created
    now (a random one each instead of the published DEMO_PASSWORD: for a set-up with DEBUG off,
    where a known password must never open an account, least of all the superuser's).
    """
    created = {"areas": 0, "schools": 0, "users": 0, "memberships": 0, "cases": 0}
    passwords = {}
    areas = []
    for name, name_sv in AREAS:
        area, new = Area.objects.get_or_create(name=name, defaults={"name_sv": name_sv})
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
            password = secrets.token_urlsafe(12) if random_passwords else DEMO_PASSWORD
            if random_passwords:
                passwords[spec.username] = password
            user.set_password(password)
            user.save()
            created["users"] += 1
        if spec.role is None:
            continue
        targets = [schools[i] for i in spec.schools] or [None]
        for school in targets:
            _, new = Membership.objects.get_or_create(user=user, school=school, role=spec.role)
            created["memberships"] += new
    created["cases"] = seed_cases()
    created["history"] = seed_history()
    return created, passwords


def issue_enrolment_codes() -> list[tuple[str, str]]:
    """A two-factor enrolment code for each demo user without an enrolled phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from k0.accounts.models import EnrolmentCode

    User = get_user_model()
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
    )
    codes = []
    for spec in USERS:
        if spec.username in enrolled:
            continue
        user = User.objects.filter(username=spec.username).first()
        if user is not None:
            codes.append((spec.username, EnrolmentCode.issue(user)[1]))
    return codes


def login_table() -> list[tuple[str, str]]:
    return [(spec.username, spec.description) for spec in USERS]


# --- Demo cases ------------------------------------------------------------------------------
# Each tuple: school index, responsible, members, with coordinator?, target phase, days ago.
DEMO_CASES = [
    (0, "tiina", ["tomi"], True, "referral", 3),
    (0, "tiina", ["sanna"], False, "mapping", 20),
    (0, "tomi", ["tiina"], True, "plan", 35),
    (0, "sanna", ["tiina"], False, "measures", 50),
    (0, "tiina", ["tomi", "sanna"], True, "follow_up", 80),
    (0, "tiina", ["tomi"], True, "closed", 200),
    (2, "veera", [], True, "follow_up", 60),
    (2, "veera", [], False, "closed", 400),
]

PUPILS = [
    ("Eetu Esimerkki", "Elina Esimerkki"),
    ("Aino Aaltonen", "Mikko Aaltonen"),
    ("Noah Nieminen", "Sari Nieminen"),
    ("Lilja Laine", "Petri Laine"),
    ("Onni Ojala", "Hanna Ojala"),
    ("Venla Virtanen", "Jukka Virtanen"),
    ("Leo Lehtinen", "Minna Lehtinen"),
    ("Ella Eskola", "Timo Eskola"),
]


def _demo_case(index, school, users, spec):
    import datetime as dt

    from django.utils import timezone

    from k0.cases import builders
    from k0.cases.choices import PartyKind, PartyRole, Phase
    from k0.cases.models import CaseNote, FollowUp, PartyGroup
    from k0.cases.models_duties import NoticeKind, StatutoryNotice
    from k0.cases.services import open_case

    _, responsible, members, with_coordinator, target, days_ago = spec
    today = timezone.localdate()
    start = today - dt.timedelta(days=days_ago)
    owner = users[responsible]
    case = open_case(
        created_by=owner,
        school=school,
        responsible=owner,
        members=[users[m] for m in members],
        coordinator=users["kaisa"] if with_coordinator else None,
        referred_on=start,
        referral_source=["guardian", "school_staff", "pupil", "child_welfare"][index % 4],
        known_at_referral="Kuvitteellinen esimerkkitapaus: oppilasta on suljettu ulos "
        "ryhmästä ja hänestä on levitetty kuvia pikaviestisovelluksessa.",
        forms_of_bullying=[
            ["exclusion", "online"],
            ["verbal", "physical"],
            ["threats", "online"],
            ["verbal"],
        ][index % 4],
        locations=[["school_day", "online"], ["school_journey"], ["free_time", "online"]][
            index % 3
        ],
        started_around=start - dt.timedelta(days=120),
        already_tried=["kiva_team", "guardian_talks"],
    )
    if index % 5 == 2:
        StatutoryNotice.objects.create(
            case=case, kind=NoticeKind.CRIME_REPORT, made_on=case.referred_on, made_by=owner
        )
    informed_on = builders.after_referral(case, builders.INFORMED_AFTER)
    for offset, class_name in ((0, "6A"), (3, "6B")):
        pupil_name, guardian_name = PUPILS[(index + offset) % len(PUPILS)]
        pupil = builders.add_party(case, pupil_name, class_name=class_name, grade=6)
        builders.add_guardian(case, pupil, guardian_name, informed_on=informed_on)
    PartyGroup.objects.create(case=case, name="Luokka 6A", head_count=22, grade=6)
    builders.add_party(
        case, "Opettaja Olli Opettava", role=PartyRole.BYSTANDER, kind=PartyKind.STAFF
    )
    builders.advance(case, target, by=owner)
    if case.phase == Phase.FOLLOW_UP:
        FollowUp.objects.create(case=case, due_date=today - dt.timedelta(days=2), responsible=owner)
        FollowUp.objects.create(case=case, due_date=today + dt.timedelta(days=7), responsible=owner)
    CaseNote.objects.create(
        case=case, author=owner, text="Kuvitteellinen merkintä: puhelu huoltajan kanssa."
    )
    return case


@transaction.atomic
def seed_cases() -> int:
    """Demo cases in every phase. Skipped when the demo schools already have cases."""
    from k0.cases.models import Case

    schools = [School.objects.get(name=name) for name, _, _ in SCHOOLS]
    if Case.objects.filter(school__in=schools).exists():
        return 0
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in USERS])}
    for index, spec in enumerate(DEMO_CASES):
        _demo_case(index, schools[spec[0]], users, spec)
    return len(DEMO_CASES)


# The closed cases of earlier years, for the programme office's pages: about the programme's
# own scale (several hundred central and a few thousand bystander children over 2017–2020),
# so that every headline figure of the city total of every year is published.
HISTORY_FROM = 2017
HISTORY_CASES_PER_YEAR = 36


@transaction.atomic
def seed_history(seed: int = 2017) -> int:
    """Closed (and a few still open over the year's end) cases from 2017 to last year across
    the demo schools, written in bulk as an import would: parties with person records (some
    children in two cases, e.g. from a primary to a lower-secondary school), bystander groups,
    interventions and follow-ups. Nobody's case list shows them (no one is on their team);
    they feed the indicators. Skipped when the demo schools already have cases before 2020."""
    import datetime as dt
    import random

    from django.utils import timezone

    from k0.cases import builders
    from k0.cases.choices import (
        PHASE_ORDER,
        FollowUpMethod,
        InterventionKind,
        InterventionStatus,
        Outcome,
        PartyKind,
        PartyRole,
        Phase,
    )
    from k0.cases.models import (
        Case,
        FollowUp,
        FollowUpAnswer,
        Intervention,
        Party,
        PartyGroup,
        Person,
        PhaseChange,
        ReferenceCounter,
        StatutoryNotice,
    )

    schools = [School.objects.get(name=name) for name, _, _ in SCHOOLS]
    if Case.objects.filter(school__in=schools, referred_on__lt=dt.date(2020, 1, 1)).exists():
        return 0
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["tiina", "veera"])
    }
    if len(users) < 2:
        return 0
    rng = random.Random(seed)  # noqa: S311 - invented demo data, not a secret
    today = timezone.localdate()
    outcomes = [Outcome.RESOLVED] * 5 + [Outcome.IMPROVED] * 3 + [Outcome.NOT_RESOLVED]
    kinds = [InterventionKind.INDIVIDUAL, InterventionKind.GUARDIAN, InterventionKind.JOINT]
    sources = ["guardian", "school_staff", "pupil", "child_welfare", "police"]
    forms = ["verbal", "exclusion", "online", "physical", "threats"]
    rows = []
    for year in range(HISTORY_FROM, today.year):
        for n in range(HISTORY_CASES_PER_YEAR):
            referred = dt.date(year, 1, 10) + dt.timedelta(days=n * 9 + rng.randint(0, 6))
            closed_on = referred + dt.timedelta(days=rng.randint(60, 170))
            if n >= HISTORY_CASES_PER_YEAR - 8:  # open over the year's end
                closed_on = dt.date(year + 1, 1, 1) + dt.timedelta(days=rng.randint(15, 90))
            closed_on = min(closed_on, today)
            closed = closed_on < today
            outcome = rng.choice(outcomes) if closed else ""
            school = schools[n % len(schools)]
            owner = users["veera"] if school == schools[2] else users["tiina"]
            phase = Phase.CLOSED if closed else Phase.FOLLOW_UP
            rows.append(
                Case(
                    reference="",
                    school=school,
                    phase=phase,
                    referred_on=referred,
                    referral_source=sources[n % len(sources)],
                    forms_of_bullying=rng.sample(forms, 2),
                    locations=["school_day"],
                    responsible=owner,
                    created_by=owner,
                    opened_at=timezone.make_aware(dt.datetime.combine(referred, dt.time(9))),
                    closed_at=timezone.make_aware(dt.datetime.combine(closed_on, dt.time(13)))
                    if closed
                    else None,
                    closure_acknowledged_at=timezone.make_aware(
                        dt.datetime.combine(closed_on, dt.time(15))
                    )
                    if closed
                    else None,
                    last_activity_at=timezone.make_aware(
                        dt.datetime.combine(closed_on, dt.time(13))
                    ),
                    **builders.case_fields_at(phase, outcome=outcome),
                )
            )
    numbers = {}
    for case in rows:
        year = case.referred_on.year
        if year not in numbers:
            ReferenceCounter.objects.get_or_create(year=year)
            numbers[year] = ReferenceCounter.objects.select_for_update().get(year=year).last
        numbers[year] += 1
        case.reference = f"K0-{year}-{numbers[year]:04d}"
    for year, last in numbers.items():
        ReferenceCounter.objects.filter(year=year).update(last=last)
    cases = Case.objects.bulk_create(rows, batch_size=500)
    # Every ninth case had a crime report made at referral.
    StatutoryNotice.objects.bulk_create(
        [
            StatutoryNotice(case=case, kind="crime_report", made_on=case.referred_on)
            for n, case in enumerate(cases)
            if n % HISTORY_CASES_PER_YEAR % 9 == 0
        ],
        batch_size=1000,
    )

    # The phase changes the workflow would have recorded, a few weeks apart.
    changes = []
    for case in cases:
        steps = PHASE_ORDER[: PHASE_ORDER.index(case.phase) + 1]
        for i, (a, b) in enumerate(zip(steps, steps[1:], strict=False)):
            at = case.opened_at + dt.timedelta(days=7 * (i + 1))
            if b == Phase.CLOSED:
                at = case.closed_at
            changes.append(
                PhaseChange(
                    case=case, from_phase=a, to_phase=b, changed_by=case.responsible, changed_at=at
                )
            )
    PhaseChange.objects.bulk_create(changes, batch_size=1000)

    parties, persons, groups, interventions, follow_ups = [], [], [], [], []
    movers = []  # pupils of primary schools who may appear again at the lower-secondary one
    for index, case in enumerate(cases):
        heard = case.referred_on + dt.timedelta(days=builders.HEARD_AFTER)
        for i in range(3):
            reused = None
            if case.school == schools[2] and movers and rng.random() < 0.3:
                reused = movers.pop(0)
            pupil = reused or Person(kind=PartyKind.PUPIL, name=f"Historia {index}-{i}")
            if reused is None:
                persons.append(pupil)
            grade = 7 if case.school == schools[2] else rng.randint(1, 6)
            parties.append((case, pupil, PartyRole.CENTRAL, PartyKind.PUPIL, grade, heard))
            if case.school in (schools[1], schools[5]) and grade == 6:
                movers.append(pupil)
            guardian = Person(kind=PartyKind.GUARDIAN, name=f"Huoltaja {index}-{i}")
            persons.append(guardian)
            parties.append((case, guardian, PartyRole.CENTRAL, PartyKind.GUARDIAN, None, heard))
        for i in range(3):
            bystander = Person(kind=PartyKind.PUPIL, name=f"Sivullinen {index}-{i}")
            persons.append(bystander)
            parties.append(
                (case, bystander, PartyRole.BYSTANDER, PartyKind.PUPIL, rng.randint(1, 9), None)
            )
        staff = Person(kind=PartyKind.STAFF, name=f"Opettaja {index}")
        persons.append(staff)
        parties.append((case, staff, PartyRole.BYSTANDER, PartyKind.STAFF, None, heard))
        groups.append(PartyGroup(case=case, name="Luokka", head_count=rng.randint(18, 26), grade=6))
        for i, kind in enumerate(kinds):
            day = case.referred_on + dt.timedelta(days=builders.MEETING_AFTER + 7 * i)
            if day <= today:
                interventions.append(
                    Intervention(
                        case=case,
                        kind=kind,
                        date=day,
                        status=InterventionStatus.DONE,
                        duration_minutes=60,
                    )
                )
        if case.closed_at:
            done = timezone.localdate(case.closed_at) - dt.timedelta(days=3)
            follow_ups.append(
                FollowUp(
                    case=case,
                    responsible_id=case.responsible_id,
                    due_date=done,
                    done_at=done,
                    method=FollowUpMethod.values[0],
                    bullying="stopped" if case.outcome == Outcome.RESOLVED else "decreased",
                    situation="better",
                )
            )
    Person.objects.bulk_create(persons, batch_size=1000)
    created = Party.objects.bulk_create(
        [
            Party(
                case=case,
                person=person,
                name=person.name,
                role=role,
                kind=kind,
                grade=grade,
                heard_on=heard,
            )
            for case, person, role, kind, grade, heard in parties
        ],
        batch_size=1000,
    )
    PartyGroup.objects.bulk_create(groups, batch_size=1000)
    Intervention.objects.bulk_create(interventions, batch_size=1000)
    FollowUp.objects.bulk_create(follow_ups, batch_size=1000)
    # Each central pupil answered at the follow-up (per party, as the team records it).
    pupils: dict[int, list] = {}
    for party in created:
        if party.role == PartyRole.CENTRAL and party.kind == PartyKind.PUPIL:
            pupils.setdefault(party.case_id, []).append(party)
    FollowUpAnswer.objects.bulk_create(
        [
            FollowUpAnswer(follow_up=f, party=pupil, bullying=f.bullying, situation=f.situation)
            for f in follow_ups
            for pupil in pupils.get(f.case_id, [])
        ],
        batch_size=1000,
    )
    return len(cases)

"""National-scale synthetic data, written with bulk operations.

The rows look like what the app itself creates — cases in every phase with parties, groups,
interventions, agreements, follow-ups, notes, phase changes, history rows and the case team's
object permissions — but they are inserted in large batches, so 100,000 cases take minutes.
All names are synthetic ("Oppilas 12345-1"). What a case holds at its phase (texts, consent
and hearing dates, the days of meetings and follow-ups) comes from `k0.cases.builders`, which
the demo data and the test factories share; only the row-by-row volume is this module's own.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from k0.cases import builders
from k0.cases.choices import (
    PHASE_ORDER,
    AgreementsAssessment,
    AgreementStatus,
    BullyingAssessment,
    BullyingForm,
    FollowUpMethod,
    InformedHow,
    InterventionKind,
    Outcome,
    PartyKind,
    PartyRole,
    Phase,
    ReferralSource,
    Setting,
    SituationAssessment,
)
from k0.cases.models import (
    Agreement,
    Case,
    CaseNote,
    CasePerm,
    CaseUserObjectPermission,
    FollowUp,
    FollowUpAnswer,
    Guardianship,
    Intervention,
    Party,
    PartyGroup,
    Person,
    PhaseChange,
    ReferenceCounter,
)
from k0.cases.models_duties import (
    ConsentStatus,
    GuardianConsent,
    NoticeKind,
    StatutoryNotice,
)
from schools.models import Area, Membership, Role, School, SchoolKind

BENCH_PASSWORD = "k0-bench-salasana"
PREFIX = "bench"
KINDS = list(SchoolKind.values)
# How often each value is drawn: an outcome from this list, the others uniformly.
OUTCOMES = (
    [Outcome.RESOLVED] * 6
    + [Outcome.IMPROVED] * 2
    + [
        Outcome.NOT_RESOLVED,
        Outcome.TRANSFERRED,
        Outcome.DISCONTINUED,
    ]
)
FORMS = [form for form in BullyingForm if form != BullyingForm.OTHER]
INTERVENTIONS = [
    InterventionKind.INDIVIDUAL,
    InterventionKind.GUARDIAN,
    InterventionKind.JOINT,
    InterventionKind.MEDIATION,
    InterventionKind.GROUP,
    InterventionKind.STAFF,
    InterventionKind.NETWORK,
]
SOURCES = [
    ReferralSource.SCHOOL_STAFF,
    ReferralSource.GUARDIAN,
    ReferralSource.PUPIL,
    ReferralSource.POLICE,
    ReferralSource.CHILD_WELFARE,
    ReferralSource.HEALTH_CARE,
]


def _batched(model, rows: list, batch_size: int = 5000) -> list:
    return model.objects.bulk_create(rows, batch_size=batch_size)


def _history(model, objects: list, user_id: int, when) -> None:
    """One '+' history row per object, as the app's saves would have written."""
    history = model.history.model
    tracked = {f.attname for f in history._meta.concrete_fields}
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in tracked]
    rows = []
    for obj in objects:
        values = {name: getattr(obj, name) for name in fields}
        rows.append(history(**values, history_date=when, history_type="+", history_user_id=user_id))
    _batched(history, rows)


def seed_bench(
    *,
    schools: int,
    cases: int,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda message: None,
    password: str | None = BENCH_PASSWORD,
) -> dict:
    """Creates `schools` schools and `cases` cases (added to any existing bench data).

    Users get `password`, or with None an unusable one (`bench` logs in without passwords).
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    User = get_user_model()
    password = make_password(password)
    today = timezone.localdate()
    with transaction.atomic():
        areas = [Area.objects.get_or_create(name=f"{PREFIX} alue {i}")[0] for i in range(20)]
        start = School.objects.filter(name__startswith=f"{PREFIX} koulu").count()
        new_schools = _batched(
            School,
            [
                School(
                    name=f"{PREFIX} koulu {start + i:05d}",
                    area=areas[(start + i) % len(areas)],
                    kind=KINDS[(start + i) % len(KINDS)],
                )
                for i in range(schools)
            ],
        )
        all_schools = list(School.objects.filter(name__startswith=f"{PREFIX} koulu"))
        progress(f"{len(new_schools)} schools")

        users, memberships = [], []
        for school in new_schools:
            for role, count in ((Role.TEAM_MEMBER, 3), (Role.PRINCIPAL, 1)):
                for n in range(count):
                    users.append(
                        User(
                            username=f"{PREFIX}-{school.pk}-{role}-{n}",
                            password=password,
                            first_name="Bench",
                            last_name=f"{role} {school.pk}-{n}",
                        )
                    )
        users = _batched(User, users)
        by_name = {u.username: u for u in users}
        for school in new_schools:
            for role, count in ((Role.TEAM_MEMBER, 3), (Role.PRINCIPAL, 1)):
                for n in range(count):
                    memberships.append(
                        Membership(
                            user=by_name[f"{PREFIX}-{school.pk}-{role}-{n}"],
                            school=school,
                            role=role,
                        )
                    )
        # Coordinators: each serves 50 schools (the "coordinator with many schools" case).
        coordinators = _batched(
            User,
            [
                User(
                    username=f"{PREFIX}-coordinator-{start + i}",
                    password=password,
                    first_name="Bench",
                    last_name=f"coordinator {i}",
                )
                for i in range(0, max(schools, 1), 50)
            ],
        )
        for index, coordinator in enumerate(coordinators):
            for school in new_schools[index * 50 : (index + 1) * 50]:
                memberships.append(
                    Membership(user=coordinator, school=school, role=Role.COORDINATOR)
                )
        _batched(Membership, memberships)
        User.objects.get_or_create(
            username=f"{PREFIX}-programme-office", defaults={"password": password}
        )
        office = User.objects.get(username=f"{PREFIX}-programme-office")
        Membership.objects.get_or_create(user=office, school=None, role=Role.PROGRAMME_OFFICE)
        progress(f"{len(users) + len(coordinators)} users")

    team = {}
    for m in Membership.objects.filter(school__in=all_schools).values_list(
        "school_id", "user_id", "role"
    ):
        team.setdefault((m[0], m[2]), []).append(m[1])
    ct = ContentType.objects.get_for_model(Case)
    perms = list(Permission.objects.filter(content_type=ct, codename__in=list(CasePerm)))

    done = 0
    chunk = 2000
    while done < cases:
        size = min(chunk, cases - done)
        with transaction.atomic():
            _seed_chunk(rng, size, all_schools, team, perms, today)
        done += size
        progress(f"{done} cases")
    return {"schools": len(new_schools), "cases": cases}


def _seed_chunk(rng, size, schools, team, perms, today):
    now = timezone.now()
    counters = {}
    case_rows = []
    for _ in range(size):
        school = rng.choice(schools)
        members = team[(school.pk, Role.TEAM_MEMBER)]
        coordinators = team.get((school.pk, Role.COORDINATOR), [None])
        referred = today - dt.timedelta(days=rng.randint(3, 3650))
        phase = (
            Phase.CLOSED
            if rng.random() < 0.8 or referred < today - dt.timedelta(500)
            else PHASE_ORDER[rng.randint(0, 4)]
        )
        year = referred.year
        counters[year] = counters.get(year, 0) + 1
        closed_at = None
        if phase == Phase.CLOSED:
            closed_on = min(referred + dt.timedelta(days=rng.randint(20, 300)), today)
            closed_at = timezone.make_aware(dt.datetime.combine(closed_on, dt.time(12)))
        outcome = rng.choice(OUTCOMES) if closed_at else ""
        case_rows.append(
            Case(
                reference="",
                school=school,
                phase=phase,
                referred_on=referred,
                referral_source=rng.choice(SOURCES),
                forms_of_bullying=rng.sample(FORMS, 2),
                locations=[Setting.SCHOOL_DAY],
                responsible_id=rng.choice(members),
                coordinator_id=rng.choice(coordinators),
                created_by_id=members[0],
                opened_at=timezone.make_aware(dt.datetime.combine(referred, dt.time(9))),
                closed_at=closed_at,
                last_activity_at=closed_at or now,
                # What the checklists up to this phase asked the team to write.
                **builders.case_fields_at(phase, outcome=outcome),
            )
        )
    # References: reserve numbers per year under the counter's row lock, as the app does.
    numbers = {}
    for year, count in counters.items():
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        numbers[year] = counter.last
        counter.last += count
        counter.save()
    for case in case_rows:
        year = case.referred_on.year
        numbers[year] += 1
        case.reference = f"K0-{year}-{numbers[year]:04d}"
    cases = _batched(Case, case_rows)
    user_id = cases[0].created_by_id

    parties, groups, interventions, follow_ups, notes, changes = [], [], [], [], [], []
    permission_rows, member_rows = [], []
    Members = Case.members.through
    for case in cases:
        n_central = rng.randint(2, 3)
        dates = builders.central_party_dates_at(case.phase, case.referred_on)
        dates.pop("consent_given_on", None)  # a consent record per guardian, below
        for i in range(n_central):
            parties.append(
                Party(
                    case=case,
                    role=PartyRole.CENTRAL,
                    kind=PartyKind.PUPIL,
                    name=f"Oppilas {case.pk}-{i}",
                    grade=rng.randint(1, 9),
                    **dates,
                )
            )
            parties.append(
                Party(
                    case=case,
                    role=PartyRole.CENTRAL,
                    kind=PartyKind.GUARDIAN,
                    name=f"Huoltaja {case.pk}-{i}",
                    heard_on=dates.get("heard_on"),
                )
            )
        for i in range(rng.randint(2, 4)):
            parties.append(
                Party(
                    case=case,
                    role=PartyRole.BYSTANDER,
                    kind=PartyKind.PUPIL,
                    name=f"Sivullinen {case.pk}-{i}",
                    grade=rng.randint(1, 9),
                )
            )
        parties.append(
            Party(
                case=case,
                role=PartyRole.BYSTANDER,
                kind=PartyKind.STAFF,
                name=f"Opettaja {case.pk}",
                heard_on=case.referred_on,
            )
        )
        groups.append(
            PartyGroup(
                case=case,
                name=f"Luokka {case.pk}",
                head_count=rng.randint(15, 28),
                grade=rng.randint(1, 9),
            )
        )
        for i in range(3):
            interventions.append(
                Intervention(
                    case=case,
                    kind=rng.choice(INTERVENTIONS),
                    date=min(builders.after_referral(case, builders.MEETING_AFTER + 7 * i), today),
                    duration_minutes=60,
                    summary=builders.MEETING_SUMMARY,
                    notes=builders.MEETING_NOTES,
                )
            )
        for i in range(2):
            done = case.closed_at.date() if case.closed_at else None
            follow_ups.append(
                FollowUp(
                    case=case,
                    due_date=builders.after_referral(case, builders.FOLLOW_UP_AFTER + 14 * i),
                    responsible_id=case.responsible_id,
                    done_at=done,
                    method=FollowUpMethod.MEETING if done else "",
                    bullying=BullyingAssessment.STOPPED if done else "",
                    situation=SituationAssessment.BETTER if done else "",
                    agreements=AgreementsAssessment.KEPT if done else "",
                )
            )
        for _ in range(2):
            notes.append(
                CaseNote(
                    case=case,
                    author_id=case.responsible_id,
                    text="Synteettinen merkintä.",
                    created_at=case.opened_at,
                )
            )
        index = PHASE_ORDER.index(case.phase)
        for step in range(index):
            changes.append(
                PhaseChange(
                    case=case,
                    from_phase=PHASE_ORDER[step],
                    to_phase=PHASE_ORDER[step + 1],
                    changed_by_id=case.responsible_id,
                    changed_at=case.opened_at + dt.timedelta(days=7 * step),
                )
            )
        grantees = {case.responsible_id, case.created_by_id}
        if case.coordinator_id:
            grantees.add(case.coordinator_id)
        for uid in grantees:
            for perm in perms:
                permission_rows.append(
                    CaseUserObjectPermission(content_object=case, user_id=uid, permission=perm)
                )
        member_rows.append(Members(case_id=case.pk, user_id=case.created_by_id))

    # One person record per party, as the party form makes them; about one central pupil in
    # ten is a child of an earlier case of this chunk (e.g. moved on to another school), so
    # the indicators count distinct persons over real repeats.
    persons = _batched(Person, [Person(kind=p.kind, name=p.name) for p in parties])
    earlier_pupils = []
    for party, person in zip(parties, persons, strict=True):
        party.person = person
        if party.kind == PartyKind.PUPIL and party.role == PartyRole.CENTRAL:
            if earlier_pupils and rng.random() < 0.1:
                party.person = rng.choice(earlier_pupils)
            else:
                earlier_pupils.append(person)
    parties = _batched(Party, parties)
    by_case = {}
    for party in parties:
        by_case.setdefault(party.case_id, []).append(party)
    links, consents = [], []
    for case_parties in by_case.values():
        pupils = [
            p for p in case_parties if p.kind == PartyKind.PUPIL and p.role == PartyRole.CENTRAL
        ]
        guardians = [p for p in case_parties if p.kind == PartyKind.GUARDIAN]
        informed_on = builders.after_referral(case_parties[0].case, builders.INFORMED_AFTER)
        for pupil, guardian in zip(pupils, guardians, strict=False):
            links.append(
                Guardianship(
                    guardian=guardian,
                    pupil=pupil,
                    informed_on=informed_on,
                    informed_how=InformedHow.PHONE,
                )
            )
            consent_on = builders.central_party_dates_at(
                pupil.case.phase, pupil.case.referred_on
            ).get("consent_given_on")
            if consent_on:
                consents.append(
                    GuardianConsent(
                        pupil=pupil,
                        guardian=guardian,
                        status=ConsentStatus.GIVEN,
                        decided_on=consent_on,
                        scope=builders.CONSENT_SCOPE,
                    )
                )
    _batched(Guardianship, links)
    _batched(GuardianConsent, consents)
    notices = [
        StatutoryNotice(case=case, kind=kind, made_on=case.referred_on)
        for case in cases
        for kind, share in ((NoticeKind.CRIME_REPORT, 0.1), (NoticeKind.POLICE_REQUEST, 0.05))
        if rng.random() < share
    ]
    _batched(StatutoryNotice, notices)
    groups = _batched(PartyGroup, groups)
    interventions = _batched(Intervention, interventions)
    Participants = Intervention.participants.through
    participant_rows = []
    for intervention in interventions:
        for party in by_case[intervention.case_id][:2]:
            participant_rows.append(
                Participants(intervention_id=intervention.pk, party_id=party.pk)
            )
    _batched(Participants, participant_rows)
    agreements = _batched(
        Agreement,
        [
            Agreement(
                case_id=i.case_id,
                intervention=i,
                text=builders.AGREEMENT,
                status=AgreementStatus.KEPT,
            )
            for i in interventions[::3]
        ],
    )
    follow_ups = _batched(FollowUp, follow_ups)
    # Each done follow-up asked each central pupil (k0.cases.answers).
    answers = _batched(
        FollowUpAnswer,
        [
            FollowUpAnswer(
                follow_up=follow_up,
                party=party,
                bullying=follow_up.bullying,
                situation=follow_up.situation,
                agreements=follow_up.agreements,
            )
            for follow_up in follow_ups
            if follow_up.done_at
            for party in by_case[follow_up.case_id]
            if party.kind == PartyKind.PUPIL and party.role == PartyRole.CENTRAL
        ],
    )
    notes = _batched(CaseNote, notes)
    _batched(PhaseChange, changes)
    _batched(CaseUserObjectPermission, permission_rows)
    _batched(Members, member_rows)
    when = timezone.now()
    for model, objects in (
        (Case, cases),
        (Party, parties),
        (PartyGroup, groups),
        (Intervention, interventions),
        (Agreement, agreements),
        (FollowUp, follow_ups),
        (FollowUpAnswer, answers),
        (CaseNote, notes),
    ):
        _history(model, objects, user_id, when)

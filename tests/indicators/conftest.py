"""A hand-counted city: nine cases in three schools of two areas around school year 2025–2026.

The expected values of every indicator are worked out by hand in `EXPECTED` (school year
2025–2026, city and by area), with the reasoning next to each number. Names and texts are
distinctive so that tests can check none of them leaks into a page or an export.
"""

import datetime as dt

import pytest
import time_machine

from k0.cases.builders import add_guardian
from k0.cases.builders import add_party as party
from k0.cases.choices import (
    InterventionStatus,
    Outcome,
    PartyKind,
    PartyRole,
    Phase,
)
from k0.cases.models import (
    Case,
    CaseNote,
    FollowUp,
    FollowUpAnswer,
    Intervention,
    PartyGroup,
)
from k0.cases.models_duties import StatutoryNotice
from schools.models import SchoolKind
from tests.accounts.factories import UserFactory
from tests.cases.factories import make_case
from tests.schools.factories import AreaFactory, SchoolFactory

D = dt.date
HELSINKI = dt.timezone(dt.timedelta(hours=3))  # summer time, for the July/August edges


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def no_suppression(settings):
    """Threshold 1 publishes every count: the known answers can be read off directly."""
    settings.K0_SUPPRESSION_THRESHOLD = 1


def guardian_of(case, pupil, name, **fields):
    return add_guardian(case, pupil, name, informed_on=D(2025, 9, 1), **fields)


def close_directly(case, outcome, closed_at):
    Case.objects.filter(pk=case.pk).update(phase=Phase.CLOSED, outcome=outcome, closed_at=closed_at)


# Every name, group name, note and free text of the fixture; none may appear in an output.
SECRETS = [
    "Aino Salainen",
    "Eetu Salainen",
    "Ville Sivullinen",
    "Opettaja Olavi",
    "Kuraattori Kaija",
    "Äiti Salainen",
    "Isä Salainen",
    "Pekka Piilo",
    "Paula Piilo",
    "Huoltaja Piilo",
    "Liisa Lokki",
    "Mikko Myyrä",
    "Sanni Suoja",
    "Sannin Huoltaja",
    "Oskari Ohi",
    "Vanha Viivi",
    "luokka 7B salaisuus",
    "luokka 8A salaisuus",
    "Arkaluonteinen muistiinpano",
    "Yhteenveto salaisuus",
    "Tiedossa salaisuus",
    "Ohjaaja salaisuus",
]


def answer(follow_up, subject, bullying, situation, agreements):
    """A party's (or a group's) answers at a follow-up."""
    is_group = isinstance(subject, PartyGroup)
    return FollowUpAnswer.objects.create(
        follow_up=follow_up,
        party=None if is_group else subject,
        group=subject if is_group else None,
        bullying=bullying,
        situation=situation,
        agreements=agreements,
    )


@pytest.fixture
def city(db):
    """Schools, cases and parties; returns the objects tests refer to."""
    south = AreaFactory(name="Eteläinen")
    east = AreaFactory(name="Itäinen")
    AreaFactory(name="Pohjoinen")  # no schools: a row of zeros
    a = SchoolFactory(name="Kallion yhtenäiskoulu", area=south, kind=SchoolKind.UNIFIED)
    b = SchoolFactory(name="Itäkeskuksen yläkoulu", area=east, kind=SchoolKind.LOWER_SECONDARY)
    c = SchoolFactory(name="Itäinen alakoulu", area=east, kind=SchoolKind.PRIMARY)
    user = UserFactory(username="indicator_team", password=None)  # no slow hashing

    def case(school, referred_on, source, forms=(), **extra):
        return make_case(
            school=school,
            responsible=user,
            referred_on=referred_on,
            referral_source=source,
            forms_of_bullying=list(forms),
            known_at_referral="Tiedossa salaisuus",
            referral_source_detail="Ohjaaja salaisuus",
            **extra,
        )

    # c1: school A, referred and closed (resolved) within the school year.
    c1 = case(a, D(2025, 9, 1), "guardian", ["verbal", "online"])
    StatutoryNotice.objects.create(case=c1, kind="crime_report", made_on=D(2025, 9, 2))
    c1.summary = "Yhteenveto salaisuus"
    c1.save()
    aino = party(c1, "Aino Salainen", grade=7, heard_on=D(2025, 9, 10))
    eetu = party(c1, "Eetu Salainen", grade=7)
    guardian_of(c1, aino, "Äiti Salainen", heard_on=D(2025, 9, 11))
    guardian_of(c1, eetu, "Isä Salainen")
    party(c1, "Ville Sivullinen", role=PartyRole.BYSTANDER, grade=8, heard_on=D(2025, 9, 12))
    teacher = party(c1, "Opettaja Olavi", role=PartyRole.BYSTANDER, kind=PartyKind.STAFF)
    party(c1, "Kuraattori Kaija", kind=PartyKind.STAFF, heard_on=D(2025, 9, 15))
    PartyGroup.objects.create(case=c1, name="luokka 7B salaisuus", head_count=24, grade=7)
    joint = Intervention.objects.create(case=c1, kind="joint", date=D(2025, 10, 1))
    joint.participants.add(aino, eetu, teacher)
    Intervention.objects.create(
        case=c1, kind="mediation", date=D(2025, 11, 1), notes="Arkaluonteinen muistiinpano"
    )
    Intervention.objects.create(
        case=c1, kind="individual", date=D(2026, 8, 20), status=InterventionStatus.PLANNED
    )
    february = FollowUp.objects.create(
        case=c1,
        responsible=user,
        due_date=D(2026, 2, 1),
        done_at=D(2026, 2, 1),
        bullying="stopped",
        situation="better",
        agreements="kept",
        notes="Arkaluonteinen muistiinpano",
    )
    march = FollowUp.objects.create(
        case=c1, responsible=user, due_date=D(2026, 3, 1), done_at=D(2026, 3, 1)
    )
    # Per party: each party's latest answers in the period count (March over February).
    answer(february, aino, "decreased", "same", "partly")
    answer(february, eetu, "stopped", "better", "kept")
    answer(march, aino, "stopped", "better", "kept")
    answer(march, eetu, "continued", "worse", "broken")
    answer(march, PartyGroup.objects.get(case=c1), "stopped", "better", "")
    CaseNote.objects.create(case=c1, author=user, text="Arkaluonteinen muistiinpano")
    close_directly(c1, Outcome.RESOLVED, dt.datetime(2026, 3, 10, 12, 0, tzinfo=HELSINKI))

    # c2: school B, closed (improved) at 23:30 on 31 July, Helsinki time: still this year.
    c2 = case(b, D(2025, 10, 15), "school_staff", ["physical"])
    StatutoryNotice.objects.create(case=c2, kind="police_request", made_on=D(2025, 10, 15))
    pekka = party(c2, "Pekka Piilo", grade=8, heard_on=D(2025, 10, 20))
    party(c2, "Paula Piilo", grade=8, heard_on=D(2025, 10, 20))
    guardian_of(c2, pekka, "Huoltaja Piilo", heard_on=D(2025, 10, 21))
    PartyGroup.objects.create(case=c2, name="luokka 8A salaisuus", head_count=20, grade=8)
    Intervention.objects.create(case=c2, kind="group", date=D(2026, 5, 5))
    close_directly(c2, Outcome.IMPROVED, dt.datetime(2026, 7, 31, 23, 30, tzinfo=HELSINKI))

    # c3: school B, closed at 00:30 on 1 August Helsinki time (still 31 July in UTC): the
    # next school year, so open at the end of this one.
    c3 = case(b, D(2026, 1, 10), "pupil", ["exclusion", "online"])
    party(c3, "Liisa Lokki", grade=9, heard_on=D(2026, 1, 15))
    close_directly(c3, Outcome.RESOLVED, dt.datetime(2026, 8, 1, 0, 30, tzinfo=HELSINKI))

    # c4: school C, referred on the last day of the previous school year, still open.
    c4 = case(c, D(2025, 7, 31), "health_care", ["verbal"])
    Intervention.objects.create(case=c4, kind="home_visit", date=D(2025, 7, 31))

    # c5: school C, referred on the first day, discontinued: not a resolved case.
    c5 = case(c, D(2025, 8, 1), "guardian")
    party(c5, "Mikko Myyrä", grade=3, heard_on=D(2025, 8, 5))
    close_directly(c5, Outcome.DISCONTINUED, dt.datetime(2026, 2, 1, 10, 0, tzinfo=HELSINKI))

    # c6: school A, closed, reopened and closed again through the workflow: counts once.
    c6 = case(a, D(2025, 8, 20), "police", ["threats"])
    sanni = party(c6, "Sanni Suoja", grade=1, heard_on=D(2025, 8, 25))
    guardian_of(c6, sanni, "Sannin Huoltaja")
    with time_machine.travel(dt.datetime(2025, 12, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        c6.close(by=user, outcome=Outcome.DISCONTINUED, closing_summary="x", aftercare_plan="")
    with time_machine.travel(dt.datetime(2026, 1, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        c6.reopen(by=user, reason="Kiusaaminen alkoi uudelleen")
    april = FollowUp.objects.create(
        case=c6,
        responsible=user,
        due_date=D(2026, 4, 15),
        done_at=D(2026, 4, 15),
        bullying="decreased",
        situation="same",
        agreements="partly",
    )
    answer(april, sanni, "decreased", "same", "partly")
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        c6.close(by=user, outcome=Outcome.RESOLVED, closing_summary="x", aftercare_plan="Seuranta")

    # c7: school A, referred after the school year.
    case(a, D(2026, 8, 5), "other")

    # c8: school C, closed at 01:00 on 1 August 2025 Helsinki time (31 July in UTC): this year.
    c8 = case(c, D(2024, 5, 1), "child_welfare")
    party(c8, "Oskari Ohi", grade=5, heard_on=D(2024, 5, 5))
    close_directly(c8, Outcome.NOT_RESOLVED, dt.datetime(2025, 8, 1, 1, 0, tzinfo=HELSINKI))

    # c9: school C, closed (resolved) at noon on 31 July 2025: the previous school year.
    c9 = case(c, D(2025, 3, 1), "guardian")
    party(c9, "Vanha Viivi", grade=5, heard_on=D(2025, 3, 5))
    close_directly(c9, Outcome.RESOLVED, dt.datetime(2025, 7, 31, 12, 0, tzinfo=HELSINKI))

    cases = [c1, c2, c3, c4, c5, c6, Case.objects.get(referred_on=D(2026, 8, 5)), c8, c9]
    return {
        "areas": {"south": south, "east": east},
        "schools": [a, b, c],
        "cases": cases,
        "user": user,
    }


# School year 2025–2026 (1 Aug 2025 – 31 Jul 2026), counted by hand from the fixture.
EXPECTED_CITY = {
    # referred_on in the year: c1, c2, c3, c5, c6 (c4 on 31 Jul 2025 and c7 after are out)
    ("cases_referred", None): 5,
    ("referral_sources", "guardian"): 2,  # c1, c5
    ("referral_sources", "school_staff"): 1,  # c2
    ("referral_sources", "pupil"): 1,  # c3
    ("referral_sources", "police"): 1,  # c6
    ("referral_sources", "health_care"): 0,  # c4 is last year's
    ("police_involvement", None): 2,  # c1 crime report, c2 police request
    ("notices", "crime_report"): 1,  # c1
    ("notices", "police_request"): 1,  # c2
    ("notices", "child_welfare"): 0,
    ("notices", "other"): 0,
    ("police_involvement_share", None): 40.0,
    ("forms_of_bullying", "verbal"): 1,  # c1 (c4 is last year's)
    ("forms_of_bullying", "online"): 2,  # c1, c3
    ("forms_of_bullying", "physical"): 1,  # c2
    ("forms_of_bullying", "exclusion"): 1,  # c3
    ("forms_of_bullying", "threats"): 1,  # c6
    ("forms_of_bullying", "sexual_harassment"): 0,
    # c3 (closed 1 Aug local time) and c4 (never closed)
    ("cases_open_at_end", None): 2,
    # closing date in Helsinki in the year: c1, c2 (31 Jul 23:30), c5, c6 (once), c8 (1 Aug)
    ("cases_closed", None): 5,
    ("cases_closed_by_outcome", "resolved"): 2,  # c1, c6
    ("cases_closed_by_outcome", "improved"): 1,  # c2
    ("cases_closed_by_outcome", "not_resolved"): 1,  # c8
    ("cases_closed_by_outcome", "discontinued"): 1,  # c5
    ("cases_closed_by_outcome", "transferred"): 0,
    # days: c5 184, c1 190, c6 243, c2 289, c8 457 -> median 243
    ("median_days_to_closure", None): 243,
    # resolved cases closed in the year: c1, c2, c6
    ("central_parties_resolved", None): 5,  # Aino, Eetu, Pekka, Paula, Sanni (pupils only)
    ("bystander_parties_resolved", "individual"): 1,  # Ville (the teacher is staff)
    ("bystander_parties_resolved", "in_groups"): 44,  # 7B 24 + 8A 20
    ("bystander_parties_resolved", None): 45,
    ("children_met", None): 5,  # Aino, Ville, Pekka, Paula, Sanni (Eetu not heard)
    ("guardians_met", None): 2,  # Äiti Salainen, Huoltaja Piilo
    ("staff_consulted", None): 2,  # Kuraattori heard, Opettaja took part in the joint meeting
    # done and dated in the year: c1 joint, c1 mediation, c2 group (planned and c4's are out)
    ("interventions_done", None): 3,
    ("interventions_by_kind", "joint"): 1,
    ("interventions_by_kind", "mediation"): 1,
    ("interventions_by_kind", "group"): 1,
    ("interventions_by_kind", "individual"): 0,
    ("interventions_by_kind", "home_visit"): 0,
    # done in the year: c1 1 Feb, c1 1 Mar, c6 15 Apr
    ("follow_ups_done", None): 3,
    # per party, the latest answers in the year: Aino (1 Mar), Eetu (1 Mar), group 7B
    # (1 Mar, agreements not assessed), Sanni (15 Apr)
    ("parties_followed_up", None): 4,
    ("follow_up_bullying", "stopped"): 2,  # Aino, 7B (Aino's February "decreased" is older)
    ("follow_up_bullying", "continued"): 1,  # Eetu
    ("follow_up_bullying", "decreased"): 1,  # Sanni
    ("follow_up_bullying", "not_assessed"): 0,
    ("follow_up_situation", "better"): 2,
    ("follow_up_situation", "worse"): 1,
    ("follow_up_situation", "same"): 1,
    ("follow_up_agreements", "kept"): 1,
    ("follow_up_agreements", "broken"): 1,
    ("follow_up_agreements", "partly"): 1,
    ("follow_up_agreements", "not_assessed"): 1,
}

# By area (Eteläinen = school A; Itäinen = schools B and C; Pohjoinen has no schools).
EXPECTED_BY_AREA = {
    ("cases_referred", None): {"Eteläinen": 2, "Itäinen": 3, "Pohjoinen": 0},
    ("cases_closed", None): {"Eteläinen": 2, "Itäinen": 3, "Pohjoinen": 0},
    ("cases_open_at_end", None): {"Eteläinen": 0, "Itäinen": 2, "Pohjoinen": 0},
    ("central_parties_resolved", None): {"Eteläinen": 3, "Itäinen": 2, "Pohjoinen": 0},
    ("bystander_parties_resolved", None): {"Eteläinen": 25, "Itäinen": 20, "Pohjoinen": 0},
    ("children_met", None): {"Eteläinen": 3, "Itäinen": 2, "Pohjoinen": 0},
    ("median_days_to_closure", None): {"Eteläinen": 216.5, "Itäinen": 289, "Pohjoinen": None},
}

# By grade band, for the pupil indicators.
EXPECTED_BY_BAND = {
    ("central_parties_resolved", None): {"grades_1_2": 1, "grades_7_9": 4, "unknown": 0},
    ("bystander_parties_resolved", None): {"grades_7_9": 45, "grades_3_6": 0},
    ("children_met", None): {"grades_1_2": 1, "grades_7_9": 4},
}

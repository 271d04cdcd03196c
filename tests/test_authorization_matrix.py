"""Authorization matrix: every URL pattern of the project × every persona, GET and POST.

The patterns come from the URL resolver, not from a hand list, and every named pattern must
have an entry in EXPECTED: a new view without one fails here, so nobody can add a page
without deciding who may open it. The Django admin is checked by rule (staff only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from k0.cases.models import (
    Agreement,
    Attachment,
    CaseNote,
    FollowUp,
    Guardianship,
    Intervention,
    Party,
)
from k0.cases.models import PartyGroup as Group
from k0.cases.models_duties import (
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)
from schools.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory, make_case

PERSONAS = [
    "anonymous",
    "school_member",  # team member of the school, not on the case team
    "case_team",
    "outsider",  # team member of another school
    "assigned_coordinator",
    "unassigned_coordinator",
    "principal",
    "other_principal",
    "programme_office",
    "administrator",
]

OK = {200}
REDIRECT = {302}
DENIED = {403, 404}  # 404 where the page must not reveal that a case exists


@dataclass(frozen=True)
class Rule:
    """Who may GET/POST a URL. `allowed` get `ok_get`/`ok_post`; everyone else logged in gets
    `denied` (a subset of DENIED); anonymous users are sent to log in unless `public`."""

    allowed: frozenset = frozenset()
    ok_get: frozenset = frozenset({200})
    ok_post: frozenset = frozenset({200, 302})
    denied: frozenset = frozenset({404})
    public: bool = False
    anonymous_get: frozenset = field(default=frozenset({302}))


def rule(
    allowed=(), *, get=(200,), post=(200, 302), denied=(404,), public=False, anonymous_get=(302,)
):
    return Rule(
        frozenset(allowed),
        frozenset(get),
        frozenset(post),
        frozenset(denied),
        public,
        frozenset(anonymous_get),
    )


CASE_WORKERS = {"case_team", "assigned_coordinator"}
ALL_USERS = set(PERSONAS) - {"anonymous"}
POST_ONLY = (405,)

CASE_PAGE = rule(CASE_WORKERS)
CASE_ACTION = rule(CASE_WORKERS, get=POST_ONLY)

EXPECTED: dict[str, Rule] = {
    # public
    "login": rule(ALL_USERS, get=(200, 302), public=True, anonymous_get=(200,)),
    "health": rule(ALL_USERS, post=(200,), public=True, anonymous_get=(200,)),
    "accessibility": rule(ALL_USERS, post=(200,), public=True, anonymous_get=(200,)),
    "set_language": rule(ALL_USERS, get=POST_ONLY, post=(302,), public=True, anonymous_get=(405,)),
    "password_reset": rule(ALL_USERS, post=(200, 302), public=True, anonymous_get=(200,)),
    "password_reset_done": rule(ALL_USERS, public=True, anonymous_get=(200,)),
    "password_reset_confirm": rule(ALL_USERS, public=True, anonymous_get=(200,)),
    "password_reset_complete": rule(ALL_USERS, public=True, anonymous_get=(200,)),
    # any logged-in user
    "home": rule(ALL_USERS, get=(302,), post=(302,)),
    "logout": rule(ALL_USERS, get=POST_ONLY, post=(302,)),
    "password_change": rule(ALL_USERS),
    "password_change_done": rule(ALL_USERS),
    "two_factor_verify": rule(ALL_USERS, get=(302,), post=(302,)),
    "two_factor_setup": rule(ALL_USERS),
    # role start pages
    "cases:list": rule(
        {
            "school_member",
            "case_team",
            "outsider",
            "assigned_coordinator",
            "unassigned_coordinator",
        },
        denied=(403,),
    ),
    "cases:create": rule({"school_member", "case_team", "outsider"}, denied=(403,)),
    "cases:principal_overview": rule({"principal", "other_principal"}, denied=(403,)),
    "cases:coordinator_home": rule(
        {"assigned_coordinator", "unassigned_coordinator"}, denied=(403,)
    ),
    # one case
    "cases:detail": CASE_PAGE,
    "cases:edit_referral": CASE_PAGE,
    "cases:edit_work": CASE_PAGE,
    "cases:team": CASE_PAGE,
    "cases:history": CASE_PAGE,
    "cases:close": CASE_PAGE,
    "cases:reopen": CASE_PAGE,
    # A new case following a closed one: team members of the school on the case team; the
    # assigned coordinator sees the case but opens no cases (403). The fixture case is open,
    # so the allowed answer is a redirect back to it.
    "cases:follow_on": rule({"case_team"}, get=(302,), post=(302,), denied=(403, 404)),
    "cases:advance": CASE_ACTION,
    "cases:consent_rule": CASE_PAGE,
    "cases:progress": rule({"principal"}, post=(200,)),
    "cases:review": rule({"principal"}, get=POST_ONLY, post=(302,)),
}
for _kind in (
    "parties",
    "guardians",
    "groups",
    "interventions",
    "agreements",
    "follow_ups",
    "notes",
    "consents",
    "notices",
    "safety_measures",
    "service_referrals",
):
    EXPECTED[f"cases:{_kind}_add"] = CASE_PAGE
    EXPECTED[f"cases:{_kind}_edit"] = CASE_PAGE
    EXPECTED[f"cases:{_kind}_remove"] = CASE_ACTION
TEAM_AND_COORDINATORS = {
    "school_member",
    "case_team",
    "outsider",
    "assigned_coordinator",
    "unassigned_coordinator",
}
EXPECTED["reminders:my_work"] = rule(TEAM_AND_COORDINATORS, denied=(403,))
EXPECTED["reminders:follow_ups_calendar"] = rule(
    TEAM_AND_COORDINATORS, get=POST_ONLY, post=(302,), denied=(403,)
)
EXPECTED["reminders:invite"] = CASE_ACTION
EXPECTED["jobs:list"] = rule(ALL_USERS, post=(200,))
EXPECTED["jobs:detail"] = rule({"case_team"}, post=(200,))
EXPECTED["jobs:download"] = rule({"case_team"}, post=(200,))
EXPECTED["documents:case_summary"] = rule(CASE_WORKERS, get=POST_ONLY, post=(302,))
EXPECTED["documents:meeting_record"] = rule(CASE_WORKERS, get=POST_ONLY, post=(302,))
EXPECTED["documents:case_progress_summary"] = rule({"principal"}, get=POST_ONLY, post=(302,))
PROGRAMME_OFFICE = rule({"programme_office"}, denied=(403,))
for _name in (
    "dashboard",
    "tables",
    "trend",
    "chart_parties",
    "chart_outcomes",
    "chart_trend",
    "export_csv",
    "export_xlsx",
    "export_json",
):
    EXPECTED[f"indicators:{_name}"] = PROGRAMME_OFFICE
EXPECTED["indicators:report_pdf"] = rule(
    {"programme_office"}, get=POST_ONLY, post=(200, 302, 400), denied=(403,)
)
# The BI endpoint authenticates by bearer token only: a session is not enough.
EXPECTED["indicators:api"] = rule(set(), public=True, anonymous_get=(401,), denied=(401, 405))
ADMIN_ONLY = rule({"administrator"}, denied=(403,))
EXPECTED["privacy:search"] = ADMIN_ONLY
EXPECTED["privacy:inactive"] = rule({"administrator"}, post=(200,), denied=(403,))
EXPECTED["privacy:party"] = ADMIN_ONLY
EXPECTED["privacy:export_json"] = rule({"administrator"}, get=POST_ONLY, post=(200,), denied=(403,))
EXPECTED["privacy:export_pdf"] = rule({"administrator"}, get=POST_ONLY, post=(200,), denied=(403,))
EXPECTED["privacy:erase"] = rule({"administrator"}, get=POST_ONLY, post=(200, 302), denied=(403,))
EXPECTED["privacy:duplicates"] = rule({"administrator"}, post=(200,), denied=(403,))
EXPECTED["privacy:duplicate_review"] = ADMIN_ONLY
EXPECTED["privacy:merge_undo"] = rule({"administrator"}, get=POST_ONLY, post=(302,), denied=(403,))
# Transfers and handovers (k0/cases/views_transfer.py). The fixture's transfer goes from the
# school to the other school, where the assigned coordinator also coordinates.
EXPECTED["cases:transfer_propose"] = CASE_PAGE
EXPECTED["cases:transfers_incoming"] = rule(
    {"assigned_coordinator", "unassigned_coordinator", "principal", "other_principal"},
    denied=(403,),
)
EXPECTED["cases:transfer_answer"] = rule(
    {"assigned_coordinator", "other_principal"}, denied=(403, 404)
)
EXPECTED["cases:handover"] = rule({"assigned_coordinator", "unassigned_coordinator", "principal"})
EXPECTED["cases:earlier_cases"] = rule(CASE_WORKERS, post=(405,))
EXPECTED["cases:attachment_add"] = CASE_PAGE
EXPECTED["cases:attachment_download"] = rule(CASE_WORKERS, post=(200,))
EXPECTED["cases:attachment_remove"] = CASE_ACTION
for _quick in (
    "parties_heard",
    "parties_unheard",
    "guardians_informed",
    "guardians_uninformed",
    "follow_ups_done",
    "follow_ups_undone",
):
    EXPECTED[f"cases:{_quick}"] = CASE_ACTION
# City log-in: 404 unless OIDC_ISSUER is set (tests/accounts/test_oidc_matrix.py walks the
# matrix again with it set, for users created by the city log-in).
EXPECTED["oidc_login"] = rule(ALL_USERS, get=(404,), post=(405,), public=True, anonymous_get=(404,))
EXPECTED["oidc_callback"] = rule(
    ALL_USERS, get=(404,), post=(405,), public=True, anonymous_get=(404,)
)


def walk(patterns, prefix="", namespace=None):
    """(name, pattern, converters) for every named pattern, descending into includes."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), full)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), entry.pattern.converters


def project_urls(urlconf=None):
    return [
        (n, p, c)
        for n, p, c in walk(get_resolver(urlconf).url_patterns)
        if not (n or "").startswith("admin:") and not p.startswith("admin/")
    ]


@pytest.fixture
def make_user():
    """How the personas' users are made; tests/accounts/test_oidc_matrix.py overrides it."""
    return lambda username, **fields: UserFactory(username=username, **fields)


@pytest.fixture
def world(db, school, other_school, settings, tmp_path, make_user):
    settings.MEDIA_ROOT = tmp_path

    def make(role, where, name):
        user = make_user(name)
        MembershipFactory(user=user, school=where, role=role)
        return user

    people = {
        "school_member": make(Role.TEAM_MEMBER, school, "m_school_member"),
        "case_team": make(Role.TEAM_MEMBER, school, "m_case_team"),
        "outsider": make(Role.TEAM_MEMBER, other_school, "m_outsider"),
        "assigned_coordinator": make(Role.COORDINATOR, school, "m_assigned"),
        "unassigned_coordinator": make(Role.COORDINATOR, school, "m_unassigned"),
        "principal": make(Role.PRINCIPAL, school, "m_principal"),
        "other_principal": make(Role.PRINCIPAL, other_school, "m_other_principal"),
        "programme_office": make(Role.PROGRAMME_OFFICE, None, "m_programme"),
        "administrator": make_user("m_admin", is_staff=True, is_superuser=True),
    }
    Membership.objects.create(
        user=people["assigned_coordinator"], school=other_school, role=Role.COORDINATOR
    )
    case = make_case(
        school=school, responsible=people["case_team"], coordinator=people["assigned_coordinator"]
    )
    pupil = Party.objects.create(case=case, name="Pupil", role="central", kind="pupil")
    guardian = Party.objects.create(case=case, name="Guardian", role="central", kind="guardian")
    objects = {
        "parties": pupil,
        "guardians": Guardianship.objects.create(guardian=guardian, pupil=pupil),
        "groups": Group.objects.create(case=case, name="7B", head_count=20),
        "interventions": Intervention.objects.create(
            case=case, kind="joint", date=dt.date(2026, 10, 1)
        ),
        "agreements": Agreement.objects.create(case=case, text="Agreed"),
        "follow_ups": FollowUp.objects.create(
            case=case, due_date=dt.date(2026, 12, 1), responsible=people["case_team"]
        ),
        "notes": CaseNote.objects.create(case=case, author=people["case_team"], text="Note"),
        "consents": GuardianConsent.objects.create(
            pupil=pupil, guardian=guardian, status="given", decided_on=dt.date(2026, 9, 2)
        ),
        "notices": StatutoryNotice.objects.create(
            case=case, kind="crime_report", made_on=dt.date(2026, 9, 2), pupil=pupil
        ),
        "safety_measures": SafetyMeasure.objects.create(
            case=case,
            kind="safe_adult",
            what="Turvallinen aikuinen",
            owner=people["case_team"],
            starts_on=dt.date(2026, 9, 2),
        ),
        "service_referrals": ServiceReferral.objects.create(
            case=case, party=pupil, service="psychologist", referred_on=dt.date(2026, 9, 2)
        ),
        "attachment": Attachment.objects.create(
            case=case,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="a.pdf"),
            original_name="a.pdf",
            content_type="application/pdf",
            size=14,
            uploaded_by=people["case_team"],
        ),
    }
    from k0.cases.transfers import CaseTransfer

    objects["transfer"] = CaseTransfer.objects.create(
        case=case,
        from_school=school,
        to_school=other_school,
        reason="Yläkouluun",
        proposed_by=people["case_team"],
    )
    from k0.cases.persons import Person, PersonDuplicate, PersonMerge

    twins = [Person.objects.create(kind="pupil", name="Twin") for _ in range(3)]
    objects["duplicate"] = PersonDuplicate.objects.create(
        first=twins[0], second=twins[1], reason="name_and_birth_year"
    )
    objects["merge"] = PersonMerge.objects.create(
        kept=twins[0], merged=twins[2], merged_by=people["administrator"]
    )
    from k0.jobs.models import Job
    from k0.jobs.services import run_job

    job = Job.objects.create(kind="my_follow_ups_ics", requested_by=people["case_team"])
    run_job(job.pk)
    return {"people": people, "case": case, "objects": objects, "job": job}


def fill(name, converters, world):
    kwargs = {}
    for key in converters:
        if key == "reference":
            kwargs[key] = world["case"].reference
        elif key == "pk" and name.startswith("cases:"):
            kind = name.split(":")[1].rsplit("_", 1)[0]
            kwargs[key] = world["objects"][kind].pk
        elif key == "pk" and name in ("reminders:invite", "documents:meeting_record"):
            kwargs[key] = world["objects"]["interventions"].pk
        elif key == "pk" and name.startswith("jobs:"):
            kwargs[key] = world["job"].pk
        elif key == "pk" and name == "privacy:duplicate_review":
            kwargs[key] = world["objects"]["duplicate"].pk
        elif key == "pk" and name == "privacy:merge_undo":
            kwargs[key] = world["objects"]["merge"].pk
        elif key == "pk" and name.startswith("privacy:"):
            kwargs[key] = world["objects"]["parties"].pk
        elif key == "uidb64":
            kwargs[key] = "MQ"
        elif key == "token":
            kwargs[key] = "set-password"
        else:
            raise AssertionError(f"{name}: no value for URL parameter {key!r}; add one in fill()")
    return reverse(name, kwargs=kwargs)


def check(name, url, expected: Rule, world, log_in=Client.force_login):
    """Returns a list of failures (persona, method, status, allowed statuses)."""
    failures = []
    for index, persona in enumerate(PERSONAS, start=1):
        # Each persona from an address of its own, as in life: the per-address rate limits
        # (k0.ratelimits) count each one apart.
        client = Client(REMOTE_ADDR=f"192.0.2.{index}")
        if persona != "anonymous":
            log_in(client, world["people"][persona])
        if persona == "anonymous":
            get_ok = expected.anonymous_get
            post_ok = {200, 302, 405} if expected.public else {302, 405}
        elif persona in expected.allowed:
            get_ok, post_ok = expected.ok_get, expected.ok_post | {405}
        else:
            get_ok = post_ok = expected.denied
        response = client.get(url)
        if response.status_code not in get_ok:
            failures.append((persona, "GET", response.status_code, sorted(get_ok)))
        if persona == "anonymous" and not expected.public and response.status_code == 302:
            assert response.url.startswith(reverse("login")), (name, response.url)
        with transaction.atomic():
            response = client.post(url, {})
            transaction.set_rollback(True)
        if response.status_code not in post_ok:
            failures.append((persona, "POST", response.status_code, sorted(post_ok)))
    return failures


def test_every_url_pattern_has_an_expectation():
    names = {n for n, _, _ in project_urls()}
    assert None not in names, "every URL pattern needs a name to be checked"
    missing = sorted(names - EXPECTED.keys())
    assert not missing, f"URL patterns without an entry in EXPECTED: {missing}"
    stale = sorted(EXPECTED.keys() - names)
    assert not stale, f"EXPECTED names no URL pattern: {stale}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_authorization_matrix(name, world):
    converters = next(c for n, _, c in project_urls() if n == name)
    url = fill(name, converters, world)
    failures = check(name, url, EXPECTED[name], world)
    assert not failures, f"{url}: {failures}"


def test_programme_office_never_receives_a_case_page_name_or_note(world):
    client = Client()
    client.force_login(world["people"]["programme_office"])
    for name, _, converters in project_urls():
        if not name.startswith("cases:") or "reference" not in converters:
            continue
        body = client.get(fill(name, converters, world)).content.decode()
        assert "Pupil" not in body and "Note" not in body, name


@pytest.mark.parametrize("persona", ["school_member", "principal", "administrator"])
def test_admin_is_for_staff_only(world, persona):
    client = Client()
    client.force_login(world["people"][persona])
    response = client.get("/admin/")
    if persona == "administrator":
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_matrix_catches_an_unprotected_view(world, settings):
    """A temporary URLconf with a leaking view: the walk finds it, and both a missing entry
    and a wrong claim about it fail."""
    from django.contrib.auth.decorators import login_not_required

    @login_not_required
    def leak(request):
        return HttpResponse("Pupil names")

    module = type("urlconf", (), {})()
    module.urlpatterns = [*get_resolver().url_patterns, path("leak/", leak, name="leak")]
    names = {n for n, _, _ in project_urls(module)}
    assert "leak" in names and "leak" not in EXPECTED

    settings.ROOT_URLCONF = module
    failures = check("leak", "/leak/", rule({"case_team"}), world)
    assert ("anonymous", "GET", 200, [302]) in failures
    assert any(persona == "outsider" and status == 200 for persona, _, status, _ in failures)


def test_admin_shows_no_case_records_and_a_read_only_access_log(world):
    client = Client()
    client.force_login(world["people"]["administrator"])
    index = client.get("/admin/").content.decode()
    assert "/admin/cases/case/" not in index and "/admin/cases/party/" not in index
    client.force_login(world["people"]["case_team"])
    client.get(world["case"].get_absolute_url())
    client.force_login(world["people"]["administrator"])
    listing = client.get("/admin/cases/accesslog/")
    assert listing.status_code == 200
    assert world["case"].reference in listing.content.decode()
    assert client.get("/admin/cases/accesslog/add/").status_code == 403

"""End to end: a case moves with a pupil from a primary school to a lower-secondary school.

The sending team proposes the transfer on the case page, the receiving school's principal
accepts it and names the responsible member there, and the receiving team member opens the
case with its whole history; the sending team member can no longer open it. Elements are
found by ids and form field names, so the test does not depend on translations.
"""

from playwright.sync_api import expect

from k0.cases.choices import Phase
from k0.cases.models import Case
from schools.models import Role, SchoolKind
from tests.accounts.factories import PASSWORD, UserFactory
from tests.cases.factories import make_case
from tests.schools.factories import MembershipFactory, SchoolFactory

from .conftest import assert_accessible, log_in


def member(role, school, username):
    user = UserFactory(username=username, email=f"{username}@example.invalid")
    MembershipFactory(user=user, school=school, role=role)
    return user


def log_out(page):
    page.context.clear_cookies()


def test_a_case_moves_from_primary_to_lower_secondary(page, live_server, db):
    primary = SchoolFactory(name="Kallion ala-aste", kind=SchoolKind.PRIMARY)
    lower = SchoolFactory(name="Vuorilahden yläkoulu", kind=SchoolKind.LOWER_SECONDARY)
    sender = member(Role.TEAM_MEMBER, primary, "lahettaja")
    principal = member(Role.PRINCIPAL, lower, "vastaanottava_rehtori")
    receiver = member(Role.TEAM_MEMBER, lower, "vastaanottaja")
    case = make_case(school=primary, responsible=sender, phase=Phase.MAPPING)
    errors = []
    page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)

    # The sending team proposes the transfer from the case page.
    log_in(page, live_server, sender, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.locator("#propose-transfer").click()
    page.locator("select[name=to_school]").select_option(str(lower.pk))
    page.locator("textarea[name=reason]").fill("Siirtyy yläkouluun 7. luokalle")
    assert_accessible(page)
    page.locator(".form-panel form button[type=submit]").click()
    expect(page.locator('[data-transfer-status="proposed"]')).to_be_visible()
    log_out(page)

    # The receiving principal accepts and names the responsible member.
    log_in(page, live_server, principal, PASSWORD)
    page.goto(f"{live_server.url}/cases/transfers/")
    assert_accessible(page)
    page.locator("#incoming-transfers a").first.click()
    page.locator("input[name=decision][value=accept]").check()
    page.locator("select[name=responsible]").select_option(str(receiver.pk))
    assert_accessible(page)
    page.locator("#answer-transfer").click()
    expect(page.locator("#no-incoming-transfers")).to_be_visible()
    log_out(page)

    case.refresh_from_db()
    assert case.school == lower and case.responsible == receiver

    # The receiving team member sees the case with its history; the sender no longer does.
    log_in(page, live_server, receiver, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page.locator('[data-transfer-status="accepted"]')).to_be_visible()
    assert_accessible(page)
    log_out(page)
    log_in(page, live_server, sender, PASSWORD)
    response = page.goto(f"{live_server.url}{case.get_absolute_url()}")
    assert response.status == 404
    assert Case.objects.get(pk=case.pk).reference == case.reference
    assert not errors, errors

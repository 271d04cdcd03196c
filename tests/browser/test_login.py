from tests.factories import PASSWORD

from .conftest import assert_accessible, log_in


def test_login_page_is_accessible_and_leads_to_the_start_page(page, live_server, team_member):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert_accessible(page)
    log_in(page, live_server, team_member, PASSWORD)
    page.wait_for_url(f"{live_server.url}/cases/")
    assert page.get_by_role("heading", level=1).inner_text() == "Omat tapaukset"
    assert_accessible(page)


def test_language_switch_in_the_browser(page, live_server, db):
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in i K-0"


def test_accessibility_statement_is_accessible(page, live_server, db):
    page.goto(f"{live_server.url}/accessibility/")
    assert_accessible(page)

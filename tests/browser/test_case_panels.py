"""Every panel form of the case page, by keyboard, in Chromium: the form opens next to what
it edits with focus in its first field; Escape closes it and returns focus to the link that
opened it; Save with an error shows the error summary in view and focused; a successful
Save shows the changed item, focused, and the announced message (in the `role="status"`
region), both in view. Also without JavaScript: POST/redirect/GET to the changed item.

Forms and items are found by URL, ids and data attributes, not by translated text.
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from k0.cases.models import Case, FollowUp, Guardianship, Intervention, Party
from tests.factories import PASSWORD

from .conftest import log_in

PANEL = "[data-panel-slot] .form-panel"
YESTERDAY = date.today() - timedelta(days=1)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)

IN_VIEW = """(element) => {
    const r = element.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
}"""


@pytest.fixture
def panel_case(db, case, case_team_member):
    """A case with a pupil, a linked and an unlinked guardian, a done meeting and a follow-up."""
    case.referred_on = date.today() - timedelta(days=30)
    case.save()
    pupil = Party.objects.create(case=case, name="Aino Oppilas", role="central", kind="pupil")
    Party.objects.create(case=case, name="Hanna Huoltaja", role="central", kind="guardian")
    kalle = Party.objects.create(case=case, name="Kalle Huoltaja", role="central", kind="guardian")
    Guardianship.objects.create(guardian=kalle, pupil=pupil)
    Intervention.objects.create(case=case, kind="joint", status="done", date=YESTERDAY)
    FollowUp.objects.create(
        case=case, due_date=date.today() + timedelta(days=7), responsible=case_team_member
    )
    return case, pupil


def _fill_party(panel):
    panel.locator("#id_name").fill("Bruno Oppilas")
    panel.locator("input[name=role][value=central]").check()
    panel.locator("#id_kind").select_option("pupil")


def _fill_guardian(panel):
    panel.locator("#id_guardian").select_option(label="Hanna Huoltaja")
    panel.locator("#id_pupil").select_option(label="Aino Oppilas")


def _fill_group(panel):
    panel.locator("#id_name").fill("7B")
    panel.locator("#id_head_count").fill("22")


def _fill_intervention(panel):
    panel.locator("#id_kind").select_option("individual")
    panel.locator("input[name=status][value=done]").check()
    panel.locator("#id_date").fill(YESTERDAY.isoformat())


def _fill_agreement(panel):
    panel.locator("#id_text").fill("Ei kirjoiteta toisesta viestiryhmään.")


def _fill_follow_up(panel):
    panel.locator("#id_responsible").select_option(index=1)


def _fill_attachment(panel):
    panel.locator("#id_file").set_input_files(
        files=[{"name": "kuva.png", "mimeType": "image/png", "buffer": PNG}]
    )


def _fill_referral(panel):
    panel.locator("#id_referred_on").fill((date.today() - timedelta(days=30)).isoformat())


def _fill_work(panel):
    panel.locator("#id_summary").fill("Pitkittynyt riita.")


def _break_work(panel):
    panel.locator("#id_summary").fill("x" * 5_001)


def _break_referral(panel):
    panel.locator("#id_referred_on").fill("")


def _break_party_edit(panel):
    panel.locator("#id_name").fill("")


def _fill_party_edit(panel):
    panel.locator("#id_name").fill("Aino Oppilas")
    panel.locator("#id_class_name").fill("7C")


def _nothing(panel):
    pass


def _fill_notice(panel):
    panel.locator("#id_kind").select_option("child_welfare")
    panel.locator("#id_office").fill("Lastensuojelun päivystys")


def _fill_safety_measure(panel):
    panel.locator("#id_kind").select_option("supervised_breaks")
    panel.locator("#id_what").fill("Aikuinen välitunnilla pihalla.")
    panel.locator("#id_owner").select_option(index=1)
    panel.locator("input[name=status][value=active]").check()


def _fill_consent(panel):
    panel.locator("#id_pupil").select_option(label="Aino Oppilas")
    panel.locator("#id_guardian").select_option(label="Kalle Huoltaja")
    panel.locator("input[name=status][value=given]").check()
    panel.locator("#id_decided_on").fill(YESTERDAY.isoformat())


def _break_consent_rule(panel):
    panel.locator("#id_consent_exception").fill("x" * 2_001)


def _fill_consent_rule(panel):
    panel.locator("#id_consent_exception").fill("")
    panel.locator("input[name=consent_rule][value=all]").check()


def _fill_service_referral(panel):
    panel.locator("#id_party").select_option(label="Aino Oppilas")
    panel.locator("#id_service").select_option("school_nurse")


# (opener selector, make an error, fill validly, id prefix of the changed item)
PANELS = {
    "party": ("#parties a[href$='/parties/add/']", _nothing, _fill_party, "party-"),
    "guardian": ("#parties a[href$='/guardians/add/']", _nothing, _fill_guardian, "guardian-"),
    "group": ("#parties a[href$='/groups/add/']", _nothing, _fill_group, "group-"),
    "party-edit": (
        "#parties tr[id^=party-] a[href*='/parties/']",
        _break_party_edit,
        _fill_party_edit,
        "party-",
    ),
    "referral": ("#referral a[href$='/referral/']", _break_referral, _fill_referral, "referral"),
    "work": ("#work a[href$='/work/']", _break_work, _fill_work, "work"),
    "intervention": (
        "#interventions a[href$='/interventions/add/']",
        _nothing,
        _fill_intervention,
        "intervention-",
    ),
    "agreement": (
        "#interventions a[href$='/agreements/add/']",
        _nothing,
        _fill_agreement,
        "agreement-",
    ),
    "follow-up": (
        "#follow-ups a[href$='/follow-ups/add/']",
        _nothing,
        _fill_follow_up,
        "follow-up-",
    ),
    "attachment": (
        "#attachments a[href$='/attachments/add/']",
        _nothing,
        _fill_attachment,
        "attachment-",
    ),
    "consent": ("#consents a[href$='/consents/add/']", _nothing, _fill_consent, "consent-"),
    "consent-rule": (
        "#consents a[href$='/consent-rule/']",
        _break_consent_rule,
        _fill_consent_rule,
        "consent-rule",
    ),
    "notice": ("#notices a[href$='/notices/add/']", _nothing, _fill_notice, "notice-"),
    "safety-measure": (
        "#safety-plan a[href$='/safety-measures/add/']",
        _nothing,
        _fill_safety_measure,
        "safety-measure-",
    ),
    "service-referral": (
        "#service-referrals a[href$='/service-referrals/add/']",
        _nothing,
        _fill_service_referral,
        "service-referral-",
    ),
}


def active(page, script):
    return page.evaluate(f"() => {{ const e = document.activeElement; return {script}; }}")


def open_by_keyboard(page, opener):
    opener.focus()
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_have_count(1)
    expect(page.locator(PANEL)).to_be_visible()


def save(page):
    page.locator(f"{PANEL} form[hx-post] button[type=submit]").click()


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
@pytest.mark.parametrize("name", list(PANELS))
def test_panel_keeps_the_place_and_the_focus(
    page, live_server, panel_case, case_team_member, name, viewport
):
    case, _ = panel_case
    opener_selector, make_error, fill, changed_prefix = PANELS[name]
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(page, live_server, case_team_member, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    opener = page.locator(opener_selector).first
    href = opener.get_attribute("href")

    # Enter opens the form in place; focus is in its first field.
    open_by_keyboard(page, opener)
    assert active(page, "!!e.closest('[data-panel-slot] .form-panel')")
    assert active(page, "e.matches('input, select, textarea')")
    assert page.locator(PANEL).evaluate(IN_VIEW)

    # Escape closes it and returns focus to the link that opened it.
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_have_count(0)
    assert active(page, "e.getAttribute('href')") == href

    # Save with an error: the error summary is in view and focused, with a link per error.
    open_by_keyboard(page, opener)
    make_error(page.locator(PANEL))
    save(page)
    summary = page.locator(f"{PANEL} [data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert summary.evaluate(IN_VIEW)
    first_error = summary.locator("a[href^='#']").first
    target = first_error.get_attribute("href")
    first_error.click()
    assert active(page, "'#' + e.id") == target

    # Cancel (here after the error) also returns focus to the opener.
    page.locator(f"{PANEL} [data-panel-close]").click()
    expect(page.locator(PANEL)).to_have_count(0)
    assert active(page, "e.getAttribute('href')") == href

    # A valid Save: the changed item is focused and in view, the message announced and in view.
    open_by_keyboard(page, opener)
    fill(page.locator(PANEL))
    save(page)
    message = page.locator("#messages[role=status] .hds-notification--success")
    expect(message).to_be_visible()
    expect(page.locator(PANEL)).to_have_count(0)
    page.wait_for_function(f"document.activeElement.id.startsWith({changed_prefix!r})")
    assert active(page, "e.id").startswith(changed_prefix)
    assert active(page, f"({IN_VIEW})(e)")
    assert message.evaluate(IN_VIEW)


def test_without_javascript_a_save_returns_to_the_changed_item(
    browser, live_server, panel_case, case_team_member
):
    case, _ = panel_case
    context = browser.new_context(java_script_enabled=False, locale="fi-FI")
    page = context.new_page()
    log_in(page, live_server, case_team_member, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.locator("#parties a[href$='/parties/add/']").click()
    page.wait_for_url("**/parties/add/")
    page.locator(".form-panel button[type=submit]").click()
    # The error summary, with a link to the field, on the form's own page.
    expect(page.locator("[data-error-summary] a[href='#id_name']")).to_be_visible()
    page.locator("#id_name").fill("Bruno Oppilas")
    page.locator("input[name=role][value=central]").check()
    page.locator("#id_kind").select_option("pupil")
    page.locator(".form-panel button[type=submit]").click()
    party = Party.objects.get(case=case, name="Bruno Oppilas")
    page.wait_for_url(f"**{case.get_absolute_url()}#party-{party.pk}")
    expect(page.locator(f"#party-{party.pk}")).to_be_in_viewport()
    expect(page.locator("#messages .hds-notification--success")).to_be_in_viewport()
    context.close()


def test_the_close_form_chooses_no_outcome(page, live_server, panel_case, case_team_member):
    case, _ = panel_case
    log_in(page, live_server, case_team_member, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.reference}/close/")
    expect(page.locator("#id_outcome")).to_have_value("")
    page.locator(".form-panel form button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_outcome']")).to_be_visible()
    assert Case.objects.get(pk=case.pk).outcome == ""


def test_the_new_case_form_starts_at_its_error_summary(page, live_server, team_member):
    log_in(page, live_server, team_member, PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.locator("form.case-form button[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    # Each error links to its field, and following the link puts focus in the field.
    link = summary.locator("a[href^='#id_']").first
    target = link.get_attribute("href")
    link.click()
    assert active(page, "'#' + e.id") == target

"""End to end: a K-0 team member runs a case from referral to closure, through the UI only.

Every distinct page and state on the way (case list, referral form, case page in each phase,
each form panel opened with htmx, close page, closed case) is checked with axe-core.

Links and buttons are found by role and Finnish name and, because the Finnish catalogue is
still being completed, also by their href or form action (`Locator.or_`), so the test does
not break on a translation change. Form fields are found by Django's automatic ids.
"""

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from k0.cases.models import Case, FollowUp, Intervention
from tests.factories import PASSWORD

from .conftest import assert_accessible, log_in

TODAY = date.today()
REFERRED_ON = TODAY - timedelta(days=30)
STARTED_AROUND = TODAY - timedelta(days=60)
INFORMED_ON = TODAY - timedelta(days=28)
CONSENT_ON = TODAY - timedelta(days=27)
HEARD_ON = TODAY - timedelta(days=25)
INTERVENTION_ON = TODAY - timedelta(days=15)
FOLLOW_UP_DUE = TODAY - timedelta(days=5)
FOLLOW_UP_DONE = TODAY - timedelta(days=3)

PUPILS = ["Aino Oppilas", "Bruno Oppilas"]
GUARDIANS = {"Hanna Huoltaja": "Aino Oppilas", "Iiro Huoltaja": "Bruno Oppilas"}
PHASES = ["referral", "mapping", "plan", "measures", "follow_up", "closed"]

PANEL = "[data-panel-slot] .form-panel"


def iso(day: date) -> str:
    return day.isoformat()


class Watch:
    """Collects server errors and uncaught script errors (e.g. a failed htmx swap)."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("response", self._response)

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")

    def check(self):
        assert not self.problems, self.problems


def link(page, name, href_suffix):
    """A link by its Finnish name, or by where it leads if the name is not translated yet."""
    return page.get_by_role("link", name=name, exact=True).or_(
        page.locator(f"a[href$='{href_suffix}']")
    )


def assert_unique_ids(page):
    """axe-core no longer checks duplicate ids, but a panel form sharing a field id with a
    form on the case page breaks the other form's <label for>."""
    duplicates = page.evaluate(
        """() => {
            const ids = [...document.querySelectorAll("[id]")].map((e) => e.id);
            return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
        }"""
    )
    assert not duplicates, f"{page.url}: duplicate ids {duplicates}"


def open_panel(page, trigger):
    """Opens an add/edit form into the panel slot of its section (htmx); checks accessibility."""
    trigger.click()
    page.wait_for_selector(PANEL)
    expect(page.locator(f"{PANEL} form[hx-post]")).to_be_visible()
    assert_unique_ids(page)
    assert_accessible(page)
    return page.locator(PANEL)


def save_panel(page, watch):
    """Saves the open panel; on success htmx swaps the refreshed case page in, closing it."""
    panel = page.locator(PANEL)
    panel.get_by_role("button", name="Tallenna").or_(
        panel.locator("form[hx-post] button[type=submit]")
    ).click()
    try:
        expect(page.locator(PANEL)).to_have_count(0)
    except AssertionError:
        errors = page.locator(f"{PANEL} .field__errors, {PANEL} .form-errors").all_inner_texts()
        watch.check()
        raise AssertionError(f"the form was not saved: {errors}") from None
    watch.check()


def expect_phase(page, phase):
    """The phase steps mark `phase` as the current one (translation independent)."""
    expect(page.locator(".phase-steps__step").nth(PHASES.index(phase))).to_have_attribute(
        "aria-current", "step"
    )


def advance(page, watch, to_phase):
    """Presses "Siirrä vaiheeseen …" and waits for the swapped-in case page."""
    form = page.locator("form[action$='/advance/']")
    expect(form.locator("input[name=phase]")).to_have_value(to_phase)
    form.get_by_role("button", name=re.compile(r"^Siirr[äy] vaiheeseen")).or_(
        form.locator("button[type=submit]")
    ).click()
    expect_phase(page, to_phase)
    # The "moved to phase" message arrives inside the swapped-in case body.
    expect(page.locator("#messages .hds-notification--success")).to_be_visible()
    watch.check()
    assert_accessible(page)


def party_link(page, name):
    """The party's name in the parties table links to editing it (a guardian's name in the
    guardians table links to the guardian link instead)."""
    return (
        page.locator("#case-body table")
        .get_by_role("link", name=name, exact=True)
        .and_(page.locator("[href*='/parties/']"))
    )


def add_party(page, watch, name, *, kind, class_name=""):
    panel = open_panel(page, link(page, "Lisää osallinen", "/parties/add/"))
    panel.locator("#id_name").fill(name)
    panel.locator("input[name=role][value=central]").check()
    panel.locator("#id_kind").select_option(kind)
    if class_name:
        panel.locator("#id_class_name").fill(class_name)
    save_panel(page, watch)
    expect(party_link(page, name)).to_be_visible()


def link_guardian(page, watch, guardian, pupil):
    panel = open_panel(page, link(page, "Liitä huoltaja oppilaaseen", "/guardians/add/"))
    panel.locator("#id_guardian").select_option(label=guardian)
    panel.locator("#id_pupil").select_option(label=pupil)
    panel.locator("#id_informed_on").fill(iso(INFORMED_ON))
    panel.locator("#id_informed_how").select_option("phone")
    save_panel(page, watch)


def edit_party(page, watch, name, **dates):
    panel = open_panel(page, party_link(page, name))
    expect(panel.locator("#id_name")).to_have_value(name)
    for field, value in dates.items():
        panel.locator(f"#id_{field}").fill(iso(value))
    save_panel(page, watch)


def record_consent(page, watch, guardian, pupil):
    panel = open_panel(page, link(page, "Kirjaa huoltajan suostumus", "/consents/add/"))
    panel.locator("#id_pupil").select_option(label=pupil)
    panel.locator("#id_guardian").select_option(label=guardian)
    panel.locator("input[name=status][value=given]").check()
    panel.locator("#id_decided_on").fill(iso(CONSENT_ON))
    save_panel(page, watch)


def edit_work(page, watch):
    return open_panel(page, page.locator("#case-body a[href$='/work/']"))


def test_team_member_runs_a_case_from_referral_to_closure(page, live_server, team_member, school):
    watch = Watch(page)

    # Log in and land on the case list.
    log_in(page, live_server, team_member, PASSWORD)
    page.wait_for_url(f"{live_server.url}/cases/")
    assert_accessible(page)

    # Referral form.
    link(page, "Uusi tapaus", "/cases/new/").click()
    page.wait_for_url(f"{live_server.url}/cases/new/")
    assert_accessible(page)
    page.locator("#id_school").select_option(label=school.name)
    page.locator("#id_referred_on").fill(iso(REFERRED_ON))
    page.locator("#id_referral_source").select_option("school_staff")
    page.locator("#id_referral_source_detail").fill("Luokanvalvoja")
    page.locator("#id_known_at_referral").fill("Kiusaamista välitunneilla ja viestisovelluksessa.")
    for value in ("verbal", "online"):
        page.locator(f"input[name=forms_of_bullying][value={value}]").check()
    page.locator("input[name=locations][value=school_day]").check()
    page.locator("#id_started_around").fill(iso(STARTED_AROUND))
    page.locator("#id_responsible").select_option(str(team_member.pk))
    page.get_by_role("button", name="Avaa tapaus").or_(
        page.locator("form.case-form button[type=submit]")
    ).click()

    # The case page, in the referral phase.
    page.wait_for_url(re.compile(r"/cases/K0-\d{4}-\d{4}/$"))
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect_phase(page, "referral")
    watch.check()
    assert_accessible(page)

    # Parties, guardians informed, consent.
    for pupil, class_name in zip(PUPILS, ("7B", "7C"), strict=True):
        add_party(page, watch, pupil, kind="pupil", class_name=class_name)
    for guardian in GUARDIANS:
        add_party(page, watch, guardian, kind="guardian")
    for guardian, pupil in GUARDIANS.items():
        link_guardian(page, watch, guardian, pupil)
    for guardian, pupil in GUARDIANS.items():
        record_consent(page, watch, guardian, pupil)
    expect(page.locator(".checklist__item:not(.checklist__item--done)")).to_have_count(0)
    advance(page, watch, "mapping")

    # Mapping: everyone heard, a root cause.
    for name in [*PUPILS, *GUARDIANS]:
        edit_party(page, watch, name, heard_on=HEARD_ON)
    panel = edit_work(page, watch)
    panel.locator("#id_summary").fill("Kaksi oppilasta, pitkittynyt riita ja verkkoviestit.")
    panel.locator("input[name=root_causes][value=old_quarrel]").check()
    panel.locator("input[name=root_causes][value=online_dynamics]").check()
    save_panel(page, watch)
    expect(page.locator(".checklist__item:not(.checklist__item--done)")).to_have_count(0)
    advance(page, watch, "plan")

    # Plan.
    panel = edit_work(page, watch)
    expect(panel.locator("input[name=root_causes][value=old_quarrel]")).to_be_checked()
    panel.locator("#id_plan").fill("Yhteistapaaminen oppilaille ja huoltajille, sitten seuranta.")
    save_panel(page, watch)
    advance(page, watch, "measures")

    # Measures: a done joint meeting with both pupils, and what was agreed in it.
    panel = open_panel(page, link(page, "Kirjaa toimenpide tai tapaaminen", "/interventions/add/"))
    panel.locator("#id_kind").select_option("joint")
    panel.locator("input[name=status][value=done]").check()
    panel.locator("#id_date").fill(iso(INTERVENTION_ON))
    panel.locator("#id_start_time").fill("09:30")
    panel.locator("#id_duration_minutes").fill("60")
    panel.locator("input[name=facilitators]").first.check()
    for pupil in PUPILS:
        panel.get_by_label(pupil, exact=True).check()
    panel.locator("#id_summary").fill("Yhteistapaaminen")
    save_panel(page, watch)
    expect(page.locator("#case-body article.record")).to_have_count(1)

    panel = open_panel(page, link(page, "Kirjaa sopimus", "/agreements/add/"))
    panel.locator("#id_text").fill("Viestiryhmässä ei kirjoiteta toisesta.")
    panel.locator("#id_intervention").select_option(index=1)
    for pupil in PUPILS:
        panel.get_by_label(pupil, exact=True).check()
    save_panel(page, watch)
    expect(page.locator("#case-body tr[id^=agreement-]")).to_have_count(1)
    advance(page, watch, "follow_up")

    # Follow-up: schedule one, then complete it with the assessment.
    panel = open_panel(page, link(page, "Ajoita seuranta", "/follow-ups/add/"))
    panel.locator("#id_due_date").fill(iso(FOLLOW_UP_DUE))
    panel.locator("#id_responsible").select_option(str(team_member.pk))
    save_panel(page, watch)
    follow_up_row = page.locator("#case-body tr[id^=follow-up-]")
    expect(follow_up_row).to_have_count(1)

    panel = open_panel(page, follow_up_row.get_by_role("link"))
    panel.locator("#id_done_at").fill(iso(FOLLOW_UP_DONE))
    panel.locator("#id_method").select_option("meeting")
    # Each pupil answers; the agreement is checked as kept (k0.cases.answers).
    for fieldset in panel.locator("fieldset[data-party]").all():
        fieldset.locator("input[name$=_bullying][value=stopped]").check()
        fieldset.locator("input[name$=_situation][value=better]").check()
    panel.locator("input[name^=a][value=kept]").check()
    panel.locator("#id_notes").fill("Tilanne rauhoittunut.")
    panel.locator("#id_next_step").fill("Luokanvalvoja seuraa.")
    save_panel(page, watch)
    expect(follow_up_row).to_have_count(1)
    expect(follow_up_row.locator("td").nth(2)).not_to_have_text("–")

    # Close the case on its own page.
    link(page, "Päätä tapaus", f"/cases/{reference}/close/").click()
    page.wait_for_url(f"{live_server.url}/cases/{reference}/close/")
    # Done: a central party, a follow-up after the last intervention, the agreement reviewed,
    # guardians informed. Still missing: the outcome, closing summary and aftercare plan this
    # form fills in.
    expect(page.locator(".checklist__item--done")).to_have_count(4)
    expect(page.locator(".checklist__item:not(.checklist__item--done)")).to_have_count(3)
    assert_accessible(page)
    page.locator("#id_outcome").select_option("resolved")
    page.locator("#id_closing_summary").fill("Kiusaaminen loppui, sopimukset ovat pitäneet.")
    page.locator("#id_aftercare_plan").fill("Luokanvalvoja seuraa kuukauden ajan.")
    page.locator(".form-panel form").get_by_role("button", name="Päätä tapaus").or_(
        page.locator(".form-panel form button[type=submit]")
    ).click()

    # The closed case, swapped in by htmx in place of the close page.
    page.wait_for_url(f"{live_server.url}/cases/{reference}/")
    expect_phase(page, "closed")
    expect(page.locator("#messages .hds-notification--success")).to_be_visible()
    expect(page.locator("#guidance-heading")).to_contain_text("Päätetty")
    expect(page.locator("#case-body")).to_contain_text("Luokanvalvoja seuraa kuukauden ajan.")
    expect(page.locator("form[action$='/advance/']")).to_have_count(0)
    expect(link(page, "Avaa uudelleen", f"/cases/{reference}/reopen/")).to_be_visible()
    watch.check()
    assert_accessible(page)

    case = Case.objects.get(reference=reference)
    assert case.phase == "closed"
    assert case.outcome == "resolved"
    assert case.closed_at is not None
    assert case.referred_on == REFERRED_ON
    assert sorted(case.forms_of_bullying) == ["online", "verbal"]
    assert list(case.phase_changes.values_list("to_phase", flat=True)) == PHASES[1:]
    parties = {p.name: p for p in case.parties.all()}
    assert set(parties) == {*PUPILS, *GUARDIANS}
    assert all(p.heard_on == HEARD_ON for p in parties.values())
    for guardian, pupil in GUARDIANS.items():
        assert parties[pupil].consents.get().guardian == parties[guardian]
        assert parties[pupil].guardians_informed
    intervention = Intervention.objects.get(case=case)
    assert {p.name for p in intervention.participants.all()} == set(PUPILS)
    assert case.agreements.get().intervention == intervention
    assert FollowUp.objects.get(case=case).done_at == FOLLOW_UP_DONE

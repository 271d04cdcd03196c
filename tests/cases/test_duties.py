"""Legal duties and safety as tracked tasks: consent per guardian, §29.7 informing of every
pupil involved, notices, the safety plan and service referrals — each duty's life from
created to overdue, reminded once, done, and shown to the principal as a count only."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from k0.cases import due
from k0.cases.models import Case, Intervention, PhaseError
from k0.cases.models_duties import (
    GuardianConsent,
    SafetyMeasure,
    ServiceReferral,
    StatutoryNotice,
)
from k0.reminders.models import DutyReminder
from k0.reminders.services import run_daily
from tests.factories import make_case

from .conftest import add_guardian, add_party
from .factories import give_consent

# The fixture case is referred on 1 Sep 2026; today is 27 Nov 2026. A pupil added today must
# have their guardians informed by 4 Dec (INFORMING_DEADLINE_DAYS = 7).
DEADLINE = dt.date(2026, 12, 4)


def at(day: dt.date, hour: int = 8):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def due_kinds(response, kind):
    return [(i.object_id, i.overdue) for i in response.context["due_now"] if i.kind == kind]


# --- §29.7 for every pupil involved ---------------------------------------------------------


def test_a_bystander_who_acted_harmfully_needs_informed_guardians_before_closure(
    case, case_team_member
):
    bystander = add_party(case, "Ville Sivullinen", role="bystander", position="acted")
    guardian = add_guardian(case, bystander, "Vilma Sivullinen", informed=False)
    add_party(case, "Unto Epäselvä", role="bystander", position="unclear")  # not needed
    with pytest.raises(PhaseError) as error:
        case.close(
            by=case_team_member,
            outcome="transferred",
            closing_summary="Siirretty.",
            aftercare_plan="",
        )
    assert any("Ville Sivullinen" in item for item in error.value.missing)
    assert not any("Unto" in item for item in error.value.missing)

    link = guardian.pupil_links.get()
    link.informed_on, link.informed_how, link.informed_by = (
        dt.date(2026, 11, 26),
        "phone",
        case_team_member,
    )
    link.save()
    case.close(
        by=case_team_member, outcome="transferred", closing_summary="Siirretty.", aftercare_plan=""
    )
    assert case.phase == "closed"


def test_informing_duty_is_created_overdue_reminded_once_and_done(
    case, case_team_member, principal
):
    pupil = add_party(case, "Aada Esimerkki", role="bystander", position="harmed")
    guardian = add_guardian(case, pupil, "Anna Esimerkki", informed=False)

    # Created: due by the deadline, not overdue yet.
    page = logged_in(case_team_member).get(case.get_absolute_url())
    assert due_kinds(page, "informing") == [(pupil.pk, False)]
    assert [i.date for i in page.context["due_now"] if i.kind == "informing"] == [DEADLINE]
    assert f'id="duties-pupil-{pupil.pk}"' in page.content.decode()

    with at(DEADLINE + dt.timedelta(days=1)):
        team = logged_in(case_team_member)
        # Overdue on the case page, in My work and in the case list.
        page = team.get(case.get_absolute_url())
        assert due_kinds(page, "informing") == [(pupil.pk, True)]
        assert "due-list__item--overdue" in page.content.decode()
        work = team.get(reverse("reminders:my_work"))
        assert [(i.kind, i.overdue) for i in work.context["duties"]] == [("informing", True)]
        assert f'data-due-object="{pupil.pk}"' in work.content.decode()
        listing = team.get(reverse("cases:list"))
        assert "data-informing-overdue" in listing.content.decode()

        # Reminded once, by reference and link only.
        run_daily(today=DEADLINE + dt.timedelta(days=1), digest=False)
        run_daily(today=DEADLINE + dt.timedelta(days=1), digest=False)
        run_daily(today=DEADLINE + dt.timedelta(days=2), digest=False)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [case_team_member.email]
        body = message.body + message.alternatives[0][0]
        assert case.reference in body and f"#duties-pupil-{pupil.pk}" in body
        for secret in ("Aada", "Anna", "Esimerkki"):
            assert secret not in body and secret not in message.subject
        assert DutyReminder.objects.get().status == "sent"

        # The principal sees a count, never the name.
        progress = logged_in(principal).get(reverse("cases:progress", args=[case.reference]))
        html = progress.content.decode()
        assert 'id="count-informing" data-open="1" data-overdue="1"' in html
        assert "Aada" not in html and "Anna" not in html

        # Done.
        link = guardian.pupil_links.get()
        link.informed_on, link.informed_how = DEADLINE + dt.timedelta(days=1), "meeting"
        link.save()
        page = logged_in(case_team_member).get(case.get_absolute_url())
        assert due_kinds(page, "informing") == []
        assert due.for_user(case_team_member) == []


def test_the_deadline_counts_from_when_the_pupil_was_added(case, settings):
    settings.INFORMING_DEADLINE_DAYS = 3
    with at(dt.date(2026, 11, 30)):
        pupil = add_party(case, "Myöhemmin Lisätty")
        add_guardian(case, pupil, "Huoltaja Lisätty", informed=False)
    [item] = [i for i in due.for_cases(Case.objects.all()) if i.kind == "informing"]
    assert item.date == dt.date(2026, 12, 3)


def test_for_case_and_for_cases_agree(case, case_team_member):
    pupil = add_party(case, "Aada")
    add_guardian(case, pupil, "Anna", informed=False)
    bystander = add_party(case, "Ville", role="bystander")
    meeting = Intervention.objects.create(case=case, kind="individual", date=dt.date(2026, 11, 2))
    meeting.participants.set([bystander])
    SafetyMeasure.objects.create(
        case=case,
        kind="safe_adult",
        what="Turvallinen aikuinen",
        owner=case_team_member,
        starts_on=dt.date(2026, 11, 1),
        review_on=dt.date(2026, 11, 20),
    )
    page = logged_in(case_team_member).get(case.get_absolute_url())
    on_page = {(i.kind, i.object_id, i.date, i.overdue) for i in page.context["due_now"]}
    across = {(i.kind, i.object_id, i.date, i.overdue) for i in due.for_user(case_team_member)}
    assert on_page == across
    kinds = {kind for kind, *_ in on_page}
    assert kinds == {"informing", "consent", "safety_review"}
    # The bystander heard individually is asked for consent too.
    assert ("consent", bystander.pk) in {(k, pk) for k, pk, *_ in on_page}


# --- consent per guardian ---------------------------------------------------------------


def test_consent_of_every_guardian_with_custody_when_the_team_so_chooses(case, case_team_member):
    pupil = add_party(case, "Aada")
    mother = add_guardian(case, pupil, "Äiti")
    father = add_guardian(case, pupil, "Isä")
    give_consent(pupil, mother)
    Case.objects.filter(pk=case.pk).update(consent_rule="all")
    case.refresh_from_db()
    with pytest.raises(PhaseError):
        case.advance_to("mapping", by=case_team_member)
    # A guardian without custody does not count.
    link = father.pupil_links.get()
    link.custody = False
    link.save()
    case.advance_to("mapping", by=case_team_member)
    assert case.phase == "mapping"


def test_consent_rule_is_chosen_and_written_down_on_the_case_page(case, case_team_member):
    team = logged_in(case_team_member)
    url = reverse("cases:consent_rule", args=[case.reference])
    response = team.post(url, {"consent_rule": "all", "consent_exception": ""})
    assert response.status_code == 302
    page = team.get(case.get_absolute_url()).content.decode()
    assert 'data-rule="all"' in page


def test_a_withdrawal_dated_before_the_consent_is_refused_and_nothing_typed_is_lost(
    case, case_team_member
):
    pupil = add_party(case, "Aada")
    guardian = add_guardian(case, pupil, "Anna")
    consent = give_consent(pupil, guardian, on=dt.date(2026, 10, 1))
    response = logged_in(case_team_member).post(
        reverse("cases:consents_edit", args=[case.reference, consent.pk]),
        {
            "pupil": pupil.pk,
            "guardian": guardian.pk,
            "status": "given",
            "decided_on": "2026-10-01",
            "scope": "Keskustelut",
            "withdrawn_on": "2026-09-15",
            "withdrawal_reason": "Perhe muutti mielensä kokonaan",
        },
    )
    assert response.status_code == 200
    assert "withdrawn_on" in response.context["form"].errors
    assert "Perhe muutti mielensä kokonaan" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_withdrawal_shows_at_once_blocks_new_interventions_and_offers_closing(
    case, case_team_member
):
    pupil = add_party(case, "Aada Esimerkki")
    guardian = add_guardian(case, pupil, "Anna")
    consent = give_consent(pupil, guardian)
    team = logged_in(case_team_member)
    response = team.post(
        reverse("cases:consents_edit", args=[case.reference, consent.pk]),
        {
            "pupil": pupil.pk,
            "guardian": guardian.pk,
            "status": "given",
            "decided_on": "2026-09-02",
            "withdrawn_on": "2026-11-20",
            "withdrawal_reason": "Huoltaja peruu",
        },
    )
    assert response.status_code == 302
    page = team.get(case.get_absolute_url()).content.decode()
    assert 'id="consent-withdrawn"' in page
    assert 'data-consent="withdrawn"' in page
    close_url = reverse("cases:close", args=[case.reference]) + "?outcome=discontinued"
    assert close_url in page
    assert team.get(close_url).context["form"].initial["outcome"] == "discontinued"

    response = team.post(
        reverse("cases:interventions_add", args=[case.reference]),
        {
            "kind": "individual",
            "status": "planned",
            "date": "2026-12-01",
            "participants": [pupil.pk],
            "notes": "Kirjoitettu teksti",
        },
    )
    assert response.status_code == 200
    assert "participants" in response.context["form"].errors
    assert "Kirjoitettu teksti" in response.content.decode()
    assert not Intervention.objects.filter(case=case).exists()


def test_a_bystander_heard_individually_may_have_consent_not_needed(case, case_team_member):
    bystander = add_party(case, "Ville", role="bystander")
    team = logged_in(case_team_member)
    url = reverse("cases:consents_add", args=[case.reference])
    response = team.post(url, {"pupil": bystander.pk, "status": "not_needed", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = team.post(
        url, {"pupil": bystander.pk, "status": "not_needed", "reason": "Kuultiin vain todistajana"}
    )
    assert response.status_code == 302
    record = GuardianConsent.objects.get()
    assert record.recorded_by == case_team_member and record.guardian is None
    bystander.refresh_from_db()
    assert bystander.consent_state == "not_needed"
    central = add_party(case, "Aada")
    response = team.post(url, {"pupil": central.pk, "status": "not_needed", "reason": "Syy"})
    assert response.status_code == 200 and "status" in response.context["form"].errors


# --- notices ------------------------------------------------------------------------------


def test_a_notice_for_a_pupil_of_another_case_is_refused(case, school, case_team_member):
    other = make_case(school=school, responsible=case_team_member)
    stranger = add_party(other, "Vieras Oppilas")
    response = logged_in(case_team_member).post(
        reverse("cases:notices_add", args=[case.reference]),
        {
            "kind": "child_welfare",
            "made_on": "2026-11-20",
            "pupil": stranger.pk,
            "office": "Itäinen lastensuojelu",
        },
    )
    assert response.status_code == 200
    assert "pupil" in response.context["form"].errors
    assert "Itäinen lastensuojelu" in response.content.decode()
    assert not StatutoryNotice.objects.exists()


@pytest.mark.parametrize("number", ["123\x00456", "12\n34", "12\x1b[31m", "1" * 10_000])
def test_a_police_case_number_with_control_characters_or_too_long_is_refused(
    case, case_team_member, number
):
    response = logged_in(case_team_member).post(
        reverse("cases:notices_add", args=[case.reference]),
        {"kind": "crime_report", "made_on": "2026-11-20", "police_case_number": number},
    )
    assert response.status_code == 200
    assert "police_case_number" in response.context["form"].errors
    assert not StatutoryNotice.objects.exists()


def test_a_notice_is_recorded_and_shows_in_the_timeline(case, case_team_member):
    pupil = add_party(case, "Aada")
    team = logged_in(case_team_member)
    response = team.post(
        reverse("cases:notices_add", args=[case.reference]),
        {
            "kind": "crime_report",
            "made_on": "2026-11-20",
            "made_by": case_team_member.pk,
            "pupil": pupil.pk,
            "police_case_number": "5500/R/12345/26",
        },
    )
    assert response.status_code == 302
    notice = StatutoryNotice.objects.get()
    page = team.get(case.get_absolute_url())
    assert f'id="notice-{notice.pk}"' in page.content.decode()
    assert any(e.anchor == f"notice-{notice.pk}" for e in page.context["timeline"])
    assert notice.history.count() == 1


def test_the_principal_sees_notice_counts_without_the_police_number(
    case, case_team_member, principal
):
    StatutoryNotice.objects.create(
        case=case,
        kind="crime_report",
        made_on=dt.date(2026, 11, 1),
        police_case_number="5500/R/99999/26",
        office="Salainen virasto",
    )
    html = logged_in(principal).get(reverse("cases:progress", args=[case.reference]))
    html = html.content.decode()
    assert 'id="count-notices"' in html
    assert "5500/R/99999/26" not in html and "Salainen virasto" not in html


# --- safety plan ------------------------------------------------------------------------------


def test_a_safety_measure_without_owner_is_refused_and_keeps_what_was_typed(case, case_team_member):
    response = logged_in(case_team_member).post(
        reverse("cases:safety_measures_add", args=[case.reference]),
        {"kind": "supervised_breaks", "what": "Välitunnit valvotusti", "starts_on": "2026-11-27"},
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert "Välitunnit valvotusti" in response.content.decode()
    assert not SafetyMeasure.objects.exists()


def test_safety_measure_life_top_of_the_page_review_reminded_once_and_ended(
    case, case_team_member, principal
):
    team = logged_in(case_team_member)
    response = team.post(
        reverse("cases:safety_measures_add", args=[case.reference]),
        {
            "kind": "separate_routes",
            "what": "Eri reitit kouluun",
            "owner": case_team_member.pk,
            "starts_on": "2026-11-27",
            "review_on": "2026-12-01",
            "status": "active",
        },
    )
    assert response.status_code == 302
    measure = SafetyMeasure.objects.get()
    page = team.get(case.get_absolute_url()).content.decode()
    assert page.index('id="safety-plan"') < page.index('id="referral-heading"')
    assert due.for_user(case_team_member) == []  # review in four days: not due yet

    review = dt.date(2026, 12, 1)
    with at(review):
        [item] = due.for_user(case_team_member)
        assert (item.kind, item.object_id, item.overdue) == ("safety_review", measure.pk, False)
        run_daily(today=review, digest=False)
        run_daily(today=review, digest=False)
        assert len(mail.outbox) == 1
        assert f"#safety-measure-{measure.pk}" in mail.outbox[0].body
        assert "Eri reitit" not in mail.outbox[0].body
    with at(review + dt.timedelta(days=1)):
        [item] = due.for_user(case_team_member)
        assert item.overdue
        progress = logged_in(principal).get(reverse("cases:progress", args=[case.reference]))
        html = progress.content.decode()
        assert 'data-active="1" data-overdue="1"' in html and "Eri reitit" not in html
        measure.status = "ended"
        measure.save()
        assert due.for_user(case_team_member) == []


# --- service referrals ------------------------------------------------------------------


def test_service_referrals_show_per_party_and_as_counts_to_the_principal(
    case, case_team_member, principal
):
    pupil = add_party(case, "Aada Esimerkki")
    team = logged_in(case_team_member)
    url = reverse("cases:service_referrals_add", args=[case.reference])
    response = team.post(url, {"party": pupil.pk, "service": "other", "referred_on": "2026-11-20"})
    assert response.status_code == 200 and "other_service" in response.context["form"].errors
    response = team.post(
        url,
        {
            "party": pupil.pk,
            "service": "psychologist",
            "referred_on": "2026-11-20",
            "status": "made",
        },
    )
    assert response.status_code == 302
    referral = ServiceReferral.objects.get()
    page = team.get(case.get_absolute_url())
    assert page.context["referrals_by_party"] == [(pupil, [referral])]
    assert f'id="service-referral-{referral.pk}" data-status="made"' in page.content.decode()
    html = logged_in(principal).get(reverse("cases:progress", args=[case.reference]))
    html = html.content.decode()
    assert 'id="count-referrals"' in html and "Aada" not in html


def test_case_page_and_my_work_queries_do_not_grow_with_duties(
    case, case_team_member, django_assert_max_num_queries
):
    for i in range(20):
        pupil = add_party(case, f"Oppilas {i}", position="harmed")
        guardian = add_guardian(case, pupil, f"Huoltaja {i}", informed=False)
        give_consent(pupil, guardian)
        StatutoryNotice.objects.create(case=case, kind="child_welfare", made_on=case.referred_on)
        SafetyMeasure.objects.create(
            case=case,
            kind="safe_adult",
            what="x",
            party=pupil,
            owner=case_team_member,
            starts_on=case.referred_on,
            review_on=dt.date(2026, 11, 20),
        )
        ServiceReferral.objects.create(
            case=case, party=pupil, service="school_nurse", referred_on=case.referred_on
        )
    team = logged_in(case_team_member)
    with django_assert_max_num_queries(30):
        assert team.get(case.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(16):
        assert team.get(reverse("reminders:my_work")).status_code == 200

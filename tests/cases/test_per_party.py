"""Per-party K-0 work: a hearing is a recorded meeting, a follow-up asks each party and checks
their agreements, closing needs the agreements reviewed and cancels what is still planned,
and the facts recorded many times are one click on the case page."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from k0.cases.choices import AgreementStatus, InterventionStatus, Phase
from k0.cases.models import (
    Agreement,
    FollowUp,
    FollowUpAnswer,
    Guardianship,
    Intervention,
    Party,
    PhaseError,
)
from tests.factories import make_case

from .conftest import add_guardian, add_party


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def _post_intervention(client, case, **fields):
    data = {
        "kind": "individual",
        "status": "done",
        "date": "2026-11-02",
        "summary": "Kuuleminen",
        **fields,
    }
    return client.post(reverse("cases:interventions_add", args=[case.reference]), data)


def _missing_for_plan(case) -> str:
    return " ".join(case.missing_for(Phase.PLAN))


# --- 1. a hearing is a recorded meeting ---------------------------------------------------


def test_a_done_individual_discussion_marks_its_participants_heard_and_the_checklist_moves_on(
    team_client, case
):
    aino = add_party(case, "Aino Oppilas")
    bruno = add_party(case, "Bruno Oppilas")
    assert "Aino Oppilas" in _missing_for_plan(case)
    response = _post_intervention(team_client, case, participants=[aino.pk, bruno.pk])
    assert response.status_code == 302
    meeting = Intervention.objects.get(case=case)
    for party in (aino, bruno):
        party.refresh_from_db()
        assert party.heard_on == dt.date(2026, 11, 2)
        assert party.heard_in == meeting
    assert "Aino" not in _missing_for_plan(case) and "Bruno" not in _missing_for_plan(case)
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert f'data-heard-in="{meeting.pk}"' in page


def test_a_joint_meeting_or_a_planned_discussion_is_not_a_hearing(team_client, case):
    aino = add_party(case, "Aino Oppilas")
    _post_intervention(team_client, case, kind="joint", participants=[aino.pk])
    _post_intervention(
        team_client, case, status="planned", date="2026-12-03", participants=[aino.pk]
    )
    aino.refresh_from_db()
    assert aino.heard_on is None


def test_removing_the_hearing_meeting_takes_the_hearing_back_but_not_a_hand_mark(team_client, case):
    aino = add_party(case, "Aino Oppilas")
    bruno = add_party(case, "Bruno Oppilas", heard_on=dt.date(2026, 10, 1), heard_how="phone")
    _post_intervention(team_client, case, participants=[aino.pk, bruno.pk])
    meeting = Intervention.objects.get(case=case)
    bruno.refresh_from_db()
    assert bruno.heard_on == dt.date(2026, 10, 1) and bruno.heard_in is None  # kept
    team_client.post(reverse("cases:interventions_remove", args=[case.reference, meeting.pk]))
    aino.refresh_from_db()
    bruno.refresh_from_db()
    assert aino.heard_on is None and aino.heard_in is None
    assert bruno.heard_on == dt.date(2026, 10, 1)
    assert aino.history.first().heard_on is None  # the change has its history row


def test_a_hearing_date_in_the_future_is_refused_and_nothing_is_lost(team_client, case):
    aino = add_party(case, "Aino Oppilas")
    response = team_client.post(
        reverse("cases:parties_edit", args=[case.reference, aino.pk]),
        {"name": "Aino Oppilas", "role": "central", "kind": "pupil", "heard_on": "2026-12-24"},
    )
    assert response.status_code == 200
    assert "heard_on" in response.context["form"].errors
    assert 'value="2026-12-24"' in response.content.decode()
    aino.refresh_from_db()
    assert aino.heard_on is None


# --- 2. a follow-up asks each party --------------------------------------------------------


@pytest.fixture
def two_pupils(case):
    aino = add_party(case, "Aino Oppilas", position="harmed")
    bruno = add_party(case, "Bruno Oppilas", position="acted")
    add_guardian(case, aino, "Hanna Huoltaja")
    return aino, bruno


@pytest.fixture
def follow_up(case, case_team_member):
    return FollowUp.objects.create(
        case=case, due_date=dt.date(2026, 11, 20), responsible=case_team_member
    )


def _done(case, member, **answers):
    return {
        "due_date": "2026-11-20",
        "responsible": member.pk,
        "done_at": "2026-11-21",
        "method": "meeting",
        **answers,
    }


def _edit_url(case, follow_up):
    return reverse("cases:follow_ups_edit", args=[case.reference, follow_up.pk])


def test_a_follow_up_with_two_central_parties_records_different_answers_for_each(
    team_client, case, case_team_member, two_pupils, follow_up
):
    aino, bruno = two_pupils
    form = team_client.get(_edit_url(case, follow_up)).content.decode()
    assert f'data-party="p{aino.pk}"' in form and f'data-party="p{bruno.pk}"' in form
    response = team_client.post(
        _edit_url(case, follow_up),
        _done(
            case,
            case_team_member,
            **{
                f"p{aino.pk}_bullying": "decreased",
                f"p{aino.pk}_situation": "better",
                f"p{bruno.pk}_bullying": "stopped",
                f"p{bruno.pk}_situation": "same",
            },
        ),
    )
    assert response.status_code == 302
    answers = {a.party: (a.bullying, a.situation) for a in follow_up.answers.all()}
    assert answers == {aino: ("decreased", "better"), bruno: ("stopped", "same")}
    follow_up.refresh_from_db()
    # The case-level summary is derived: the least favourable answer of any party.
    assert (follow_up.bullying, follow_up.situation) == ("decreased", "same")
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert f'data-answer-party="{aino.pk}"' in page and f'data-answer-party="{bruno.pk}"' in page


def test_checking_an_agreement_at_follow_up_changes_its_status_and_history(
    team_client, case, case_team_member, two_pupils, follow_up
):
    aino, bruno = two_pupils
    agreement = Agreement.objects.create(case=case, text="Ei kuvia.")
    agreement.parties.set([aino])
    response = team_client.post(
        _edit_url(case, follow_up),
        _done(
            case,
            case_team_member,
            **{
                f"p{aino.pk}_bullying": "stopped",
                f"p{aino.pk}_situation": "better",
                f"a{agreement.pk}": "partly",
            },
        ),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.PARTLY and agreement.checked_in == follow_up
    statuses = [h.status for h in agreement.history.order_by("history_date", "history_id")]
    assert statuses[-1] == "partly" and set(statuses[:-1]) == {"open"}
    assert agreement.history.first().history_user == case_team_member
    answer = follow_up.answers.get(party=aino)
    assert answer.agreements == "partly"
    # The checked agreement is no longer offered at another follow-up.
    other = FollowUp.objects.create(
        case=case, due_date=dt.date(2026, 11, 25), responsible=case_team_member
    )
    assert f'name="a{agreement.pk}"' not in team_client.get(_edit_url(case, other)).content.decode()


@pytest.mark.parametrize(
    "problem", ["foreign_party", "foreign_agreement", "reviewed_agreement", "huge_id"]
)
def test_bad_follow_up_answers_are_refused_with_a_message_and_nothing_is_saved(
    team_client, case, school, case_team_member, two_pupils, follow_up, problem
):
    aino, _ = two_pupils
    other_case = make_case(school=school, responsible=case_team_member)
    stranger = add_party(other_case, "Vieras Oppilas")
    foreign = Agreement.objects.create(case=other_case, text="Toisen tapauksen sopimus")
    reviewed = Agreement.objects.create(case=case, text="Jo arvioitu", status="kept")
    own = Agreement.objects.create(case=case, text="Oma sopimus")
    extra = {
        "huge_id": {"a99999999999999999999999": "kept", "p99999999999999999999_bullying": "x"},
        "foreign_party": {f"p{stranger.pk}_bullying": "stopped"},
        "foreign_agreement": {f"a{foreign.pk}": "kept"},
        "reviewed_agreement": {f"a{reviewed.pk}": "broken"},
    }[problem]
    data = _done(
        case,
        case_team_member,
        notes="Pitkä muistiinpano, jota ei saa hukata.",
        **{
            f"p{aino.pk}_bullying": "stopped",
            f"p{aino.pk}_situation": "better",
            f"a{own.pk}": "kept",
        },
        **extra,
    )
    response = team_client.post(_edit_url(case, follow_up), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "Pitkä muistiinpano, jota ei saa hukata." in response.content.decode()
    follow_up.refresh_from_db()
    own.refresh_from_db()
    reviewed.refresh_from_db()
    assert follow_up.done_at is None and not follow_up.answers.exists()
    assert own.status == "open" and reviewed.status == "kept"


def test_answers_without_a_date_done_are_refused(
    team_client, case, case_team_member, two_pupils, follow_up
):
    aino, _ = two_pupils
    data = _done(case, case_team_member, **{f"p{aino.pk}_bullying": "stopped"})
    data["done_at"] = ""
    response = team_client.post(_edit_url(case, follow_up), data)
    errors = response.context["form"].errors
    assert "done_at" in errors and f"p{aino.pk}_situation" in errors
    assert not FollowUpAnswer.objects.exists()


def test_a_review_date_before_the_agreement_is_refused(team_client, case, two_pupils):
    aino, _ = two_pupils
    meeting = Intervention.objects.create(case=case, kind="joint", date=dt.date(2026, 11, 10))
    response = team_client.post(
        reverse("cases:agreements_add", args=[case.reference]),
        {
            "text": "Ei nimittelyä.",
            "intervention": meeting.pk,
            "parties": [aino.pk],
            "review_on": "2026-11-05",
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "review_on" in response.context["form"].errors
    assert not Agreement.objects.exists()


# --- 3. and 5. closing ------------------------------------------------------------------


def _closable(case, member, **fields):
    """A case in follow-up with a follow-up done after its meeting: ready to close, but for
    what a test adds."""
    closable = make_case(school=case.school, responsible=member, phase=Phase.FOLLOW_UP, **fields)
    FollowUp.objects.create(
        case=closable,
        due_date=dt.date(2026, 11, 20),
        done_at=dt.date(2026, 11, 20),
        responsible=member,
    )
    return closable


def test_closing_as_resolved_with_an_open_agreement_is_refused_naming_it(case, case_team_member):
    closable = _closable(case, case_team_member)
    late = Agreement.objects.create(case=closable, text="Välitunnit yhdessä valvojan kanssa")
    with pytest.raises(PhaseError) as refusal:
        closable.close(
            by=case_team_member, outcome="resolved", closing_summary="S", aftercare_plan="J"
        )
    assert any("Välitunnit yhdessä valvojan kanssa" in m for m in refusal.value.missing)
    # Not resolved needs no review: the agreement is only listed.
    closable.close(
        by=case_team_member, outcome="not_resolved", closing_summary="S", aftercare_plan="J"
    )
    late.refresh_from_db()
    assert late.status == "open"


def test_the_close_page_lists_unreviewed_agreements_planned_meetings_and_open_follow_ups(
    team_client, case, case_team_member
):
    closable = _closable(case, case_team_member)
    Agreement.objects.create(case=closable, text="Sopimus ilman arviota")
    Intervention.objects.create(
        case=closable, kind="joint", status="planned", date=dt.date(2026, 12, 3)
    )
    FollowUp.objects.create(
        case=closable, due_date=dt.date(2026, 12, 10), responsible=case_team_member
    )
    page = team_client.get(reverse("cases:close", args=[closable.reference])).content.decode()
    assert "Sopimus ilman arviota" in page
    assert "3.12.2026" in page and "10.12.2026" in page
    response = team_client.post(
        reverse("cases:close", args=[closable.reference]),
        {"outcome": "improved", "closing_summary": "S", "aftercare_plan": "J"},
    )
    assert response.status_code == 200
    assert "Sopimus ilman arviota" in str(response.context["errors"])


@pytest.fixture
def eager():
    from k0.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_closing_cancels_future_meetings_invitations_and_marks_open_follow_ups_not_needed(
    eager, django_capture_on_commit_callbacks, team_client, case, case_team_member, coordinator
):
    from k0.reminders.invitations import send_invitation

    closable = _closable(case, case_team_member, coordinator=coordinator)
    Agreement.objects.filter(case=closable).update(status="kept")
    meeting = Intervention.objects.create(
        case=closable,
        kind="joint",
        status="planned",
        date=dt.date(2026, 12, 3),
        start_time=dt.time(10, 0),
        duration_minutes=60,
    )
    meeting.facilitators.set([case_team_member, coordinator])
    with django_capture_on_commit_callbacks(execute=True):
        send_invitation(intervention=meeting, by=case_team_member)
    pending = FollowUp.objects.create(
        case=closable, due_date=dt.date(2026, 12, 10), responsible=case_team_member
    )
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(
            reverse("cases:close", args=[closable.reference]),
            {"outcome": "resolved", "closing_summary": "Ratkesi.", "aftercare_plan": "Seuranta."},
        )
    assert response.status_code == 302
    cancellations = [
        m
        for m in mail.outbox[before:]
        if m.attachments and m.attachments[0].get_param("method") == "CANCEL"
    ]
    assert sorted(m.to[0] for m in cancellations) == sorted(
        [case_team_member.email, coordinator.email]
    )
    assert b"METHOD:CANCEL" in cancellations[0].attachments[0].get_payload(decode=True)
    meeting.refresh_from_db()
    pending.refresh_from_db()
    assert meeting.status == InterventionStatus.CANCELLED
    assert pending.not_needed_on == dt.date(2026, 11, 27) and pending.done_at is None
    assert pending.history.first().history_user == case_team_member
    page = team_client.get(closable.get_absolute_url()).content.decode()
    assert "data-not-needed" in page and "data-cancelled" in page
    timeline = page[page.index('id="timeline-heading"') :]
    assert f'href="#follow-up-{pending.pk}"' in timeline
    assert f'href="#intervention-{meeting.pk}"' in timeline


# --- 4. one-click facts ------------------------------------------------------------------


def test_quick_heard_records_today_with_history_and_timeline_and_can_be_undone(
    team_client, case, case_team_member
):
    aino = add_party(case, "Aino Oppilas")
    url = reverse("cases:parties_heard", args=[case.reference, aino.pk])
    response = team_client.post(url, {"how": "phone"})
    assert response.status_code == 302
    aino.refresh_from_db()
    assert (aino.heard_on, aino.heard_how) == (dt.date(2026, 11, 27), "phone")
    assert aino.history.first().history_user == case_team_member
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert "timeline__entry--heard" in page and 'data-quick="unheard"' in page
    team_client.post(reverse("cases:parties_unheard", args=[case.reference, aino.pk]))
    aino.refresh_from_db()
    assert aino.heard_on is None and aino.history.count() == 3


def test_quick_heard_refuses_an_unknown_way_and_changes_nothing(team_client, case):
    aino = add_party(case, "Aino Oppilas")
    team_client.post(
        reverse("cases:parties_heard", args=[case.reference, aino.pk]), {"how": "telepathy"}
    )
    aino.refresh_from_db()
    assert aino.heard_on is None


def test_quick_guardian_informed_sets_date_and_how_and_can_be_undone(team_client, case):
    aino = add_party(case, "Aino Oppilas")
    add_guardian(case, aino, "Hanna Huoltaja", informed=False)
    link = Guardianship.objects.get(pupil=aino)
    team_client.post(
        reverse("cases:guardians_informed", args=[case.reference, link.pk]), {"how": "message"}
    )
    link.refresh_from_db()
    assert (link.informed_on, link.informed_how) == (dt.date(2026, 11, 27), "message")
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert "timeline__entry--informed" in page
    team_client.post(reverse("cases:guardians_uninformed", args=[case.reference, link.pk]))
    link.refresh_from_db()
    assert link.informed_on is None and link.informed_how == ""


def test_quick_follow_up_done_and_back(team_client, case, follow_up):
    team_client.post(reverse("cases:follow_ups_done", args=[case.reference, follow_up.pk]))
    follow_up.refresh_from_db()
    assert follow_up.done_at == dt.date(2026, 11, 27)
    team_client.post(reverse("cases:follow_ups_undone", args=[case.reference, follow_up.pk]))
    follow_up.refresh_from_db()
    assert follow_up.done_at is None
    assert follow_up.history.count() == 3


def test_quick_actions_answer_404_for_another_cases_record(team_client, case, school, outsider):
    other = make_case(school=school, responsible=outsider)
    stranger = add_party(other, "Vieras")
    response = team_client.post(
        reverse("cases:parties_heard", args=[case.reference, stranger.pk]), {"how": "phone"}
    )
    assert response.status_code == 404
    assert Party.objects.get(pk=stranger.pk).heard_on is None


# --- query counts ------------------------------------------------------------------------


def _populate(case, member, n):
    for i in range(n):
        pupil = add_party(case, f"Oppilas {i}")
        add_guardian(case, pupil, f"Huoltaja {i}")
        meeting = Intervention.objects.create(
            case=case, kind="individual", date=dt.date(2026, 10, 1)
        )
        meeting.participants.add(pupil)
        agreement = Agreement.objects.create(case=case, text=f"Sopimus {i}")
        agreement.parties.add(pupil)
        follow_up = FollowUp.objects.create(
            case=case,
            due_date=dt.date(2026, 10, 20),
            done_at=dt.date(2026, 10, 21),
            responsible=member,
        )
        FollowUpAnswer.objects.create(
            follow_up=follow_up, party=pupil, bullying="stopped", situation="better"
        )
    from k0.cases.hearings import sync_hearings

    sync_hearings(case)


@pytest.mark.parametrize("n", [1, 30])
def test_case_page_queries_do_not_grow_with_parties_and_follow_up_answers(
    team_client, case, case_team_member, n, django_assert_max_num_queries
):
    _populate(case, case_team_member, n)
    # 28 with the per-party answers; +4 for the duties (consents, notices, measures, referrals);
    # +1 for the transfers.
    with django_assert_max_num_queries(33):
        response = team_client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("data-answer-party=") == n


@pytest.mark.parametrize("n", [1, 30])
def test_case_list_queries_do_not_grow_with_parties_and_follow_ups(
    team_client, school, case_team_member, n, django_assert_max_num_queries
):
    for _ in range(n):
        populated = make_case(school=school, responsible=case_team_member)
        _populate(populated, case_team_member, 3)
    with django_assert_max_num_queries(12):
        response = team_client.get(reverse("cases:list"))
    assert response.status_code == 200


# --- 6. documents and the principal's progress page ------------------------------------------


@pytest.fixture
def followed_up(case, case_team_member, two_pupils, follow_up):
    aino, bruno = two_pupils
    for text in ("Ei kuvia.", "Välitunnit rauhassa."):
        agreement = Agreement.objects.create(case=case, text=text, status="kept")
        agreement.parties.set([aino])
    follow_up.done_at = dt.date(2026, 11, 21)
    follow_up.save()
    FollowUpAnswer.objects.create(
        follow_up=follow_up, party=aino, bullying="stopped", situation="better", agreements="kept"
    )
    FollowUpAnswer.objects.create(
        follow_up=follow_up, party=bruno, bullying="continued", situation="worse"
    )
    return aino, bruno


def test_principal_progress_shows_each_pseudonyms_status_without_names(
    client, principal, case, followed_up
):
    client.force_login(principal)
    page = client.get(reverse("cases:progress", args=[case.reference])).content.decode()
    status = page[
        page.index('id="party-status"') : page.index("</table>", page.index('id="party-status"'))
    ]
    assert "Aino" not in page and "Bruno" not in page and "Ei kuvia" not in page
    assert 'data-kept="2" data-agreements="2"' in status
    assert status.count("data-party-status=") == 2  # the two central pupils, not the guardian


def test_case_summary_pdfs_show_status_per_party(case, followed_up):
    from k0.documents.case_documents import case_summary_pdf
    from tests.documents.test_case_documents import text_of

    _, team = case_summary_pdf(case.pk, variant="team", language="en")
    team_text = text_of(team)
    assert "Status per party" in team_text
    assert "Aino Oppilas" in team_text and "2 of 2 kept" in team_text
    _, principal = case_summary_pdf(case.pk, variant="principal", language="en")
    principal_text = text_of(principal)
    assert "Status per party" in principal_text and "2 of 2 kept" in principal_text
    assert "Aino" not in principal_text


def test_a_follow_up_found_not_needed_on_closing_is_not_reminded_after_reopening(
    case, case_team_member
):
    from k0.reminders.services import due_follow_ups

    closable = _closable(case, case_team_member)
    Agreement.objects.filter(case=closable).update(status="kept")
    pending = FollowUp.objects.create(
        case=closable, due_date=dt.date(2026, 11, 28), responsible=case_team_member
    )
    closable.close(by=case_team_member, outcome="resolved", closing_summary="S", aftercare_plan="J")
    closable.reopen(by=case_team_member, reason="Uusi tapahtuma")
    assert pending not in due_follow_ups(dt.date(2026, 11, 27))
    pending.refresh_from_db()
    assert not pending.is_open and not pending.is_overdue


def test_a_bystander_group_may_answer_too_and_shows_under_its_name(
    team_client, case, case_team_member, two_pupils, follow_up
):
    from k0.cases.models import PartyGroup

    aino, _ = two_pupils
    group = PartyGroup.objects.create(case=case, name="Luokka 7B", head_count=22)
    form = team_client.get(_edit_url(case, follow_up)).content.decode()
    assert f'data-party="g{group.pk}"' in form
    team_client.post(
        _edit_url(case, follow_up),
        _done(
            case,
            case_team_member,
            **{
                f"p{aino.pk}_bullying": "stopped",
                f"p{aino.pk}_situation": "better",
                f"g{group.pk}_bullying": "decreased",
                f"g{group.pk}_situation": "same",
            },
        ),
    )
    answer = follow_up.answers.get(group=group)
    assert (answer.bullying, answer.situation, answer.agreements) == ("decreased", "same", "")
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert f'data-answer-group="{group.pk}"' in page and "Luokka 7B" in page


def test_removing_a_follow_up_reopens_the_agreements_checked_at_it(
    team_client, case, case_team_member
):
    """A follow-up recorded on the wrong case and removed must not leave its checks behind:
    the agreement would count as reviewed for closing and as kept for the principal."""
    aino = add_party(case, "Aino Oppilas")
    agreement = Agreement.objects.create(case=case, text="Ei viestejä.")
    agreement.parties.add(aino)
    follow_up = FollowUp.objects.create(
        case=case, due_date=dt.date(2026, 11, 20), responsible=case_team_member
    )
    agreement.status, agreement.checked_in = "kept", follow_up
    agreement.save()
    response = team_client.post(
        reverse("cases:follow_ups_remove", args=[case.reference, follow_up.pk])
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "open"


def test_undo_takes_back_only_what_was_recorded_today(team_client, case):
    """A hearing or informing recorded on an earlier day (in the form) is not wiped by one
    click; the undo offered after a quick action is for today's fact."""
    aino = add_party(case, "Aino Oppilas")
    add_guardian(case, aino, "Hanna Huoltaja", informed=False)
    link = Guardianship.objects.get(pupil=aino)
    link.informed_on, link.informed_how = dt.date(2026, 11, 2), "phone"
    link.save()
    Party.objects.filter(pk=aino.pk).update(heard_on=dt.date(2026, 11, 3), heard_how="meeting")
    page = team_client.get(case.get_absolute_url()).content.decode()
    assert 'data-quick="uninformed"' not in page and 'data-quick="unheard"' not in page
    team_client.post(reverse("cases:guardians_uninformed", args=[case.reference, link.pk]))
    team_client.post(reverse("cases:parties_unheard", args=[case.reference, aino.pk]))
    link.refresh_from_db()
    aino.refresh_from_db()
    assert link.informed_on == dt.date(2026, 11, 2)
    assert aino.heard_on == dt.date(2026, 11, 3)


def test_removing_a_party_summarises_the_follow_ups_again(team_client, case, case_team_member):
    """The case-level summary is made from the answers: when the party whose answer was the
    least favourable is removed (added by mistake), the summary follows the answers left."""
    aino = add_party(case, "Aino Oppilas")
    bruno = add_party(case, "Bruno Oppilas")
    follow_up = FollowUp.objects.create(
        case=case,
        due_date=dt.date(2026, 11, 20),
        done_at=dt.date(2026, 11, 21),
        responsible=case_team_member,
    )
    FollowUpAnswer.objects.create(follow_up=follow_up, party=aino, bullying="stopped")
    FollowUpAnswer.objects.create(follow_up=follow_up, party=bruno, bullying="continued")
    follow_up.summarise()
    follow_up.save()
    assert follow_up.bullying == "continued"
    team_client.post(reverse("cases:parties_remove", args=[case.reference, bruno.pk]))
    follow_up.refresh_from_db()
    assert follow_up.bullying == "stopped"

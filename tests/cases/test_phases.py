"""Phase guards: each transition is allowed exactly when its checklist is met."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k0.cases.choices import InterventionStatus, Outcome, PartyKind, PartyRole, Phase
from k0.cases.models import FollowUp, Intervention, PhaseChange, PhaseError

from .conftest import add_guardian, add_party
from .factories import give_consent

D = dt.date


def _move(case, phase, user):
    case.phase = phase
    case.save()


def test_mapping_needs_consent_for_every_central_pupil(case, case_team_member):
    pupil_a = add_party(case, "Aada Esimerkki")
    pupil_b = add_party(case, "Bertta Esimerkki")
    guardian = add_guardian(case, pupil_a, "Anna Esimerkki")
    give_consent(pupil_a, guardian)
    with pytest.raises(PhaseError) as error:
        case.advance_to(Phase.MAPPING, by=case_team_member)
    assert error.value.missing == ["Huoltajan suostumus puuttuu: Bertta Esimerkki"]
    assert case.phase == Phase.REFERRAL

    guardian_b = add_guardian(case, pupil_b, "Bruno Esimerkki")
    give_consent(pupil_b, guardian_b)
    change = case.advance_to(Phase.MAPPING, by=case_team_member)
    assert case.phase == Phase.MAPPING
    assert (change.from_phase, change.to_phase, change.changed_by) == (
        Phase.REFERRAL,
        Phase.MAPPING,
        case_team_member,
    )


def test_a_written_justification_replaces_missing_consent(case, case_team_member):
    add_party(case, "Aada Esimerkki")
    case.consent_exception = "Lastensuojelun pyynnöstä, huoltajaa ei tavoitettu."
    case.save()
    case.advance_to(Phase.MAPPING, by=case_team_member)
    assert case.phase == Phase.MAPPING


def test_bystanders_need_no_consent_but_a_central_party_is_needed(case, case_team_member):
    add_party(case, "Sivullinen Oppilas", role=PartyRole.BYSTANDER)
    with pytest.raises(PhaseError) as error:
        case.advance_to(Phase.MAPPING, by=case_team_member)
    assert error.value.missing == ["Vähintään yksi keskeinen osallinen kirjattu"]


def test_plan_needs_central_parties_and_their_guardians_heard_and_a_root_cause(
    case, case_team_member
):
    _move(case, Phase.MAPPING, case_team_member)
    pupil = add_party(case, "Aada Esimerkki", heard_on=D(2026, 9, 10))
    add_guardian(case, pupil, "Anna Esimerkki")
    add_party(case, "Opettaja Esimerkki", kind=PartyKind.STAFF, heard_on=D(2026, 9, 10))
    with pytest.raises(PhaseError) as error:
        case.advance_to(Phase.PLAN, by=case_team_member)
    assert error.value.missing == [
        "Vielä kuulematta: Anna Esimerkki",
        "Vähintään yksi juurisyy kirjattu",
    ]
    case.parties.filter(name="Anna Esimerkki").update(heard_on=D(2026, 9, 11))
    case.root_causes = ["group_dynamics"]
    case.save()
    case.advance_to(Phase.PLAN, by=case_team_member)
    assert case.phase == Phase.PLAN


def test_measures_need_a_written_plan(case, case_team_member):
    add_party(case, "Aada Esimerkki")
    _move(case, Phase.PLAN, case_team_member)
    with pytest.raises(PhaseError):
        case.advance_to(Phase.MEASURES, by=case_team_member)
    case.plan = "Yksilökeskustelut ja luokan ryhmäytys."
    case.save()
    case.advance_to(Phase.MEASURES, by=case_team_member)
    assert case.phase == Phase.MEASURES


def test_follow_up_needs_a_done_intervention_not_just_a_planned_one(case, case_team_member):
    add_party(case, "Aada Esimerkki")
    _move(case, Phase.MEASURES, case_team_member)
    Intervention.objects.create(
        case=case, kind="joint", date=D(2026, 12, 3), status=InterventionStatus.PLANNED
    )
    with pytest.raises(PhaseError) as error:
        case.advance_to(Phase.FOLLOW_UP, by=case_team_member)
    assert error.value.missing == ["Vähintään yksi toimenpide toteutettu"]
    Intervention.objects.create(case=case, kind="individual", date=D(2026, 10, 1))
    case.advance_to(Phase.FOLLOW_UP, by=case_team_member)
    assert case.phase == Phase.FOLLOW_UP


def test_phases_cannot_be_skipped_or_reversed(case, case_team_member):
    add_party(case, "Aada")
    case.consent_exception = "Perusteltu"
    case.save()
    with pytest.raises(PhaseError):
        case.advance_to(Phase.PLAN, by=case_team_member)
    case.advance_to(Phase.MAPPING, by=case_team_member)
    with pytest.raises(PhaseError):
        case.advance_to(Phase.REFERRAL, by=case_team_member)
    with pytest.raises(PhaseError):
        case.advance_to(Phase.CLOSED, by=case_team_member)


def _ready_to_close(case, user):
    pupil = add_party(case, "Aada Esimerkki", heard_on=D(2026, 9, 10))
    add_guardian(case, pupil, "Anna Esimerkki", heard_on=D(2026, 9, 10))
    Intervention.objects.create(case=case, kind="individual", date=D(2026, 10, 1))
    FollowUp.objects.create(
        case=case,
        due_date=D(2026, 10, 15),
        responsible=user,
        done_at=D(2026, 10, 15),
        bullying="stopped",
        situation="better",
        agreements="kept",
        method="meeting",
    )
    _move(case, Phase.FOLLOW_UP, user)
    return pupil


CLOSE = {
    "outcome": Outcome.RESOLVED,
    "closing_summary": "Kiusaaminen loppui.",
    "aftercare_plan": "Luokanvalvoja seuraa kuukausittain.",
}


def test_closing_records_outcome_and_time(case, case_team_member):
    _ready_to_close(case, case_team_member)
    case.close(by=case_team_member, **CLOSE)
    assert case.phase == Phase.CLOSED
    assert case.outcome == Outcome.RESOLVED
    assert case.closed_at is not None


def test_closing_needs_a_follow_up_after_the_last_intervention(case, case_team_member):
    _ready_to_close(case, case_team_member)
    Intervention.objects.create(case=case, kind="mediation", date=D(2026, 11, 1))
    with pytest.raises(PhaseError) as error:
        case.close(by=case_team_member, **CLOSE)
    assert "Seuranta tehty viimeisen toimenpiteen jälkeen" in error.value.missing
    assert case.phase == Phase.FOLLOW_UP


@pytest.mark.parametrize("missing", ["closing_summary", "aftercare_plan"])
def test_closing_needs_summary_and_aftercare_plan(case, case_team_member, missing):
    _ready_to_close(case, case_team_member)
    with pytest.raises(PhaseError):
        case.close(by=case_team_member, **{**CLOSE, missing: "  "})
    case.refresh_from_db()
    assert case.phase == Phase.FOLLOW_UP


def test_closing_needs_every_central_pupils_guardians_informed(case, case_team_member):
    pupil = _ready_to_close(case, case_team_member)
    pupil.guardian_links.update(informed_on=None)
    with pytest.raises(PhaseError) as error:
        case.close(by=case_team_member, **CLOSE)
    assert error.value.missing == ["Huoltajille ei ole ilmoitettu: Aada Esimerkki"]


def test_a_discontinued_case_closes_from_any_phase_with_a_summary(case, case_team_member):
    _move(case, Phase.MAPPING, case_team_member)
    case.close(
        by=case_team_member,
        outcome=Outcome.DISCONTINUED,
        closing_summary="Huoltaja peruutti suostumuksen.",
        aftercare_plan="",
    )
    assert case.phase == Phase.CLOSED


def test_a_resolved_outcome_needs_the_follow_up_phase(case, case_team_member):
    _move(case, Phase.MEASURES, case_team_member)
    with pytest.raises(PhaseError):
        case.close(by=case_team_member, **CLOSE)


def test_reopening_needs_a_reason_and_returns_to_follow_up(case, case_team_member):
    _ready_to_close(case, case_team_member)
    case.close(by=case_team_member, **CLOSE)
    with pytest.raises(PhaseError):
        case.reopen(by=case_team_member, reason=" ")
    case.reopen(by=case_team_member, reason="Kiusaaminen alkoi uudelleen.")
    assert case.phase == Phase.FOLLOW_UP
    assert case.outcome == "" and case.closed_at is None
    last = PhaseChange.objects.filter(case=case).last()
    assert (last.from_phase, last.to_phase, last.reason) == (
        Phase.CLOSED,
        Phase.FOLLOW_UP,
        "Kiusaaminen alkoi uudelleen.",
    )


# --- Property: the guard for every forward step equals its rule, whatever the state. -------

case_states = st.fixed_dictionaries(
    {
        "pupils": st.lists(
            st.fixed_dictionaries(
                {
                    "central": st.booleans(),
                    "consent": st.booleans(),
                    "heard": st.booleans(),
                    "guardian": st.booleans(),
                    "guardian_heard": st.booleans(),
                    "informed": st.booleans(),
                }
            ),
            max_size=4,
        ),
        "exception": st.booleans(),
        "root_cause": st.booleans(),
        "plan": st.booleans(),
        "interventions": st.lists(st.sampled_from(["planned", "done"]), max_size=3),
        "phase": st.sampled_from([Phase.REFERRAL, Phase.MAPPING, Phase.PLAN, Phase.MEASURES]),
    }
)


def expected_allowed(state) -> bool:
    central = [p for p in state["pupils"] if p["central"]]
    if not central:
        return False
    target = {
        Phase.REFERRAL: Phase.MAPPING,
        Phase.MAPPING: Phase.PLAN,
        Phase.PLAN: Phase.MEASURES,
        Phase.MEASURES: Phase.FOLLOW_UP,
    }[state["phase"]]
    if target == Phase.MAPPING:
        return state["exception"] or all(p["consent"] and p["guardian"] for p in central)
    if target == Phase.PLAN:
        heard = all(p["heard"] and (not p["guardian"] or p["guardian_heard"]) for p in central)
        return heard and state["root_cause"]
    if target == Phase.MEASURES:
        return state["plan"]
    return "done" in state["interventions"]


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(state=case_states)
def test_every_forward_guard_matches_its_rule(state, case, case_team_member):
    with transaction.atomic():
        savepoint = transaction.savepoint()
        case.phase = state["phase"]
        case.consent_exception = "Perusteltu poikkeus" if state["exception"] else ""
        case.root_causes = ["old_quarrel"] if state["root_cause"] else []
        case.plan = "Suunnitelma" if state["plan"] else ""
        case.save()
        for i, p in enumerate(state["pupils"]):
            role = PartyRole.CENTRAL if p["central"] else PartyRole.BYSTANDER
            pupil = add_party(
                case, f"Oppilas {i}", role=role, heard_on=D(2026, 9, 5) if p["heard"] else None
            )
            if p["guardian"]:
                guardian = add_guardian(
                    case,
                    pupil,
                    f"Huoltaja {i}",
                    informed=p["informed"],
                    heard_on=D(2026, 9, 5) if p["guardian_heard"] else None,
                )
                if p["consent"]:
                    give_consent(pupil, guardian)
        for status in state["interventions"]:
            Intervention.objects.create(case=case, kind="joint", date=D(2026, 10, 1), status=status)
        target = case.next_phase
        try:
            case.advance_to(target, by=case_team_member)
            allowed = True
        except PhaseError as error:
            allowed = False
            assert error.missing, "a refusal always says what is missing"
        assert allowed == expected_allowed(state)
        case.refresh_from_db()
        assert case.phase == (target if allowed else state["phase"])
        transaction.savepoint_rollback(savepoint)

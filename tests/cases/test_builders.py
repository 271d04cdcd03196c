"""The case builders that tests, demo data and the bench seed share (`k0.cases.builders`)."""

import pytest

from k0.cases.builders import add_party, advance, case_fields_at, reached
from k0.cases.choices import PHASE_ORDER, Outcome, Phase
from k0.cases.models import PhaseError

from .factories import CaseFactory, add_guardian


@pytest.mark.parametrize("phase", PHASE_ORDER)
def test_a_case_built_to_a_phase_got_there_through_the_workflow(db, phase):
    case = CaseFactory(phase=phase)
    assert case.phase == phase
    steps = [(c.from_phase, c.to_phase) for c in case.phase_changes.order_by("pk")]
    index = PHASE_ORDER.index(phase)
    assert steps == list(zip(PHASE_ORDER[:index], PHASE_ORDER[1 : index + 1], strict=True))
    for name, value in case_fields_at(phase).items():
        assert getattr(case, name) == value, name


def test_a_closed_case_has_its_outcome_and_a_follow_up_after_the_last_meeting(db):
    case = CaseFactory(phase=Phase.CLOSED, outcome=Outcome.IMPROVED)
    assert case.outcome == Outcome.IMPROVED and case.closed_at
    meeting = case.interventions.get()
    assert case.follow_ups.get().done_at >= meeting.date


def test_advance_keeps_the_parties_a_case_has_and_records_what_they_lack(db):
    case = CaseFactory()
    pupil = add_party(case, "Aada Oma", grade=4)
    guardian = add_guardian(case, pupil, "Anni Oma", informed=False)
    advance(case, Phase.PLAN, by=case.responsible)
    assert case.parties.count() == 2
    pupil.refresh_from_db()
    guardian.refresh_from_db()
    assert pupil.consents.get().guardian == guardian and pupil.heard_on and guardian.heard_on
    assert not case.interventions.exists()


def test_advance_goes_through_the_phase_guard(db):
    """A pupil without a guardian cannot be given consent: the builder does not invent one,
    and the workflow refuses as it would refuse a team."""
    case = CaseFactory()
    add_party(case, "Ilman Huoltajaa")
    with pytest.raises(PhaseError, match="Ilman Huoltajaa"):
        advance(case, Phase.MAPPING, by=case.responsible)


def test_a_case_built_to_referral_holds_nothing_later_phases_ask_for(db):
    case = CaseFactory()
    assert not case.parties.exists() and not case.plan and not case.root_causes


def test_reached_follows_the_phase_order():
    assert reached(Phase.PLAN, Phase.MAPPING) and reached(Phase.PLAN, Phase.PLAN)
    assert not reached(Phase.MAPPING, Phase.PLAN)
    assert all(reached(Phase.CLOSED, phase) for phase in PHASE_ORDER)

"""Cases for tests: factory_boy over `k0.cases.builders`, the functions the demo data and the
bench seed use too, so that a test case at phase X holds what the app would have asked for."""

import datetime as dt

import factory

from k0.cases import builders
from k0.cases.builders import add_party
from k0.cases.choices import Outcome, Phase, ReferralSource
from k0.cases.models import Case
from k0.cases.services import open_case
from tests.accounts.factories import UserFactory
from tests.schools.factories import SchoolFactory

__all__ = ["CaseFactory", "add_guardian", "add_party", "give_consent", "make_case"]

INFORMED_ON = dt.date(2026, 9, 3)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case opened through `open_case`, as the referral form does. `phase=` brings it there
    through the workflow (`builders.advance`: parties, consents, meetings and follow-ups as
    each checklist asks), `outcome=` closes it with that outcome; `members=`, `coordinator=`
    and `created_by=` as `open_case` takes them."""

    class Meta:
        model = Case

    school = factory.SubFactory(SchoolFactory)
    responsible = factory.SubFactory(UserFactory)
    referred_on = dt.date(2026, 9, 1)
    referral_source = ReferralSource.SCHOOL_STAFF
    forms_of_bullying = factory.LazyFunction(lambda: ["verbal", "online"])
    known_at_referral = "Tiedossa oleva tilanne"

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        responsible,
        members=(),
        coordinator=None,
        created_by=None,
        phase=Phase.REFERRAL,
        outcome=Outcome.RESOLVED,
        **referral,
    ):
        case = open_case(
            created_by=created_by or responsible,
            responsible=responsible,
            members=list(members),
            coordinator=coordinator,
            **referral,
        )
        return builders.advance(case, phase, by=responsible, outcome=outcome)


def make_case(*, school, responsible, members=(), coordinator=None, **overrides):
    """A case in referral (or at `phase=`), opened by `responsible`."""
    return CaseFactory(
        school=school,
        responsible=responsible,
        members=members,
        coordinator=coordinator,
        **overrides,
    )


def give_consent(pupil, guardian, on=dt.date(2026, 9, 2), **fields):
    """`guardian` gives consent for `pupil` on `on`."""
    from k0.cases.models_duties import ConsentStatus, GuardianConsent

    return GuardianConsent.objects.create(
        pupil=pupil, guardian=guardian, status=ConsentStatus.GIVEN, decided_on=on, **fields
    )


def add_guardian(case, pupil, name, *, informed=True, **fields):
    """A guardian of `pupil`, informed about the case on 3 September 2026 unless `informed`
    is false."""
    return builders.add_guardian(
        case, pupil, name, informed_on=INFORMED_ON if informed else None, **fields
    )

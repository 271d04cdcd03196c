import factory
from django.contrib.auth import get_user_model

from schools.models import Area, Membership, Role, School, SchoolKind

PASSWORD = "correct-horse-battery-staple"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Area {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    area = factory.SubFactory(AreaFactory)
    kind = SchoolKind.UNIFIED


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.TEAM_MEMBER


def make_case(*, school, responsible, members=(), coordinator=None, **overrides):
    """Opens a case through the service, as the referral form does."""
    import datetime as dt

    from k0.cases.choices import ReferralSource
    from k0.cases.services import open_case

    referral = {
        "referred_on": dt.date(2026, 9, 1),
        "referral_source": ReferralSource.SCHOOL_STAFF,
        "forms_of_bullying": ["verbal", "online"],
        "known_at_referral": "Tiedossa oleva tilanne",
    }
    referral.update(overrides)
    return open_case(
        created_by=responsible,
        school=school,
        responsible=responsible,
        members=list(members),
        coordinator=coordinator,
        **referral,
    )

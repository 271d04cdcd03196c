"""Roles from provider groups (OIDC_GROUP_MAPPING): the mapping table in the admin gives and
takes away school roles, and never more."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from k0.accounts.oidc import services
from k0.accounts.oidc.models import GroupMapping, Identity, MappedMembership
from schools.models import Membership, Role
from tests.oidc.helpers import city_log_in
from tests.schools.factories import MembershipFactory, SchoolFactory

pytest_plugins = ["tests.oidc.plugin"]

ISSUER = "https://login.example.fi"


@pytest.fixture
def mapping(settings, school, other_school):
    settings.OIDC_GROUP_MAPPING = True
    GroupMapping.objects.create(group="k0-testikoulu", school=school, role=Role.TEAM_MEMBER)
    GroupMapping.objects.create(group="rehtorit-testikoulu", school=school, role=Role.PRINCIPAL)
    GroupMapping.objects.create(group="k0-toinen", school=other_school, role=Role.COORDINATOR)
    return school


def roles(user):
    return set(Membership.objects.filter(user=user).values_list("school__name", "role"))


def log_in(groups, subject="s-1"):
    return services.user_for_login(issuer=ISSUER, subject=subject, claims={"groups": groups})


def test_groups_give_roles_at_the_first_log_in_through_the_provider(client, city_login, mapping):
    city_login.add_user("tuula", groups=["k0-testikoulu", "rehtorit-testikoulu", "kaikki"])
    response = city_log_in(city_login, client, "tuula")
    user = Identity.objects.get().user
    assert roles(user) == {("Testikoulu", Role.TEAM_MEMBER), ("Testikoulu", Role.PRINCIPAL)}
    assert MappedMembership.objects.count() == 2
    assert client.get(response.url).url == reverse("cases:principal_overview")


def test_leaving_a_group_takes_away_only_the_role_it_gave(mapping, other_school):
    user = log_in(["k0-testikoulu", "k0-toinen"])
    given_by_hand = MembershipFactory(user=user, school=SchoolFactory(), role=Role.COORDINATOR)
    log_in(["k0-toinen"])
    assert roles(user) == {
        ("Toinen koulu", Role.COORDINATOR),
        (given_by_hand.school.name, Role.COORDINATOR),
    }
    removed = Membership.history.filter(history_type="-").get()
    assert (removed.user_id, removed.role) == (user.pk, Role.TEAM_MEMBER)


def test_a_role_given_by_hand_is_neither_duplicated_nor_taken_away(mapping):
    user = log_in([])
    by_hand = MembershipFactory(user=user, school=mapping, role=Role.TEAM_MEMBER)
    log_in(["k0-testikoulu"])
    assert list(Membership.objects.filter(user=user)) == [by_hand]
    log_in([])
    assert list(Membership.objects.filter(user=user)) == [by_hand]


def test_a_removed_mapping_row_takes_the_role_away_at_the_next_log_in(mapping):
    user = log_in(["k0-testikoulu"])
    GroupMapping.objects.filter(group="k0-testikoulu").delete()
    log_in(["k0-testikoulu"])
    assert roles(user) == set()


def test_without_the_setting_groups_give_nothing(mapping, settings):
    settings.OIDC_GROUP_MAPPING = False
    assert roles(log_in(["k0-testikoulu"])) == set()


def test_a_group_never_gives_programme_office_or_administrator_rights(mapping):
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMapping.objects.create(group="toimisto", school=mapping, role=Role.PROGRAMME_OFFICE)
    user = log_in(["k0-testikoulu", "admins", "Domain Admins", "toimisto"])
    assert not user.is_staff and not user.is_superuser
    assert Role.PROGRAMME_OFFICE not in {role for _, role in roles(user)}


def test_the_mapping_table_is_in_the_admin_for_school_roles_only(client, administrator, mapping):
    client.force_login(administrator)
    listing = client.get(reverse("admin:oidc_groupmapping_changelist")).content.decode()
    assert "k0-testikoulu" in listing and "rehtorit-testikoulu" in listing
    add = reverse("admin:oidc_groupmapping_add")
    response = client.post(
        add, {"group": "toimisto", "school": mapping.pk, "role": Role.PROGRAMME_OFFICE}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not GroupMapping.objects.filter(group="toimisto").exists()
    response = client.post(add, {"group": "uusi", "school": mapping.pk, "role": Role.COORDINATOR})
    assert response.status_code == 302
    assert GroupMapping.objects.filter(group="uusi", role=Role.COORDINATOR).exists()


def test_city_log_in_identities_are_listed_read_only_in_the_admin(client, administrator, db):
    identity = Identity.objects.get(user=log_in([]))
    client.force_login(administrator)
    assert client.get(reverse("admin:oidc_identity_changelist")).status_code == 200
    assert client.get(reverse("admin:oidc_identity_add")).status_code == 403
    change = reverse("admin:oidc_identity_change", args=[identity.pk])
    response = client.post(change, {"subject": "someone-else"})
    assert response.status_code == 403
    identity.refresh_from_db()
    assert identity.subject == "s-1"

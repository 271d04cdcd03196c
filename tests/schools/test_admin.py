import pytest

from schools.models import Membership, Role


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_admin_lists_schools_with_filters(admin_client, school, other_school):
    response = admin_client.get("/admin/schools/school/?kind__exact=unified")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Testikoulu" in body and "Toinen koulu" in body


def test_admin_searches_memberships(admin_client, team_member, principal):
    response = admin_client.get("/admin/schools/membership/?q=principal")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_school_page_has_membership_inline(admin_client, school, team_member):
    response = admin_client.get(f"/admin/schools/school/{school.pk}/change/")
    assert response.status_code == 200
    assert "memberships-TOTAL_FORMS" in response.content.decode()


def test_user_may_hold_several_memberships(team_member, other_school):
    Membership.objects.create(user=team_member, school=other_school, role=Role.TEAM_MEMBER)
    assert team_member.memberships.count() == 2


def test_programme_office_membership_has_no_school(db, school, team_member):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=team_member, school=school, role=Role.PROGRAMME_OFFICE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=team_member, school=None, role=Role.PRINCIPAL)


def test_school_changes_keep_history(school):
    school.name = "Uusi nimi"
    school.save()
    assert [h.name for h in school.history.order_by("history_date")] == ["Testikoulu", "Uusi nimi"]

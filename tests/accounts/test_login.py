import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD


def login(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


@pytest.mark.parametrize(
    ("persona", "start_page"),
    [
        ("team_member", "/cases/"),
        ("principal", "/cases/overview/"),
        ("coordinator", "/cases/my-schools/"),
        ("programme_office", "/indicators/"),
        ("administrator", "/admin/"),
    ],
)
def test_each_role_lands_on_its_own_start_page(client, request, persona, start_page):
    user = request.getfixturevalue(persona)
    response = login(client, user)
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 302
    assert response.url == start_page
    assert client.get(start_page).status_code == 200


def test_user_without_role_is_told_so(client, db):
    from tests.accounts.factories import UserFactory

    user = UserFactory()
    login(client, user)
    response = client.get("/")
    assert response.status_code == 403
    assert "Sinulla ei ole vielä roolia" in response.content.decode()


def test_wrong_password_shows_the_form_again_with_the_username(client, team_member):
    response = login(client, team_member, password="wrong")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="team_member"' in body
    assert "syötä kelvollinen" in body


def test_lock_out_after_five_failed_log_ins(client, team_member):
    for _ in range(4):
        assert login(client, team_member, password="wrong").status_code == 200
    response = login(client, team_member, password="wrong")
    assert response.status_code == 429
    # Even the right password is refused while locked out.
    assert login(client, team_member).status_code == 429


def test_lock_out_is_per_username_and_address(client, team_member, principal):
    for _ in range(5):
        login(client, team_member, password="wrong")
    assert login(client, team_member).status_code == 429
    # Another user from the same address is not locked out.
    assert login(client, principal).status_code == 302


def test_login_page_is_finnish_by_default(client, db):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert '<html lang="fi">' in body
    assert "Kirjaudu" in body


def test_login_page_in_swedish(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="sv")
    body = response.content.decode()
    assert '<html lang="sv">' in body
    assert "Logga in" in body


def test_language_switch_is_remembered_for_the_user(client, team_member):
    client.force_login(team_member)
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/cases/"})
    assert response.status_code == 302
    assert response.url == "/cases/"
    team_member.refresh_from_db()
    assert team_member.language == "sv"
    assert '<html lang="sv">' in client.get("/cases/").content.decode()


def test_language_switch_refuses_foreign_redirect(client, db):
    response = client.post(
        reverse("set_language"), {"language": "sv", "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_logout_ends_the_session(client, team_member):
    client.force_login(team_member)
    assert client.post(reverse("logout")).status_code == 302
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_password_change(client, team_member):
    client.force_login(team_member)
    new = "uusi-pitkä-salasana-2026"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    team_member.refresh_from_db()
    assert team_member.check_password(new)


def test_short_new_password_is_refused(client, team_member):
    client.force_login(team_member)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "lyhyt", "new_password2": "lyhyt"},
    )
    assert response.status_code == 200
    team_member.refresh_from_db()
    assert team_member.check_password(PASSWORD)


def test_authenticated_pages_are_not_cached(client, team_member):
    client.force_login(team_member)
    assert client.get("/cases/")["Cache-Control"] == "no-store"


def test_content_security_policy_forbids_inline_script(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy

import re

import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["login", "accessibility", "health", "password_reset"])
def test_public_pages_need_no_log_in(client, db, name):
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("path", ["/", "/cases/", "/cases/overview/", "/indicators/"])
def test_private_pages_send_anonymous_users_to_log_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_accessibility_statement_has_feedback_channel_and_is_linked(client, db):
    body = client.get(reverse("accessibility")).content.decode()
    assert "Saavutettavuusseloste" in body
    assert "kirjaamo@hel.fi" in body
    assert reverse("accessibility") in client.get(reverse("login")).content.decode()


def test_pages_have_skip_link_and_no_inline_script(client, team_member):
    client.force_login(team_member)
    body = client.get("/cases/").content.decode()
    assert 'href="#main"' in body

    for tag in re.findall(r"<script[^>]*>", body):
        assert "src=" in tag, tag


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("programme_office", "/cases/"),
        ("team_member", "/indicators/"),
        ("team_member", "/cases/overview/"),
        ("principal", "/cases/my-schools/"),
    ],
)
def test_roles_are_refused_pages_of_other_roles(client, request, persona, path):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(path).status_code == 403


def test_no_template_has_inline_script_or_style():
    """The CSP forbids inline script and style; a template that used them would break."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if "pdf" in template.parts or "emails" in template.parts:
            continue  # rendered outside the browser (WeasyPrint, mail clients)
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append((template.name, tag))
        offenders += [(template.name, m) for m in re.findall(r"<style\b|\sstyle=\"", text)]
        offenders += [(template.name, m) for m in re.findall(r"\son[a-z]+=\"", text)]
    assert not offenders

import json

import pytest
from django.urls import reverse

from k0.cases.models import AccessLog, Party
from k0.privacy.models import DataSubjectRequest
from tests.cases.conftest import add_guardian, add_party


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def pupil(case):
    pupil = add_party(case, "Aada Rekisteröity", contact="aada@example.invalid")
    add_guardian(case, pupil, "Anna Rekisteröity")
    return pupil


def test_search_is_posted_so_names_stay_out_of_urls(admin_client, pupil):
    response = admin_client.post(reverse("privacy:search"), {"name": "Rekisteröity"})
    names = [p.name for p in response.context["results"]]
    assert sorted(names) == ["Aada Rekisteröity", "Anna Rekisteröity"]


def test_export_json_holds_everything_about_the_person_and_is_audited(
    admin_client, pupil, administrator
):
    assert admin_client.get(reverse("privacy:export_json", args=[pupil.pk])).status_code == 405
    assert not DataSubjectRequest.objects.exists()
    response = admin_client.post(reverse("privacy:export_json", args=[pupil.pk]))
    data = json.loads(response.content)
    assert data["party"]["name"] == "Aada Rekisteröity"
    assert data["party"]["contact"] == "aada@example.invalid"
    assert data["guardians"][0]["name"] == "Anna Rekisteröity"
    assert data["case"]["reference"] == pupil.case.reference
    request = DataSubjectRequest.objects.get()
    assert (request.kind, request.party_id, request.handled_by) == (
        "export_json",
        pupil.pk,
        administrator,
    )
    assert AccessLog.objects.filter(case=pupil.case, action="export").count() == 1


def test_export_pdf(admin_client, pupil):
    import io

    from pypdf import PdfReader

    response = admin_client.post(reverse("privacy:export_pdf", args=[pupil.pk]))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Aada Rekisteröity" in text


def test_early_erasure_pseudonymises_the_party_and_its_history(admin_client, pupil):
    pupil.name = "Aada Rekisteröity-Uusi"
    pupil.save()
    response = admin_client.post(
        reverse("privacy:erase", args=[pupil.pk]), {"reason": "Huoltajan pyyntö 1.12.2026"}
    )
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert "Rekisteröity" not in pupil.name and pupil.contact == ""
    assert not any("Rekisteröity" in h.name for h in pupil.history.all())
    guardian = Party.objects.get(kind="guardian")
    assert guardian.name == "Anna Rekisteröity"  # only the requested person changes
    assert DataSubjectRequest.objects.get(kind="erase").reason == "Huoltajan pyyntö 1.12.2026"


def test_erasure_needs_a_reason(admin_client, pupil):
    admin_client.post(reverse("privacy:erase", args=[pupil.pk]), {"reason": ""})
    pupil.refresh_from_db()
    assert pupil.name == "Aada Rekisteröity"
    assert not DataSubjectRequest.objects.exists()


def test_non_administrators_are_refused(client, case_team_member, pupil):
    client.force_login(case_team_member)
    assert client.get(reverse("privacy:search")).status_code == 403
    assert client.post(reverse("privacy:export_json", args=[pupil.pk])).status_code == 403


def test_export_holds_the_persons_follow_up_answers_and_how_they_were_heard(
    admin_client, pupil, case_team_member
):
    import datetime as dt

    from k0.cases.models import FollowUp, FollowUpAnswer

    pupil.heard_on, pupil.heard_how = dt.date(2026, 9, 5), "phone"
    pupil.save()
    follow_up = FollowUp.objects.create(
        case=pupil.case,
        due_date=dt.date(2026, 10, 1),
        done_at=dt.date(2026, 10, 2),
        responsible=case_team_member,
    )
    FollowUpAnswer.objects.create(
        follow_up=follow_up, party=pupil, bullying="decreased", situation="better"
    )
    data = json.loads(admin_client.post(reverse("privacy:export_json", args=[pupil.pk])).content)
    assert data["party"]["heard_on"] == "2026-09-05" and data["party"]["heard_how"]
    (answer,) = data["follow_up_answers"]
    assert answer["follow_up_done_on"] == "2026-10-02" and answer["bullying"]

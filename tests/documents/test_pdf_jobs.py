import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from k0.cases.models import AccessLog
from k0.cases.services import set_case_team
from k0.jobs.models import Job
from k0.jobs.services import run_job
from tests.cases.conftest import add_party


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(response) -> str:
    data = b"".join(response.streaming_content)
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def start_and_run(client, url):
    response = client.post(url)
    assert response.status_code == 302
    job = Job.objects.latest("pk")
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert run_job(job.pk) == "done"
    return job


def test_team_summary_job_renders_downloads_and_logs(client, case, case_team_member):
    add_party(case, "Aada Salainen")
    client.force_login(case_team_member)
    job = start_and_run(client, reverse("documents:case_summary", args=[case.reference]))
    assert job.params == {"case_id": case.pk, "language": "fi", "variant": "team"}
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert reverse("jobs:download", args=[job.pk]) in page.content.decode()
    before = AccessLog.objects.count()
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response)
    assert case.reference in text and "Aada Salainen" in text
    assert list(AccessLog.objects.order_by("pk").values_list("action", flat=True)[before:]) == [
        "download"
    ]


def test_download_refused_after_leaving_the_case_team(client, case, case_team_member, team_member):
    client.force_login(case_team_member)
    job = start_and_run(client, reverse("documents:case_summary", args=[case.reference]))
    set_case_team(case=case, responsible=team_member, members=[], coordinator=None, by=team_member)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_principal_variant_from_the_progress_page_has_no_names(client, case, principal):
    add_party(case, "Aada Salainen")
    client.force_login(principal)
    job = start_and_run(client, reverse("documents:case_progress_summary", args=[case.reference]))
    text = pdf_text(client.get(reverse("jobs:download", args=[job.pk])))
    assert "Aada Salainen" not in text and "Oppilas A" in text


def test_others_cannot_start_or_fetch_case_pdfs(client, case, case_team_member, outsider):
    client.force_login(case_team_member)
    job = start_and_run(client, reverse("documents:case_summary", args=[case.reference]))
    client.force_login(outsider)
    assert client.post(reverse("documents:case_summary", args=[case.reference])).status_code == 404
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

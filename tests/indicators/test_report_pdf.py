import csv
import datetime as dt
import io

from django.urls import reverse
from pypdf import PdfReader

from k0.indicators.exports import build_export
from k0.indicators.forms import SelectionForm, first_referral
from k0.jobs.models import Job
from k0.jobs.services import run_job


def test_report_pdf_shows_the_exported_values_and_the_marker(
    client, programme_office, settings, tmp_path, school, case_team_member, other_school, outsider
):
    from tests.factories import make_case

    settings.MEDIA_ROOT = tmp_path
    last_year = dt.date(2025, 9, 1)  # today is 27 Nov 2026: calendar year 2025 has ended
    for _ in range(7):
        make_case(school=school, responsible=case_team_member, referred_on=last_year)
    for _ in range(2):  # another area: a small count, hidden together with its complement
        make_case(school=other_school, responsible=outsider, referred_on=last_year)
    client.force_login(programme_office)
    period = "calendar_year:2025"
    response = client.post(reverse("indicators:report_pdf"), {"period": period, "by": "area"})
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert run_job(job.pk) == "done"
    download = client.get(reverse("jobs:download", args=[job.pk]))
    data = b"".join(download.streaming_content)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)

    form = SelectionForm({"period": period, "by": "area"}, first=first_referral())
    assert form.is_valid()
    content, _type, _name = build_export(*form.selection, "csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[0]
    value_column = header.index("value")
    numbers = {row[value_column] for row in rows[1:] if row and len(row) > value_column}
    published = {n for n in numbers if n.isdigit() and int(n) > 0}
    assert "9" in published  # cases referred in 2025, whole city
    assert "•" in numbers and "2" not in numbers
    for number in published:
        assert number in text
    assert "•" in text
    assert "2025" in text


def test_only_the_programme_office_can_download_the_report(
    client, programme_office, team_member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(programme_office)
    client.post(reverse("indicators:report_pdf"), {"period": "calendar_year:2025"})
    job = Job.objects.get()
    run_job(job.pk)
    client.force_login(team_member)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

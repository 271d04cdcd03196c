import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from k0.cases.models import AccessLog, Attachment


def png_with_exif():
    image = Image.new("RGB", (20, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "KameraValmistaja"  # Make
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def upload(client, case, name, data, description="Kuvakaappaus viestistä"):
    return client.post(
        reverse("cases:attachment_add", args=[case.reference]),
        {"file": SimpleUploadedFile(name, data), "description": description},
    )


def test_screenshot_is_stored_privately_without_metadata(team_client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = png_with_exif()
    assert b"KameraValmistaja" in data
    response = upload(team_client, case, "Aada kuvakaappaus.png", data)
    assert response.status_code == 302
    attachment = Attachment.objects.get(case=case)
    stored = attachment.file.read()
    assert b"KameraValmistaja" not in stored
    assert attachment.content_type == "image/png"
    assert "Aada" not in attachment.file.name  # stored under a random name
    assert str(tmp_path) in attachment.file.path


def test_disguised_html_is_refused(team_client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    html = b"<html><script>alert(1)</script></html>"
    response = upload(team_client, case, "kuva.png", html)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not Attachment.objects.exists()


def test_too_large_file_is_refused(team_client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = upload(team_client, case, "iso.pdf", b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF")
    assert "file" in response.context["form"].errors


def test_pdf_is_accepted_and_downloaded_as_attachment_with_a_log_row(
    team_client, case, case_team_member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    upload(team_client, case, "poliisin ilmoitus.pdf", pdf)
    attachment = Attachment.objects.get()
    before = AccessLog.objects.count()
    response = team_client.get(
        reverse("cases:attachment_download", args=[case.reference, attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf
    log = AccessLog.objects.order_by("pk")[before:]
    assert [(row.action, row.user) for row in log] == [("download", case_team_member)]


def test_outsider_cannot_download(client, outsider, case, case_team_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(case_team_member)
    upload(client, case, "a.pdf", b"%PDF-1.4\n%%EOF\n")
    attachment = Attachment.objects.get()
    client.force_login(outsider)
    url = reverse("cases:attachment_download", args=[case.reference, attachment.pk])
    assert client.get(url).status_code == 404


def test_decompression_bomb_is_refused(team_client, case, settings, tmp_path):
    import struct
    import zlib

    settings.MEDIA_ROOT = tmp_path

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )
    response = upload(team_client, case, "pommi.png", bomb)
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not Attachment.objects.exists()

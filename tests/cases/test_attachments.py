import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from k0.cases.attachments import download_name
from k0.cases.models import AccessLog, Attachment

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"
# Names whose objects can act when a PDF is opened: none may survive the upload.
ACTIVE_PDF_NAMES = (
    b"/JavaScript",
    b"/JS",
    b"/OpenAction",
    b"/AA",
    b"/Launch",
    b"/EmbeddedFile",
    b"/FileAttachment",
    b"/AcroForm",
)


def build_pdf(objects: list[bytes], *, comment: bytes = b"") -> bytes:
    """A PDF from object bodies (object 1 is the catalogue), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n" + (b"%" + comment + b"\n" if comment else b""))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def plain_pdf(text=b"Poliisin ilmoitus") -> bytes:
    content = b"BT /F1 18 Tf 20 100 Td (" + text + b") Tj ET"
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def hostile_pdf() -> bytes:
    """A real one-page PDF that runs scripts on opening, on page view and from a link,
    launches a program, carries an HTML file and is an HTML page too."""
    content = b"BT /F1 18 Tf 20 100 Td (Todiste) Tj ET"
    embedded = b"<script>embedded-evil()</script>"
    pdf = build_pdf(
        [
            # 1 catalogue: open action, document actions, named scripts, embedded files, form
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /AA << /WC 6 0 R >>"
            b" /Names << /JavaScript 7 0 R /EmbeddedFiles 9 0 R >>"
            b" /AcroForm << /Fields [13 0 R] >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            # 3 page: a script when the page opens, four annotations
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> /AA << /O 6 0 R >>"
            b" /Annots [11 0 R 12 0 R 13 0 R 14 0 R 15 0 R] >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /S /JavaScript /JS (app.alert\\('open-action'\\)) >>",
            b"<< /Names [(a) 8 0 R] >>",
            b"<< /S /JavaScript /JS (app.alert\\('named-script'\\)) >>",
            b"<< /Names [(evil.html) 10 0 R] >>",
            # 10 a file specification with the embedded HTML file
            b"<< /Type /Filespec /F (evil.html) /EF << /F 16 0 R >> >>",
            # 11 a link that launches a program
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A << /S /Launch /F (cmd.exe) >> >>",
            # 12 a link to a web page whose next action is a script
            b"<< /Type /Annot /Subtype /Link /Rect [50 0 100 50]"
            b" /A << /S /URI /URI (https://www.hel.fi/) /Next 8 0 R >> >>",
            # 13 a form field with a script
            b"<< /Type /Annot /Subtype /Widget /FT /Btn /T (b) /Rect [100 0 150 50] /A 6 0 R >>",
            # 14 the embedded file as an annotation
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [150 0 200 50] /FS 10 0 R >>",
            # 15 a sticky note with a script on mouse-over
            b"<< /Type /Annot /Subtype /Text /Rect [200 0 250 50] /Contents (Huom)"
            b" /AA << /E 6 0 R >> >>",
            b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(embedded)
            + embedded
            + b"\nendstream",
        ],
        # A browser that takes the file for HTML shows this page.
        comment=SCRIPT,
    )
    return pdf + SCRIPT


def gif_with_html(comment=b"<script>gif-comment()</script>") -> bytes:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0, comment=comment
    )
    return out.getvalue() + SCRIPT


def download(client, case, attachment):
    response = client.get(
        reverse("cases:attachment_download", args=[case.reference, attachment.pk])
    )
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


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
    upload(team_client, case, "poliisin ilmoitus.pdf", plain_pdf())
    attachment = Attachment.objects.get()
    before = AccessLog.objects.count()
    response, content = download(team_client, case, attachment)
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="poliisin ilmoitus.pdf"' in response["Content-Disposition"]
    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) == 1 and "Poliisin ilmoitus" in pages[0].extract_text()
    log = AccessLog.objects.order_by("pk")[before:]
    assert [(row.action, row.user) for row in log] == [("download", case_team_member)]


def test_outsider_cannot_download(client, outsider, case, case_team_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(case_team_member)
    upload(client, case, "a.pdf", plain_pdf())
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


def test_html_behind_a_pdf_header_is_refused(team_client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = upload(team_client, case, "report.html", b"%PDF-1.4\n" + SCRIPT + b"\n%%EOF\n")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not Attachment.objects.exists()
    assert not list(tmp_path.rglob("*.*"))


def test_hostile_pdf_is_stored_as_pdf_without_scripts_actions_or_files(
    team_client, case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = upload(team_client, case, "report.html", hostile_pdf())
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "report.pdf"
    assert attachment.file.name.endswith(".pdf")
    response, content = download(team_client, case, attachment)
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="report.pdf"' in response["Content-Disposition"]
    assert content == attachment.file.open("rb").read()
    for marker in (b"<script", b"open-action", b"named-script", b"embedded-evil", b"cmd.exe"):
        assert marker not in content
    for name in ACTIVE_PDF_NAMES:
        assert name not in content
    # Still the document the uploader meant: the page, its text and the harmless parts.
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    assert "Todiste" in reader.pages[0].extract_text()
    annotations = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert sorted(a["/Subtype"] for a in annotations) == ["/Link", "/Link", "/Text"]
    actions = [a["/A"] for a in annotations if "/A" in a]
    assert actions == [{"/S": "/URI", "/URI": "https://www.hel.fi/"}]


def test_gif_with_html_appended_is_encoded_again_and_downloads_as_gif(
    team_client, case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = upload(team_client, case, "report.html", gif_with_html())
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/gif"
    assert attachment.original_name == "report.gif"
    assert attachment.file.name.endswith(".gif")
    response, content = download(team_client, case, attachment)
    assert response["Content-Type"] == "image/gif"
    assert 'filename="report.gif"' in response["Content-Disposition"]
    assert b"<script" not in content and b"gif-comment" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "GIF" and image.n_frames == 2  # the animation is kept
        assert "comment" not in image.info


def test_damaged_gif_is_refused(team_client, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = upload(team_client, case, "kuva.gif", gif_with_html()[:40])
    assert response.context["form"].errors["file"]
    assert not Attachment.objects.exists()


def test_an_earlier_upload_downloads_with_the_extension_of_its_type(
    team_client, case, case_team_member, settings, tmp_path
):
    """Files stored before the fix keep their row: the download name is made again."""
    settings.MEDIA_ROOT = tmp_path
    upload(team_client, case, "report.pdf", plain_pdf())
    Attachment.objects.update(original_name="report.html")
    response, _content = download(team_client, case, Attachment.objects.get())
    assert 'filename="report.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("report.html", "pdf", "report.pdf"),
        ("Aada kuvakaappaus.PNG", "png", "Aada kuvakaappaus.png"),
        ("viesti.pdf.html", "gif", "viesti.pdf.gif"),
        ("..\\..\\windows\\kuva.png", "png", "kuva.png"),
        ("a\u202egnp.html", "png", "agnp.png"),  # a right-to-left override hides ".html"
        ('kuva<1>:"?*|.jpeg', "jpg", "kuva_1______.jpg"),
        ("  .htaccess", "pdf", "htaccess.pdf"),
        ("", "pdf", "attachment.pdf"),
        ("...", "gif", "attachment.gif"),
        ("x" * 300 + ".png", "png", "x" * 196 + ".png"),
    ],
)
def test_download_name_keeps_the_base_name_with_the_detected_extension(name, extension, expected):
    assert download_name(name, extension) == expected

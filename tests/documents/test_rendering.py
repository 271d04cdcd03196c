"""PDF rendering: what ends up in the PDF, and what must never get in."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext, pgettext
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from k0.documents.rendering import (
    INTERNAL_BASE_URL,
    RefusedURL,
    StaticOnlyURLFetcher,
    render_pdf,
    render_pdf_from_string,
)

TEST_TEMPLATES = Path(__file__).parent / "templates"
PDF_CSS = Path(django_settings.BASE_DIR) / "static" / "css" / "pdf.css"
TITLE = "Tapauksen yhteenveto – Åsa Öström"
REFERENCE = "K0-2026-0042"
# 1×1 PNG: a known-good image proves the XObject check below can see images at all.
PNG_DATA_URL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def pdf_templates(settings):
    """Make tests/documents/templates loadable, next to the project's templates."""
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


def _sample(*, confidential: bool = False, reference: str | None = None, **kwargs) -> bytes:
    context = {
        "greeting": "Hyvää päivää, Åsa Öström ja Ärjä Åkerlund!",
        "people": [("Äijälä, Mårten", "Kiusaamisen kohde"), ("Öhman, Siiri", "Opettaja")],
        "confidential": confidential,
        "reference": reference,
    }
    options = {"language": "fi", "title": TITLE, **kwargs}
    return render_pdf("documents_test/sample.html", context, **options)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in _reader(pdf).pages]


def _image_xobjects(reader: PdfReader) -> list[DictionaryObject]:
    """Every image XObject on every page, including those nested in form XObjects."""
    images = []

    def visit(resources: DictionaryObject | None) -> None:
        if not resources or "/XObject" not in resources:
            return
        for reference in resources["/XObject"].values():
            xobject = reference.get_object()
            if xobject.get("/Subtype") == "/Image":
                images.append(xobject)
            elif xobject.get("/Subtype") == "/Form":
                visit(xobject.get("/Resources"))

    for page in reader.pages:
        visit(page.get("/Resources"))
    return images


# --- What a document contains ---------------------------------------------------------------


def test_title_body_and_nordic_letters_survive(pdf_templates):
    text = "\n".join(_page_texts(_sample()))

    assert TITLE in text
    assert "Hyvää päivää, Åsa Öström ja Ärjä Åkerlund!" in text
    assert "Äijälä, Mårten" in text


def test_every_page_is_numbered_page_x_of_y(pdf_templates):
    pages = _page_texts(_sample())

    label = gettext("Page")
    assert len(pages) == 2
    assert f"{label} 1 / 2" in pages[0]
    assert f"{label} 2 / 2" in pages[1]


def test_confidential_document_marks_every_page_with_marking_and_reference(pdf_templates):
    pages = _page_texts(_sample(confidential=True, reference=REFERENCE))

    marking = pgettext("document marking", "Confidential").upper()
    assert len(pages) == 2
    for text in pages:
        assert marking in text
        assert REFERENCE in text


def test_document_that_is_not_confidential_carries_no_marking(pdf_templates):
    text = "\n".join(_page_texts(_sample(confidential=False)))

    assert pgettext("document marking", "Confidential").upper() not in text


def test_pdf_is_tagged_with_language_and_title(pdf_templates):
    reader = _reader(_sample())
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "fi"
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata.title == TITLE


def test_document_is_rendered_in_the_requested_language_not_the_active_one(pdf_templates):
    reader = _reader(_sample(language="sv"))

    assert reader.trailer["/Root"]["/Lang"] == "sv"
    with translation.override("sv"):
        label = gettext("Page")
    assert f"{label} 1 / 2" in reader.pages[0].extract_text()
    # The caller's language (Finnish, from the autouse fixture) is restored afterwards.
    assert translation.get_language() == "fi"


def test_language_and_title_are_set_even_if_the_html_omits_them():
    pdf = render_pdf_from_string("<p>Ei otsikkoa</p>", language="fi", title="Muistio")
    reader = _reader(pdf)

    assert reader.trailer["/Root"]["/Lang"] == "fi"
    assert reader.metadata.title == "Muistio"


# --- What must never get in ------------------------------------------------------------------

HOSTILE_HTML = """<!DOCTYPE html>
<html lang="fi">
<head>
  <title>Vihamielinen</title>
  <link rel="stylesheet" href="file:///etc/passwd">
  <link rel="stylesheet" href="http://example.com/x.css">
  <link rel="attachment" href="file:///etc/passwd">
  <style>
    @import url(file:///etc/passwd);
    body { background: url(file:///etc/passwd); }
    @font-face { font-family: Stolen; src: url(file:///etc/passwd); }
  </style>
</head>
<body>
  <p>Alku</p>
  <img src="file:///etc/passwd" alt="">
  <img src="http://example.com/x.png" alt="">
  <img src="/static/../../../../etc/passwd" alt="">
  <img src="k0-static:/../../etc/hostname" alt="">
  <iframe src="file:///etc/passwd"></iframe>
  <object data="file:///etc/passwd" type="text/plain"></object>
  <embed src="file:///etc/passwd" type="image/png">
  <a rel="attachment" href="file:///etc/passwd">liite</a>
  <svg width="10" height="10"><image href="file:///etc/passwd" width="10" height="10"/></svg>
  <img alt="" src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Cimage
    href='file:///etc/passwd' width='5' height='5'/%3E%3C/svg%3E">
  <p>Loppu</p>
</body>
</html>"""


def test_hostile_urls_are_skipped_and_rendering_continues(caplog):
    caplog.set_level(logging.ERROR, logger="weasyprint")

    pdf = render_pdf_from_string(HOSTILE_HTML, language="fi", title="Vihamielinen")

    reader = _reader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Alku" in text and "Loppu" in text
    assert "root:" not in text
    assert _image_xobjects(reader) == []
    assert reader.attachments == {}
    # The refusals were logged by WeasyPrint, so the fetcher really was asked and said no.
    refused = [record.getMessage() for record in caplog.records]
    assert any("http://example.com/x.png" in message for message in refused)
    assert any("Failed to load attachment" in message for message in refused)


def test_image_check_does_detect_an_allowed_inline_image():
    html = f'<html lang="fi"><body><img src="{PNG_DATA_URL}" alt="piste"></body></html>'

    reader = _reader(render_pdf_from_string(html, language="fi", title="Kuva"))

    assert len(_image_xobjects(reader)) == 1


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/static/css/pdf.css",
        "//example.com/static/css/pdf.css",
        "ftp://example.com/x",
        "/static/../../etc/passwd",
        "/static/css/../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/css%2f..%2f..%2f..%2fetc/passwd",
        "/static//etc/passwd",
        "/static/css\\..\\..\\etc\\passwd",
        "/etc/passwd",
        "/media/case.pdf",
        f"{INTERNAL_BASE_URL}admin/",
        "https://k0.invalid:8443/static/css/pdf.css",
        "https://user@k0.invalid/static/css/pdf.css",
        "k0-static:/../etc/passwd",
        "k0-static://etc/passwd",
        "k0-static:/css/no-such-file.css",
        "/static/",
        "data:no-comma",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().fetch(url)


# --- What is allowed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/static/css/pdf.css", f"{INTERNAL_BASE_URL}static/css/pdf.css", "k0-static:/css/pdf.css"],
)
def test_fetcher_serves_the_project_stylesheet(url):
    response = StaticOnlyURLFetcher().fetch(url)

    assert response.read() == PDF_CSS.read_bytes()
    assert response.content_type == "text/css"
    # Relative url()s in the stylesheet resolve against this, so it must stay internal.
    assert response.url == f"{INTERNAL_BASE_URL}static/css/pdf.css"


def test_fetcher_decodes_data_urls_in_memory():
    response = StaticOnlyURLFetcher().fetch("data:image/svg+xml,%3Csvg%2F%3E")

    assert response.read() == b"<svg/>"
    assert response.content_type == "image/svg+xml"


def test_hashed_static_names_resolve_with_manifest_storage(settings, tmp_path, pdf_templates):
    # Production uses manifest storage, where {% static %} yields css/pdf.<hash>.css and the
    # file exists only in STATIC_ROOT after collectstatic.
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed_url = staticfiles_storage.url("css/pdf.css")
    assert hashed_url != "/static/css/pdf.css"

    assert StaticOnlyURLFetcher().fetch(hashed_url).read() == PDF_CSS.read_bytes()
    # The page label comes from pdf.css, so seeing it means the stylesheet was applied.
    assert f"{gettext('Page')} 1 / 2" in _page_texts(_sample())[0]

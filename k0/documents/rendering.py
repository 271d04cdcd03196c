"""PDF rendering with WeasyPrint that can read nothing but the project's own static files.

Documents carry pupils' names and the details of bullying cases, and the HTML that becomes a PDF
contains text typed by users. WeasyPrint's default fetcher follows any URL it meets (`file://`,
`http://`, `<link rel=attachment>` embeds whatever it points at), so a stray or hostile URL could
put a server file into a PDF or leak a request to another host. Every render here therefore goes
through `StaticOnlyURLFetcher`, which answers only for static files and inline `data:` URLs and
refuses everything else before any I/O happens.

Templates refer to static files with `{% static %}`; the document's base URL is a fixed internal
origin under the reserved `.invalid` top-level domain, so those paths resolve to URLs that can
never reach a real host and that the fetcher maps back to `django.contrib.staticfiles`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib import request
from urllib.parse import unquote, urljoin, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.urls import URLFetcher, URLFetcherResponse

# `.invalid` is reserved (RFC 2606): even if a URL on this origin escaped the fetcher, it could
# not resolve to a real host.
INTERNAL_BASE_URL = "https://k0.invalid/"
# Explicit alternative for stylesheets or templates that want to name a static file directly.
STATIC_SCHEME = "k0-static"
PDF_VARIANT = "pdf/ua-1"  # tagged, with /Lang and a displayed title: accessible where possible


class RefusedURL(ValueError):
    """The URL is not one of the project's static files; WeasyPrint logs it and skips it.

    An ordinary exception on purpose: WeasyPrint only aborts a render for
    `FatalURLFetchingError`, and one bad image must not cost the user the whole document.
    """


def _static_prefix() -> str:
    # An absolute STATIC_URL (a CDN) is accepted as-is: the bytes still come from the finders
    # or the static storage, never from that host.
    return urljoin(INTERNAL_BASE_URL, settings.STATIC_URL)


def _static_name(url: str) -> str:
    """Return the staticfiles name (`css/pdf.css`) that `url` refers to, or raise `RefusedURL`.

    Accepted: `k0-static:/css/pdf.css`, and STATIC_URL paths either absolute on the internal
    origin (`https://k0.invalid/static/css/pdf.css`, which is what WeasyPrint passes) or bare
    (`/static/css/pdf.css`, resolved against the internal origin).
    """
    # Bare paths resolve against the internal origin; a URL with its own scheme or a
    # scheme-relative `//host/...` keeps its scheme and host and is judged on those.
    absolute = urljoin(INTERNAL_BASE_URL, url)
    try:
        parts = urlsplit(absolute)
    except ValueError as error:
        raise RefusedURL(f"Malformed URL refused: {url!r}") from error

    if parts.scheme.lower() == STATIC_SCHEME:
        if parts.netloc:
            raise RefusedURL(f"{STATIC_SCHEME}: URL with a host refused: {url!r}")
        path = parts.path.removeprefix("/")
    else:
        prefix = urlsplit(_static_prefix())
        same_origin = (parts.scheme, parts.netloc) == (prefix.scheme, prefix.netloc)
        if not same_origin or not parts.path.startswith(prefix.path):
            raise RefusedURL(f"Only the project's static files may be fetched: {url!r}")
        path = parts.path[len(prefix.path) :]

    # Decode before checking, so `%2e%2e/` and `%2f` cannot smuggle a traversal past the check.
    name = unquote(path)
    segments = name.split("/")
    if (
        not name
        or any(segment in ("", ".", "..") for segment in segments)
        or "\\" in name
        or any(ord(char) < 32 for char in name)
    ):
        raise RefusedURL(f"Static path refused: {url!r}")
    return name


def _read_static(name: str) -> bytes:
    try:
        # The finders are the source of truth in development and need no collectstatic.
        found = finders.find(name)
        if found:
            return Path(found).read_bytes()
        # With manifest storage (production) `{% static %}` yields hashed names such as
        # `css/pdf.3f2a….css`, which exist only in STATIC_ROOT after collectstatic.
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as static_file:
                return static_file.read()
    except SuspiciousFileOperation as error:
        # Both lookups use safe_join; the check in static_name should make this unreachable.
        raise RefusedURL(f"Static path refused: {name!r}") from error
    raise RefusedURL(f"No such static file: {name!r}")


class StaticOnlyURLFetcher(URLFetcher):
    """Serve only static files and `data:` URLs to WeasyPrint; refuse everything else.

    The base class's network opener is never used: static files are read through
    `django.contrib.staticfiles` and `data:` URLs are decoded in memory.
    """

    def __init__(self) -> None:
        # fail_on_errors=False: a refused URL is logged by WeasyPrint and rendering continues.
        # allowed_protocols only matters if the base fetch() is ever reached; ours never calls it.
        super().__init__(allowed_protocols=frozenset({"data"}), fail_on_errors=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        # URLFetcher.open() may leave a urllib Request here for the base fetch(); we never call
        # it, and dropping the Request keeps a stale one from ever being reused.
        self._request = None
        if url[:5].lower() == "data:":
            return self._fetch_data(url)
        name = _static_name(url)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            # The canonical internal URL (also for k0-static:) so that relative url()s inside
            # a static stylesheet resolve to further static files.
            url=urljoin(_static_prefix(), name),
            body=_read_static(name),
            headers={"Content-Type": content_type},
        )

    @staticmethod
    def _fetch_data(url: str) -> URLFetcherResponse:
        # urllib's DataHandler decodes in memory; calling it directly (not through the opener)
        # keeps proxies and every other handler out of the way. Only data: URLs get here.
        try:
            response = request.DataHandler().data_open(request.Request(url))  # noqa: S310
        except ValueError as error:
            raise RefusedURL("Malformed data: URL refused") from error
        return URLFetcherResponse(
            url=url,
            body=response.read(),
            headers={"Content-Type": response.headers.get("Content-Type", "text/plain")},
        )


def render_pdf(
    template_name: str, context: Mapping[str, Any], *, language: str, title: str
) -> bytes:
    """Render a Django template (usually extending `pdf/base.html`) to PDF bytes.

    The template is rendered with `language` active, so a document is in the recipient's
    language rather than in whatever language the current request or task happens to use.
    `title` is given to the template as `title` and also becomes the PDF's title.
    """
    with translation.override(language):
        html = render_to_string(template_name, {**context, "title": title})
    return render_pdf_from_string(html, language=language, title=title)


def render_pdf_from_string(html: str, *, language: str, title: str) -> bytes:
    """Turn finished HTML into a tagged PDF (PDF/UA-1) with `language` and `title` set."""
    document = weasyprint.HTML(
        string=html, base_url=INTERNAL_BASE_URL, url_fetcher=StaticOnlyURLFetcher()
    ).render(pdf_variant=PDF_VARIANT)
    # The template sets <html lang> and <title> too; setting them here as well means a template
    # that forgets still yields a PDF that screen readers announce in the right language.
    document.metadata.lang = language
    document.metadata.title = title
    return document.write_pdf(pdf_variant=PDF_VARIANT)

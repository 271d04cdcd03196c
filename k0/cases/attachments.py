"""Evidence files (screenshots, documents): checked by content, not by name.

Only a short allow-list is accepted, and each file must parse as what it claims to be: an
HTML page renamed to .png is refused. Nothing is stored as it came:

- images, GIFs included, are decoded and encoded again, so metadata (camera, time, GPS
  location of a child's home), comments and anything appended after the image's end are
  dropped;
- PDFs are parsed and written again page by page, without the document's scripts, open
  actions, additional actions, embedded files, forms or launch actions.

A file that is both an image (or PDF) and an HTML page would run its script if it were
saved as ``.html`` and opened from the downloads folder. So the type found here decides the
extension of the stored file and of the download name; the uploader's name keeps only its
base name (see `download_name`).
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import FileNotDecryptedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

logger = logging.getLogger(__name__)

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}
# What a GIF frame may keep when encoded again: timing and transparency, not comments or
# application extensions (either can carry any bytes).
GIF_FRAME_INFO = ("duration", "transparency", "background", "loop", "disposal")
# Annotations that carry files, media or form fields (whose actions may run scripts).
PDF_UNSAFE_ANNOTATIONS = {
    "/FileAttachment",
    "/Widget",
    "/Screen",
    "/Movie",
    "/Sound",
    "/RichMedia",
    "/3D",
}
# The only link action kept: opening a web or mail address.
PDF_SAFE_URI = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
# Characters that are not allowed in file names on Windows or carry a path.
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"/\\|?*]')
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str


def check_upload(data: bytes) -> CheckedFile:
    """Returns the file as it will be stored, or raises ValidationError."""
    if data.startswith(b"%PDF-"):
        return CheckedFile(clean_pdf(data), "application/pdf", "pdf")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as error:
        raise ValidationError(
            _("Only images (PNG, JPEG, WebP, GIF) and PDF files can be attached.")
        ) from error
    if width * height > MAX_PIXELS:
        # A tiny file may declare a huge image; decoding it would exhaust memory.
        raise ValidationError(_("The image is too large (at most 40 megapixels)."))
    if kind not in IMAGE_FORMATS:
        raise ValidationError(
            _("Only images (PNG, JPEG, WebP, GIF) and PDF files can be attached.")
        )
    content_type = IMAGE_FORMATS[kind]
    # Re-encode without metadata: EXIF may carry the place a photo was taken.
    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            if kind == "GIF":
                _reencode_gif(image, out)
            else:
                image.load()
                if kind == "JPEG":
                    image.convert("RGB").save(out, "JPEG", quality=90)
                else:
                    image.save(out, kind)
    except (OSError, ValueError, EOFError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The image file is damaged.")) from error
    return CheckedFile(out.getvalue(), content_type, EXTENSIONS[content_type])


def _reencode_gif(image: Image.Image, out: io.BytesIO) -> None:
    """Every frame encoded again, keeping the animation's timing; nothing else survives."""
    width, height = image.size
    if width * height * getattr(image, "n_frames", 1) > MAX_PIXELS:
        raise ValidationError(_("The image is too large (at most 40 megapixels)."))
    frames = []
    for frame in ImageSequence.Iterator(image):
        copy = frame.copy()
        copy.info = {key: frame.info[key] for key in GIF_FRAME_INFO if key in frame.info}
        frames.append(copy)
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])


class PdfPageless(Exception):
    """A PDF with no pages (an HTML page behind a "%PDF-" header parses as one)."""


def clean_pdf(data: bytes) -> bytes:
    """The PDF's pages written into a new document, without anything that can act.

    Only the pages are copied, so the document-level parts stay behind: scripts (the
    JavaScript name tree), the open action, document additional actions, embedded files,
    forms (AcroForm, XFA) and the document information (author names). On each page the
    additional actions go, and of its annotations only those that cannot act are kept;
    links keep only a web or mail address. Objects left unreferenced are not written.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError
        if not reader.pages:
            raise PdfPageless
        disarmed = _copy_pages(reader, disarm=True)
        # The copy above still holds what the dropped annotations pointed at (an embedded
        # file, a form field's script), unreferenced; copying the pages once more takes
        # only what they refer to.
        cleaned = _copy_pages(PdfReader(io.BytesIO(disarmed)), disarm=False)
    except FileNotDecryptedError as error:
        raise ValidationError(_("Password-protected PDF files cannot be attached.")) from error
    except (PyPdfError, PdfPageless) as error:
        raise ValidationError(_("The file is not a valid PDF document.")) from error
    except Exception as error:
        # pypdf raises many kinds of error on a malformed file (KeyError, TypeError,
        # RecursionError…); each means the same to the uploader: this is not a usable PDF.
        logger.info("PDF upload refused: %s", type(error).__name__)
        raise ValidationError(_("The file is not a valid PDF document.")) from error
    return cleaned


def _copy_pages(reader: PdfReader, *, disarm: bool) -> bytes:
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page, excluded_keys=("/AA",))
    if disarm:
        for page in writer.pages:
            _disarm_annotations(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _disarm_annotations(page) -> None:
    """Drops annotations that carry files, media or form fields; strips the others' actions."""
    if "/Annots" not in page:
        return
    kept = ArrayObject()
    for ref in page["/Annots"]:
        annotation = ref.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        if annotation.get("/Subtype") in PDF_UNSAFE_ANNOTATIONS:
            continue
        # /Dest and /IRT point into the old document; /FS is a file.
        for key in ("/AA", "/Dest", "/IRT", "/FS"):
            annotation.pop(NameObject(key), None)
        action = _safe_action(annotation.pop(NameObject("/A"), None))
        if action is not None:
            annotation[NameObject("/A")] = action
        kept.append(ref)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]


def _safe_action(action):
    """A link's action if it only opens a web or mail address; None otherwise.

    A jump inside the document (/GoTo) points at the old document's pages and a chain of
    further actions (/Next) may hold a script, so neither is kept.
    """
    if action is None:
        return None
    action = action.get_object()
    if not isinstance(action, DictionaryObject) or action.get("/S") != "/URI":
        return None
    uri = action.get("/URI")
    if not isinstance(uri, str) or not PDF_SAFE_URI.match(uri):
        return None
    return DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"): uri})


def download_name(name: str, extension: str) -> str:
    """The uploader's base name, made safe for any file system, with the detected extension.

    `report.html` that is really a PDF becomes `report.pdf`; a name scrubbed by retention
    (empty) becomes `attachment.pdf`.
    """
    name = unicodedata.normalize("NFC", name or "")
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()
    if "." in base.strip("."):
        base = base.rsplit(".", 1)[0]
    base = "".join(
        char for char in base if unicodedata.category(char)[0] != "C"
    )  # control and format characters (right-to-left overrides hide the real extension)
    base = UNSAFE_NAME_CHARACTERS.sub("_", base)
    base = " ".join(base.split()).strip(" .")
    base = base[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .")
    return f"{base or 'attachment'}.{extension}"

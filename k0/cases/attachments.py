"""Evidence files (screenshots, documents): checked by content, not by name.

Only a short allow-list is accepted, and each file must parse as what it claims to be: an
HTML page renamed to .png is refused. Photos are re-encoded so their metadata (camera, time,
GPS location of a child's home) is not kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    extension: str


def check_upload(data: bytes) -> CheckedFile:
    """Returns the file as it will be stored, or raises ValidationError."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("The PDF file is damaged or incomplete."))
        return CheckedFile(data, "application/pdf", "pdf")
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
    if kind == "GIF":
        return CheckedFile(data, content_type, "gif")
    # Re-encode without metadata: EXIF may carry the place a photo was taken.
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            if kind == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=90)
            else:
                image.save(out, kind)
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(_("The image file is damaged.")) from error
    return CheckedFile(out.getvalue(), content_type, EXTENSIONS[content_type])

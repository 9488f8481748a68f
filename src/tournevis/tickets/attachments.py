"""Attachments as they arrive (portal, API, e-mail): size limits and image re-encoding.

Images are decoded and re-encoded with Pillow, which drops EXIF (GPS position, camera serial) and any
other metadata or trailing payload; an image that does not decode is kept as an opaque file. Every
download is served as an attachment with ``X-Content-Type-Options: nosniff`` (see api.py).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, replace

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from tournevis.core.errors import InvalidInput, gettext_noop

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
Image.MAX_IMAGE_PIXELS = 50_000_000  # a decompression bomb is refused, not decoded


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_bytes() -> int:
    return int(getattr(settings, "TICKETS_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return (base or "attachment")[:255]


def _reencode(content: bytes, fmt: str) -> bytes | None:
    try:
        with Image.open(io.BytesIO(content)) as opened:
            opened.load()
            image: Image.Image = opened
            if fmt == "JPEG":
                image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF said
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt)  # no exif=, no pnginfo=: metadata is not written
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def prepare(item: NewAttachment) -> NewAttachment:
    """The attachment as it will be stored: size checked, name cleaned, images without metadata."""
    limit = max_bytes()
    if len(item.content) > limit:
        raise InvalidInput(
            gettext_noop("The attachment %(name)s is %(size)s bytes; the limit is %(limit)s bytes."),
            field="attachments",
            name=_clean_name(item.filename),
            size=len(item.content),
            limit=limit,
        )
    content_type = (item.content_type or "application/octet-stream").split(";")[0].strip().lower()
    cleaned = replace(item, filename=_clean_name(item.filename), content_type=content_type[:100])
    fmt = _FORMATS.get(content_type)
    if fmt is None:
        return cleaned
    encoded = _reencode(item.content, fmt)
    if encoded is None:
        return replace(cleaned, content_type="application/octet-stream")
    return replace(cleaned, content=encoded)

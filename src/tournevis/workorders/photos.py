"""Re-encode a photo a technician sends before it is stored (ADR 0004, "Photos").

Whatever the device sent (a JPEG straight from a camera, a PNG, a WebP), the server keeps a JPEG that:
- is turned upright (``ImageOps.exif_transpose``: the EXIF orientation is applied to the pixels);
- carries **no** metadata at all: EXIF (GPS position, camera serial, time), ICC profile, comments;
- is at most ``MAX_SIDE`` pixels on its longest side and at most ``MAX_BYTES`` bytes — the quality is
  lowered first, then the size, until it fits.

A big JPEG is decoded at a reduced scale (``draft()``, with the image's own aspect ratio), which cuts a
12-megapixel decode several times. Something that is not an image, or an image whose pixel count is a
decompression bomb, is refused with 422 naming ``photo``; content larger than the upload limit
(``MOBILE_PHOTO_MAX_BYTES``, 15 MiB by default) with 413, before any decoding.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from tournevis.core.errors import InvalidInput, RequestTooLarge, gettext_noop

MAX_SIDE = 2048
MAX_BYTES = 1_000_000
MAX_PIXELS = 64_000_000  # a 64-megapixel picture; beyond, a decompression bomb as far as we are concerned
DEFAULT_MAX_INPUT = 15 * 1024 * 1024
QUALITIES = (85, 75, 65, 55)
SHRINK = 0.75


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: the JPEG bytes, their size, their SHA-256; ``received_sha256`` is the
    hash of what the device sent (a retry of the same upload is recognised by it)."""

    content: bytes
    width: int
    height: int
    size: int
    sha256: str
    received_sha256: str


def max_input_bytes() -> int:
    return int(getattr(settings, "MOBILE_PHOTO_MAX_BYTES", DEFAULT_MAX_INPUT))


def received_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(data: bytes) -> None:
    """413 naming ``photo`` when ``data`` is larger than the upload limit."""
    limit = max_input_bytes()
    if len(data) > limit:
        raise RequestTooLarge(
            gettext_noop("A photo may be at most %(max)s MB."),
            field="photo",
            max=round(limit / (1024 * 1024)),
        )


def _not_an_image() -> InvalidInput:
    return InvalidInput(
        gettext_noop("This file is not a photo that can be read (JPEG, PNG or WebP)."), field="photo"
    )


def _decode(data: bytes) -> Image.Image:
    """The image, decoded (at a reduced scale for a big JPEG), metadata still attached."""
    with warnings.catch_warnings():
        # Pillow warns above Image.MAX_IMAGE_PIXELS (lowered elsewhere in the process) and refuses twice
        # that; the limit that matters here is ours, checked right after the header is read.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    gettext_noop("This photo has too many pixels (%(width)s x %(height)s)."),
                    field="photo",
                    width=width,
                    height=height,
                )
            if image.format == "JPEG" and max(width, height) > MAX_SIDE:
                scale = max(width, height) / MAX_SIDE
                image.draft("RGB", (math.ceil(width / scale), math.ceil(height / scale)))
            image.load()
        except InvalidInput:
            raise
        except Image.DecompressionBombError:
            raise InvalidInput(gettext_noop("This photo has too many pixels."), field="photo") from None
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
        ):
            raise _not_an_image() from None
    return image


def _upright_rgb(image: Image.Image) -> Image.Image:
    """Orientation applied, alpha flattened on white, every piece of metadata dropped."""
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    clean = upright.convert("RGB") if upright.mode != "RGB" else upright.copy()
    clean.info = {}  # no EXIF, ICC profile or comment goes to the encoder
    return clean


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def clean_photo(data: bytes) -> CleanPhoto:
    """Re-encode ``data`` (see the module's docstring); 413 when too large, 422 when unreadable."""
    check_size(data)
    if not data:
        raise _not_an_image()
    image = _upright_rgb(_decode(data))
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    while True:
        for quality in QUALITIES:
            content = _encode(image, quality)
            if len(content) <= MAX_BYTES:
                return CleanPhoto(
                    content=content,
                    width=image.width,
                    height=image.height,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    received_sha256=received_hash(data),
                )
        smaller = (max(1, int(image.width * SHRINK)), max(1, int(image.height * SHRINK)))
        image = image.resize(smaller, Image.Resampling.LANCZOS)

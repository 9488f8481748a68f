"""Photos re-encoded on arrival: turned upright, every piece of metadata (EXIF, GPS, comment, ICC)
dropped, at most 2048 px and 1 MB; unreadable files and decompression bombs refused (422), content over
the upload limit refused before decoding (413)."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zlib

import pytest
from PIL import Image

from tournevis.core.errors import InvalidInput, RequestTooLarge
from tournevis.workorders import photos

RED, BLUE = (220, 20, 20), (20, 20, 220)


def halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def jpeg(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **params)
    return out.getvalue()


def with_gps_and_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS IFD
    return jpeg(image, exif=exif, comment=b"taken in the vault")


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(pixel[:3], colour, strict=True))


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header announces ``width`` x ``height`` pixels (with a tiny, real data stream)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4))
        + chunk(b"IEND", b"")
    )


def test_a_phone_photo_is_turned_upright_and_loses_its_metadata() -> None:
    # Given a 40x20 photo stored sideways: EXIF orientation 6 (rotate 90° clockwise to view), with GPS
    sent = with_gps_and_orientation(halves(40, 20), orientation=6)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)  # the GPS position is there

    clean = photos.clean_photo(sent)

    # Then it is 20 wide and 40 high, the left (red) half now on top
    kept = Image.open(io.BytesIO(clean.content))
    assert (kept.format, kept.size, clean.width, clean.height) == ("JPEG", (20, 40), 20, 40)
    assert near(kept.getpixel((10, 5)), RED) and near(kept.getpixel((10, 35)), BLUE)
    # and nothing of the device's metadata is left
    assert dict(kept.getexif()) == {}
    assert "comment" not in kept.info and "icc_profile" not in kept.info and "exif" not in kept.info
    assert (
        b"Exif" not in clean.content and b"PhoneMaker" not in clean.content and b"vault" not in clean.content
    )
    assert clean.size == len(clean.content)
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()
    assert clean.received_sha256 == hashlib.sha256(sent).hexdigest()


def test_a_big_jpeg_is_decoded_in_draft_and_scaled_to_2048_pixels() -> None:
    clean = photos.clean_photo(jpeg(halves(4000, 3000)))
    assert (clean.width, clean.height) == (2048, 1536)
    assert clean.size <= 1_000_000
    kept = Image.open(io.BytesIO(clean.content))
    assert near(kept.getpixel((10, 10)), RED) and near(kept.getpixel((2040, 1530)), BLUE)


def test_a_photo_too_heavy_at_every_quality_is_made_smaller_until_it_fits() -> None:
    # Noise does not compress: 2048x2048 of it is over 1 MB at every quality
    noise = Image.frombytes("RGB", (2048, 2048), random.Random(7).randbytes(2048 * 2048 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    clean = photos.clean_photo(out.getvalue())
    assert (clean.width, clean.height) == (1536, 1536)
    assert clean.size <= 1_000_000


def test_transparency_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (5, 0, 10, 10))
    out = io.BytesIO()
    image.save(out, format="PNG")
    kept = Image.open(io.BytesIO(photos.clean_photo(out.getvalue()).content))
    assert kept.mode == "RGB"
    assert near(kept.getpixel((1, 5)), (255, 255, 255)) and near(kept.getpixel((8, 5)), (0, 0, 255))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "This file is not a photo that can be read (JPEG, PNG or WebP)."),
        (b"%PDF-1.7 not a picture", "This file is not a photo that can be read (JPEG, PNG or WebP)."),
        (jpeg(halves(200, 200))[:300], "This file is not a photo that can be read (JPEG, PNG or WebP)."),
        # More pixels than we accept, still under Pillow's own bomb limit
        (png_header_claiming(9000, 8000), "This photo has too many pixels (9000 x 8000)."),
        # A decompression bomb by Pillow's own measure
        (png_header_claiming(100_000, 100_000), "This photo has too many pixels."),
    ],
)
def test_what_is_not_a_readable_photo_is_refused_naming_the_photo(content: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        photos.clean_photo(content)
    assert (refused.value.status, refused.value.field, refused.value.message) == (422, "photo", message)


def test_content_over_the_upload_limit_is_refused_before_decoding(settings: object) -> None:
    settings.MOBILE_PHOTO_MAX_BYTES = 2 * 1024 * 1024  # type: ignore[attr-defined]
    with pytest.raises(RequestTooLarge) as refused:
        photos.clean_photo(b"\xff\xd8" + b"\0" * (2 * 1024 * 1024 - 1))
    assert (refused.value.status, refused.value.field, refused.value.message) == (
        413,
        "photo",
        "A photo may be at most 2 MB.",
    )

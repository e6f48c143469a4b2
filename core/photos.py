"""Photos — a report's, a day of action's — re-encoded from their pixels alone: EXIF (GPS, camera, time) and every
other piece of metadata a phone writes are dropped before anything is stored."""

import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

MAX_PHOTO = 10 * 1024 * 1024
MAX_PHOTOS = 5
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoError(ValueError):
    """The uploads cannot be taken; the message says why, for the person who sent them."""


def photos(files: Iterable[Any] | None) -> list[tuple[str, bytes]]:
    """Each upload re-encoded from its pixels alone: EXIF (GPS, camera, time) and other metadata are dropped;
    (content type, bytes) of each, or PhotoError for the whole lot."""
    from PIL import Image, UnidentifiedImageError

    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        raise PhotoError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
    out = []
    for upload in files:
        if upload.size > MAX_PHOTO:
            raise PhotoError(_("A photo may be at most 10 MB; send video as a link."))
        try:
            with Image.open(upload) as image:
                fmt = image.format
                if fmt not in PHOTO_TYPES:
                    raise UnidentifiedImageError
                image.load()
                clean = Image.frombytes(image.mode, image.size, image.tobytes())
                palette = image.getpalette() if image.mode == "P" else None
                if palette:
                    clean.putpalette(palette)
                buffer = io.BytesIO()
                clean.save(buffer, format=fmt)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise PhotoError(_("Photos must be JPEG, PNG or WebP images; send video as a link.")) from None
        out.append((PHOTO_TYPES[fmt], buffer.getvalue()))
    return out

"""Serving stored files. Media storage has no public address (decision 21): every file goes out through
a view that has checked who may have it, and answers through `file_response`, so that each one is sent
the same way: its type, a UTF-8 file name, no sniffing, and no shared cache unless it is public."""

from __future__ import annotations

import io
import re
import warnings
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from PIL import Image

from lianxin.core.errors import ValidationFailed


def open_or_404(stored: Any) -> IO[bytes]:
    """A stored file opened for reading: a FileField's file, or a name in the default storage. A file
    missing from storage, or none recorded on the field, is a 404 rather than a 500."""
    try:
        return default_storage.open(stored, "rb") if isinstance(stored, str) else stored.open("rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError, ValueError):
        raise Http404 from None


def file_response(
    handle: IO[bytes],
    content_type: str,
    *,
    filename: str = "",
    as_attachment: bool = False,
    public_max_age: int | None = None,
) -> FileResponse:
    """A file to the browser: private (no shared cache keeps it) unless `public_max_age` is given."""
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    if public_max_age is None:
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, public=True, max_age=public_max_age)
    return response


# --- What an upload really is ------------------------------------------------------------------------

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"
# Markup a browser would run if the file were ever shown as a page (a polyglot: valid PDF or PNG
# and HTML at once), and a PDF's own scripts.
_ACTIVE_MARKERS = re.compile(
    rb"<\s*(html|script|body|iframe|object|embed|svg|!doctype\s+html)\b|javascript:|/JavaScript\b|/Launch\b",
    re.I,
)


def image_max_pixels() -> int:
    return int(getattr(settings, "LIANXIN_IMAGE_MAX_PIXELS", 40_000_000))


def pillow_limits() -> None:
    """Pillow's decompression-bomb limit from the setting (called when the core app is ready): past it
    Pillow warns, past twice it refuses; `upload_type_check` refuses anything past it."""
    Image.MAX_IMAGE_PIXELS = image_max_pixels()


def _refuse(message: str, code: str = "bad_file", field: str = "file") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _read_all(upload: Any, limit: int) -> bytes:
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise _refuse(_("文件过大"), code="too_large")
    return data


def _pdf_check(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise _refuse(_("PDF 文件不完整"))
    if _ACTIVE_MARKERS.search(data):
        raise _refuse(_("PDF 文件含有网页或脚本内容，不予接收"))


def _image_trailer_check(kind: str, data: bytes) -> None:
    """Nothing after the image's own end: a PNG ends at IEND, a GIF at its trailer, a WebP at its RIFF
    size; a JPEG may carry bytes after its end marker, but no markup."""
    extra = b""
    if kind == "PNG":
        end = data.rfind(b"IEND")
        extra = data[end + 8 :] if end >= 0 else data
    elif kind == "WEBP" and len(data) >= 8:
        extra = data[8 + int.from_bytes(data[4:8], "little") :]
    elif kind == "GIF" and not data.rstrip(b"\0").endswith(b";"):
        extra = b"after the trailer"
    elif kind == "JPEG":
        end = data.rfind(b"\xff\xd9")
        extra = data[end + 2 :] if end >= 0 else data
        if not _ACTIVE_MARKERS.search(extra):
            extra = b""
    if extra.strip(b"\0"):
        raise _refuse(_("图片文件末尾附带了其他内容，不予接收"))
    if _ACTIVE_MARKERS.search(data[:1024]):
        raise _refuse(_("图片文件含有网页或脚本内容，不予接收"))


def upload_type_check(
    upload: Any, *, allowed: set[str] | frozenset[str], max_bytes: int = 50 * 1024 * 1024
) -> str:
    """The content type of an upload judged from all of its content (not its name nor its first bytes
    alone), or ValidationFailed naming the field `file`:

    - a PDF must start with `%PDF-`, end with `%%EOF`, and hold no HTML or scripts;
    - an image must decode fully with Pillow, hold at most LIANXIN_IMAGE_MAX_PIXELS pixels, and carry
      nothing after its end (a PNG with an HTML page appended is refused).
    """
    data = _read_all(upload, max_bytes)
    if not data:
        raise _refuse(_("文件为空"))
    if data.startswith(b"%PDF-"):
        if PDF_TYPE not in allowed:
            raise _refuse(_("不接受此类型的文件"), code="bad_type")
        _pdf_check(data)
        return PDF_TYPE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if width * height > image_max_pixels():
                    raise Image.DecompressionBombError("too many pixels")
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        message = _("图片像素过多（上限 %(n)s 像素）") % {"n": f"{image_max_pixels():,}"}
        raise _refuse(message, code="image_too_large") from None
    except Exception:  # noqa: BLE001 - anything Pillow cannot decode is not an image we accept
        raise _refuse(_("不是有效的图片或 PDF 文件"), code="bad_type") from None
    content_type = IMAGE_TYPES.get(kind, "")
    if content_type not in allowed:
        raise _refuse(_("不接受此类型的文件"), code="bad_type")
    _image_trailer_check(kind, data)
    return content_type

"""Serving stored files. Media storage has no public address (decision 21): every file goes out through
a view that has checked who may have it, and answers through `file_response`, so that each one is sent
the same way: its type, a UTF-8 file name, no sniffing, and no shared cache unless it is public."""

from __future__ import annotations

from typing import IO, Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control


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

"""The only media served at a public address: what the publishing site shows to everyone (article covers,
under `portal/` in media storage). Every other file in media storage is private and reaches people only
through a view that checks permission (report archives, batch zips, visit photos, demand attachments)."""

from __future__ import annotations

import posixpath

from django.http import FileResponse, Http404, HttpRequest

from lianxin.core.files import file_response, open_or_404
from lianxin.portal.selectors import public_articles
from lianxin.portal.workflow import is_editor

PUBLIC_PREFIX = "portal/"
# Covers are content-checked images (services.check_cover); nothing else is served from here, so a file
# that is not one of these (say `x.html`) is never handed to a browser from our origin.
PUBLIC_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def public_media(request: HttpRequest, path: str) -> FileResponse:
    """`/media/portal/<path>`: a public image of the publishing site, or 404 (never a file outside
    `portal/`: `..` is refused before the storage is asked)."""
    name = posixpath.normpath(PUBLIC_PREFIX + path)
    content_type = PUBLIC_TYPES.get(posixpath.splitext(name)[1].lower())
    if not name.startswith(PUBLIC_PREFIX) or ".." in name.split("/") or content_type is None:
        raise Http404
    if public_articles().filter(cover=name).exists():  # a published article's cover is everyone's
        return file_response(open_or_404(name), content_type, public_max_age=3600)
    if is_editor(getattr(request, "user", None)):
        return file_response(open_or_404(name), content_type)  # a draft's, for the preview: private
    raise Http404

"""The Content-Security-Policy of every page (set by lianxin.core.middleware.SecurityHeadersMiddleware).

Strict: scripts and style sheets only from this site (every asset is vendored), no `eval`, no plugins,
no framing, forms post only here. An inline `<script>` or `<style>` runs only when

- it carries the request's nonce: `<script nonce="{{ csp_nonce }}">` (lianxin.core.context_processors
  puts `csp_nonce` in every template), or
- it is written literally in one of the project's templates, without template tags inside: the hash of
  each such block is allowed (`template_hashes`, computed once from the template folders). A block a
  visitor managed to inject into a page is in no template, so it gets neither.

Inline event handlers (`onclick="…"`) never run; style attributes are allowed (`style-src-attr`).
The API's documentation page (/api/docs/, drf-spectacular's Swagger UI, whose template has an inline
script with template values) gets the same policy with its inline script allowed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.template.utils import get_app_template_dirs

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_INLINE_STYLE = re.compile(r"<style(?P<attrs>[^>]*)>(?P<body>.*?)</style>", re.S | re.I)
_DATA_TYPE = re.compile(r"""type\s*=\s*["']?(application/(ld\+)?json|text/template)""", re.I)


DOCS_PATH = "/api/docs/"


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def _template_files() -> list[Path]:
    folders = [Path(d) for d in get_app_template_dirs("templates")]
    for engine in settings.TEMPLATES:
        dirs: Any = engine.get("DIRS") or []
        folders += [Path(d) for d in dirs]
    base = Path(settings.BASE_DIR) / "lianxin"
    return [f for folder in folders if str(folder).startswith(str(base)) for f in folder.rglob("*.html")]


@functools.cache
def template_hashes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The hashes of the literal inline scripts and style blocks of the project's templates."""
    scripts: set[str] = set()
    styles: set[str] = set()
    for path in _template_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for pattern, found in ((_INLINE_SCRIPT, scripts), (_INLINE_STYLE, styles)):
            for match in pattern.finditer(text):
                body = match.group("body")
                if (
                    _DATA_TYPE.search(match.group("attrs"))
                    or "{%" in body
                    or "{{" in body
                    or not body.strip()
                ):
                    continue
                found.add(_hash(body))
    return tuple(sorted(scripts)), tuple(sorted(styles))


def _tile_origin() -> str:
    tiles = getattr(settings, "LIANXIN_MAP_TILES", "")
    parts = urlsplit(tiles.replace("{s}", "a")) if tiles else None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        return f"{parts.scheme}://{host}"
    return ""


def policy(nonce: str, *, path: str = "") -> str:
    scripts, styles = template_hashes()
    script_src = ["'self'", f"'nonce-{nonce}'", *scripts]
    style_src = ["'self'", f"'nonce-{nonce}'", *styles]
    if path.startswith(DOCS_PATH):
        # A nonce or hash would switch 'unsafe-inline' off; the docs page has neither in its template.
        script_src = style_src = ["'self'", "'unsafe-inline'"]
    img_src = ["'self'", "data:", "blob:"]
    tiles = _tile_origin()
    if tiles:
        img_src.append(tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": script_src,
        "style-src": style_src,
        "style-src-elem": style_src,
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": img_src,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())

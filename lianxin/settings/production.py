"""Production: DEBUG off whatever DEBUG says, secrets required (and long), secure cookies behind a TLS
proxy, hashed and compressed static files from `lianxin collectstatic`. Demo data is refused."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from lianxin.settings.base import *  # noqa: F403
from lianxin.settings.base import MIN_SECRET_LENGTH, STORAGES, ensure_var_dir, env_bool

DEBUG = False
PRODUCTION = True


def _required_secret(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production mode (DEBUG off) needs it; set it in the environment."
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ImproperlyConfigured(
            f"{name} is too short ({len(value)} characters): production needs at least "
            f"{MIN_SECRET_LENGTH} random characters, e.g. from "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return value


SECRET_KEY = _required_secret("LIANXIN_SECRET_KEY")
# The key that encrypts personal data at rest; the same on every node. Losing it loses the data.
DATA_KEY = _required_secret("LIANXIN_DATA_KEY")

SESSION_COOKIE_SECURE = env_bool("LIANXIN_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A single node may still keep its database or queue in var/ (no DATABASE_URL or no REDIS_URL).
if not DATABASE_URL or not REDIS_URL:  # noqa: F405
    ensure_var_dir()

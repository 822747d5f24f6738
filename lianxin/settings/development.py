"""A developer's machine: DEBUG on, everything embedded in `var/` (SQLite, the Huey file, the file
cache, media) and random secrets kept there, so restarts keep sessions and encrypted data."""

from __future__ import annotations

import os
import secrets

from lianxin.settings.base import *  # noqa: F403
from lianxin.settings.base import LOCAL_ALLOWED_HOSTS, ensure_var_dir, env_bool

DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = ALLOWED_HOSTS or LOCAL_ALLOWED_HOSTS  # noqa: F405
WHITENOISE_USE_FINDERS = DEBUG

# The one place development writes to disk when its settings load: var/, where its secrets are kept.
_var = ensure_var_dir()


def _dev_secret(name: str, filename: str) -> str:
    """The variable when set, else a random secret kept in var/ (made on first use)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = _var / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _dev_secret("LIANXIN_SECRET_KEY", "secret.key")
# The key that encrypts personal data at rest (lianxin.core.crypto) and keys the phone search hash.
DATA_KEY = _dev_secret("LIANXIN_DATA_KEY", "data.key")

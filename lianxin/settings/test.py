"""The test suite's settings (pyproject.toml: DJANGO_SETTINGS_MODULE = "lianxin.settings.test").

Tasks run at once in the calling process, the cache is in memory (or one Redis database per xdist
worker), passwords hash fast, mail stays in memory, and nothing is written to var/.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from lianxin.settings.base import *  # noqa: F403
from lianxin.settings.base import LOCAL_ALLOWED_HOSTS, PASSWORD_HASHERS, REDIS_URL, huey_settings, redis_cache

TESTING = True
DEBUG = False  # pytest-django runs every test with DEBUG off anyway
ALLOWED_HOSTS = ALLOWED_HOSTS or LOCAL_ALLOWED_HOSTS  # noqa: F405
SECRET_KEY = "lianxin-tests-secret-key-not-for-production-0123456789"
DATA_KEY = "lianxin-tests-data-key-not-for-production-0123456789"

# Static files come from the apps' folders (finders), never from a developer's `collectstatic` in var/.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # type: ignore[assignment]  # base sets a Path; tests must never collect into var/

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.startswith("gw"):
    # Parallel test workers each get their own Redis database: a test's cache.clear() (FLUSHDB) must
    # not empty the counters another worker's test is reading.
    REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{1 + int(_worker[2:]) % 15}"))
# A prefix and queue per process, so parallel workers sharing one Redis never clear each other.
_own = f"lianxin-test-{os.getpid()}"
if REDIS_URL:
    CACHES = redis_cache(REDIS_URL, os.environ.get("LIANXIN_CACHE_PREFIX", _own))
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HUEY_IMMEDIATE = True
HUEY = huey_settings(
    redis_url=REDIS_URL,
    name=os.environ.get("LIANXIN_QUEUE_NAME", _own),
    filename=os.path.join(tempfile.gettempdir(), f"lianxin-huey-test-{os.getpid()}.sqlite3"),
    immediate=HUEY_IMMEDIATE,
)

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LIANXIN_SMS_BACKEND = "lianxin.core.sms.MemoryBackend"

"""Shared fixtures: real database (SQLite by default, PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data" / "tipdm2020c"
ARTIFACTS = ROOT / "test-artifacts"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def require_shared(*names: str) -> Path:
    """Skip unless ../shared/data/tipdm2020c (and the named files) are present."""
    for name in names or ("",):
        if not (SHARED_DATA / name).exists():
            pytest.skip(f"../shared/data/tipdm2020c/{name} is absent (tests with real data need ../shared)")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Files that tests upload or render (attachments, photos, reports) go to a folder of the test run,
    never to the developer's var/media. Tests that need their own folder still set MEDIA_ROOT."""
    from django.test import override_settings

    override = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rate-limit counters of earlier tests (every test client
    is 127.0.0.1) must not refuse this test's submissions. One cache per xdist worker (decision 15)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Start each test in the default language: a request with an English cookie leaves English active
    in the thread (LocaleMiddleware activates and never deactivates), which would leak into the next test."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def shared_data() -> Path:
    return require_shared()


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        pytest.skip("Debian chromium is not installed (apt-get install chromium); browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS

"""Shared fixtures: real database (SQLite by default, PostgreSQL when DATABASE_URL is set).

- `demo`: the demo data (`lianxin demo`) in the test's database, loaded once per session.
- `browser`: a headless Chromium (skips without one), with `live_server`.
- `require_shared(...)` / `shared_data`: real data from ../shared (skips without it).
- Tests are marked `slow` here (see `pytest_collection_modifyitems`); `make test-fast` leaves them out.
"""

from __future__ import annotations

import inspect
import os
import shutil
from dataclasses import dataclass, field
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
def _fresh_similar_index():
    """Each test starts with no similar-demands index in this process: the index follows the database,
    and a view folded moments ago by an earlier test (rolled back since) would answer with its demands
    for up to FOLD_SECONDS (PostgreSQL keeps ids growing, so none of them is found and the page shows none)."""
    from lianxin.analysis import similar

    similar.index_forget()


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


# --- Demo data, loaded once per session ----------------------------------------------------------


@dataclass
class DemoSnapshot:
    """The rows `demo_load()` wrote, table by table, as the database stores them (no model code runs on
    the way back in: timestamps, encrypted fields and ids come back exactly)."""

    vendor: str
    rows: dict[str, tuple[list[str], object]] = field(default_factory=dict)

    @classmethod
    def take(cls, connection) -> DemoSnapshot:
        """Load the demo inside a transaction, copy out what it wrote, roll back: the database stays empty
        for the tests that need it so."""
        from django.db import transaction

        from lianxin.core.demo import demo_load

        snapshot = cls(connection.vendor)
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        with transaction.atomic(), connection.cursor() as cursor:
            before = {table: _count(cursor, connection, table) for table in tables}
            demo_load()
            for table in tables:
                count = _count(cursor, connection, table)
                if count == before[table]:
                    continue
                if before[table]:
                    raise RuntimeError(
                        f"the demo changed {table}, which had rows before; the snapshot cannot"
                    )
                snapshot.rows[table] = snapshot._copy_out(cursor, connection, table)
            transaction.set_rollback(True)
        return snapshot

    def _copy_out(self, cursor, connection, table: str) -> tuple[list[str], object]:
        name = connection.ops.quote_name(table)
        if self.vendor == "postgresql":
            cursor.execute(f"SELECT * FROM {name} LIMIT 0")
            columns = [c[0] for c in cursor.description]
            with cursor.cursor.copy(f"COPY {name} TO STDOUT") as copy:
                return columns, b"".join(bytes(block) for block in copy)
        cursor.execute(f"SELECT * FROM {name}")
        return [c[0] for c in cursor.description], cursor.fetchall()

    def restore(self, connection) -> None:
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for table, (columns, data) in self.rows.items():
                name = connection.ops.quote_name(table)
                column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
                if self.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {name} ({column_list}) FROM STDIN") as copy:
                        copy.write(data)
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {name} ({column_list}) VALUES ({marks})", data)
            # Rows came in with their ids: move the id sequences past them (PostgreSQL; SQLite keeps up).
            models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in self.rows]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def _count(cursor, connection, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return cursor.fetchone()[0]


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> DemoSnapshot:
    from django.db import connection

    with django_db_blocker.unblock():
        return DemoSnapshot.take(connection)


@pytest.fixture
def demo(db, demo_snapshot: DemoSnapshot) -> None:
    """The demo data of `lianxin demo` (accounts admin, operator, handler, cadre, …) in this test's
    database. Loaded once per session and copied in for each test that asks: it goes with the test's
    transaction, or with the flush after a transactional (`live_server`) test. Tests using it run in
    one xdist worker (group "demo"), so the session loads it once."""
    from django.db import connection

    demo_snapshot.restore(connection)


# --- Markers -----------------------------------------------------------------------------------

# Slow are: browser tests, tests reading ../shared, tests using the demo data (its one load per session takes
# ~6 s), and these, measured over 2 s each (`pytest --durations=40 -p no:randomly`) in files of other apps
# (the tests of tests/core mark themselves).
SLOW = {
    "tests/demands/test_import_demo.py::test_demo_loads_every_state_over_three_months",
}
_SHARED_CALLS = ("require_shared(", "need_shared(")


def _source(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


_shared_helpers_of: dict[str, set[str]] = {}


def _shared_helpers(module) -> set[str]:
    """Functions of a test module that read ../shared, directly or through one another."""
    if module.__name__ not in _shared_helpers_of:
        sources = {
            name: _source(obj)
            for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
        }
        found = {name for name, source in sources.items() if any(c in source for c in _SHARED_CALLS)}
        while True:
            more = {n for n, s in sources.items() if n not in found and any(f"{h}(" in s for h in found)}
            if not more:
                break
            found |= more
        _shared_helpers_of[module.__name__] = found
    return _shared_helpers_of[module.__name__]


def _reads_shared_data(item) -> bool:
    """Marked `shared`, or asking for `shared_data`, or calling `require_shared`/`need_shared` in the
    test, in a function of its module it calls, or in one of its fixtures."""
    if item.get_closest_marker("shared") or "shared_data" in item.fixturenames:
        return True
    function = getattr(item, "function", None)
    if function is None:
        return False
    sources = [_source(function)]
    for name in item.fixturenames:
        definitions = getattr(item, "_fixtureinfo", None) and item._fixtureinfo.name2fixturedefs.get(name)
        if definitions:
            sources.append(_source(definitions[-1].func))
    calls = _SHARED_CALLS + tuple(f"{name}(" for name in _shared_helpers(item.module))
    return any(call in source for source in sources for call in calls)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups and `-m` deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        uses_demo = "demo_snapshot" in item.fixturenames  # loading it takes ~6 s, once per session
        if (
            uses_demo
            or item.nodeid.split("[")[0] in SLOW
            or item.get_closest_marker("browser")
            or _reads_shared_data(item)
        ):
            item.add_marker(pytest.mark.slow)
        if uses_demo and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("demo"))

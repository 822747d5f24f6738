"""Background work goes through the configured Huey storage (SQLite file, or Redis when REDIS_URL is set)."""

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY, db_task

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


@db_task()
def record_task(value: int) -> int:
    CALLS.append(value)
    return value * 2


@pytest.fixture
def queued():
    """Switch immediate mode off so tasks really pass through the storage, as in production."""
    HUEY.immediate = False
    HUEY.flush()
    try:
        yield HUEY
    finally:
        HUEY.immediate = True


@pytest.mark.xdist_group("huey-storage")
def test_task_round_trips_through_the_configured_storage(queued):
    expected = "RedisStorage" if settings.REDIS_URL else "SqliteStorage"
    assert type(queued.storage).__name__.endswith(expected)
    before = len(CALLS)
    record_task(21)
    assert len(CALLS) == before  # not run yet: it waits in the queue
    task = queued.dequeue()
    assert task is not None
    assert queued.execute(task) == 42
    assert CALLS[-1] == 21


def test_tests_run_tasks_immediately():
    assert HUEY.immediate is True
    assert record_task(5).get() == 10

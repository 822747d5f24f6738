import uuid

import pytest
from django.core.cache import cache

from lianxin.portal import counter, services


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Pages and counters live in the cache, and article ids repeat across tests and xdist workers.

    On Redis (shared by every worker and app) each test gets its own key prefix and deletes only its
    own keys; on the local-memory cache (one per process) the cache is simply cleared."""
    services._local_generation[:] = [0.0, -1.0]
    default = settings.CACHES["default"]
    if "redis" in default["BACKEND"].lower():
        prefix = f"lianxin-test-portal-{uuid.uuid4().hex}"
        settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
        yield
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        return
    cache.clear()
    counter.store().cache.clear()
    yield
    cache.clear()
    counter.store().cache.clear()

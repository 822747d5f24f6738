import pytest


@pytest.fixture
def open311_urls(settings):
    settings.ROOT_URLCONF = "tests.interconnect.urls"


@pytest.fixture
def fast_retries(settings):
    """Short HTTP timeout so that a receiver that hangs costs the test half a second."""
    settings.LIANXIN_INTERCONNECT_TIMEOUT = 0.5
    settings.LIANXIN_INTERCONNECT_THREADS = 4

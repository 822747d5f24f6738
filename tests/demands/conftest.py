import pytest

from tests.demands.factories import build_world


@pytest.fixture
def world(db):
    return build_world()

import pytest

from tests.assistance.factories import make_world


@pytest.fixture
def world(db):
    return make_world()

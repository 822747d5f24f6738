import pytest

from tests.projects.factories import make_world


@pytest.fixture
def world(db):
    return make_world()

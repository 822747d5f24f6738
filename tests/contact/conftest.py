import pytest

from tests.contact.factories import make_world


@pytest.fixture
def world(db):
    return make_world()

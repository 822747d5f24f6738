import pytest

from tests.mediation.factories import build


@pytest.fixture
def w(db):
    return build()

import pytest

from tests.demands.factories import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def fresh_similar_index():
    """An empty per-process similar-demands index before and after the test (it follows the database)."""
    from lianxin.analysis import similar

    similar.index_forget()
    yield
    similar.index_forget()

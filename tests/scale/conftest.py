import pytest

from tests.demands.factories import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def index_dir(settings, tmp_path, monkeypatch):
    """The shared index on a media volume of this test's own; every process view forgotten around it;
    changes folded in at once (not at most once a second)."""
    from lianxin.analysis import similar

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(similar, "FOLD_SECONDS", 0.0)
    similar.index_forget()
    yield similar.index_root()
    similar.index_forget()


@pytest.fixture
def large_window(monkeypatch):
    """Make the window count as large: web processes never build the index themselves."""
    from lianxin.analysis import similar

    monkeypatch.setattr(similar, "SMALL_WINDOW", 0)

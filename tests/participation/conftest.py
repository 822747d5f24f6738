from __future__ import annotations

import re

import pytest

from lianxin.core.sms import MemoryBackend, phone_code_send
from lianxin.org.models import AreaLevel
from tests.factories import AreaFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def _sms():
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()


@pytest.fixture
def area(db):
    district = AreaFactory(name="芙蓉区", level=AreaLevel.DISTRICT)
    return district


@pytest.fixture
def communities(area):
    return [AreaFactory(name=f"社区{i}", level=AreaLevel.COMMUNITY, parent=area) for i in range(2)]


@pytest.fixture
def cadre(area):
    unit = UnitFactory(area=area)
    return UserFactory(username="cadre1", roles="cadre", unit=unit, area_scope=area)


@pytest.fixture
def editor(db):
    return UserFactory(username="editor1", roles="editor")


@pytest.fixture
def citizen(db):
    return UserFactory(username="citizen1", roles="citizen", display_name="王小明")


@pytest.fixture
def citizen2(db):
    return UserFactory(username="citizen2", roles="citizen")


@pytest.fixture
def sms_code(django_capture_on_commit_callbacks):
    """Send a code for anonymous participation and read it from the SMS the outbox delivered."""

    def code_for(phone: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            phone_code_send(phone, purpose="participation")
        return re.search(r"\d{6}", MemoryBackend.sent[-1]["text"]).group(0)

    return code_for

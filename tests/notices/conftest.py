import pytest

from lianxin.core.sms import MemoryBackend
from tests.demands.factories import build_world

TOKEN = "gateway-secret-token"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def _sms(settings):
    """The memory sender, the gateway token, and the notices delivered as they commit."""
    settings.LIANXIN_SMS_BACKEND = "lianxin.core.sms.MemoryBackend"
    settings.LIANXIN_SMS_INBOUND_TOKEN = TOKEN
    settings.LIANXIN_SMS_DAILY_LIMIT = 10
    settings.LIANXIN_SMS_LINK_BASE = "https://12345.example.cn"
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()

"""SMS through the outbox (phone encrypted, never logged) and phone verification codes."""

import json
import logging
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from lianxin.core.errors import ValidationFailed
from lianxin.core.models import OutboxItem, OutboxStatus, PhoneCode, SmsMessage, SmsStatus
from lianxin.core.sms import MemoryBackend, phone_code_send, phone_code_verify, sms_send

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _memory():
    MemoryBackend.sent.clear()


def _last_code() -> str:
    return re.search(r"\d{6}", MemoryBackend.sent[-1]["text"]).group(0)


def test_sms_is_sent_after_commit_and_recorded(django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(PHONE, "您的诉求已受理", purpose="demand", key="d-1")
        sms_send(PHONE, "您的诉求已受理", purpose="demand", key="d-1")  # same key: once
    assert MemoryBackend.sent == [{"phone": PHONE, "text": "您的诉求已受理", "purpose": "demand"}]
    sms = SmsMessage.objects.get(key="d-1")
    assert sms.status == SmsStatus.SENT and sms.sent_at and sms.backend == "MemoryBackend"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM core_smsmessage WHERE id = %s", [sms.pk])
        stored = cursor.fetchone()[0]
    assert PHONE not in stored  # encrypted at rest
    assert PHONE not in caplog.text


def test_the_text_is_encrypted_at_rest_a_sign_in_code_included(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    code = _last_code()
    sms = SmsMessage.objects.get()
    assert code in sms.text  # the model reads it back
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM core_smsmessage WHERE id = %s", [sms.pk])
        stored = cursor.fetchone()[0]
    assert code not in stored and "验证码" not in stored


def test_console_and_file_backends_mask_the_phone(
    django_capture_on_commit_callbacks, settings, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="lianxin.sms")
    settings.LIANXIN_SMS_BACKEND = "lianxin.core.sms.ConsoleBackend"
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(PHONE, "测试", purpose="t", key="c-1")
    assert "138****5678" in caplog.text and PHONE not in caplog.text
    settings.LIANXIN_SMS_BACKEND = "lianxin.core.sms.FileBackend"
    settings.LIANXIN_SMS_FILE = str(tmp_path / "sms.log")
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(PHONE, "测试", purpose="t", key="f-1")
    line = json.loads((tmp_path / "sms.log").read_text().splitlines()[-1])
    assert line["phone"] == "138****5678" and line["text"] == "测试"


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        _Gateway.received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.send_response(_Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "gw-77"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.status = [], 200
    settings.LIANXIN_SMS_BACKEND = "lianxin.core.sms.HttpGatewayBackend"
    settings.LIANXIN_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.LIANXIN_SMS_GATEWAY_TOKEN = "tok"
    yield _Gateway
    server.shutdown()


def test_http_gateway_posts_json_and_keeps_its_reference(gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(PHONE, "您好", purpose="notice", key="g-1")
    auth, body = gateway.received[0]
    assert auth == "Bearer tok"
    assert body == {"phone": PHONE, "text": "您好", "purpose": "notice", "ref": "g-1"}
    sms = SmsMessage.objects.get(key="g-1")
    assert sms.status == SmsStatus.SENT and sms.gateway_ref == "gw-77"


def test_gateway_failure_is_recorded_and_retried(gateway, django_capture_on_commit_callbacks):
    gateway.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        sms_send(PHONE, "您好", purpose="notice", key="g-2")
    sms = SmsMessage.objects.get(key="g-2")
    assert sms.status == SmsStatus.FAILED and "503" in sms.error
    item = OutboxItem.objects.get(task="core.sms")
    assert item.status == OutboxStatus.PENDING and item.attempts == 1
    gateway.status = 200
    OutboxItem.objects.filter(pk=item.pk).update(next_attempt_at=timezone.now())
    from lianxin.core.outbox import outbox_run

    assert outbox_run(item.pk)
    sms.refresh_from_db()
    assert sms.status == SmsStatus.SENT and sms.attempts == 2 and len(gateway.received) == 2


def test_bad_phone_is_refused():
    with pytest.raises(ValidationFailed) as err:
        sms_send("12", "x", purpose="t", key="bad")
    assert "phone" in err.value.fields


def test_code_is_hashed_and_verifies_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    code = _last_code()
    row = PhoneCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert (row.expires_at - row.created_at) == timedelta(minutes=10)
    phone_code_verify(PHONE, code, purpose="login")
    with pytest.raises(ValidationFailed) as err:
        phone_code_verify(PHONE, code, purpose="login")  # used
    assert err.value.code == "bad_code"


def test_code_for_another_purpose_does_not_work(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    with pytest.raises(ValidationFailed) as err:
        phone_code_verify(PHONE, _last_code(), purpose="track")
    assert err.value.code == "bad_code"


def test_code_expires(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as err:
        phone_code_verify(PHONE, _last_code(), purpose="login")
    assert err.value.code == "code_expired"


def test_five_wrong_tries_lock_the_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    code = _last_code()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(5):
        with pytest.raises(ValidationFailed) as err:
            phone_code_verify(PHONE, wrong, purpose="login")
        assert err.value.code == "bad_code"
    with pytest.raises(ValidationFailed) as err:
        phone_code_verify(PHONE, code, purpose="login")  # even the right code now
    assert err.value.code == "too_many_attempts"


def test_resend_is_throttled_and_replaces_the_old_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    first = _last_code()
    with pytest.raises(ValidationFailed) as err:
        phone_code_send(PHONE, purpose="login")
    assert err.value.code == "too_soon"
    PhoneCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(PHONE, purpose="login")
    second = _last_code()
    if first != second:
        with pytest.raises(ValidationFailed):
            phone_code_verify(PHONE, first, purpose="login")
    phone_code_verify(PHONE, second, purpose="login")


def test_hourly_cap(settings, django_capture_on_commit_callbacks):
    settings.LIANXIN_PHONE_CODE_INTERVAL = 0
    settings.LIANXIN_PHONE_CODE_HOURLY = 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            phone_code_send(PHONE, purpose="login")
    with pytest.raises(ValidationFailed) as err:
        phone_code_send(PHONE, purpose="login")
    assert err.value.code == "too_soon"

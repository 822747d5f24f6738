"""/metrics (restricted to an address list or a token) and the Content-Security-Policy of every page."""

import re

import pytest
from django.template.loader import get_template
from django.test import Client

from lianxin.core.csp import template_hashes
from lianxin.core.models import OutboxItem, SmsMessage

pytestmark = pytest.mark.django_db


def test_metrics_from_loopback(client):
    client.get("/healthz")
    OutboxItem.objects.create(task="t", key="m1", payload={})
    SmsMessage.objects.create(phone="13812345678", phone_hash="h", text="x", purpose="p", key="s1")
    body = client.get("/metrics").content.decode()
    assert (
        'lianxin_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/healthz",status="200"}'
        in body
    )
    assert "lianxin_outbox_pending 1.0" in body
    assert 'lianxin_sms_messages{status="queued"} 1.0' in body
    assert "lianxin_queue_depth" in body
    assert "lianxin_outbox_oldest_pending_seconds" in body
    assert "13812345678" not in body


def test_demands_by_status(client):
    body = client.get("/metrics").content.decode()
    assert "# TYPE lianxin_demands gauge" in body


def test_metrics_refused_elsewhere_unless_token(settings):
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 404
    settings.LIANXIN_METRICS_TOKEN = "s3cret-token"
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert outside.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
    settings.LIANXIN_METRICS_ALLOWED_IPS = ["203.0.113.0/24"]
    assert outside.get("/metrics").status_code == 200


def test_route_label_is_the_pattern_not_the_path(client):
    client.get("/demands/track/?ticket_no=202611260000356&phone=13912345678")
    body = client.get("/metrics").content.decode()
    assert "202611260000356" not in body and "13912345678" not in body


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz", "/api/v1/me/", "/no-such-page/"])
def test_every_response_has_a_strict_policy(client, path):
    policy = _policy(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src-elem"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'self'"]
    assert not [src for src in policy["script-src"] if src.startswith("http")]  # no CDN


def test_nonce_differs_per_response_and_reaches_templates(client, rf):
    one = _policy(client.get("/"))["script-src"]
    two = _policy(client.get("/"))["script-src"]
    nonce = [s for s in one if s.startswith("'nonce-")]
    assert nonce and nonce != [s for s in two if s.startswith("'nonce-")]
    from lianxin.core.context_processors import site

    request = rf.get("/")
    request.csp_nonce = "abc"
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert site(request)["csp_nonce"] == "abc"


def test_literal_inline_scripts_of_templates_are_allowed_by_hash(client):
    scripts, _styles = template_hashes()
    source = get_template("contact/visit_form.html").template.source
    assert "<script>" in source  # a literal inline script of a template
    policy = _policy(client.get("/"))
    for digest in scripts:
        assert digest in policy["script-src"]
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", d) for d in scripts)


def test_api_docs_page_keeps_its_inline_script(admin_client):
    policy = _policy(admin_client.get("/api/docs/"))
    assert "'unsafe-inline'" in policy["script-src"]

"""The shared pieces: weak ETags and 304, cursor pagination, strict filter parameters."""

from __future__ import annotations

import pytest

from lianxin.core.api_etag import body_etag, etag_matches
from lianxin.org.models import Area
from tests.api.conftest import client_for, walk
from tests.factories import AreaFactory


def test_etag_comparison_is_weak_and_takes_lists_and_star():
    tag = body_etag({"a": 1})
    assert tag.startswith('W/"')
    assert etag_matches(tag, tag)
    assert etag_matches(tag.removeprefix("W/"), tag)
    assert etag_matches(f'"x", {tag}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('W/"other"', tag)
    assert not etag_matches("", tag)
    assert body_etag({"b": 2, "a": 1}) == body_etag({"a": 1, "b": 2})  # keys sorted


@pytest.mark.django_db
def test_read_answers_304_while_unchanged_and_a_new_tag_after_a_change():
    area = AreaFactory(name="甲区")
    client = client_for()
    first = client.get(f"/api/v1/org/areas/{area.pk}/")
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('W/"') and "Authorization" in first["Vary"] and "private" in first["Cache-Control"]
    again = client.get(f"/api/v1/org/areas/{area.pk}/", HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again["ETag"] == tag and again.content == b""
    Area.objects.filter(pk=area.pk).update(name="乙区")
    changed = client.get(f"/api/v1/org/areas/{area.pk}/", HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag and changed.json()["name"] == "乙区"


@pytest.mark.django_db
def test_errors_carry_no_etag_and_are_never_304():
    r = client_for().get("/api/v1/org/areas/999999/", HTTP_IF_NONE_MATCH="*")
    assert r.status_code == 404 and "ETag" not in r
    assert r.json()["error"]["code"] == "not_found"


def test_cursor_walks_every_row_exactly_once_and_refuses_a_forged_cursor(roles):
    from lianxin.demands.models import RoutingRule

    for i in range(7):
        RoutingRule.objects.create(unit=roles.world.unit, priority=100, note=f"r{i}")  # ties on priority
    client = client_for(roles.admin)
    rows = walk(client, "/api/v1/org/routing-rules/", {"page_size": 2})
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted(RoutingRule.objects.values_list("pk", flat=True)) and len(ids) == len(
        set(ids)
    )
    for cursor in ("bz1hYmM=", "abc"):  # "o=abc"; bad base64 padding
        bad = client.get("/api/v1/org/routing-rules/", {"cursor": cursor})
        assert bad.status_code == 400 and "cursor" in bad.json()["error"]["fields"], cursor
    for size in ("0", "abc", "201", "²"):
        r = client.get("/api/v1/org/routing-rules/", {"page_size": size})
        assert r.status_code == 400 and "page_size" in r.json()["error"]["fields"], size


@pytest.mark.parametrize(
    "params,field",
    [
        ({"since": "2026-13-01"}, "since"),
        ({"until": "0001-01-01"}, "until"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"area": "abc"}, "area"),
        ({"area": "99999999"}, "area"),
        ({"cadre": ""}, None),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(roles, params, field):
    r = client_for(roles.cadre).get("/api/v1/contact/visits/", params)
    if field is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400, r.content
    body = r.json()["error"]
    assert body["code"] == "invalid" and field in body["fields"] and field in body["message"]


def test_token_authentication_works_and_no_credentials_is_401(roles):
    from rest_framework.test import APIClient

    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": "cadre_t", "password": "lianxin-demo"}, format="json"
    )
    assert token.status_code == 200, token.content
    assert client.get("/api/v1/contact/points/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get("/api/v1/contact/points/").status_code == 200

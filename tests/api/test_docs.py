"""The OpenAPI schema documents every operation of these doors, and /api/docs/ needs no network."""

from __future__ import annotations

import re

import pytest
import yaml
from django.test import Client

MINE = ("/api/v1/org/", "/api/v1/contact/", "/api/v1/portal/", "/api/v1/analysis/", "/api/v1/evaluation/")


@pytest.mark.django_db
def test_docs_page_loads_only_local_assets():
    r = Client().get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in html.lower() and "https://" not in html
    for asset in assets:
        if asset.startswith("/static/"):
            assert Client().get(asset).status_code == 200, asset


@pytest.mark.django_db
def test_every_operation_is_documented_with_errors_and_an_example():
    r = Client().get("/api/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        if path.startswith(MINE)
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 40
    for path, method, op in operations:
        responses = op["responses"]
        assert any(code.startswith("4") for code in responses), (path, method)
        examples = [
            e
            for response in responses.values()
            for content in (response.get("content") or {}).values()
            for e in (content.get("examples") or {})
        ]
        assert examples, (path, method)
        if method == "get":
            assert "304" in responses and any(p["name"] == "If-None-Match" for p in op.get("parameters", []))
        if path.startswith(("/api/v1/contact/", "/api/v1/evaluation/")):
            assert {"401", "403"} <= set(responses), (path, method)


def _examples(operation: dict) -> list[str]:
    """The names of an operation's examples: its request body's and every response's."""
    bodies = [operation.get("requestBody") or {}, *operation["responses"].values()]
    return [
        name
        for body in bodies
        for content in (body.get("content") or {}).values()
        for name in (content.get("examples") or {})
    ]


@pytest.mark.django_db
def test_every_api_operation_has_an_example():
    """Issue 20: the schema documents every operation with examples (a request or response body)."""
    r = Client().get("/api/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    operations = [
        (f"{method.upper()} {path}", op)
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 100
    without = [name for name, op in operations if not _examples(op)]
    assert without == [], "operations without an example:\n" + "\n".join(without)

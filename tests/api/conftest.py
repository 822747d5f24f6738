"""Fixtures of the API tests: the project's URLs (with the organisation's API mounted), a client per
role, and a small world (tests.contact.factories) with one user of every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.contact.factories import World, make_world
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


@dataclass
class Roles:
    world: World
    citizen: object
    handler: object
    cadre: object
    other_cadre: object
    operator: object
    supervisor: object
    editor: object
    admin: object

    def of(self, name: str):
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def roles(db) -> Roles:
    w = make_world()
    return Roles(
        world=w,
        citizen=UserFactory(username="citizen_t", roles="citizen"),
        handler=w.handler,
        cadre=w.cadre,
        other_cadre=w.other_cadre,
        operator=w.operator,
        supervisor=w.supervisor,
        editor=UserFactory(username="editor_t", roles="editor"),
        admin=UserFactory(username="admin_t", roles="admin"),
    )


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def walk(client: APIClient, url: str, params: dict | None = None) -> list[dict]:
    """Every row of a cursor-paginated list, following `next` to the end."""
    rows: list[dict] = []
    response = client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])

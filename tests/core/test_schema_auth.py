"""The schema documents the 401 and 403 answers where they occur (lianxin.core.schema)."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "1", path)


def test_anonymous_401s_are_documented(client, schema):
    undocumented = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        status = client.get(_concrete(path)).status_code
        if status in (401, 403) and str(status) not in operations["get"]["responses"]:
            undocumented.append((path, status))
    assert undocumented == []


def test_role_403s_are_documented(client, schema):
    """A signed-in user with no role: every 403 it gets is in the schema."""
    user = UserFactory()
    client.force_login(user)
    undocumented = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        status = client.get(_concrete(path)).status_code
        if status == 403 and "403" not in operations["get"]["responses"]:
            undocumented.append(path)
    assert undocumented == []


def test_signed_in_only_operations_document_401_with_the_error_body(schema):
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]["401"]
    ref = me["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[-1] in schema["components"]["schemas"]
    public = schema["paths"]["/api/v1/track/"]["post"]["responses"]
    assert "401" not in public  # anyone may call it

"""并单 by a role that may not merge is a 403 before any check of the parent (even merging into itself)."""

import pytest
from rest_framework.test import APIClient

from lianxin.core.errors import PermissionDenied
from lianxin.demands import services
from tests.demands.conftest import world  # noqa: F401 - the demands' fixture
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db


def test_self_merge_by_a_role_that_may_not_merge_is_403(world):  # noqa: F811
    d = make_demand(world)
    with pytest.raises(PermissionDenied):
        services.demand_merge(demand=d, actor=world["supervisor"], parent=d)
    with pytest.raises(PermissionDenied):
        services.demand_merge(demand=d, actor=world["supervisor"], parent=999999)


def test_self_merge_over_the_api_is_403_for_a_handler_and_400_for_an_operator(world):  # noqa: F811
    d = make_demand(world)
    body = {"action": "merge", "parent": d.pk, "version": d.version}
    supervisor = APIClient()
    supervisor.force_authenticate(world["supervisor"])
    response = supervisor.post(f"/api/v1/demands/{d.pk}/transitions/", body, format="json")
    assert response.status_code == 403, response.content
    operator = APIClient()
    operator.force_authenticate(world["operator"])
    response = operator.post(f"/api/v1/demands/{d.pk}/transitions/", body, format="json")
    assert response.status_code == 400 and "parent" in response.json()["error"]["fields"]

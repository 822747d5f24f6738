"""The demo data exposes services over Open311, with polygons round the streets."""

import pytest

from lianxin.interconnect.geo import area_at
from lianxin.interconnect.models import AreaShape, Open311Service
from lianxin.org.models import AreaLevel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("open311_urls")]


def test_demo_services_and_shapes(demo, client):
    assert Open311Service.objects.filter(is_active=True).count() >= 1
    shape = AreaShape.objects.select_related("area").first()
    assert shape.area.level == AreaLevel.STREET
    assert area_at(shape.area.lat, shape.area.lng) == shape.area
    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").json()]
    assert codes == sorted(Open311Service.objects.values_list("code", flat=True))

"""lat/long → area: polygons (with holes), the deepest one first, the nearest centre otherwise; the import."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from lianxin.interconnect.geo import area_at, contains
from lianxin.interconnect.models import AreaShape
from lianxin.org.models import Area, AreaLevel
from tests.interconnect.factories import shape_add, square

pytestmark = pytest.mark.django_db


def test_point_in_polygon_respects_holes_and_multipolygons():
    donut = square(0, 0, 1)
    donut["coordinates"].append(square(0, 0, 0.5)["coordinates"][0])
    assert contains(donut, 0.8, 0.8) and not contains(donut, 0.1, 0.1) and not contains(donut, 2, 2)
    multi = {
        "type": "MultiPolygon",
        "coordinates": [square(0, 0, 1)["coordinates"], square(10, 10, 1)["coordinates"]],
    }
    assert contains(multi, 10.5, 9.5) and not contains(multi, 5, 5)
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [0, 4], [0, 0]]]}
    assert contains(triangle, 1, 1) and not contains(triangle, 3, 3)  # (lat, lng) = (3, 3) lies past the edge


def test_the_deepest_shape_wins_then_the_nearest_centre(settings):
    city = Area.objects.create(code="C", name="市", level=AreaLevel.CITY)
    street = Area.objects.create(code="C1", name="街道", level=AreaLevel.STREET, parent=city)
    shape_add(city, square(30, 120, 1))
    shape_add(street, square(30, 120, 0.1))
    assert area_at(30.05, 120.05) == street
    assert area_at(30.5, 120.5) == city
    assert area_at(40, 100) is None
    far = Area.objects.create(code="F", name="远郊", level=AreaLevel.STREET, lat=35.0, lng=110.0)
    assert area_at(35.02, 110.02) == far  # no polygon: the nearest centre within 10 km
    settings.LIANXIN_OPEN311_NEAREST_KM = 1
    assert area_at(35.02, 110.02) is None


def test_import_areas_command(tmp_path):
    city = Area.objects.create(code="C", name="市", level=AreaLevel.CITY)
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": "C"}, "geometry": square(30, 120, 1)},
            {
                "type": "Feature",
                "properties": {"code": "C9", "name": "新街道", "level": "street", "parent": "C"},
                "geometry": square(30.2, 120.2, 0.1),
            },
        ],
    }
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(document), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    call_command("interconnect", "import-areas", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"areas_created": 1, "shapes": 2}
    new = Area.objects.get(code="C9")
    assert new.parent == city and new.lat == pytest.approx(30.2, abs=0.05)
    assert area_at(30.2, 120.2) == new
    call_command("interconnect", "import-areas", str(path), stdout=StringIO())  # again: replaces, no copies
    assert AreaShape.objects.count() == 2


def test_a_bad_feature_imports_nothing(tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "properties": {"code": "X1", "name": "甲", "level": "street"},
                        "geometry": square(0, 0, 1),
                    },
                    {"properties": {"code": "X2"}, "geometry": square(0, 0, 1)},
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="X2"):
        call_command("interconnect", "import-areas", str(path))
    assert not Area.objects.filter(code__startswith="X").exists() and not AreaShape.objects.exists()
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("interconnect", "import-areas", str(path))

"""lat/long → area: the deepest imported polygon holding the point (pure Python ray casting, or shapely
when it is installed), else the nearest area centre within LIANXIN_OPEN311_NEAREST_KM; and the import of
a GeoJSON FeatureCollection of areas (`lianxin interconnect import-areas FILE`)."""

from __future__ import annotations

import importlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed
from lianxin.interconnect.conf import conf
from lianxin.interconnect.models import AreaShape
from lianxin.org.models import Area, AreaLevel

try:  # optional: faster and exact on odd polygons
    _shapely_geometry: Any = importlib.import_module("shapely.geometry")
except ImportError:  # pragma: no cover - shapely is not a dependency
    _shapely_geometry = None

Ring = list[list[float]]


def _polygons(geometry: dict[str, Any]) -> list[list[Ring]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon":
        return [coords]  # type: ignore[list-item]
    if kind == "MultiPolygon":
        return list(coords or [])
    raise ValueError(f"geometry type {kind!r} is not Polygon or MultiPolygon")


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any], lat: float, lng: float) -> bool:
    """Whether the GeoJSON (Multi)Polygon holds the point: inside an outer ring and outside its holes."""
    if _shapely_geometry is not None:
        return bool(_shapely_geometry.shape(geometry).contains(_shapely_geometry.Point(lng, lat)))
    for polygon in _polygons(geometry):
        if polygon and _in_ring(lng, lat, polygon[0]) and not any(_in_ring(lng, lat, h) for h in polygon[1:]):
            return True
    return False


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def area_at(lat: float, lng: float) -> Area | None:
    """The area of a point: the deepest shape holding it; else the nearest centre within the limit; else None."""
    candidates = (
        AreaShape.objects.filter(min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng)
        .select_related("area")
        .order_by("-area__depth", "area_id")
    )
    for shape in candidates:
        if contains(shape.geometry, lat, lng):
            return shape.area
    limit = float(conf("LIANXIN_OPEN311_NEAREST_KM"))
    # a box around the point first (1° of latitude ≈ 111 km), then the exact distance
    dlat = limit / 111.0
    dlng = limit / max(1e-6, 111.0 * math.cos(math.radians(lat)))
    near = Area.objects.filter(
        lat__isnull=False,
        lng__isnull=False,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    best: tuple[float, int, Area] | None = None
    for area in near:
        d = distance_km(lat, lng, float(area.lat or 0), float(area.lng or 0))
        if d <= limit and (best is None or (d, -area.depth) < (best[0], best[1])):
            best = (d, -area.depth, area)
    return best[2] if best else None


@dataclass
class ImportReport:
    areas_created: int = 0
    shapes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"areas_created": self.areas_created, "shapes": self.shapes}


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    points = [p for polygon in _polygons(geometry) for ring in polygon for p in ring]
    if not points:
        raise ValueError("empty geometry")
    lngs, lats = [float(p[0]) for p in points], [float(p[1]) for p in points]
    return min(lats), max(lats), min(lngs), max(lngs)


def _centre(geometry: dict[str, Any]) -> tuple[float, float]:
    outer = _polygons(geometry)[0][0]
    return sum(float(p[1]) for p in outer) / len(outer), sum(float(p[0]) for p in outer) / len(outer)


def _feature_area(index: int, props: dict[str, Any], report: ImportReport) -> Area:
    code = str(props.get("code") or "").strip()
    if not code:
        raise ValidationFailed(_("第 %(n)d 个区域缺少 code") % {"n": index}, fields={"code": [str(index)]})
    area = Area.objects.filter(code=code).first()
    if area is not None:
        return area
    name, level = str(props.get("name") or "").strip(), str(props.get("level") or "")
    if not name or level not in AreaLevel.values:
        problem = _("区域 %(code)s 不存在；新建需要 name 与 level（%(levels)s）") % {
            "code": code,
            "levels": ", ".join(AreaLevel.values),
        }
        raise ValidationFailed(problem, fields={"code": [problem]})
    parent = None
    if props.get("parent"):
        parent = Area.objects.filter(code=str(props["parent"])).first()
        if parent is None:
            problem = _("上级区域 %(code)s 不存在") % {"code": props["parent"]}
            raise ValidationFailed(problem, fields={"parent": [problem]})
    report.areas_created += 1
    return Area.objects.create(code=code, name=name, level=level, parent=parent)


@transaction.atomic
def area_shapes_import(*, path: str | Path) -> ImportReport:
    """Import a GeoJSON FeatureCollection: each feature's `properties.code` names an area (created when it
    has `name`, `level` and optionally `parent` and does not exist yet); its (Multi)Polygon becomes the
    area's shape, replacing an earlier one, and gives an area without a centre one. All or nothing: any bad
    feature raises ValidationFailed naming it and nothing is imported."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(
            _("无法读取 GeoJSON：%(e)s") % {"e": exc}, fields={"file": [str(exc)]}
        ) from exc
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise ValidationFailed(_("不是 GeoJSON FeatureCollection"), fields={"file": ["features"]})
    report = ImportReport()
    for index, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        geometry = (feature or {}).get("geometry") or {}
        area = _feature_area(index, props, report)
        try:
            min_lat, max_lat, min_lng, max_lng = _bbox(geometry)
            lat, lng = _centre(geometry)
        except (ValueError, TypeError, IndexError, ZeroDivisionError) as exc:
            problem = _("区域 %(code)s 的边界无效：%(e)s") % {"code": area.code, "e": exc}
            raise ValidationFailed(problem, fields={"geometry": [problem]}) from exc
        AreaShape.objects.update_or_create(
            area=area,
            defaults={
                "geometry": geometry,
                "min_lat": min_lat,
                "max_lat": max_lat,
                "min_lng": min_lng,
                "max_lng": max_lng,
            },
        )
        report.shapes += 1
        if area.lat is None or area.lng is None:
            Area.objects.filter(pk=area.pk).update(lat=lat, lng=lng)
    return report

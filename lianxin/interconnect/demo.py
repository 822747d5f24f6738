"""Demo data of the interconnect app: the leaf categories of the first top categories exposed as Open311
services, square polygons round the demo streets, an Open311 client (its key in the demo log), and an
upper platform and a webhook subscriber left inactive (nothing listens on their loopback addresses)."""

from __future__ import annotations

from typing import Any

from lianxin.interconnect import keys
from lianxin.interconnect.models import (
    AreaShape,
    Datatype,
    Open311Attribute,
    Open311Service,
    Platform,
    Subscriber,
)
from lianxin.org.models import Area, AreaLevel, Category

HALF = 0.01  # degrees: a square of about 2 km round each street centre


def load(ctx: Any) -> None:
    leaves = list(Category.objects.filter(is_active=True, parent__isnull=False).order_by("path")[:8])
    for i, category in enumerate(leaves):
        service = Open311Service.objects.create(
            category=category,
            code=f"svc-{category.code}".lower().replace(".", "-")[:40],
            keywords=category.name,
        )
        if i == 0:
            Open311Attribute.objects.create(
                service=service,
                code="severity",
                description="影响程度",
                datatype=Datatype.SINGLE,
                required=False,
                values=[{"key": "low", "name": "轻微"}, {"key": "high", "name": "严重"}],
            )
    for area in Area.objects.filter(level=AreaLevel.STREET, lat__isnull=False, lng__isnull=False):
        lat, lng = float(area.lat or 0), float(area.lng or 0)
        ring = [
            [lng - HALF, lat - HALF],
            [lng + HALF, lat - HALF],
            [lng + HALF, lat + HALF],
            [lng - HALF, lat + HALF],
            [lng - HALF, lat - HALF],
        ]
        AreaShape.objects.create(
            area=area,
            geometry={"type": "Polygon", "coordinates": [ring]},
            min_lat=lat - HALF,
            max_lat=lat + HALF,
            min_lng=lng - HALF,
            max_lng=lng + HALF,
        )
    client, key = keys.api_client_create(name="演示客户端", rate_per_minute=120)
    Platform.objects.create(
        code="demo-prov",
        name="省12345平台（演示）",
        secret="demo-platform-secret",
        callback_url="http://127.0.0.1:9/callback",
        state_url="http://127.0.0.1:9/state",
        is_active=False,
    )
    Subscriber.objects.create(
        name="演示订阅",
        url="http://127.0.0.1:9/hook",
        secret="demo-hook-secret",
        events=["created", "replied", "closed"],
        is_active=False,
    )
    ctx.log.append(f"Open311: {len(leaves)} services, Open311 API key of {client.name}: {key}")

"""Interconnect test data: a world of areas with polygons, exposed services, a client key, a platform."""

from __future__ import annotations

from dataclasses import dataclass

from lianxin.interconnect import keys
from lianxin.interconnect.models import (
    ApiClient,
    AreaShape,
    Datatype,
    Open311Attribute,
    Open311Service,
    Platform,
    Subscriber,
)
from lianxin.org.models import Area
from tests.demands.factories import World, build_world


def square(lat: float, lng: float, half: float) -> dict:
    ring = [
        [lng - half, lat - half],
        [lng + half, lat - half],
        [lng + half, lat + half],
        [lng - half, lat + half],
        [lng - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def shape_add(area: Area, geometry: dict) -> AreaShape:
    from lianxin.interconnect.geo import _bbox

    min_lat, max_lat, min_lng, max_lng = _bbox(geometry)
    return AreaShape.objects.create(
        area=area, geometry=geometry, min_lat=min_lat, max_lat=max_lat, min_lng=min_lng, max_lng=max_lng
    )


@dataclass
class Open311World:
    world: World
    service: Open311Service
    hidden: Open311Service
    client: ApiClient
    key: str


def open311_world() -> Open311World:
    """Streets as squares around (30.0, 120.0) and (30.1, 120.0) inside a district square; two services:
    one public with attributes, one whose requests are not public."""
    world = build_world()
    shape_add(world.district, square(30.05, 120.0, 0.2))
    shape_add(world.street, square(30.0, 120.0, 0.02))
    shape_add(world.other_street, square(30.1, 120.0, 0.02))
    service = Open311Service.objects.create(category=world.subcategory, code="property", name="物业管理")
    Open311Attribute.objects.create(
        service=service,
        code="floor",
        description="楼层",
        datatype=Datatype.NUMBER,
        required=True,
        order=1,
    )
    Open311Attribute.objects.create(
        service=service,
        code="kind",
        description="问题类型",
        datatype=Datatype.SINGLE,
        order=2,
        values=[{"key": "lift", "name": "电梯"}, {"key": "water", "name": "供水"}],
    )
    hidden = Open311Service.objects.create(category=world.category, code="city", public_requests=False)
    client, key = keys.api_client_create(name="测试客户端", rate_per_minute=60)
    return Open311World(world, service, hidden, client, key)


def platform_make(code: str = "prov", secret: str = "platform-secret", **kwargs) -> Platform:
    return Platform.objects.create(
        code=code,
        name="省12345平台",
        secret=secret,
        callback_url=kwargs.pop("callback_url", "http://127.0.0.1:9/callback"),
        **kwargs,
    )


def subscriber_make(url: str, secret: str = "hook-secret", events=None, **kwargs) -> Subscriber:
    return Subscriber.objects.create(
        name="订阅方",
        url=url,
        secret=secret,
        events=events or ["created", "dispatched", "replied", "closed", "overdue"],
        **kwargs,
    )

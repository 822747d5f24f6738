"""Contact work over the API: a cadre's contact points, households and visit diary, scoped and masked
exactly as the contact pages are (`contact.access`): a cadre reads their own; supervisors and admins
read any cadre's with `?cadre=<id|username>` (without it, their own, as on the pages); anyone else
asking for another cadre gets a 404, and other roles a 403.

Households' phones and addresses are whole for their own cadre and masked for overseers (the pages
show overseers masked phones); a visit's demands are linked (`openable`) only where the caller may open
them (the demands app's rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role, User
from lianxin.accounts.permissions import HasRole
from lianxin.contact.access import OVERSEER_ROLES, cadre_from_request, may_view_cadre
from lianxin.contact.models import ContactPoint, Household, Visit
from lianxin.contact.selectors import contact_point_list, household_list, visit_list
from lianxin.core.api_docs import errors, ok_example
from lianxin.core.api_etag import ETAG_PARAMETERS, NOT_MODIFIED, ETagMixin
from lianxin.core.api_filters import SINCE, UNTIL, since_until
from lianxin.core.api_pagination import cursor_by
from lianxin.core.masking import mask_address, mask_phone
from lianxin.demands.selectors import visible_demand_ids
from lianxin.org.api_params import AREA, area_param
from lianxin.org.models import Area

TAGS = ["contact"]
CONTACT_ROLES = (Role.CADRE, *OVERSEER_ROLES)
CADRE = OpenApiParameter(
    "cadre",
    OpenApiTypes.STR,
    description="a cadre's id or username (supervisors and admins); default: the caller",
)
WINDOW = "assigned to the cadre on some day of `since` … `until` (default: today)"


class ContactRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactPointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="community | village | enterprise | school")
    area = ContactRefSerializer()
    address = serializers.CharField()
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)


class ContactHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    head_name = serializers.CharField()
    size = serializers.IntegerField()
    phone = serializers.CharField(
        help_text="whole for the household's own cadre, masked (139****5678) for overseers"
    )
    address = serializers.CharField(help_text="whole for the household's own cadre, masked for overseers")
    contact_point = ContactRefSerializer(allow_null=True)
    area = ContactRefSerializer()
    tags = serializers.ListField(child=serializers.CharField())


class ContactVisitHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    head_name = serializers.CharField()
    phone = serializers.CharField(help_text="whole for the visit's own cadre, masked for overseers")
    tags = serializers.ListField(child=serializers.CharField())


class ContactVisitDemandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_no = serializers.CharField()
    status = serializers.CharField()
    openable = serializers.BooleanField(help_text="whether the caller may open it at /api/v1/demands/{id}/")


class ContactVisitProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    household = serializers.IntegerField(allow_null=True)
    demand = ContactVisitDemandSerializer(allow_null=True)


class ContactVisitPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="the photo, behind the visit's permission")


class ContactCadreRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class ContactVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cadre = ContactCadreRefSerializer()
    date = serializers.DateField()
    kind = serializers.CharField(help_text="field | meeting | reception | phone | online")
    contact_point = ContactRefSerializer(allow_null=True)
    summary = serializers.CharField()
    households = ContactVisitHouseholdSerializer(many=True)
    problems = ContactVisitProblemSerializer(many=True)
    photos = ContactVisitPhotoSerializer(many=True)
    created_at = serializers.DateTimeField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def point_row(p: ContactPoint) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "area": _ref(p.area),
        "address": p.address,
        "lat": p.lat,
        "lng": p.lng,
    }


def masked_address(value: str) -> str:
    """At most the first half of an address (and never more than 6 characters): a short address such
    as 东风路1号 would otherwise pass `mask_address`'s first 6 characters whole."""
    return mask_address(value, keep=min(6, len(value or "") // 2)) if value else ""


def household_row(h: Household, *, own: bool) -> dict[str, Any]:
    cp = h.contact_point
    return {
        "id": h.pk,
        "head_name": h.head_name,
        "size": h.size,
        "phone": h.phone if own else mask_phone(h.phone),
        "address": h.address if own else masked_address(h.address),
        "contact_point": _ref(cp),
        "area": _ref(h.area),
        "tags": h.tag_list,
    }


def visit_rows(visits: Iterable[Visit], viewer: User) -> list[dict[str, Any]]:
    visits = list(visits)
    problems = [p for v in visits for p in v.problems.all()]
    openable = visible_demand_ids(viewer, (p.demand_id for p in problems if p.demand_id))
    rows = []
    for v in visits:
        own = v.cadre_id == viewer.pk
        rows.append(
            {
                "id": v.pk,
                "cadre": {"id": v.cadre.pk, "username": v.cadre.username, "name": str(v.cadre)},
                "date": v.date,
                "kind": v.kind,
                "contact_point": _ref(v.contact_point),
                "summary": v.summary,
                "households": [
                    {
                        "id": h.pk,
                        "head_name": h.head_name,
                        "phone": h.phone if own else mask_phone(h.phone),
                        "tags": h.tag_list,
                    }
                    for h in v.households.all()
                ],
                "problems": [
                    {
                        "id": p.pk,
                        "title": p.title,
                        "household": p.household_id,
                        "demand": (
                            {
                                "id": p.demand.pk,
                                "ticket_no": p.demand.ticket_no,
                                "status": p.demand.status,
                                "openable": p.demand.pk in openable,
                            }
                            if p.demand is not None
                            else None
                        ),
                    }
                    for p in v.problems.all()
                ],
                "photos": [
                    {"id": ph.pk, "url": reverse("contact:photo", args=[ph.pk])} for ph in v.photos.all()
                ],
                "created_at": v.created_at,
            }
        )
    return rows


POINT_EXAMPLE = {
    "id": 2,
    "name": "东风社区",
    "kind": "community",
    "area": {"id": 9, "name": "东风社区"},
    "address": "东风路 1 号",
    "lat": 28.22,
    "lng": 112.92,
}
HOUSEHOLD_EXAMPLE = {
    "id": 17,
    "head_name": "王秀英",
    "size": 2,
    "phone": "139****0001",
    "address": "东风路1***",
    "contact_point": {"id": 2, "name": "东风社区"},
    "area": {"id": 9, "name": "东风社区"},
    "tags": ["elderly_alone"],
}
VISIT_EXAMPLE = {
    "id": 88,
    "cadre": {"id": 4, "username": "cadre", "name": "张建国"},
    "date": "2026-11-18",
    "kind": "field",
    "contact_point": {"id": 2, "name": "东风社区"},
    "summary": "走访东风社区，听取居民对加装电梯的意见。",
    "households": [{"id": 17, "head_name": "王秀英", "phone": "139****0001", "tags": ["elderly_alone"]}],
    "problems": [
        {
            "id": 5,
            "title": "楼道灯坏了",
            "household": 17,
            "demand": {"id": 1203, "ticket_no": "LX202611180004", "status": "closed", "openable": True},
        }
    ],
    "photos": [{"id": 3, "url": "/contact/photos/3/"}],
    "created_at": "2026-11-18T18:00:00+08:00",
}


def _window(params: Any) -> tuple[date, date]:
    since, until = since_until(params)
    today = timezone.localdate()
    return since or until or today, until or since or today


def _in_area(qs: QuerySet[Any], area: Area | None, field: str = "area") -> QuerySet[Any]:
    return qs if area is None else qs.filter(area.subtree_q(field))


class _ContactView(ETagMixin, generics.GenericAPIView):
    permission_classes = [IsAuthenticated, HasRole.of(*CONTACT_ROLES)]

    def cadre(self) -> User:
        return cadre_from_request(self.request._request)  # type: ignore[arg-type]  # behind IsAuthenticated


class ContactPointListView(_ContactView):
    """A cadre's contact points (assigned in the window), by name."""

    serializer_class = ContactPointSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="A cadre's contact points (cadre; supervisor, admin)",
        description=f"Contact points {WINDOW}.",
        parameters=[CADRE, SINCE, UNTIL, AREA, *ETAG_PARAMETERS],
        responses={200: ContactPointSerializer(many=True), 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[ok_example("contact point", [POINT_EXAMPLE])],
    )
    def get(self, request: UserApiRequest) -> Response:
        start, end = _window(request.query_params)
        area = area_param(request.query_params)
        cadre = self.cadre()
        points = _in_area(contact_point_list(cadre=cadre, start=start, end=end), area)
        return Response(ContactPointSerializer([point_row(p) for p in points], many=True).data)


class HouseholdListView(_ContactView):
    """A cadre's households (assigned in the window), phones and addresses masked for overseers."""

    serializer_class = ContactHouseholdSerializer
    pagination_class = cursor_by("id")

    @extend_schema(
        tags=TAGS,
        summary="A cadre's households (cadre; supervisor, admin — masked)",
        description=f"Households {WINDOW}. Cursor-paginated by id.",
        parameters=[CADRE, SINCE, UNTIL, AREA, *ETAG_PARAMETERS],
        responses={
            200: ContactHouseholdSerializer(many=True),
            304: NOT_MODIFIED,
            **errors(400, 401, 403, 404),
        },
        examples=[ok_example("household (as an overseer reads it)", HOUSEHOLD_EXAMPLE)],
    )
    def get(self, request: UserApiRequest) -> Response:
        start, end = _window(request.query_params)
        area = area_param(request.query_params)
        cadre = self.cadre()
        qs = _in_area(household_list(cadre=cadre, start=start, end=end), area)
        page = self.paginate_queryset(qs)
        own = cadre.pk == request.user.pk
        rows = [household_row(h, own=own) for h in page or []]
        return self.get_paginated_response(ContactHouseholdSerializer(rows, many=True).data)


class VisitListView(_ContactView):
    """A cadre's visit diary (民情日记), newest record first."""

    serializer_class = ContactVisitSerializer
    pagination_class = cursor_by("-id")

    @extend_schema(
        tags=TAGS,
        summary="A cadre's visits (cadre; supervisor, admin)",
        description="Visits dated `since` … `until` (inclusive), at a contact point or meeting a household "
        "in `area`'s subtree. Cursor-paginated, newest record first.",
        parameters=[CADRE, SINCE, UNTIL, AREA, *ETAG_PARAMETERS],
        responses={200: ContactVisitSerializer(many=True), 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[ok_example("visit", VISIT_EXAMPLE)],
    )
    def get(self, request: UserApiRequest) -> Response:
        since, until = since_until(request.query_params)
        area = area_param(request.query_params)
        cadre = self.cadre()
        qs = visit_list(cadre=cadre, start=since, end=until).select_related("cadre")
        if area is not None:
            ids = Visit.objects.filter(
                Q(area.subtree_q("contact_point__area")) | Q(area.subtree_q("households__area"))
            ).values("pk")
            qs = qs.filter(pk__in=ids)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(
            ContactVisitSerializer(visit_rows(page or [], request.user), many=True).data
        )


class VisitDetailView(_ContactView):
    serializer_class = ContactVisitSerializer

    @extend_schema(
        tags=TAGS,
        summary="One visit (its cadre; supervisor, admin)",
        parameters=ETAG_PARAMETERS,
        responses={200: ContactVisitSerializer, 304: NOT_MODIFIED, **errors(401, 403, 404)},
        examples=[ok_example("visit", VISIT_EXAMPLE)],
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        visit = get_object_or_404(
            Visit.objects.select_related("cadre", "contact_point").prefetch_related(
                "households", "photos", "problems__demand"
            ),
            pk=pk,
        )
        if not may_view_cadre(request.user, visit.cadre):
            raise Http404
        return Response(ContactVisitSerializer(visit_rows([visit], request.user)[0]).data)

"""The demand doors of contract.md. Thin: parse, call one service or selector, serialise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role
from lianxin.accounts.permissions import IsStaffMember
from lianxin.core.api import ERROR
from lianxin.core.errors import ValidationFailed
from lianxin.core.params import as_page
from lianxin.core.requests import client_ip
from lianxin.core.throttling import AtomicScopedRateThrottle, DefaultRateScopedThrottle, Throttled
from lianxin.demands import selectors, services
from lianxin.demands.choices import Channel, DemandType, Status, Urgency
from lianxin.demands.measures import measures_for_user
from lianxin.demands.models import Demand, DemandEvent
from lianxin.demands.serializers import (
    DemandDetailSerializer,
    DemandEventSerializer,
    DemandListSerializer,
    DemandSubmitSerializer,
    DemandSubmittedSerializer,
    TrackRateSerializer,
    TrackSerializer,
    TransitionSerializer,
    UnitSerializer,
    submission_values,
    submitted_payload,
    track_payload,
)
from lianxin.org.models import Unit

TAGS = ["demands"]


class CappedPagination(PageNumberPagination):
    """Page numbers with a count capped at 10 000 (`count_capped` says when), so a list over a million
    demands never pays for an exact COUNT(*)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    cap = 10_000

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request) or self.page_size
        self.page_number = as_page(request.query_params.get(self.page_query_param, 1))
        offset = (self.page_number - 1) * size
        rows = list(queryset[offset : offset + size + 1])
        self.has_next = len(rows) > size
        self.count, self.capped = selectors.capped_count(queryset, cap=self.cap)
        return rows[:size]

    def get_paginated_response(self, data: Any) -> Response:
        assert self.request is not None  # set by paginate_queryset, which runs first
        url = self.request.build_absolute_uri()
        next_url = (
            replace_query_param(url, self.page_query_param, self.page_number + 1) if self.has_next else None
        )
        if self.page_number <= 1:
            prev_url = None
        elif self.page_number == 2:
            prev_url = remove_query_param(url, self.page_query_param)
        else:
            prev_url = replace_query_param(url, self.page_query_param, self.page_number - 1)
        return Response(
            {
                "count": self.count,
                "count_capped": self.capped,
                "next": next_url,
                "previous": prev_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer"},
                "count_capped": {"type": "boolean"},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }


LIST_PARAMETERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="text in title/content/address, or a ticket/phone number"
    ),
    OpenApiParameter("ticket_no", OpenApiTypes.STR),
    OpenApiParameter("phone", OpenApiTypes.STR, description="contact phone (matched by keyed hash)"),
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        description="status code, or closed_resolved / closed_not_resolved",
        enum=[*Status.values, "closed_resolved", "closed_not_resolved"],
    ),
    OpenApiParameter("type", OpenApiTypes.STR, enum=DemandType.values),
    OpenApiParameter("urgency", OpenApiTypes.STR, enum=Urgency.values),
    OpenApiParameter("category", OpenApiTypes.INT, description="category id (with subcategories)"),
    OpenApiParameter("area", OpenApiTypes.INT, description="area id (with its subtree)"),
    OpenApiParameter("unit", OpenApiTypes.INT, description="lead unit id"),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("queue", OpenApiTypes.STR, enum=sorted(selectors.QUEUE_NAMES)),
    OpenApiParameter("supervised", OpenApiTypes.BOOL),
]


# Anyone may call these doors: with a token, a session, or neither (the empty requirement).
PUBLIC_AUTH: list[str] = [{"tokenAuth": []}, {"cookieAuth": []}, {}]  # type: ignore[list-item]  # drf-spectacular annotates `auth` as names; its get_auth() returns these security requirements


def _client_key(request: Request) -> str:
    return (request.headers.get("Idempotency-Key") or "").strip()[:100]


LOOKUPS = ("category", "area")


def refuse_blank_lookups(data: Any) -> None:
    """A category or area sent as an empty or blank string is refused by name (400): leave the field out
    or send null for none. (Without this check the blank text reached the model and failed with a 500.)"""
    if not isinstance(data, Mapping):
        return
    blank = {
        name: [_("不能为空白；不指定请省略该字段或传 null")]
        for name in LOOKUPS
        if isinstance(data.get(name), str) and not data[name].strip()
    }
    if blank:
        raise ValidationFailed(_("以下字段有误：%(fields)s") % {"fields": ", ".join(blank)}, fields=blank)


class StaffSearchThrottle(DefaultRateScopedThrottle):
    """The staff list's searches (`q`, `phone`), per user: `staff_search` (default 120/min)."""

    scope_attr = "search_throttle_scope"

    def allow_request(self, request, view):  # type: ignore[no-untyped-def]
        if not any((request.query_params.get(name) or "").strip() for name in ("q", "phone")):
            return True
        return super().allow_request(request, view)


class DemandCollectionView(APIView):
    """POST: public submission (anonymous allowed, rate limited). GET: staff list with filters."""

    throttle_scope = "public_submit"
    search_throttle_scope = "staff_search"
    pagination_class = CappedPagination

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated(), IsStaffMember()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [AtomicScopedRateThrottle()]
        return [StaffSearchThrottle()]

    @extend_schema(
        tags=TAGS,
        request=DemandSubmitSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="a retry with the same key returns the first result instead of a second demand",
            )
        ],
        responses={201: DemandSubmittedSerializer, 400: ERROR, 403: ERROR, 409: ERROR, 429: ERROR},
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request) -> Response:
        refuse_blank_lookups(request.data)
        v = submission_values(request.data)
        actor = request.user if request.user.is_authenticated else None
        demand, created = services.demand_submit(
            actor=actor,
            title=v["title"],
            content=v["content"],
            type=v["type"],
            urgency=v["urgency"],
            category=v.get("category"),
            area=v.get("area"),
            address=v.get("address", ""),
            lat=v.get("lat"),
            lng=v.get("lng"),
            contact_name=v.get("contact_name", ""),
            contact_phone=v.get("contact_phone", ""),
            confidential=v.get("confidential", False),
            channel=Channel.API if actor is None or not actor.has_role(Role.OPERATOR) else None,
            idempotency_key=_client_key(request),
        )
        headers = {"Idempotent-Replayed": "false" if created else "true"}
        return Response(submitted_payload(demand), status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(
        tags=TAGS,
        parameters=LIST_PARAMETERS,
        responses={200: DemandListSerializer(many=True), 400: ERROR, 429: ERROR},
    )
    def get(self, request: UserApiRequest) -> Response:
        filters, problems = selectors.DemandFilters.parse(request.query_params)
        if problems:
            raise ValidationFailed(
                _("以下筛选条件有误：%(fields)s") % {"fields": ", ".join(problems)}, fields=problems
            )
        qs = selectors.demand_list(user=request.user, filters=filters).only(*selectors.LIST_ONLY)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DemandListSerializer(page, many=True).data)


class DemandDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: DemandDetailSerializer, 404: ERROR})
    def get(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        return Response(DemandDetailSerializer(demand, context={"request": request}).data)


class DemandTimelineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        responses={200: DemandEventSerializer(many=True), 404: ERROR},
        description="Staff see every event with its actor, note and data. The citizen who submitted "
        "the demand sees what the public tracking page shows: the public steps, without staff names, "
        "internal notes or routing data.",
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        events = list(selectors.demand_timeline(demand=demand))
        if request.user.is_staff_member:
            return Response(DemandEventSerializer(events, many=True).data)
        public = selectors.citizen_events(events)  # the public steps, less a reply held for review
        rows = DemandEventSerializer(public, many=True).data
        return Response([{**row, "actor": None, "note": "", "data": {}} for row in rows])


class DemandTransitionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        request=TransitionSerializer,
        responses={200: DemandDetailSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Run one action of the workflow table. 409 with the reason when the state does not allow it.",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        refuse_blank_lookups(request.data)
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args: dict[str, Any] = dict(data.validated_data)
        action = args.pop("action")
        version = args.pop("version", None)
        if version is not None:
            demand.version = version
        args.pop("code_verified", None)
        demand = services.demand_transition(demand=demand, actor=request.user, action=action, **args)
        demand = (
            selectors.demand_get(user=request.user, pk=demand.pk)
            if _still_visible(request, demand)
            else demand
        )
        return Response(DemandDetailSerializer(demand, context={"request": request}).data)


def _still_visible(request: UserApiRequest, demand: Demand) -> bool:
    return selectors.demand_is_visible(request.user, demand)


class DemandAttachmentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses={
            201: OpenApiResponse(description="{id, content_type, size}"),
            400: ERROR,
            403: ERROR,
            404: ERROR,
        },
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("请选择文件"), fields={"file": [_("必填")]})
        attachment = services.demand_attach(demand=demand, actor=request.user, upload=upload)
        return Response(
            {"id": attachment.pk, "content_type": attachment.content_type, "size": attachment.size},
            status=status.HTTP_201_CREATED,
        )


def _track_queryset() -> Prefetch:
    return Prefetch("events", queryset=DemandEvent.objects.order_by("created_at", "id"))


class TrackView(APIView):
    """Public progress of one demand by ticket number + query code; personal data masked."""

    permission_classes = [AllowAny]
    # Every lookup or rating tries a query code: counted by selectors.demand_track, in the counter the
    # tracking page shares (per address, and per ticket with a lock), not by a DRF throttle.
    throttle_classes: list[Any] = []

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("ticket_no", OpenApiTypes.STR, required=True),
            OpenApiParameter("code", OpenApiTypes.STR, required=True, description="the query code"),
        ],
        responses={200: TrackSerializer, 404: ERROR, 429: ERROR},
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        demand = _tracked(
            request,
            ticket_no=request.query_params.get("ticket_no", ""),
            code=request.query_params.get("code", ""),
        )
        return Response(TrackSerializer(track_payload(demand)).data)

    @extend_schema(
        tags=TAGS,
        request=TrackRateSerializer,
        responses={200: TrackSerializer, 400: ERROR, 404: ERROR, 409: ERROR, 429: ERROR},
        auth=PUBLIC_AUTH,
        description="The citizen rates the reply with the ticket number and query code (回访评价).",
    )
    def post(self, request: Request) -> Response:
        data = TrackRateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        demand = _tracked(request, ticket_no=v["ticket_no"], code=v["code"])
        actor = request.user if request.user.is_authenticated else None
        services.demand_rate(
            demand=demand,
            actor=actor,
            satisfaction=v["satisfaction"],
            resolved=v["resolved"],
            note=v.get("note", ""),
            code_verified=True,
        )
        tracked = selectors.demand_track(ticket_no=v["ticket_no"], code=v["code"])
        return Response(TrackSerializer(track_payload(tracked)).data)


def _tracked(request: Request, *, ticket_no: str, code: str) -> Demand:
    try:
        return selectors.demand_track(ticket_no=ticket_no, code=code, client=client_ip(request))
    except Throttled as exc:
        raise exceptions.Throttled(wait=exc.wait, detail=exc.message) from None


class UnitListView(APIView):
    """Units a demand can be dispatched to."""

    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(
        tags=TAGS,
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="name contains")],
        responses={200: UnitSerializer(many=True)},
    )
    def get(self, request: UserApiRequest) -> Response:
        qs = (
            Unit.objects.filter(is_active=True, accepts_dispatch=True).select_related("area").order_by("code")
        )
        q = (request.query_params.get("q") or "").strip()
        if q:
            qs = qs.filter(name__icontains=q[:50])
        data = [
            {
                "id": u.pk,
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "area": {"id": u.area_id, "name": u.area.name},
            }
            for u in qs
        ]
        return Response(data)


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label: the serializer's metaclass moves declared fields out of the class
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True)
    kind = serializers.CharField()
    numerator_list = serializers.CharField(help_text="API list query of the demands counted")


class MeasuresView(APIView):
    """The measures of domain.md for a period and scope; each carries the list query it counts."""

    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "start", OpenApiTypes.DATE, required=True, description="1970-01-01 … 2100-12-31"
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, required=True, description="exclusive; 1970-01-01 … 2100-12-31"
            ),
            OpenApiParameter("unit", OpenApiTypes.INT),
            OpenApiParameter("area", OpenApiTypes.INT),
            OpenApiParameter("category", OpenApiTypes.INT),
        ],
        responses={200: MeasureSerializer(many=True), 400: ERROR},
    )
    def get(self, request: UserApiRequest) -> Response:
        values = measures_for_user(request.user, request.query_params)
        return Response(
            [
                {
                    "code": m.code,
                    "label": m.label,
                    "numerator": m.numerator,
                    "denominator": m.denominator,
                    "value": m.value,
                    "kind": m.kind,
                    "numerator_list": m.list_query("numerator"),
                }
                for m in values.values()
            ]
        )

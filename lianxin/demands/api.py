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
from lianxin.core.api import error_body
from lianxin.core.api_docs import error_response, ok_example, request_example
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
                "count": {"type": "integer", "example": 1},
                "count_capped": {"type": "boolean", "example": False},
                "next": {"type": "string", "nullable": True, "format": "uri", "example": None},
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": None},
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


# ------------------------------------------------------------------ documentation examples
# (schema only: the error answers each door documents, with one example each, and sample bodies)

DESCRIPTIONS = {
    400: "A parameter or field is malformed; `fields` names it.",
    403: "The caller's role may not do this.",
    404: "No such demand, or one the caller may not see.",
    409: "The demand's state does not allow it, or it changed meanwhile.",
    429: "Too many requests; try again later.",
}


def _err(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Any:
    return error_response(status_code, DESCRIPTIONS[status_code], error_body(code, message, fields))


NOT_FOUND = _err(404, "not_found", "工单不存在或无权查看")
THROTTLED = _err(429, "throttled", "请求超过了限速。预计 60 秒后可用。")
CATEGORY_REF = {"id": 45, "name": "物业管理"}
AREA_REF = {"id": 3, "name": "望岳街道"}
UNIT_REF = {"id": 5, "name": "市住房和城乡建设局"}
DEMAND_ROW = {
    "id": 1024,
    "ticket_no": "202603050001024",
    "title": "小区电梯频繁故障，物业不维修",
    "type": "complaint",
    "urgency": "normal",
    "status": "dispatched",
    "status_label": "已派单",
    "closure": "",
    "channel": "phone",
    "category": CATEGORY_REF,
    "area": AREA_REF,
    "lead_unit": UNIT_REF,
    "created_at": "2026-03-05T09:12:30+08:00",
    "stage": "sign",
    "due_at": "2026-03-05T17:12:30+08:00",
    "warning_level": 0,
    "supervised": False,
}
DEMAND_DETAIL = {
    **DEMAND_ROW,
    "content": "桃花岭小区3栋电梯本月已停运4次，老人上下楼困难，多次联系物业未处理，请相关部门督促维修。",
    "address": "岳麓区望岳街道桃花岭小区3栋",
    "lat": 28.2351,
    "lng": 112.9312,
    "contact": {"name": "张*", "phone": "138****5678", "masked": True},
    "assisting_units": [{"id": 9, "name": "望岳街道办事处"}],
    "reply_text": "",
    "outcome": "",
    "satisfaction": "",
    "resolved": None,
    "accepted_at": "2026-03-05T09:20:02+08:00",
    "dispatched_at": "2026-03-05T09:31:45+08:00",
    "signed_at": None,
    "replied_at": None,
    "rated_at": None,
    "closed_at": None,
    "dispatch_due_at": "2026-03-05T11:12:30+08:00",
    "sign_due_at": "2026-03-05T17:12:30+08:00",
    "reply_due_at": "2026-03-12T09:31:45+08:00",
    "followup_due_at": None,
    "extension_pending_until": None,
    "extension_count": 0,
    "reopen_count": 0,
    "return_count": 0,
    "urge_count": 0,
    "was_overdue": False,
    "confidential": False,
    "transferred_at": None,
    "reply_held": False,
    "merged_into": None,
    "visit": None,
    "version": 4,
    "allowed_actions": ["urge", "supervise"],
}
SUBMIT = {
    "title": "小区电梯频繁故障，物业不维修",
    "content": DEMAND_DETAIL["content"],
    "type": "complaint",
    "urgency": "normal",
    "category": "物业管理",
    "area": "430104001",
    "address": "岳麓区望岳街道桃花岭小区3栋",
    "lat": 28.2351,
    "lng": 112.9312,
    "contact_name": "张三",
    "contact_phone": "13812345678",
    "confidential": False,
}
SUBMITTED = {
    "id": 1024,
    "ticket_no": "202603050001024",
    "query_code": "K7XQ4M2P",
    "status": "submitted",
    "due_at": "2026-03-05T11:12:30+08:00",
    "created_at": "2026-03-05T09:12:30+08:00",
    "title": SUBMIT["title"],
    "type": "complaint",
    "urgency": "normal",
}
TIMELINE = [
    {
        "id": 5001,
        "action": "submit",
        "action_label": "提交",
        "from_status": "",
        "to_status": "submitted",
        "actor": "话务员 李娜",
        "note": "",
        "data": {"channel": "phone"},
        "created_at": "2026-03-05T09:12:30+08:00",
    },
    {
        "id": 5007,
        "action": "dispatch",
        "action_label": "派单",
        "from_status": "accepted",
        "to_status": "dispatched",
        "actor": "派单员 王强",
        "note": "电梯维保属住建部门监管，街道协办",
        "data": {"unit": 5, "assisting_units": [9]},
        "created_at": "2026-03-05T09:31:45+08:00",
    },
]
TRACK = {
    "ticket_no": "202603050001024",
    "title": "小区电梯频繁故障，物业不维修",
    "type": "complaint",
    "status": "replied",
    "status_label": "已答复",
    "closure": "",
    "category": "物业管理",
    "area": "望岳街道",
    "address": "岳麓区望岳街***",
    "contact_name": "张*",
    "contact_phone": "138****5678",
    "lead_unit": "市住房和城乡建设局",
    "created_at": "2026-03-05T09:12:30+08:00",
    "due_at": "2026-03-12T09:31:45+08:00",
    "reply_text": "经核查，已责令物业公司于3月8日前完成电梯主板更换，维保单位每周巡检，咨询电话0731-88880000。",
    "outcome": "resolved",
    "replied_at": "2026-03-08T16:40:00+08:00",
    "satisfaction": "",
    "merged_into": None,
    "reject_reason": "",
    "can_rate": True,
    "can_reopen": False,
    "timeline": [
        {
            "action": "submit",
            "action_label": "提交",
            "to_status": "submitted",
            "created_at": "2026-03-05T09:12:30+08:00",
        },
        {
            "action": "dispatch",
            "action_label": "派单",
            "to_status": "dispatched",
            "created_at": "2026-03-05T09:31:45+08:00",
        },
        {
            "action": "reply",
            "action_label": "答复",
            "to_status": "replied",
            "created_at": "2026-03-08T16:40:00+08:00",
        },
    ],
}
TRACK_NOT_FOUND = _err(404, "not_found", "未找到该工单，请核对工单编号和查询码")
MEASURES = [
    {
        "code": "ontime_rate",
        "label": "按时办结率",
        "numerator": 912,
        "denominator": 960,
        "value": 0.95,
        "kind": "rate",
        "numerator_list": "start=2026-03-01&end=2026-04-01&measure=ontime_rate&part=numerator",
    },
    {
        "code": "received",
        "label": "受理量",
        "numerator": 1204,
        "denominator": 1204,
        "value": 1204.0,
        "kind": "count",
        "numerator_list": "start=2026-03-01&end=2026-04-01&measure=received&part=numerator",
    },
]
UNITS = [
    {
        "id": 5,
        "code": "U-ZJ",
        "name": "市住房和城乡建设局",
        "kind": "department",
        "area": {"id": 1, "name": "长沙市"},
    },
]


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
        responses={
            201: DemandSubmittedSerializer,
            400: _err(400, "invalid", "以下字段有误：title", {"title": ["该字段是必填项。"]}),
            403: _err(403, "forbidden", "当前角色不能提交诉求"),
            409: _err(409, "idempotency_key_reused", "该 Idempotency-Key 已用于另一条不同的诉求"),
            429: THROTTLED,
        },
        examples=[
            request_example("complaint", SUBMIT),
            ok_example("submitted", SUBMITTED, status=201),
        ],
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
        responses={
            200: DemandListSerializer(many=True),
            400: _err(400, "invalid", "以下筛选条件有误：date_from", {"date_from": ["日期应为 YYYY-MM-DD"]}),
            429: THROTTLED,
        },
        examples=[ok_example("one demand", DEMAND_ROW)],
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

    @extend_schema(
        tags=TAGS,
        responses={200: DemandDetailSerializer, 404: NOT_FOUND},
        examples=[ok_example("dispatched demand, seen by a supervisor", DEMAND_DETAIL)],
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        return Response(DemandDetailSerializer(demand, context={"request": request}).data)


class DemandTimelineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        responses={200: DemandEventSerializer(many=True), 404: NOT_FOUND},
        examples=[
            ok_example("staff view", TIMELINE[1]),
            ok_example(
                "citizen view",
                {**TIMELINE[1], "actor": None, "note": "", "data": {}},
                summary="the submitter: public steps, no staff names, notes or routing data",
            ),
        ],
        description="Staff see every event with its actor, note and data (the notes masked for staff "
        "who see the contact masked: cadres, assisting units). The citizen who submitted "
        "the demand sees what the public tracking page shows: the public steps, without staff names, "
        "internal notes or routing data.",
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        demand = selectors.demand_get(user=request.user, pk=pk)
        if request.user.is_staff_member:
            events = selectors.staff_timeline(request.user, demand)
            return Response(DemandEventSerializer(events, many=True).data)
        events = list(selectors.demand_timeline(demand=demand))
        public = selectors.citizen_events(events)  # the public steps, less a reply held for review
        rows = DemandEventSerializer(public, many=True).data
        return Response([{**row, "actor": None, "note": "", "data": {}} for row in rows])


class DemandTransitionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        request=TransitionSerializer,
        responses={
            200: DemandDetailSerializer,
            400: _err(400, "invalid", "以下字段有误：unit", {"unit": ["该字段是必填项。"]}),
            403: _err(403, "forbidden", "当前角色无权执行「派单」"),
            404: NOT_FOUND,
            409: _err(409, "invalid_transition", "工单当前状态为「已办结」，不能执行「派单」"),
        },
        examples=[
            request_example(
                "dispatch",
                {
                    "action": "dispatch",
                    "unit": 5,
                    "assisting_units": [9],
                    "note": "电梯维保属住建部门监管，街道协办",
                    "version": 3,
                },
            ),
            request_example(
                "reply",
                {
                    "action": "reply",
                    "text": TRACK["reply_text"],
                    "outcome": "resolved",
                    "version": 6,
                },
            ),
            ok_example("dispatched", DEMAND_DETAIL),
        ],
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
            201: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="{id, content_type, size}",
                examples=[
                    ok_example(
                        "attached", {"id": 77, "content_type": "image/jpeg", "size": 284113}, status=201
                    )
                ],
            ),
            400: _err(400, "invalid", "请选择文件", {"file": ["必填"]}),
            403: _err(403, "forbidden", "您没有执行该操作的权限。"),
            404: NOT_FOUND,
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
        responses={200: TrackSerializer, 404: TRACK_NOT_FOUND, 429: THROTTLED},
        examples=[ok_example("replied, to be rated", TRACK)],
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
        responses={
            200: TrackSerializer,
            400: _err(
                400, "invalid", "以下字段有误：satisfaction", {"satisfaction": ["“great” 不是合法选项。"]}
            ),
            404: TRACK_NOT_FOUND,
            409: _err(409, "invalid_transition", "工单当前状态为「已办结」，不能执行「回访评价」"),
            429: THROTTLED,
        },
        examples=[
            request_example(
                "satisfied",
                {
                    "ticket_no": "202603050001024",
                    "code": "K7XQ4M2P",
                    "satisfaction": "satisfied",
                    "resolved": True,
                    "note": "电梯已修好，谢谢！",
                },
            ),
            ok_example(
                "rated",
                {
                    **TRACK,
                    "status": "closed",
                    "status_label": "已办结",
                    "closure": "resolved",
                    "satisfaction": "satisfied",
                    "can_rate": False,
                },
            ),
        ],
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
        examples=[ok_example("unit row", UNITS[0])],
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
        responses={
            200: MeasureSerializer(many=True),
            400: _err(
                400, "invalid", "参数 start 有误：日期应为 YYYY-MM-DD", {"start": ["日期应为 YYYY-MM-DD"]}
            ),
        },
        examples=[ok_example("on-time rate, March 2026", MEASURES[0]), ok_example("received", MEASURES[1])],
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

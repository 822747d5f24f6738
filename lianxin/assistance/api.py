"""The assistance ledger over the API, scoped and masked as the pages are: a plan is seen by its paired
cadre, a supervisor whose area scope contains the household, and admins — anyone else gets a 404, for
the list (which holds nothing for them) and for each plan. Phones and addresses are whole for the paired
cadre and masked for overseers.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role, User, role_q
from lianxin.assistance import services
from lianxin.assistance.models import (
    FollowUp,
    FollowUpKind,
    Measure,
    MeasureKind,
    MeasureStatus,
    Plan,
    PlanStatus,
)
from lianxin.assistance.selectors import follow_up_list, measure_list, plan_get, plan_list
from lianxin.contact.models import Household
from lianxin.core.api_docs import errors, ok_example, request_example
from lianxin.core.api_filters import day_param, refuse
from lianxin.core.api_pagination import cursor_by
from lianxin.core.errors import NotFound, ValidationFailed
from lianxin.core.masking import mask_address, mask_phone

TAGS = ["assistance"]
BIG = 2**63 - 1


class AssistanceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssistanceHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    head_name = serializers.CharField()
    size = serializers.IntegerField()
    phone = serializers.CharField(help_text="whole for the paired cadre, masked for overseers")
    address = serializers.CharField(help_text="whole for the paired cadre, masked for overseers")
    area = AssistanceRefSerializer()
    tags = serializers.ListField(child=serializers.CharField())


class AssistancePlanRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household = AssistanceHouseholdSerializer()
    cadre = AssistanceRefSerializer()
    status = serializers.CharField(help_text="active | lifted")
    start = serializers.DateField()
    every_days = serializers.IntegerField()
    next_due = serializers.DateField()
    overdue = serializers.BooleanField(help_text="active and its follow-up is past due")
    outcome = serializers.CharField(help_text="'' | lifted | still_in_need")


class AssistanceMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(
        help_text="employment | dibao | temporary_relief | medical | education | housing | other"
    )
    detail = serializers.CharField()
    status = serializers.CharField(
        help_text="planned | in_progress | done (applications: applied | approved | rejected)"
    )
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class AssistanceFollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    kind = serializers.CharField(help_text="visit | phone | meeting")
    note = serializers.CharField()
    due = serializers.DateField(help_text="the date it was due")
    on_time = serializers.BooleanField()
    cadre = AssistanceRefSerializer()


class AssistancePlanSerializer(AssistancePlanRowSerializer):
    needs = serializers.CharField()
    outcome_reason = serializers.CharField()
    outcome_on = serializers.DateField(allow_null=True)
    measures = AssistanceMeasureSerializer(many=True)
    follow_ups = AssistanceFollowUpSerializer(many=True)
    url = serializers.CharField()


class AssistancePlanCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=BIG)
    cadre = serializers.IntegerField(
        min_value=1, max_value=BIG, required=False, help_text="default: the caller"
    )
    needs = serializers.CharField(max_length=5000)
    start = serializers.DateField()
    every_days = serializers.IntegerField(min_value=1, max_value=366, default=services.DEFAULT_EVERY_DAYS)


class AssistanceFollowUpCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField(
        max_length=20, default=FollowUpKind.VISIT, help_text="visit | phone | meeting"
    )
    note = serializers.CharField(max_length=5000)


class AssistanceMeasureCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=20, help_text=" | ".join(MeasureKind.values))
    detail = serializers.CharField(max_length=5000)
    status = serializers.CharField(max_length=20, help_text=" | ".join(MeasureStatus.values))
    date = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class AssistanceMeasureStatusSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=20, help_text=" | ".join(MeasureStatus.values))


class AssistanceAssessSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=20, help_text="lifted | still_in_need")
    reason = serializers.CharField(max_length=5000)
    date = serializers.DateField(required=False, allow_null=True)


def _valid(cls: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _masked_address(value: str) -> str:
    return mask_address(value, keep=min(6, len(value or "") // 2)) if value else ""


def household_row(h: Household, *, whole: bool) -> dict[str, Any]:
    return {
        "id": h.pk,
        "head_name": h.head_name,
        "size": h.size,
        "phone": h.phone if whole else mask_phone(h.phone),
        "address": h.address if whole else _masked_address(h.address),
        "area": {"id": h.area_id, "name": str(h.area)},
        "tags": h.tag_list,
    }


def plan_row(p: Plan, viewer: User, today: Any = None) -> dict[str, Any]:
    from django.utils import timezone

    day = today or timezone.localdate()
    return {
        "id": p.pk,
        "household": household_row(p.household, whole=p.cadre_id == viewer.pk),
        "cadre": {"id": p.cadre_id, "name": str(p.cadre)},
        "status": p.status,
        "start": p.start,
        "every_days": p.every_days,
        "next_due": p.next_due,
        "overdue": p.status == PlanStatus.ACTIVE and p.next_due < day,
        "outcome": p.outcome,
    }


def measure_row(m: Measure) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "detail": m.detail,
        "status": m.status,
        "date": m.date,
        "amount": None if m.amount is None else str(m.amount),
    }


def follow_up_row(f: FollowUp) -> dict[str, Any]:
    return {
        "id": f.pk,
        "date": f.date,
        "kind": f.kind,
        "note": f.note,
        "due": f.due,
        "on_time": f.on_time,
        "cadre": {"id": f.cadre_id, "name": str(f.cadre)},
    }


def plan_detail_row(p: Plan, viewer: User) -> dict[str, Any]:
    return {
        **plan_row(p, viewer),
        "needs": p.needs,
        "outcome_reason": p.outcome_reason,
        "outcome_on": p.outcome_on,
        "measures": [measure_row(m) for m in measure_list(plan=p)],
        "follow_ups": [follow_up_row(f) for f in follow_up_list(plan=p)],
        "url": reverse("assistance:plan", args=[p.pk]),
    }


PLAN_EXAMPLE = {
    "id": 31,
    "household": {
        "id": 17,
        "head_name": "王秀英",
        "size": 3,
        "phone": "139****0001",
        "address": "东风路***",
        "area": {"id": 9, "name": "东风社区"},
        "tags": ["zero_employment"],
    },
    "cadre": {"id": 4, "name": "张建国"},
    "status": "active",
    "start": "2026-09-01",
    "every_days": 30,
    "next_due": "2026-12-05",
    "overdue": False,
    "outcome": "",
}
STATUS = OpenApiParameter("status", OpenApiTypes.STR, enum=list(PlanStatus.values))
DUE_BY = OpenApiParameter(
    "due_by", OpenApiTypes.DATE, description="active plans whose follow-up is due by this day"
)


class PlanListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = cursor_by("next_due", "id")

    @extend_schema(
        tags=TAGS,
        summary="Assistance plans the caller may see (paired cadre; supervisor of the area; admin)",
        description="Ordered by the next follow-up. Everyone else gets an empty list; phones masked for overseers.",
        parameters=[STATUS, DUE_BY],
        responses={200: AssistancePlanRowSerializer(many=True), **errors(400, 401)},
        examples=[ok_example("plan (as an overseer reads it)", [PLAN_EXAMPLE])],
    )
    def get(self, request: UserApiRequest) -> Response:
        status = (request.query_params.get("status") or "").strip()
        if status and status not in PlanStatus.values:
            raise refuse("status", ", ".join(PlanStatus.values))
        qs = plan_list(user=request.user, status=status, due_by=day_param(request.query_params, "due_by"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response([plan_row(p, request.user) for p in page])

    @extend_schema(
        tags=TAGS,
        summary="Open a plan for a household in difficulty and pair a cadre (结对帮扶)",
        description="Admins and supervisors of the household's area pair any cadre; a cadre the household is "
        "assigned to pairs themself. 409 `plan_exists` when the household has an active plan.",
        request=AssistancePlanCreateSerializer,
        responses={201: AssistancePlanSerializer, **errors(400, 401, 403, 404, 409)},
        examples=[request_example("plan", {"household": 17, "needs": "夫妻均失业", "start": "2026-09-01"})],
    )
    def post(self, request: UserApiRequest) -> Response:
        data = _valid(AssistancePlanCreateSerializer, request.data)
        household = Household.objects.filter(pk=data["household"]).select_related("area").first()
        if household is None:
            raise NotFound(_("联系户不存在或无权查看"))
        cadre = request.user
        if data.get("cadre"):
            found = User.objects.filter(role_q(Role.CADRE), pk=data["cadre"]).first()
            if found is None:
                raise ValidationFailed(_("结对干部不存在"), fields={"cadre": [_("不是领导干部")]})
            cadre = found
        plan = services.plan_create(
            actor=request.user,
            household=household,
            cadre=cadre,
            needs=data["needs"],
            start=data["start"],
            every_days=data["every_days"],
        )
        return Response(plan_detail_row(plan_get(user=request.user, pk=plan.pk), request.user), status=201)


class PlanDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="One household's assistance file (paired cadre; supervisor of the area; admin — else 404)",
        responses={200: AssistancePlanSerializer, **errors(401, 404)},
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        return Response(plan_detail_row(plan_get(user=request.user, pk=pk), request.user))


class FollowUpListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="A plan's follow-ups, newest first (scoped)",
        responses={200: AssistanceFollowUpSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        return Response([follow_up_row(f) for f in follow_up_list(plan=plan_get(user=request.user, pk=pk))])

    @extend_schema(
        tags=TAGS,
        summary="Log a follow-up (the paired cadre)",
        description="A date before the plan's start is refused (400 `before_plan` on `date`).",
        request=AssistanceFollowUpCreateSerializer,
        responses={201: AssistanceFollowUpSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        data = _valid(AssistanceFollowUpCreateSerializer, request.data)
        f = services.follow_up_log(
            plan=plan_get(user=request.user, pk=pk),
            actor=request.user,
            day=data["date"],
            note=data["note"],
            kind=data["kind"],
        )
        return Response(follow_up_row(f), status=201)


class MeasureListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="A plan's measures (scoped)",
        responses={200: AssistanceMeasureSerializer(many=True), **errors(401, 404)},
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        return Response([measure_row(m) for m in measure_list(plan=plan_get(user=request.user, pk=pk))])

    @extend_schema(
        tags=TAGS,
        summary="Add a measure (employment referral, 低保/临时救助 application, medical, education, housing)",
        request=AssistanceMeasureCreateSerializer,
        responses={201: AssistanceMeasureSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        data = _valid(AssistanceMeasureCreateSerializer, request.data)
        m = services.measure_add(
            plan=plan_get(user=request.user, pk=pk),
            actor=request.user,
            kind=data["kind"],
            detail=data["detail"],
            status=data["status"],
            day=data["date"],
            amount=data.get("amount"),
        )
        return Response(measure_row(m), status=201)


class MeasureStatusView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Move a measure on (an application approved or rejected, a measure done)",
        request=AssistanceMeasureStatusSerializer,
        responses={200: AssistanceMeasureSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int, measure: int) -> Response:
        data = _valid(AssistanceMeasureStatusSerializer, request.data)
        plan = plan_get(user=request.user, pk=pk)
        m = plan.measures.filter(pk=measure).first()
        if m is None:
            raise NotFound(_("措施不存在"))
        return Response(
            measure_row(services.measure_status_set(measure=m, actor=request.user, status=data["status"]))
        )


class AssessView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Record the outcome: lifted (脱困, ends the plan) or still_in_need, with the reason",
        request=AssistanceAssessSerializer,
        responses={200: AssistancePlanSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        data = _valid(AssistanceAssessSerializer, request.data)
        services.plan_assess(
            plan=plan_get(user=request.user, pk=pk),
            actor=request.user,
            outcome=data["outcome"],
            reason=data["reason"],
            day=data.get("date"),
        )
        return Response(plan_detail_row(plan_get(user=request.user, pk=pk), request.user))

"""The intel adapter over the API: hot issues, classifier suggestions, and the routing rules (派单规则)
that propose a demand's lead unit (mounted under org/, beside the organisation they route to; the rules
live in the demands app, above org, so their door lives here). Thin: parse, call a selector or service,
serialise."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import SEE_ALL_ROLES, Role, User
from lianxin.accounts.permissions import HasRole, IsStaffMember
from lianxin.analysis import selectors, services
from lianxin.analysis.models import HotIssue
from lianxin.core.api_docs import errors, ok_example, request_example
from lianxin.core.api_etag import ETAG_PARAMETERS, NOT_MODIFIED, ETagMixin
from lianxin.core.api_filters import SINCE, UNTIL, bool_param, id_param, since_until
from lianxin.core.api_pagination import cursor_by
from lianxin.core.errors import ValidationFailed
from lianxin.demands.models import RoutingRule
from lianxin.demands.selectors import demand_get, visible_demand_ids
from lianxin.intel.pii import mask_pii
from lianxin.org.api_params import AREA, area_param
from lianxin.org.models import Area

# --- routing rules -----------------------------------------------------------------------------------

RULE_READERS = tuple(SEE_ALL_ROLES)  # operators dispatch by them, supervisors and admins oversee them


class RulePermission(BasePermission):
    """Operators, supervisors and admins read the rules; admins write them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = RULE_READERS if request.method in SAFE_METHODS else (Role.ADMIN,)
        return bool(user.has_role(*roles))  # type: ignore[union-attr]  # authenticated: a User


class RoutingRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoutingRule
        fields = ["id", "category", "area", "unit", "priority", "is_fallback", "is_active", "note"]
        extra_kwargs = {"priority": {"min_value": -1_000_000, "max_value": 1_000_000}}


RULE_EXAMPLE = {
    "id": 4,
    "category": 12,
    "area": None,
    "unit": 5,
    "priority": 100,
    "is_fallback": False,
    "is_active": True,
    "note": "城建类诉求派住建局",
}
RULE_BODY = {k: v for k, v in RULE_EXAMPLE.items() if k != "id"}
RULE_FILTERS = [
    OpenApiParameter("unit", OpenApiTypes.INT, description="the rule's lead unit id"),
    OpenApiParameter("category", OpenApiTypes.INT, description="the rule's own category id"),
    OpenApiParameter("area", OpenApiTypes.INT, description="rules whose area lies in this area's subtree"),
    OpenApiParameter("active", OpenApiTypes.BOOL),
    OpenApiParameter("fallback", OpenApiTypes.BOOL, description="the 兜底 rules"),
]


@extend_schema_view(
    list=extend_schema(
        tags=["org"],
        summary="List routing rules (operator, supervisor, admin)",
        parameters=[*RULE_FILTERS, *ETAG_PARAMETERS],
        responses={200: RoutingRuleSerializer(many=True), 304: NOT_MODIFIED, **errors(400, 401, 403)},
        examples=[ok_example("rule", RULE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        tags=["org"],
        summary="One routing rule",
        parameters=ETAG_PARAMETERS,
        responses={200: RoutingRuleSerializer, 304: NOT_MODIFIED, **errors(401, 403, 404)},
        examples=[ok_example("rule", RULE_EXAMPLE)],
    ),
    create=extend_schema(
        tags=["org"],
        summary="Create a routing rule (admin)",
        responses={201: RoutingRuleSerializer, **errors(400, 401, 403)},
        examples=[
            request_example("category to unit", RULE_BODY),
            ok_example("created", RULE_EXAMPLE, status=201),
        ],
    ),
    update=extend_schema(
        tags=["org"],
        summary="Replace a routing rule (admin)",
        responses={200: RoutingRuleSerializer, **errors(400, 401, 403, 404)},
        examples=[request_example("replace", RULE_BODY), ok_example("replaced", RULE_EXAMPLE)],
    ),
    partial_update=extend_schema(
        tags=["org"],
        summary="Change fields of a routing rule (admin)",
        responses={200: RoutingRuleSerializer, **errors(400, 401, 403, 404)},
        examples=[request_example("switch off", {"is_active": False}), ok_example("changed", RULE_EXAMPLE)],
    ),
    destroy=extend_schema(
        tags=["org"],
        summary="Delete a routing rule (admin)",
        responses={204: None, **errors(401, 403, 404)},
        examples=[ok_example("deleted", None, status=204)],
    ),
)
class RoutingRuleViewSet(ETagMixin, viewsets.ModelViewSet):
    """Category × area → lead unit; the highest-priority matching rule proposes the unit at dispatch."""

    serializer_class = RoutingRuleSerializer
    permission_classes = [RulePermission]
    pagination_class = cursor_by("id")

    def get_queryset(self) -> QuerySet[RoutingRule]:
        qs = RoutingRule.objects.all()
        if self.action != "list":
            return qs
        params = self.request.query_params
        for name in ("unit", "category"):
            pk = id_param(params, name)
            if pk is not None:
                qs = qs.filter(**{f"{name}_id": pk})
        area = area_param(params)
        if area is not None:
            qs = qs.filter(area.subtree_q("area"))
        for name, field in (("active", "is_active"), ("fallback", "is_fallback")):
            value = bool_param(params, name)
            if value is not None:
                qs = qs.filter(**{field: value})
        return qs

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.save()


# --- hot issues --------------------------------------------------------------------------------------

HOT_ISSUE_ROLES = (Role.OPERATOR, Role.CADRE, Role.SUPERVISOR, Role.ADMIN)


class HotIssueEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_no = serializers.CharField()
    title = serializers.CharField(help_text="personal data masked")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class HotIssueAreaRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HotIssueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rank = serializers.IntegerField()
    heat = serializers.FloatField()
    summary = serializers.CharField(help_text="personal data masked")
    place_or_group = serializers.CharField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    area = HotIssueAreaRefSerializer(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    lng = serializers.FloatField(allow_null=True)
    n_messages = serializers.IntegerField()
    n_users = serializers.IntegerField()
    evidence = HotIssueEvidenceSerializer(many=True, help_text="the demands the caller may open")
    hidden = serializers.IntegerField(help_text="evidence demands the caller may not open (counted only)")


class HotIssueRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    n_messages = serializers.IntegerField()


class HotIssuesSerializer(serializers.Serializer):
    run = HotIssueRunSerializer(allow_null=True)
    results = HotIssueSerializer(many=True)


HOT_EXAMPLE = {
    "run": {
        "id": 7,
        "window_start": "2026-11-03T00:00:00+08:00",
        "window_end": "2026-12-03T00:00:00+08:00",
        "finished_at": "2026-12-03T02:00:05+08:00",
        "n_messages": 812,
    },
    "results": [
        {
            "id": 31,
            "rank": 1,
            "heat": 87.5,
            "summary": "望岳街道夜间施工噪音扰民",
            "place_or_group": "望岳街道",
            "start": "2026-11-20T08:00:00+08:00",
            "end": "2026-12-02T22:10:00+08:00",
            "area": {"id": 3, "name": "望岳街道"},
            "lat": 28.23,
            "lng": 112.93,
            "n_messages": 14,
            "n_users": 11,
            "evidence": [
                {
                    "id": 1201,
                    "ticket_no": "LX202612020013",
                    "title": "工地夜间施工噪音大",
                    "status": "处理中",
                    "created_at": "2026-12-02T22:10:00+08:00",
                }
            ],
            "hidden": 13,
        }
    ],
}


def _scope_area(user: User, wanted: Area | None) -> tuple[Area | None, bool]:
    """The area to list hot issues of: the page's scope (everything for who sees all, a cadre's area
    subtree) narrowed by `wanted`. Second value False when the two subtrees do not meet."""
    scope = None if user.sees_all else user.area_scope
    if wanted is None:
        return scope, True
    if scope is None or scope.contains(wanted):
        return wanted, True
    if wanted.contains(scope):
        return scope, True
    return None, False


def _issue_row(issue: HotIssue, visible: set[int]) -> dict[str, Any]:
    evidence, hidden = [], 0
    for d in issue.demands.all():
        if d.pk not in visible:
            hidden += 1
            continue
        evidence.append(
            {
                "id": d.pk,
                "ticket_no": d.ticket_no,
                "title": mask_pii(d.title),
                "status": d.status,
                "created_at": d.created_at,
            }
        )
    return {
        "id": issue.pk,
        "rank": issue.rank,
        "heat": round(issue.heat, 1),
        "summary": mask_pii(issue.summary),
        "place_or_group": mask_pii(issue.place_or_group),
        "start": issue.start,
        "end": issue.end,
        "area": {"id": issue.area_id, "name": issue.area.name} if issue.area is not None else None,
        "lat": issue.lat,
        "lng": issue.lng,
        "n_messages": issue.n_messages,
        "n_users": issue.n_users,
        "evidence": evidence,
        "hidden": hidden,
    }


class HotIssueListView(ETagMixin, APIView):
    """The latest hot-issue run's issues, hottest first, as the hot-issue page shows them: a cadre sees
    the issues that reach their area, with the evidence they may open (the others only counted)."""

    permission_classes = [IsAuthenticated, HasRole.of(*HOT_ISSUE_ROLES)]

    @extend_schema(
        tags=["analysis"],
        summary="Hot issues of the latest run (operator, cadre, supervisor, admin)",
        parameters=[AREA, SINCE, UNTIL, *ETAG_PARAMETERS],
        responses={200: HotIssuesSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403)},
        examples=[ok_example("hot issues", HOT_EXAMPLE)],
        description="`since`/`until` keep the issues active on some day between them.",
    )
    def get(self, request: UserApiRequest) -> Response:
        params = request.query_params
        since, until = since_until(params)
        area, meets = _scope_area(request.user, area_param(params))
        run = selectors.hotspot_run_latest()
        if run is None:
            return Response({"run": None, "results": []})
        issues = list(selectors.hot_issue_list(run=run, area=area)) if meets else []
        if since is not None:
            issues = [i for i in issues if i.end is None or i.end.date() >= since]
        if until is not None:
            issues = [i for i in issues if i.start is None or i.start.date() <= until]
        visible = visible_demand_ids(request.user, (d.pk for i in issues for d in i.demands.all()))
        return Response(
            HotIssuesSerializer(
                {
                    "run": {
                        "id": run.pk,
                        "window_start": run.window_start,
                        "window_end": run.window_end,
                        "finished_at": run.finished_at,
                        "n_messages": run.n_messages,
                    },
                    "results": [_issue_row(i, visible) for i in issues],
                }
            ).data
        )


# --- classifier suggestions --------------------------------------------------------------------------


class CategorySuggestionSerializer(serializers.Serializer):
    category = serializers.CharField(help_text="first-level category name")
    score = serializers.FloatField(help_text="calibrated probability")
    id = serializers.IntegerField(allow_null=True, help_text="org category id (null when unmapped)")


class SuggestionsSerializer(serializers.Serializer):
    categories = CategorySuggestionSerializer(many=True, help_text="best first; empty without a model")
    urgency = serializers.CharField(allow_null=True)
    source = serializers.CharField(help_text="`stored` at intake, or computed now by the active `model`")  # type: ignore[assignment]  # a field named like Field.source
    demand = serializers.IntegerField(allow_null=True)


class SuggestTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="a demand's title and content")


SUGGEST_EXAMPLE = {
    "categories": [
        {"category": "城乡建设", "score": 0.81, "id": 12},
        {"category": "环境保护", "score": 0.11, "id": 14},
        {"category": "交通运输", "score": 0.04, "id": 13},
    ],
    "urgency": "normal",
    "source": "model",
    "demand": None,
}


def _suggest_for_text(text: str) -> dict[str, Any]:
    return {
        "categories": services.suggest_category(text),
        "urgency": services.detect_urgency(text),
        "source": "model",
        "demand": None,
    }


class SuggestionView(ETagMixin, APIView):
    """The classifier's category suggestions (top three, calibrated) and the urgency the words signal:
    for a demand the caller may see (`?demand=`, what the intake check stored, else computed now), or
    for a text (POST). Staff only: the public form's help is the similar-demand check."""

    permission_classes = [IsAuthenticated, IsStaffMember]

    @extend_schema(
        tags=["analysis"],
        summary="Category suggestions for a demand (staff)",
        parameters=[
            OpenApiParameter(
                "demand", OpenApiTypes.INT, required=True, description="a demand the caller may see"
            ),
            *ETAG_PARAMETERS,
        ],
        responses={200: SuggestionsSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[ok_example("for a demand", {**SUGGEST_EXAMPLE, "source": "stored", "demand": 1201})],
    )
    def get(self, request: UserApiRequest) -> Response:
        pk = id_param(request.query_params, "demand")
        if pk is None:
            raise ValidationFailed(_("请指定 demand"), fields={"demand": [_("必填")]})
        demand = demand_get(user=request.user, pk=pk)
        stored = services.stored_suggestions(demand)
        if stored is not None:
            return Response(SuggestionsSerializer({**stored, "source": "stored", "demand": demand.pk}).data)
        suggested = {**_suggest_for_text(f"{demand.title}\n{demand.content}"), "demand": demand.pk}
        return Response(SuggestionsSerializer(suggested).data)

    @extend_schema(
        tags=["analysis"],
        summary="Category suggestions for a text (staff)",
        request=SuggestTextSerializer,
        responses={200: SuggestionsSerializer, **errors(400, 401, 403)},
        examples=[
            request_example("text", {"text": "小区门口道路破损严重，雨天积水，请尽快修复"}),
            ok_example("for a text", SUGGEST_EXAMPLE),
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        data = SuggestTextSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(SuggestionsSerializer(_suggest_for_text(data.validated_data["text"])).data)

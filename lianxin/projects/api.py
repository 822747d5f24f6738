"""民生实事 over the API. The ledger is public: the list and each project's page (milestones, progress
with photos, approved comments, acceptance) need no sign-in; a draft is seen only by those who may manage
it (404 to everyone else). Writes are the services': staff create projects, add milestones and progress,
take the workflow's actions (`POST …/transitions/`); citizens comment (moderated) and rate once per
verified phone while the project awaits acceptance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import HasRole
from lianxin.core.api_docs import PUBLIC_AUTH, errors, ok_example, request_example
from lianxin.core.api_filters import refuse
from lianxin.core.api_pagination import cursor_by
from lianxin.core.errors import NotFound, ValidationFailed
from lianxin.core.throttling import AtomicScopedRateThrottle
from lianxin.org.api_params import AREA, area_param
from lianxin.org.models import Area, Unit
from lianxin.projects import access, services
from lianxin.projects.models import Comment, Milestone, Project, Source, Status
from lianxin.projects.selectors import milestone_counts, project_get, project_public_list
from lianxin.projects.transitions import STATUS_ACTIONS

TAGS = ["projects"]
STATUS = OpenApiParameter("status", OpenApiTypes.STR, enum=list(Status.values), description="a project state")
SOURCE = OpenApiParameter(
    "source", OpenApiTypes.STR, enum=list(Source.values), description="where it came from"
)


# --- serializers -------------------------------------------------------------------------------------


class ProjectRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProjectRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField(
        help_text="draft | in_progress | pending_acceptance | completed | terminated"
    )
    source = serializers.CharField(help_text="poll | hot_issue | unit")  # type: ignore[assignment]  # a field named like Field.source: the metaclass moves declared fields out of the class
    area = ProjectRefSerializer()
    unit = ProjectRefSerializer(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True, help_text="万元")
    overdue = serializers.BooleanField(help_text="red card: a milestone is past its date and not done")
    milestones_done = serializers.IntegerField()
    milestones_total = serializers.IntegerField()
    url = serializers.CharField(help_text="the public page")


class ProjectMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    title = serializers.CharField()
    due = serializers.DateField()
    done_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class ProjectPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()


class ProjectReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    text = serializers.CharField()
    percent = serializers.IntegerField(allow_null=True)
    milestone = serializers.IntegerField(allow_null=True)
    photos = ProjectPhotoSerializer(many=True)


class ProjectCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    nickname = serializers.CharField()
    text = serializers.CharField(help_text="plain text, as typed")
    status = serializers.CharField(help_text="pending | approved | rejected")
    created_at = serializers.DateTimeField()


class ProjectAcceptanceSerializer(serializers.Serializer):
    opened_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    opinion = serializers.CharField()
    ratings = serializers.IntegerField(help_text="ratings so far (or at the decision)")
    average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    satisfied_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text="share of 4–5"
    )


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    goal = serializers.CharField()
    status = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source: the metaclass moves declared fields out of the class
    source_ref = serializers.CharField()
    area = ProjectRefSerializer()
    unit = ProjectRefSerializer(allow_null=True)
    cadre = ProjectRefSerializer(allow_null=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    overdue = serializers.BooleanField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    milestones = ProjectMilestoneSerializer(many=True)
    reports = ProjectReportSerializer(many=True)
    comments = ProjectCommentSerializer(many=True, help_text="approved comments only")
    acceptance = ProjectAcceptanceSerializer(allow_null=True)
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="status actions the caller may take now"
    )


class ProjectCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    goal = serializers.CharField(max_length=5000)
    area = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    source = serializers.CharField(max_length=20, default=Source.UNIT, help_text="poll | hot_issue | unit")  # type: ignore[assignment]  # a field named like Field.source: the metaclass moves declared fields out of the class
    source_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    cadre = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


class ProjectMilestoneCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due = serializers.DateField()


class ProjectMilestoneDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField(required=False, allow_null=True)


class ProjectProgressCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    date = serializers.DateField(required=False, allow_null=True)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    milestone = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, max_length=9)


class ProjectTransitionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=30, help_text=" | ".join(STATUS_ACTIONS))
    note = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", help_text="note, opinion or reason"
    )


class ProjectCommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, help_text="plain text, at most 500 characters")
    nickname = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ProjectModerateSerializer(serializers.Serializer):
    approve = serializers.BooleanField()


class ProjectRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class ProjectRatingCodeSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class ProjectRatingResultSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    ratings = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)


class ProjectOkSerializer(serializers.Serializer):
    status = serializers.CharField()


# --- rows --------------------------------------------------------------------------------------------


def _dec(value: Any) -> str | None:
    """A decimal as the schema's string ("360.00"), as DRF's DecimalField renders it."""
    return None if value is None else str(value)


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": str(obj)} if obj is not None else None


def project_rows(projects: list[Project]) -> list[dict[str, Any]]:
    counts = milestone_counts([p.pk for p in projects])
    rows = []
    for p in projects:
        done, total = counts.get(p.pk, (0, 0))
        rows.append(
            {
                "id": p.pk,
                "title": p.title,
                "status": p.status,
                "source": p.source,
                "area": _ref(p.area),
                "unit": _ref(p.unit),
                "budget": _dec(p.budget),
                "overdue": p.overdue,
                "milestones_done": done,
                "milestones_total": total,
                "url": reverse("projects:detail", args=[p.pk]),
            }
        )
    return rows


def milestone_row(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.pk,
        "seq": m.seq,
        "title": m.title,
        "due": m.due,
        "done_on": m.done_on,
        "overdue": m.is_overdue,
    }


def comment_row(c: Comment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "nickname": c.nickname,
        "text": c.text,
        "status": c.status,
        "created_at": c.created_at,
    }


def project_detail_row(p: Project, user: Any) -> dict[str, Any]:
    acceptance = getattr(p, "acceptance", None)
    if acceptance is not None and acceptance.decided_at is None:
        result = services.survey_result(p)
    elif acceptance is not None:
        result = {
            "ratings": acceptance.ratings,
            "average": acceptance.average,
            "satisfied_share": acceptance.satisfied_share,
        }
    rel = access.relations(user, p)
    from lianxin.projects.transitions import TABLE

    actions = [a for a in STATUS_ACTIONS if p.status in TABLE[a].sources and rel & TABLE[a].roles]
    return {
        "id": p.pk,
        "title": p.title,
        "goal": p.goal,
        "status": p.status,
        "source": p.source,
        "source_ref": p.source_ref,
        "area": _ref(p.area),
        "unit": _ref(p.unit),
        "cadre": _ref(p.cadre),
        "budget": _dec(p.budget),
        "overdue": p.overdue,
        "started_at": p.started_at,
        "finished_at": p.finished_at,
        "milestones": [milestone_row(m) for m in p.milestones.all()],
        "reports": [
            {
                "id": r.pk,
                "date": r.date,
                "text": r.text,
                "percent": r.percent,
                "milestone": r.milestone_id,
                "photos": [
                    {"id": ph.pk, "url": reverse("projects:photo", args=[ph.pk])} for ph in r.photos.all()
                ],
            }
            for r in p.reports.all()
        ],
        "comments": [comment_row(c) for c in getattr(p, "approved_comments", [])],
        "acceptance": (
            {
                "opened_at": acceptance.opened_at,
                "decided_at": acceptance.decided_at,
                "passed": acceptance.passed,
                "opinion": acceptance.opinion,
                "ratings": result["ratings"],
                "average": _dec(result["average"]),
                "satisfied_share": _dec(result["satisfied_share"]),
            }
            if acceptance is not None
            else None
        ),
        "actions": actions,
    }


def _project(request: Any, pk: int) -> Project:
    return project_get(user=request.user, pk=pk)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


ROW_EXAMPLE = {
    "id": 12,
    "title": "老旧小区加装电梯",
    "status": "in_progress",
    "source": "poll",
    "area": {"id": 3, "name": "东风街道"},
    "unit": {"id": 5, "name": "东风街道办事处"},
    "budget": "360.00",
    "overdue": False,
    "milestones_done": 1,
    "milestones_total": 3,
    "url": "/projects/12/",
}
STAFF_ROLES = (Role.CADRE, Role.HANDLER, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN)


# --- views -------------------------------------------------------------------------------------------


class ProjectListView(APIView):
    """GET: the public ledger. POST: a new project in draft (staff)."""

    pagination_class = cursor_by("-created_at", "-id")

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.request.method == "POST":
            return [IsAuthenticated(), HasRole.of(*STAFF_ROLES)()]
        return [AllowAny()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="The public ledger of 民生实事 (anyone)",
        description="Projects past 拟定, newest first, cursor-paginated.",
        parameters=[STATUS, SOURCE, AREA],
        responses={200: ProjectRowSerializer(many=True), **errors(400)},
        examples=[ok_example("project", [ROW_EXAMPLE])],
    )
    def get(self, request: Any) -> Response:
        status = (request.query_params.get("status") or "").strip()
        if status and status not in Status.values:
            raise refuse("status", ", ".join(Status.values))
        source = (request.query_params.get("source") or "").strip()
        if source and source not in Source.values:
            raise refuse("source", ", ".join(Source.values))
        qs = project_public_list(status=status, source=source, area=area_param(request.query_params))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        return paginator.get_paginated_response(project_rows(list(page)))

    @extend_schema(
        tags=TAGS,
        summary="Create a project in draft (cadre, handler, operator, supervisor, admin)",
        description="Idempotent on (source, source_ref): the same pair returns the existing project.",
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer, **errors(400, 401, 403)},
        examples=[
            request_example(
                "project", {"title": "老旧小区加装电梯", "goal": "加装12部", "area": 3, "source": "unit"}
            )
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        data = _valid(ProjectCreateSerializer, request.data)
        area = Area.objects.filter(pk=data["area"]).first()
        if area is None:
            raise ValidationFailed(_missing("area"), fields={"area": [_missing("area")]})
        unit = cadre = None
        if data.get("unit"):
            unit = Unit.objects.filter(pk=data["unit"]).first()
            if unit is None:
                raise ValidationFailed(_missing("unit"), fields={"unit": [_missing("unit")]})
        if data.get("cadre"):
            cadre = User.objects.filter(role_q(Role.CADRE), pk=data["cadre"]).first()
            if cadre is None:
                raise ValidationFailed(_missing("cadre"), fields={"cadre": [_missing("cadre")]})
        project = services.project_create(
            actor=request.user,
            title=data["title"],
            goal=data["goal"],
            area=area,
            source=data["source"],
            source_ref=data["source_ref"],
            unit=unit,
            cadre=cadre,
            budget=data.get("budget"),
        )
        return Response(
            project_detail_row(project_get(user=request.user, pk=project.pk), request.user), status=201
        )


def _missing(name: str) -> str:
    from django.utils.translation import gettext as _

    return _("%(name)s 不存在") % {"name": name}


class ProjectDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="One project: goal, milestones, progress with photos, approved comments, acceptance (anyone)",
        responses={200: ProjectSerializer, **errors(404)},
    )
    def get(self, request: Any, pk: int) -> Response:
        return Response(project_detail_row(_project(request, pk), request.user))


class MilestoneListView(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="A project's milestones, in order (anyone)",
        responses={200: ProjectMilestoneSerializer(many=True), **errors(404)},
    )
    def get(self, request: Any, pk: int) -> Response:
        return Response([milestone_row(m) for m in _project(request, pk).milestones.all()])

    @extend_schema(
        tags=TAGS,
        summary="Add a milestone after the last (the project's managers)",
        description="Its due date may not be earlier than the last milestone's (400 `out_of_order` on `due`).",
        request=ProjectMilestoneCreateSerializer,
        responses={201: ProjectMilestoneSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        data = _valid(ProjectMilestoneCreateSerializer, request.data)
        m = services.milestone_add(
            project=_project(request, pk), actor=request.user, title=data["title"], due=data["due"]
        )
        return Response(milestone_row(m), status=201)


class MilestoneDoneView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Mark a milestone done (the project's managers)",
        request=ProjectMilestoneDoneSerializer,
        responses={200: ProjectMilestoneSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int, milestone: int) -> Response:
        data = _valid(ProjectMilestoneDoneSerializer, request.data)
        project = _project(request, pk)
        m = project.milestones.filter(pk=milestone).first()
        if m is None:
            raise NotFound(_missing("milestone"))
        m = services.milestone_done(milestone=m, actor=request.user, done_on=data.get("done_on"))
        return Response(milestone_row(m))


class ProgressListView(APIView):
    parser_classes = [MultiPartParser, JSONParser]

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="A project's progress reports, newest first (anyone)",
        responses={200: ProjectReportSerializer(many=True), **errors(404)},
    )
    def get(self, request: Any, pk: int) -> Response:
        return Response(project_detail_row(_project(request, pk), request.user)["reports"])

    @extend_schema(
        tags=TAGS,
        summary="Report progress with up to 9 photos (the project's managers; multipart)",
        request={"multipart/form-data": ProjectProgressCreateSerializer},
        responses={201: ProjectReportSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        data = _valid(
            ProjectProgressCreateSerializer, {k: v for k, v in request.data.items() if k != "photos"}
        )
        project = _project(request, pk)
        milestone = None
        if data.get("milestone"):
            milestone = project.milestones.filter(pk=data["milestone"]).first()
            if milestone is None:
                raise ValidationFailed(_missing("milestone"), fields={"milestone": [_missing("milestone")]})
        report = services.progress_report(
            project=project,
            actor=request.user,
            text=data["text"],
            day=data.get("date"),
            percent=data.get("percent"),
            milestone=milestone,
            photos=photos,
        )
        return Response(
            {
                "id": report.pk,
                "date": report.date,
                "text": report.text,
                "percent": report.percent,
                "milestone": report.milestone_id,
                "photos": [
                    {"id": ph.pk, "url": reverse("projects:photo", args=[ph.pk])}
                    for ph in report.photos.all()
                ],
            },
            status=201,
        )


class TransitionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Take a workflow action: start, submit, accept, send_back, terminate",
        description="409 when the action is not allowed in the project's state; 403 when the role may not.",
        request=ProjectTransitionSerializer,
        responses={200: ProjectSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        data = _valid(ProjectTransitionSerializer, request.data)
        project = _project(request, pk)
        services.project_transition(
            project=project, actor=request.user, action=data["action"], note=data["note"]
        )
        return Response(project_detail_row(project_get(user=request.user, pk=pk), request.user))


class CommentCreateView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "public_submit"

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [AtomicScopedRateThrottle()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="Comment on a public project (anyone, rate limited; shown once approved)",
        request=ProjectCommentCreateSerializer,
        responses={201: ProjectCommentSerializer, **errors(400, 404)},
    )
    def post(self, request: Any, pk: int) -> Response:
        data = _valid(ProjectCommentCreateSerializer, request.data)
        comment = services.comment_add(
            project=_project(request, pk), author=request.user, text=data["text"], nickname=data["nickname"]
        )
        return Response(comment_row(comment), status=201)


class CommentModerateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="Approve or reject a pending comment (the project's managers)",
        request=ProjectModerateSerializer,
        responses={200: ProjectCommentSerializer, **errors(400, 401, 404, 409)},
    )
    def post(self, request: UserApiRequest, comment: int) -> Response:
        data = _valid(ProjectModerateSerializer, request.data)
        row = Comment.objects.filter(pk=comment).first()
        if row is None:
            raise NotFound(_missing("comment"))
        return Response(
            comment_row(services.comment_moderate(comment=row, actor=request.user, approve=data["approve"]))
        )


class RatingCodeView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "public_submit"

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [AtomicScopedRateThrottle()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="Send an SMS code to verify the rater's phone (anyone, rate limited)",
        request=ProjectRatingCodeSerializer,
        responses={200: ProjectOkSerializer, **errors(400, 404)},
    )
    def post(self, request: Any, pk: int) -> Response:
        data = _valid(ProjectRatingCodeSerializer, request.data)
        _project(request, pk)
        from lianxin.core.sms import phone_code_send

        phone_code_send(data["phone"], purpose=services.RATING_PURPOSE)
        return Response({"status": "sent"})


class RatingView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "public_submit"

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [AtomicScopedRateThrottle()]

    @extend_schema(
        tags=TAGS,
        auth=PUBLIC_AUTH,
        summary="Rate a project awaiting acceptance, 1–5, once per verified identity",
        description="Identity: `phone` + `code` (from …/rating-code/), or a signed-in user's own phone. "
        "A second rating by the same identity is 409 `already_rated`; outside acceptance 409 `survey_closed`.",
        request=ProjectRatingSerializer,
        responses={201: ProjectRatingResultSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Any, pk: int) -> Response:
        data = _valid(ProjectRatingSerializer, request.data)
        project = _project(request, pk)
        identity = services.rating_identity(user=request.user, phone=data["phone"], code=data["code"])
        rating = services.project_rate(
            project=project, identity=identity, score=data["score"], user=request.user
        )
        result = services.survey_result(project)
        return Response(
            {"score": rating.score, "ratings": result["ratings"], "average": result["average"]}, status=201
        )

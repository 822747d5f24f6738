"""The participation doors under /api/v1/. Thin: parse, call one service or selector, serialise.
Citizens may call the public doors anonymously with a phone verified by SMS code
(`POST participation/phone-code/`, then `phone` + `code` in the body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.core.api import error_body
from lianxin.core.api_docs import error_response, ok_example, request_example
from lianxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from lianxin.core.params import as_id, as_page
from lianxin.core.sms import phone_code_send
from lianxin.core.throttling import AtomicScopedRateThrottle
from lianxin.participation import selectors, services
from lianxin.participation import serializers as s
from lianxin.participation.models import Comment, SignUp
from lianxin.participation.services.common import may_manage
from lianxin.participation.services.consultations import PURPOSE

PUBLIC_AUTH: list[str] = [{"tokenAuth": []}, {"cookieAuth": []}, {}]  # type: ignore[list-item]  # security requirements, as in demands.api


# ------------------------------------------------------------------ documentation examples
# (schema only: the error answers each door documents, with one example each, and sample bodies)

DESCRIPTIONS = {
    400: "A field is malformed or missing; `fields` names it.",
    403: "The caller may not do this (role, or not the organiser).",
    404: "No such record, or one the caller may not see.",
    409: "The record's state does not allow it.",
    429: "Too many requests; try again later.",
}


def _err(status_code: int, code: str, message: str, field: str | None = None) -> OpenApiResponse:
    return error_response(
        status_code,
        DESCRIPTIONS[status_code],
        error_body(code, message, {field: [message]} if field else None),
    )


ANONYMOUS = "匿名参与：手机号码 + 短信验证码（登录用户可省略）"
PHONE_REQUIRED = _err(400, "phone_required", "匿名参与需要填写手机号码并通过短信验证", "phone")
BAD_ACTION = _err(400, "invalid", "未知动作", "action")
THROTTLED = _err(429, "throttled", "请求超过了限速。预计 60 秒后可用。")
NOT_MANAGER = _err(403, "forbidden", "当前角色无权执行「发布」")
NOT_ORGANISER = _err(403, "forbidden", "当前角色不能发起")
VOICE = {"phone": "13812345678", "code": "482913"}

CONSULTATION = {
    "id": 7,
    "title": "《望岳街道老旧小区改造三年行动方案（征求意见稿）》",
    "kind": "plan",
    "body": "为改善老旧小区居住条件，街道拟于2026—2028年完成辖区32个老旧小区改造，现公开征求意见。",
    "area": "望岳街道",
    "status": "open",
    "opens_at": "2026-03-01T09:00:00+08:00",
    "closes_at": "2026-03-31T18:00:00+08:00",
    "feedback_due": "2026-04-30",
    "feedback_summary": "",
    "feedback_published_at": None,
    "comment_count": 36,
}
CONSULTATION_IN = {
    "title": CONSULTATION["title"],
    "kind": "plan",
    "body": CONSULTATION["body"],
    "area": 3,
    "opens_at": CONSULTATION["opens_at"],
    "closes_at": CONSULTATION["closes_at"],
    "feedback_due": "2026-04-30",
    "questions": [
        {
            "text": "您最希望优先改造哪些项目？",
            "options": ["加装电梯", "雨污分流", "增设停车位", "适老化改造"],
            "multiple": True,
        }
    ],
}
CONSULTATION_DETAIL = {
    **CONSULTATION,
    "questions": [
        {
            "id": 11,
            "text": "您最希望优先改造哪些项目？",
            "multiple": True,
            "options": [["加装电梯", 18], ["雨污分流", 9], ["增设停车位", 14], ["适老化改造", 7]],
        }
    ],
    "feedback_counts": {"adopted": 4, "partly": 2, "not_adopted": 1},
}
CONSULTATION_NOT_FOUND = _err(404, "not_found", "征求意见不存在")
COMMENT = {
    "id": 301,
    "author": "138****5678",
    "body": "建议优先给6层以上的楼栋加装电梯，费用分摊办法请在方案里写清楚。",
    "hidden": False,
    "hidden_reason": "",
    "support_count": 12,
    "created_at": "2026-03-05T20:14:09+08:00",
    "feedback": {"outcome": "adopted", "reason": "已在方案第三条补充加装电梯费用分摊办法。"},
}
COMMENT_NOT_FOUND = _err(404, "not_found", "意见不存在")
CONSULTATION_CLOSED = _err(409, "closed", "征求意见已于 2026-03-31 18:00 截止")
FEEDBACK: dict[str, Any] = {
    "status": "feedback",
    "summary": "共收到意见36条，采纳4条、部分采纳2条、未采纳1条，其余为咨询类意见已逐一答复。",
    "published_at": "2026-04-20T10:00:00+08:00",
    "counts": {"adopted": 4, "partly": 2, "not_adopted": 1},
    "items": [
        {
            "id": 5,
            "outcome": "adopted",
            "reason": "已在方案第三条补充加装电梯费用分摊办法。",
            "comments": [301, 305],
        }
    ],
}
POLL = {
    "id": 3,
    "title": "2026年望岳街道民生实事项目票决",
    "description": "由街道人大代表从6个候选项目中票决产生3个年度民生实事项目。",
    "area": "望岳街道",
    "status": "open",
    "electorate": "representatives",
    "max_choices": 3,
    "winners": 3,
    "opens_at": "2026-02-20T09:00:00+08:00",
    "closes_at": "2026-02-20T11:00:00+08:00",
    "candidates": [
        {
            "id": 21,
            "title": "桃花岭社区加装电梯6台",
            "description": "覆盖3个小区12个单元",
            "budget": "1800000.00",
        },
        {"id": 22, "title": "咸嘉湖社区农贸市场提质改造", "description": "", "budget": "650000.00"},
    ],
}
POLL_IN = {
    "title": POLL["title"],
    "description": POLL["description"],
    "area": 3,
    "opens_at": POLL["opens_at"],
    "closes_at": POLL["closes_at"],
    "electorate": "representatives",
    "electorate_size": 45,
    "max_choices": 3,
    "winners": 3,
    "candidates": [
        {"title": "桃花岭社区加装电梯6台", "description": "覆盖3个小区12个单元", "budget": "1800000.00"},
        {"title": "咸嘉湖社区农贸市场提质改造", "budget": "650000.00"},
    ],
}
POLL_NOT_FOUND = _err(404, "not_found", "投票不存在")
RESULTS: dict[str, Any] = {
    "published": True,
    "votes": 41,
    "electorate": 45,
    "turnout": 0.911,
    "candidates": [
        {
            "id": 21,
            "title": "桃花岭社区加装电梯6台",
            "budget": "1800000.00",
            "votes": 35,
            "share": 0.854,
            "chosen": True,
            "project_id": 17,
        },
        {
            "id": 22,
            "title": "咸嘉湖社区农贸市场提质改造",
            "budget": "650000.00",
            "votes": 12,
            "share": 0.293,
            "chosen": False,
            "project_id": None,
        },
    ],
}
EVENT = {
    "id": 4,
    "title": "桃花岭社区加装电梯议事会",
    "kind": "council",
    "description": "商议3栋、5栋加装电梯的选址和费用分摊，欢迎相关楼栋居民参加。",
    "area": "望岳街道",
    "place": "桃花岭社区党群服务中心二楼会议室",
    "starts_at": "2026-03-14T14:30:00+08:00",
    "ends_at": "2026-03-14T16:30:00+08:00",
    "capacity": 40,
    "confirmed_count": 23,
    "status": "published",
    "minutes": "",
    "decisions": "",
}
EVENT_IN = {
    k: EVENT[k] for k in ("title", "kind", "description", "place", "starts_at", "ends_at", "capacity")
}
EVENT_IN["area"] = 3
EVENT_NOT_FOUND = _err(404, "not_found", "活动不存在")
CHECKIN_CODE = "eJyrVipWsjIyM9BRSgUAE-8DRA:1uQm3x:Zk7v0bq3nW2yJb9Qm6cTt1l8aHfXr5sYdPz0oKiGg4U"
SIGNUP = {"id": 88, "status": "confirmed", "checkin_code": CHECKIN_CODE}
SURVEY = {
    "id": 2,
    "title": "2026年第一季度望岳街道群众幸福指数调查",
    "area": "望岳街道",
    "status": "open",
    "distribution": "open",
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "weights": {"safety": 0.3, "environment": 0.3, "public_services": 0.4},
    "response_count": 214,
    "questions": [
        {
            "id": 31,
            "order": 1,
            "text": "您对本社区的治安状况满意吗？",
            "kind": "scale5",
            "options": [],
            "dimension": "safety",
            "required": True,
        },
        {
            "id": 32,
            "order": 2,
            "text": "您对社区还有什么建议？",
            "kind": "text",
            "options": [],
            "dimension": "",
            "required": False,
        },
    ],
}
SURVEY_IN = {
    "title": SURVEY["title"],
    "area": 3,
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "distribution": "open",
    "weights": SURVEY["weights"],
    "questions": [
        {"text": "您对本社区的治安状况满意吗？", "kind": "scale5", "dimension": "safety"},
        {"text": "您对社区还有什么建议？", "kind": "text", "required": False},
    ],
}
SURVEY_NOT_FOUND = _err(404, "not_found", "调查不存在")
INDEX = {
    "weights": SURVEY["weights"],
    "min_sample": 30,
    "total": {
        "area": "望岳街道",
        "n": 214,
        "published": True,
        "index": 78.6,
        "low": 76.2,
        "high": 81.0,
        "dimensions": {"safety": 82.1, "environment": 74.5, "public_services": 79.3},
    },
    "children": [
        {
            "area": "桃花岭社区",
            "n": 96,
            "published": True,
            "index": 80.2,
            "low": 76.9,
            "high": 83.5,
            "dimensions": {"safety": 84.0, "environment": 76.1, "public_services": 80.7},
        },
        {
            "area": "咸嘉湖社区",
            "n": 18,
            "published": False,
            "index": None,
            "low": None,
            "high": None,
            "dimensions": {},
        },
    ],
}


def _actor(request: Request) -> Any:
    return request.user if request.user.is_authenticated else None


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    ser = serializer_class(data=request.data)
    ser.is_valid(raise_exception=True)
    return dict(ser.validated_data)


def _manager(request: Request, obj: Any) -> Any:
    if not may_manage(_actor(request), obj):
        raise PermissionDenied(_("无权管理该对象"), code="forbidden")
    return request.user


def _keyed(answers: dict[str, Any]) -> dict[int, Any]:
    out = {}
    for key, value in answers.items():
        pk = as_id(key)
        if pk is None:
            raise ValidationFailed(_("题目编号无效"), fields={f"answers.{key}": [_("题目编号无效")]})
        out[pk] = value
    return out


class PublicView(APIView):
    permission_classes = [AllowAny]

    def get_permissions(self):
        return [AllowAny()] if self.request.method in ("GET", *self.public_methods) else [IsAuthenticated()]

    public_methods: tuple[str, ...] = ()


class PhoneCodeView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "public_submit"
    throttle_classes = [AtomicScopedRateThrottle]

    @extend_schema(
        tags=["participation"],
        request=s.PhoneCodeIn,
        responses={
            204: None,
            400: _err(400, "bad_phone", "手机号码格式不正确", "phone"),
            429: _err(429, "too_soon", "验证码发送过于频繁，请稍后再试"),
        },
        examples=[request_example("phone", {"phone": "13812345678"})],
        auth=PUBLIC_AUTH,
        description="Send an SMS code for anonymous participation (comment, vote, sign-up, survey).",
    )
    def post(self, request: Request) -> Response:
        phone_code_send(_valid(s.PhoneCodeIn, request)["phone"], purpose=PURPOSE)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ consultations


class ConsultationsView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.ConsultationOut(many=True)},
        examples=[ok_example("consultation row", CONSULTATION)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        qs = selectors.consultation_list(user=_actor(request))[:200]
        return Response(s.ConsultationOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"],
        request=s.ConsultationIn,
        responses={
            201: s.ConsultationOut,
            400: _err(400, "invalid", "截止时间必须晚于开始时间", "closes_at"),
            403: NOT_ORGANISER,
        },
        examples=[
            request_example("new consultation", CONSULTATION_IN),
            ok_example("created", {**CONSULTATION, "status": "draft", "comment_count": 0}, status=201),
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        v = _valid(s.ConsultationIn, request)
        c = services.consultation_create(actor=request.user, **v)
        return Response(s.ConsultationOut(c).data, status=status.HTTP_201_CREATED)


class ConsultationDetailView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.ConsultationOut, 404: CONSULTATION_NOT_FOUND},
        examples=[ok_example("consultation with question results", CONSULTATION_DETAIL)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        c = selectors.consultation_get(user=_actor(request), pk=pk)
        data = dict(s.ConsultationOut(c).data)
        data["questions"] = selectors.question_results(c)
        data["feedback_counts"] = selectors.feedback_counts(c)
        return Response(data)


class ConsultationActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ActionIn,
        responses={
            200: s.ConsultationOut,
            400: BAD_ACTION,
            403: NOT_MANAGER,
            409: _err(409, "invalid_transition", "当前状态为「征求中」，不能执行「发布」"),
        },
        examples=[request_example("publish", {"action": "publish"}), ok_example("published", CONSULTATION)],
        description="action: publish | close",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        c = selectors.consultation_get(user=request.user, pk=pk)
        action = _valid(s.ActionIn, request)["action"]
        actions: dict[str, Callable[..., Any]] = {
            "publish": services.consultation_publish,
            "close": services.consultation_close,
        }
        run = actions.get(action)
        if run is None:
            raise ValidationFailed(_("未知动作"), fields={"action": [_("应为 publish 或 close")]})
        return Response(s.ConsultationOut(run(consultation=c, actor=request.user)).data)


class CommentsView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        responses={200: s.CommentOut(many=True), 404: CONSULTATION_NOT_FOUND},
        examples=[ok_example("comment row", COMMENT)],
        auth=PUBLIC_AUTH,
        description="Comments newest first, 20 a page (`?page=`); personal data masked.",
    )
    def get(self, request: Request, pk: int) -> Response:
        c = selectors.consultation_get(user=_actor(request), pk=pk)
        rows = selectors.comment_page(consultation=c, page=as_page(request.query_params.get("page")))
        return Response([selectors.comment_public(x) for x in rows])

    @extend_schema(
        tags=["participation"],
        request=s.CommentIn,
        responses={
            201: s.CommentOut,
            400: PHONE_REQUIRED,
            404: CONSULTATION_NOT_FOUND,
            409: CONSULTATION_CLOSED,
        },
        examples=[
            request_example("anonymous comment", {"body": COMMENT["body"], **VOICE}),
            ok_example(
                "added", {**COMMENT, "support_count": 0, "feedback": None}, status=201, summary=ANONYMOUS
            ),
        ],
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request, pk: int) -> Response:
        c = selectors.consultation_get(user=_actor(request), pk=pk)
        v = _valid(s.CommentIn, request)
        comment = services.comment_add(consultation=c, actor=_actor(request), **v)
        return Response(selectors.comment_public(comment), status=status.HTTP_201_CREATED)


def _comment(request: Request, pk: int, cid: int) -> Comment:
    c = selectors.consultation_get(user=_actor(request), pk=pk)
    comment = Comment.objects.filter(consultation=c, pk=cid).select_related("consultation").first()
    if comment is None:
        raise NotFound(_("意见不存在"))
    return comment


class CommentSupportView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.VoiceFields,
        responses={
            200: s.CommentOut,
            400: PHONE_REQUIRED,
            404: COMMENT_NOT_FOUND,
            409: _err(409, "already_supported", "您已支持过这条意见"),
        },
        examples=[
            request_example("anonymous support", VOICE),
            ok_example("supported", {**COMMENT, "support_count": 13}),
        ],
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request, pk: int, cid: int) -> Response:
        comment = services.comment_support(
            comment=_comment(request, pk, cid), actor=_actor(request), **_valid(s.VoiceFields, request)
        )
        return Response(selectors.comment_public(comment))


class CommentModerationView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ModerationIn,
        responses={
            200: s.CommentOut,
            400: _err(400, "invalid", "以下字段有误：hide", "hide"),
            403: _err(403, "forbidden", "无权审核该意见"),
            404: COMMENT_NOT_FOUND,
        },
        examples=[
            request_example("hide", {"hide": True, "reason": "含有人身攻击内容"}),
            ok_example(
                "hidden", {**COMMENT, "body": "", "hidden": True, "hidden_reason": "含有人身攻击内容"}
            ),
        ],
    )
    def post(self, request: UserApiRequest, pk: int, cid: int) -> Response:
        v = _valid(s.ModerationIn, request)
        comment = services.comment_moderate(
            comment=_comment(request, pk, cid), actor=request.user, hide=v["hide"], reason=v.get("reason", "")
        )
        return Response(selectors.comment_public(comment))


class AnswersView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.AnswersIn,
        responses={
            200: OpenApiTypes.OBJECT,
            400: _err(400, "invalid", "题目编号无效", "answers.x"),
            409: _err(409, "already_answered", "您已回答过这些问题"),
        },
        examples=[
            request_example("two options of question 11", {"answers": {"11": [0, 2]}, **VOICE}),
            ok_example("answered", {"answered": 1}),
        ],
        auth=PUBLIC_AUTH,
        description='`{"answers": {"<question id>": [option index, ...]}}`',
    )
    def post(self, request: Request, pk: int) -> Response:
        c = selectors.consultation_get(user=_actor(request), pk=pk)
        v = _valid(s.AnswersIn, request)
        n = services.answers_submit(
            consultation=c,
            actor=_actor(request),
            answers=_keyed(v["answers"]),
            phone=v.get("phone", ""),
            code=v.get("code", ""),
        )
        return Response({"answered": n})


class FeedbackView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: OpenApiTypes.OBJECT, 404: CONSULTATION_NOT_FOUND},
        examples=[ok_example("feedback published", FEEDBACK)],
        auth=PUBLIC_AUTH,
        description="The adoption feedback: summary and each item with its comments' ids.",
    )
    def get(self, request: Request, pk: int) -> Response:
        c = selectors.consultation_get(user=_actor(request), pk=pk)
        items = [
            {
                "id": f.pk,
                "outcome": f.outcome,
                "reason": f.reason,
                "comments": [x.pk for x in f.comments.all()],
            }
            for f in c.feedback_items.prefetch_related("comments")
        ]
        return Response(
            {
                "status": c.status,
                "summary": c.feedback_summary,
                "published_at": c.feedback_published_at,
                "counts": selectors.feedback_counts(c),
                "items": items,
            }
        )

    @extend_schema(
        tags=["participation"],
        request=s.FeedbackIn,
        responses={
            200: OpenApiTypes.OBJECT,
            201: OpenApiTypes.OBJECT,
            400: _err(400, "invalid", "以下字段有误：outcome", "outcome"),
            403: _err(403, "forbidden", "当前角色无权执行「答复意见」"),
            409: _err(409, "invalid_transition", "当前状态为「征求中」，不能执行「答复意见」"),
        },
        examples=[
            request_example(
                "mark adopted",
                {"comments": [301, 305], "outcome": "adopted", "reason": FEEDBACK["items"][0]["reason"]},
            ),
            request_example("publish the summary", {"publish": True, "summary": FEEDBACK["summary"]}),
            ok_example("marked", {"id": 5, "outcome": "adopted"}, status=201),
            ok_example("published", {"status": "feedback", "published_at": FEEDBACK["published_at"]}),
        ],
        description="Mark comments adopted / partly / not_adopted with a reason; "
        '`{"publish": true, "summary": ...}` publishes the 意见采纳情况说明 and notifies every commenter.',
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        c = selectors.consultation_get(user=request.user, pk=pk)
        if request.data.get("publish") is True:
            summary = _valid(s.FeedbackPublishIn, request)["summary"]
            c = services.consultation_feedback_publish(consultation=c, actor=request.user, summary=summary)
            return Response({"status": c.status, "published_at": c.feedback_published_at})
        v = _valid(s.FeedbackIn, request)
        item = services.feedback_add(consultation=c, actor=request.user, **v)
        return Response({"id": item.pk, "outcome": item.outcome}, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------ polls


class PollsView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.PollOut(many=True)},
        examples=[ok_example("poll row", POLL)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        qs = selectors.poll_list(user=_actor(request)).prefetch_related("candidates")[:200]
        return Response(s.PollOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"],
        request=s.PollIn,
        responses={
            201: s.PollOut,
            400: _err(400, "invalid", "以下字段有误：candidates", "candidates"),
            403: NOT_ORGANISER,
        },
        examples=[
            request_example("new poll", POLL_IN),
            ok_example("created", {**POLL, "status": "draft"}, status=201),
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        poll = services.poll_create(actor=request.user, **_valid(s.PollIn, request))
        return Response(s.PollOut(poll).data, status=status.HTTP_201_CREATED)


class PollDetailView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.PollOut, 404: POLL_NOT_FOUND},
        examples=[ok_example("poll", POLL)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.PollOut(selectors.poll_get(user=_actor(request), pk=pk)).data)


class PollActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ActionIn,
        responses={
            200: s.PollOut,
            400: BAD_ACTION,
            403: _err(403, "forbidden", "当前角色无权执行「开始投票」"),
            409: _err(409, "invalid_transition", "当前状态为「投票中」，不能执行「开始投票」"),
        },
        examples=[request_example("open", {"action": "open"}), ok_example("opened", POLL)],
        description="action: open | close | publish (publishing creates the chosen 民生实事 projects)",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        poll = selectors.poll_get(user=request.user, pk=pk)
        action = _valid(s.ActionIn, request)["action"]
        actions: dict[str, Callable[..., Any]] = {
            "open": services.poll_open,
            "close": services.poll_close,
            "publish": services.poll_publish,
        }
        run = actions.get(action)
        if run is None:
            raise ValidationFailed(_("未知动作"), fields={"action": [_("应为 open、close 或 publish")]})
        return Response(s.PollOut(run(poll=poll, actor=request.user)).data)


class VoteView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.VoteIn,
        responses={
            201: OpenApiTypes.OBJECT,
            400: PHONE_REQUIRED,
            403: _err(403, "not_representative", "本次投票仅限代表参加"),
            409: _err(409, "already_voted", "您已经投过票了，每人只能投一次"),
        },
        examples=[
            request_example("two candidates", {"candidates": [21, 22]}),
            ok_example("voted", {"id": 512}, status=201),
        ],
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request, pk: int) -> Response:
        poll = selectors.poll_get(user=_actor(request), pk=pk)
        vote = services.poll_vote(poll=poll, actor=_actor(request), **_valid(s.VoteIn, request))
        return Response({"id": vote.pk}, status=status.HTTP_201_CREATED)


class ResultsView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.ResultsOut, 404: POLL_NOT_FOUND},
        examples=[
            ok_example("published", RESULTS),
            ok_example(
                "before publication",
                {
                    **RESULTS,
                    "published": False,
                    "votes": None,
                    "turnout": None,
                    "candidates": [
                        {**c, "votes": None, "share": None, "chosen": False, "project_id": None}
                        for c in RESULTS["candidates"]
                    ],
                },
                summary="counts hidden until the poll is published (its managers see them)",
            ),
        ],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        poll = selectors.poll_get(user=_actor(request), pk=pk)
        data = selectors.poll_results(poll, user=_actor(request))
        for c in data["candidates"]:
            c["budget"] = None if c["budget"] is None else str(c["budget"])
        return Response(data)


# ------------------------------------------------------------------ events


class EventsView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.EventOut(many=True)},
        examples=[ok_example("event row", EVENT)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        return Response(s.EventOut(selectors.event_list(user=_actor(request))[:200], many=True).data)

    @extend_schema(
        tags=["participation"],
        request=s.EventIn,
        responses={
            201: s.EventOut,
            400: _err(400, "invalid", "截止时间必须晚于开始时间", "closes_at"),
            403: NOT_ORGANISER,
        },
        examples=[
            request_example("new event", EVENT_IN),
            ok_example("created", {**EVENT, "confirmed_count": 0}, status=201),
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        event = services.event_create(actor=request.user, **_valid(s.EventIn, request))
        return Response(s.EventOut(event).data, status=status.HTTP_201_CREATED)


class EventDetailView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.EventOut, 404: EVENT_NOT_FOUND},
        examples=[ok_example("event", EVENT)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.EventOut(selectors.event_get(pk=pk)).data)


class SignUpView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.SignUpIn,
        responses={
            201: s.SignUpOut,
            400: PHONE_REQUIRED,
            409: _err(409, "already_signed_up", "已经报过名了"),
        },
        examples=[
            request_example("anonymous sign-up", {"name": "王建国", **VOICE}),
            ok_example("confirmed", SIGNUP, status=201),
            ok_example("waiting", {**SIGNUP, "id": 89, "status": "waiting"}, status=201, summary="候补"),
        ],
        auth=PUBLIC_AUTH,
        description="Sign up (confirmed while places last, else waiting). The organiser signs someone up "
        "with their name and phone (no code). The answer carries the signed check-in code.",
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.event_get(pk=pk)
        signup = services.event_sign_up(event=event, actor=_actor(request), **_valid(s.SignUpIn, request))
        return Response(
            {"id": signup.pk, "status": signup.status, "checkin_code": services.checkin_code(signup)},
            status=status.HTTP_201_CREATED,
        )


class SignUpCancelView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.VoiceFields,
        responses={
            200: s.SignUpOut,
            403: _err(403, "forbidden", "只能取消自己的报名"),
            404: _err(404, "not_found", "报名不存在"),
            409: _err(409, "already_cancelled", "报名已取消"),
        },
        examples=[
            request_example("anonymous cancel", VOICE),
            ok_example("cancelled", {"id": 88, "status": "cancelled", "checkin_code": ""}),
        ],
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request, pk: int, sid: int) -> Response:
        signup_id, event_id = as_id(sid), as_id(pk)  # an id out of range names nothing (no overflow)
        signup = (
            SignUp.objects.filter(pk=signup_id, event_id=event_id).select_related("event").first()
            if signup_id is not None and event_id is not None
            else None
        )
        if signup is None:
            raise NotFound(_("报名不存在"))
        signup = services.event_cancel_signup(
            signup=signup, actor=_actor(request), **_valid(s.VoiceFields, request)
        )
        return Response({"id": signup.pk, "status": signup.status, "checkin_code": ""})


class CheckInView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.CheckInIn,
        responses={
            200: s.SignUpOut,
            400: _err(400, "bad_checkin_code", "签到码无效或被篡改", "code"),
            403: _err(403, "forbidden", "当前角色无权执行「签到」"),
            409: _err(409, "code_used", "该签到码已于 14:25 使用过"),
        },
        examples=[
            request_example("scanned code", {"code": CHECKIN_CODE}),
            ok_example("checked in", {"id": 88, "status": "confirmed", "checkin_code": ""}),
        ],
        description="The organiser checks an attendee in with the code of their QR (400 forged, 409 already used).",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        event = selectors.event_get(pk=pk)
        signup = services.event_check_in(
            event=event, actor=request.user, code=_valid(s.CheckInIn, request)["code"]
        )
        return Response({"id": signup.pk, "status": signup.status, "checkin_code": ""})


# ------------------------------------------------------------------ surveys


class SurveysView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.SurveyOut(many=True)},
        examples=[ok_example("survey row", SURVEY)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        qs = selectors.survey_list(user=_actor(request)).prefetch_related("questions")[:200]
        return Response(s.SurveyOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"],
        request=s.SurveyIn,
        responses={
            201: s.SurveyOut,
            400: _err(400, "invalid", "以下字段有误：questions", "questions"),
            403: NOT_ORGANISER,
        },
        examples=[
            request_example("new survey", SURVEY_IN),
            ok_example("created", {**SURVEY, "status": "draft", "response_count": 0}, status=201),
        ],
    )
    def post(self, request: UserApiRequest) -> Response:
        survey = services.survey_create(actor=request.user, **_valid(s.SurveyIn, request))
        return Response(s.SurveyOut(survey).data, status=status.HTTP_201_CREATED)


class SurveyDetailView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.SurveyOut, 404: SURVEY_NOT_FOUND},
        examples=[ok_example("survey", SURVEY)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.SurveyOut(selectors.survey_get(user=_actor(request), pk=pk)).data)


class SurveyActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ActionIn,
        responses={
            200: s.SurveyOut,
            400: BAD_ACTION,
            403: _err(403, "forbidden", "当前角色无权执行「结束调查」"),
            409: _err(409, "invalid_transition", "当前状态为「已结束」，不能执行「结束调查」"),
        },
        examples=[
            request_example("close", {"action": "close"}),
            ok_example("closed", {**SURVEY, "status": "closed"}),
        ],
        description="action: open | close",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        survey = selectors.survey_get(user=request.user, pk=pk)
        action = _valid(s.ActionIn, request)["action"]
        actions: dict[str, Callable[..., Any]] = {
            "open": services.survey_open,
            "close": services.survey_close,
        }
        run = actions.get(action)
        if run is None:
            raise ValidationFailed(_("未知动作"), fields={"action": [_("应为 open 或 close")]})
        return Response(s.SurveyOut(run(survey=survey, actor=request.user)).data)


class RespondView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.RespondIn,
        responses={
            201: OpenApiTypes.OBJECT,
            400: PHONE_REQUIRED,
            404: SURVEY_NOT_FOUND,
            409: _err(409, "already_responded", "您已经填写过本问卷"),
        },
        examples=[
            request_example(
                "anonymous response", {"answers": {"31": 4, "32": "希望增加夜间巡逻"}, "area": 5, **VOICE}
            ),
            ok_example("recorded", {"id": 1024}, status=201),
        ],
        auth=PUBLIC_AUTH,
        description='`{"answers": {"<question id>": value}, "area"?, "token"?, "phone"?, "code"?}`',
    )
    def post(self, request: Request, pk: int) -> Response:
        survey = selectors.survey_get(user=_actor(request), pk=pk)
        v = _valid(s.RespondIn, request)
        response = services.survey_respond(
            survey=survey,
            actor=_actor(request),
            answers=_keyed(v["answers"]),
            area=v.get("area"),
            token=v.get("token", ""),
            phone=v.get("phone", ""),
            code=v.get("code", ""),
        )
        return Response({"id": response.pk}, status=status.HTTP_201_CREATED)


def _figure(label: str, f: Any) -> dict[str, Any]:
    return {
        "area": label,
        "n": f.n,
        "published": f.published,
        "index": f.index,
        "low": f.low,
        "high": f.high,
        "dimensions": f.dimensions,
    }


class IndexView(PublicView):
    @extend_schema(
        tags=["participation"],
        responses={200: s.IndexOut, 404: SURVEY_NOT_FOUND},
        examples=[ok_example("index with child areas", INDEX)],
        auth=PUBLIC_AUTH,
        description="The happiness index of the survey's area (or `?area=`) and of its child areas, "
        "with 95% confidence intervals; areas under the minimum sample are not published.",
    )
    def get(self, request: Request, pk: int) -> Response:
        from lianxin.org.models import Area

        survey = selectors.survey_get(user=_actor(request), pk=pk)
        area = None
        if request.query_params.get("area"):
            area = Area.objects.filter(pk=as_id(request.query_params["area"]) or 0).first()
            if area is None or not survey.area.contains(area):
                raise ValidationFailed(_("区域不在调查范围内"), fields={"area": [_("区域不在调查范围内")]})
        idx = selectors.survey_index(survey=survey, area=area)
        return Response(
            {
                "weights": idx["weights"],
                "min_sample": idx["min_sample"],
                "total": _figure(idx["area"].name, idx["total"]),
                "children": [_figure(c.area.name, c.figure) for c in idx["children"]],
            }
        )

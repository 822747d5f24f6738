"""The participation doors under /api/v1/. Thin: parse, call one service or selector, serialise.
Citizens may call the public doors anonymously with a phone verified by SMS code
(`POST participation/phone-code/`, then `phone` + `code` in the body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.core.api import ERROR
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
        responses={204: None, 400: ERROR, 429: ERROR},
        auth=PUBLIC_AUTH,
        description="Send an SMS code for anonymous participation (comment, vote, sign-up, survey).",
    )
    def post(self, request: Request) -> Response:
        phone_code_send(_valid(s.PhoneCodeIn, request)["phone"], purpose=PURPOSE)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ consultations


class ConsultationsView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.ConsultationOut(many=True)}, auth=PUBLIC_AUTH)
    def get(self, request: Request) -> Response:
        qs = selectors.consultation_list(user=_actor(request))[:200]
        return Response(s.ConsultationOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"],
        request=s.ConsultationIn,
        responses={201: s.ConsultationOut, 400: ERROR, 403: ERROR},
    )
    def post(self, request: UserApiRequest) -> Response:
        v = _valid(s.ConsultationIn, request)
        c = services.consultation_create(actor=request.user, **v)
        return Response(s.ConsultationOut(c).data, status=status.HTTP_201_CREATED)


class ConsultationDetailView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.ConsultationOut, 404: ERROR}, auth=PUBLIC_AUTH)
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
        responses={200: s.ConsultationOut, 400: ERROR, 403: ERROR, 409: ERROR},
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
        responses={200: s.CommentOut(many=True), 404: ERROR},
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
        responses={201: s.CommentOut, 400: ERROR, 404: ERROR, 409: ERROR},
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
        responses={200: s.CommentOut, 400: ERROR, 404: ERROR, 409: ERROR},
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
        responses={200: s.CommentOut, 400: ERROR, 403: ERROR, 404: ERROR},
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
        responses={200: None, 400: ERROR, 409: ERROR},
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
        responses={200: None, 404: ERROR},
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
        responses={201: None, 400: ERROR, 403: ERROR, 409: ERROR},
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
    @extend_schema(tags=["participation"], responses={200: s.PollOut(many=True)}, auth=PUBLIC_AUTH)
    def get(self, request: Request) -> Response:
        qs = selectors.poll_list(user=_actor(request)).prefetch_related("candidates")[:200]
        return Response(s.PollOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"], request=s.PollIn, responses={201: s.PollOut, 400: ERROR, 403: ERROR}
    )
    def post(self, request: UserApiRequest) -> Response:
        poll = services.poll_create(actor=request.user, **_valid(s.PollIn, request))
        return Response(s.PollOut(poll).data, status=status.HTTP_201_CREATED)


class PollDetailView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.PollOut, 404: ERROR}, auth=PUBLIC_AUTH)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.PollOut(selectors.poll_get(user=_actor(request), pk=pk)).data)


class PollActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ActionIn,
        responses={200: s.PollOut, 400: ERROR, 403: ERROR, 409: ERROR},
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
        responses={201: None, 400: ERROR, 403: ERROR, 409: ERROR},
        auth=PUBLIC_AUTH,
    )
    def post(self, request: Request, pk: int) -> Response:
        poll = selectors.poll_get(user=_actor(request), pk=pk)
        vote = services.poll_vote(poll=poll, actor=_actor(request), **_valid(s.VoteIn, request))
        return Response({"id": vote.pk}, status=status.HTTP_201_CREATED)


class ResultsView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.ResultsOut, 404: ERROR}, auth=PUBLIC_AUTH)
    def get(self, request: Request, pk: int) -> Response:
        poll = selectors.poll_get(user=_actor(request), pk=pk)
        data = selectors.poll_results(poll, user=_actor(request))
        for c in data["candidates"]:
            c["budget"] = None if c["budget"] is None else str(c["budget"])
        return Response(data)


# ------------------------------------------------------------------ events


class EventsView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.EventOut(many=True)}, auth=PUBLIC_AUTH)
    def get(self, request: Request) -> Response:
        return Response(s.EventOut(selectors.event_list(user=_actor(request))[:200], many=True).data)

    @extend_schema(
        tags=["participation"], request=s.EventIn, responses={201: s.EventOut, 400: ERROR, 403: ERROR}
    )
    def post(self, request: UserApiRequest) -> Response:
        event = services.event_create(actor=request.user, **_valid(s.EventIn, request))
        return Response(s.EventOut(event).data, status=status.HTTP_201_CREATED)


class EventDetailView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.EventOut, 404: ERROR}, auth=PUBLIC_AUTH)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.EventOut(selectors.event_get(pk=pk)).data)


class SignUpView(PublicView):
    public_methods = ("POST",)

    @extend_schema(
        tags=["participation"],
        request=s.SignUpIn,
        responses={201: s.SignUpOut, 400: ERROR, 409: ERROR},
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
        responses={200: s.SignUpOut, 403: ERROR, 404: ERROR, 409: ERROR},
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
        responses={200: s.SignUpOut, 400: ERROR, 403: ERROR, 409: ERROR},
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
    @extend_schema(tags=["participation"], responses={200: s.SurveyOut(many=True)}, auth=PUBLIC_AUTH)
    def get(self, request: Request) -> Response:
        qs = selectors.survey_list(user=_actor(request)).prefetch_related("questions")[:200]
        return Response(s.SurveyOut(qs, many=True).data)

    @extend_schema(
        tags=["participation"], request=s.SurveyIn, responses={201: s.SurveyOut, 400: ERROR, 403: ERROR}
    )
    def post(self, request: UserApiRequest) -> Response:
        survey = services.survey_create(actor=request.user, **_valid(s.SurveyIn, request))
        return Response(s.SurveyOut(survey).data, status=status.HTTP_201_CREATED)


class SurveyDetailView(PublicView):
    @extend_schema(tags=["participation"], responses={200: s.SurveyOut, 404: ERROR}, auth=PUBLIC_AUTH)
    def get(self, request: Request, pk: int) -> Response:
        return Response(s.SurveyOut(selectors.survey_get(user=_actor(request), pk=pk)).data)


class SurveyActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["participation"],
        request=s.ActionIn,
        responses={200: s.SurveyOut, 400: ERROR, 403: ERROR, 409: ERROR},
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
        responses={201: None, 400: ERROR, 404: ERROR, 409: ERROR},
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
        responses={200: s.IndexOut, 404: ERROR},
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

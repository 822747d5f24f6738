"""幸福指数 surveys: a builder of questions, open or sampled distribution by area, responses by link
(sampled: a one-use token sent by SMS) and the index of `happiness.py`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lianxin.accounts.models import User, Viewer
from lianxin.core.errors import Conflict, NotFound
from lianxin.core.sms import sms_send
from lianxin.org.models import Area, Unit
from lianxin.participation import conf, happiness
from lianxin.participation.models import (
    Dimension,
    Distribution,
    QuestionKind,
    Subject,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyQuestion,
    SurveyResponse,
)
from lianxin.participation.services.common import (
    PHONE,
    bad,
    check,
    clean_text,
    now_or,
    record,
    require_creator,
    voice_of,
)
from lianxin.participation.services.consultations import PURPOSE
from lianxin.participation.transitions import SURVEY

TOPS: dict[str, int] = {QuestionKind.SCALE5: 5, QuestionKind.SCALE10: 10}


def weights_clean(weights: dict[str, Any] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (weights or {}).items():
        if key not in Dimension.values:
            raise bad("weights", _("未知维度：%(d)s") % {"d": key})
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise bad("weights", _("权重应为数字")) from None
        if not 0 <= number <= 100:
            raise bad("weights", _("权重应在 0 到 100 之间"))
        out[key] = number
    if weights and not sum(out.values()):
        raise bad("weights", _("权重之和必须大于 0"))
    return out


def survey_create(
    *,
    actor: User,
    title: str,
    area: Area,
    period_start: date,
    period_end: date,
    questions: Sequence[dict[str, Any]],
    distribution: str = Distribution.OPEN,
    weights: dict[str, Any] | None = None,
    unit: Unit | None = None,
    now: datetime | None = None,
) -> Survey:
    require_creator(actor)
    if area is None:
        raise bad("area", _("请选择区域"), "required")
    if period_end < period_start:
        raise bad("period_end", _("结束日期不能早于开始日期"))
    if distribution not in Distribution.values:
        raise bad("distribution", _("分发方式应为 %(v)s 之一") % {"v": ", ".join(Distribution.values)})
    if not 1 <= len(questions) <= 100:
        raise bad("questions", _("问卷需要 1 到 100 道题"))
    rows = []
    for i, q in enumerate(questions):
        kind = q.get("kind")
        if kind not in QuestionKind.values:
            raise bad(
                f"questions[{i}].kind", _("题型应为 %(v)s 之一") % {"v": ", ".join(QuestionKind.values)}
            )
        options = [clean_text(o, field=f"questions[{i}].options", limit=100) for o in q.get("options") or []]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and not 2 <= len(options) <= 20:
            raise bad(f"questions[{i}].options", _("选择题需要 2 到 20 个选项"))
        dimension = q.get("dimension") or ""
        if dimension and (dimension not in Dimension.values or kind not in TOPS):
            raise bad(f"questions[{i}].dimension", _("只有打分题可以计入幸福指数维度"))
        rows.append(
            SurveyQuestion(
                order=i,
                text=clean_text(q.get("text"), field=f"questions[{i}].text", limit=300),
                kind=kind,
                options=options,
                dimension=dimension,
                required=bool(q.get("required", True)),
            )
        )
    moment = now_or(now)
    with transaction.atomic():
        s = Survey.objects.create(
            title=clean_text(title, field="title", limit=200),
            area=area,
            unit=unit or actor.unit,
            organiser=actor,
            period_start=period_start,
            period_end=period_end,
            distribution=distribution,
            weights=weights_clean(weights) or dict(conf.WEIGHTS),
            created_at=moment,
        )
        for r in rows:
            r.survey = s
        SurveyQuestion.objects.bulk_create(rows)
        record(Subject.SURVEY, s, "create", actor, now=moment)
    return s


def _step(survey: Survey, actor: Viewer, action: str, *, system: bool = False) -> Survey:
    with transaction.atomic():
        s = Survey.objects.select_for_update().get(pk=survey.pk)
        row = check(SURVEY, action, s, actor, system=system)
        s.status = row.target_for(s.status)
        s.save(update_fields=["status"])
        record(Subject.SURVEY, s, action, actor, label=_("系统") if system else "")
    return s


def survey_open(*, survey: Survey, actor: User) -> Survey:
    return _step(survey, actor, "open")


def survey_close(*, survey: Survey, actor: Viewer = None, system: bool = False) -> Survey:
    return _step(survey, actor, "close", system=system)


def survey_invite(*, survey: Survey, actor: User, area: Area, phones: Sequence[str]) -> list[SurveyInvite]:
    """Sampled distribution: a one-use link per phone, sent by SMS (phones kept encrypted)."""
    check(SURVEY, "invite", survey, actor)
    if not survey.area.contains(area):
        raise bad("area", _("区域不在调查范围内"))
    digits = []
    for i, p in enumerate(phones):
        d = "".join(ch for ch in str(p) if ch.isdigit())
        if not PHONE.match(d):
            raise bad(f"phones[{i}]", _("手机号码格式不正确"))
        digits.append(d)
    with transaction.atomic():
        made = [
            SurveyInvite.objects.create(survey=survey, area=area, phone=d, token=secrets.token_urlsafe(16))
            for d in dict.fromkeys(digits)
        ]
        for inv in made:
            link = f"/participation/surveys/{survey.pk}/respond/?token={inv.token}"
            sms_send(
                inv.phone,
                _("诚邀您参加「%(title)s」：%(link)s") % {"title": survey.title[:40], "link": link},
                purpose="participation_survey",
                key=f"survey-invite:{inv.pk}",
            )
        record(Subject.SURVEY, survey, "invite", actor, data={"area": area.pk, "count": len(made)})
    return made


def _answer(q: SurveyQuestion, raw: Any) -> SurveyAnswer | None:
    field = f"answers.{q.pk}"
    if raw in (None, "", []):
        if q.required:
            raise bad(field, _("第 %(n)d 题必须回答") % {"n": q.order + 1}, "required")
        return None
    if q.kind in TOPS:
        top = TOPS[q.kind]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise bad(
                field, _("第 %(n)d 题应为 1 到 %(top)d 的整数") % {"n": q.order + 1, "top": top}
            ) from None
        if isinstance(raw, float) and raw != value or not 1 <= value <= top:
            raise bad(
                field,
                _("第 %(n)d 题应为 1 到 %(top)d 的整数") % {"n": q.order + 1, "top": top},
                "out_of_range",
            )
        return SurveyAnswer(question=q, value=value)
    if q.kind == QuestionKind.SINGLE:
        try:
            index = int(raw)
        except (TypeError, ValueError):
            raise bad(field, _("选项超出范围"), "out_of_range") from None
        if not 0 <= index < len(q.options):
            raise bad(field, _("选项超出范围"), "out_of_range")
        return SurveyAnswer(question=q, value=index, choices=[index])
    if q.kind == QuestionKind.MULTIPLE:
        try:
            picks = sorted({int(x) for x in (raw if isinstance(raw, list) else [raw])})
        except (TypeError, ValueError):
            raise bad(field, _("选项超出范围"), "out_of_range") from None
        if any(not 0 <= i < len(q.options) for i in picks):
            raise bad(field, _("选项超出范围"), "out_of_range")
        return SurveyAnswer(question=q, choices=picks)
    return SurveyAnswer(question=q, text=clean_text(raw, field=field, limit=1000))


def survey_respond(
    *,
    survey: Survey,
    actor: Viewer,
    answers: dict[int, Any],
    area: Area | None = None,
    token: str = "",
    phone: str = "",
    code: str = "",
    now: datetime | None = None,
) -> SurveyResponse:
    """One response per identity (Conflict "already_responded"). A sampled survey takes only invited
    respondents (their link's token); an open one a signed-in citizen or an SMS-verified phone, with
    the area they live in (within the survey's area). Every answer is checked against its question."""
    moment = now_or(now)
    if survey.status != "open" or not survey.period_start <= moment.date() <= survey.period_end:
        raise Conflict(_("调查未在收集期内"), code="survey_closed")
    questions = list(survey.questions.all())
    known = {q.pk for q in questions}
    extra = [k for k in answers if k not in known]
    if extra:
        raise bad(f"answers.{extra[0]}", _("题目不存在"))
    rows = [a for a in (_answer(q, answers.get(q.pk)) for q in questions) if a is not None]
    invite = None
    if survey.distribution == Distribution.SAMPLED or token:
        invite = SurveyInvite.objects.filter(survey=survey, token=(token or "")[:40]).first()
        if invite is None:
            raise NotFound(_("邀请链接无效"))
        if invite.used_at:
            raise Conflict(_("该邀请链接已使用"), code="already_responded")
        identity, where = f"i:{invite.pk}", invite.area
    else:
        if area is None or not survey.area.contains(area):
            raise bad("area", _("请选择调查范围内的居住区域"), "required")
        identity, where = voice_of(actor, phone=phone, code=code, purpose=PURPOSE).identity, area
    by_id = {q.pk: q for q in questions}
    scores = happiness.dimension_scores(
        (by_id[a.question_id].dimension, a.value, TOPS[by_id[a.question_id].kind])
        for a in rows
        if a.value is not None and by_id[a.question_id].kind in TOPS
    )
    try:
        with transaction.atomic():
            if invite is not None and not SurveyInvite.objects.filter(
                pk=invite.pk, used_at__isnull=True
            ).update(used_at=moment):
                raise Conflict(_("该邀请链接已使用"), code="already_responded")
            response = SurveyResponse.objects.create(
                survey=survey,
                area=where,
                identity=identity,
                invite=invite,
                scores=scores,
                index=happiness.response_index(scores, survey.weights or conf.WEIGHTS),
                at=moment,
            )
            for a in rows:
                a.response = response
            SurveyAnswer.objects.bulk_create(rows)
            Survey.objects.filter(pk=survey.pk).update(response_count=F("response_count") + 1)
            record(Subject.SURVEY, survey, "respond", actor, data={"response": response.pk}, now=moment)
    except IntegrityError:
        raise Conflict(_("您已经填写过本问卷"), code="already_responded") from None
    return response

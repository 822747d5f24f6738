"""Demo participation: a consultation with comments and published adoption feedback, an open one, a
published 民生实事 poll, events (one held with minutes and attendance, one upcoming), and a happiness
survey over the cadre's street with enough responses per community to publish the index."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lianxin.accounts.models import Role, User
from lianxin.org.models import Area
from lianxin.participation import services

DIMENSIONS = [
    "income",
    "housing",
    "education",
    "health",
    "social_security",
    "safety",
    "environment",
    "public_services",
]


def load(ctx: Any) -> None:
    users = ctx.objects.get("users") or {}
    cadre = users.get("cadre")
    if cadre is None or cadre.area_scope is None:
        return
    rng, now = ctx.rng, ctx.now
    street: Area = cadre.area_scope
    communities = list(Area.objects.filter(parent=street)[:3]) or [street]
    citizens = [users["citizen"]] if "citizen" in users else []
    for i in range(40):
        citizens.append(
            User.objects.create_user(
                username=f"resident{i:02d}", roles=Role.CITIZEN, display_name=f"居民{i:02d}"
            )
        )

    # A consultation that closed and published its feedback, and an open one.
    done = services.consultation_create(
        actor=cadre,
        title="老旧小区改造实施方案（征求意见稿）",
        kind="plan",
        body="拟对辖区三个老旧小区实施屋面防水、加装电梯和停车位改造，现公开征求意见。",
        area=street,
        opens_at=now - timedelta(days=40),
        closes_at=now - timedelta(days=25),
        questions=[{"text": "您是否支持优先加装电梯？", "options": ["支持", "不支持", "无所谓"]}],
        now=now - timedelta(days=41),
    )
    done = services.consultation_publish(consultation=done, actor=cadre, now=now - timedelta(days=40))
    texts = [
        "建议优先解决屋面漏水",
        "电梯费用分摊要公开",
        "增加非机动车停车棚",
        "施工时间避开午休",
        "希望保留小区绿化",
    ]
    comments = [
        services.comment_add(consultation=done, actor=citizens[i], body=t, now=now - timedelta(days=39 - i))
        for i, t in enumerate(texts)
    ]
    done = services.consultation_close(consultation=done, system=True, now=now - timedelta(days=25))
    outcomes = ["adopted", "partly", "adopted", "adopted", "not_adopted"]
    reasons = [
        "已列为第一批改造内容",
        "分摊方案将在楼栋公示",
        "新增两处停车棚",
        "已写入施工要求",
        "绿化面积不减少，但需移植部分树木",
    ]
    for comment, outcome, reason in zip(comments, outcomes, reasons, strict=True):
        services.feedback_add(
            consultation=done,
            actor=cadre,
            comments=[comment.pk],
            outcome=outcome,
            reason=reason,
            now=now - timedelta(days=20),
        )
    services.consultation_feedback_publish(
        consultation=done,
        actor=cadre,
        now=now - timedelta(days=18),
        summary="共收到意见5条，采纳3条、部分采纳1条、未采纳1条，理由见下。",
    )
    live = services.consultation_create(
        actor=cadre,
        title="社区公共空间微更新项目（征求意见稿）",
        kind="project",
        body="拟利用闲置空地建设口袋公园，征求居民意见。",
        area=street,
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=12),
    )
    live = services.consultation_publish(consultation=live, actor=cadre)
    services.comment_add(consultation=live, actor=citizens[5], body="建议增加儿童游乐设施")

    # A published 民生实事 poll.
    poll = services.poll_create(
        actor=cadre,
        title="2026年度民生实事项目票决",
        area=street,
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=20),
        winners=2,
        electorate_size=60,
        candidates=[
            {"title": "加装电梯10部", "budget": "300"},
            {"title": "建设口袋公园", "budget": "80"},
            {"title": "社区食堂", "budget": "120"},
            {"title": "道路微循环改造", "budget": "200"},
        ],
        now=now - timedelta(days=31),
    )
    poll = services.poll_open(poll=poll, actor=cadre, now=now - timedelta(days=30))
    cands = list(poll.candidates.all())
    for i, citizen in enumerate(citizens[:35]):
        pick = cands[0] if i % 3 == 0 else cands[2] if i % 3 == 1 else cands[rng.randrange(4)]
        services.poll_vote(
            poll=poll, actor=citizen, candidates=[pick.pk], now=now - timedelta(days=29 - i % 8)
        )
    poll = services.poll_close(poll=poll, system=True, now=now - timedelta(days=20))
    services.poll_publish(poll=poll, actor=cadre, now=now - timedelta(days=19))

    # Events: one held last month (attendance, minutes, a follow-up demand), one upcoming.
    held = services.event_create(
        actor=cadre,
        title="东风街道居民议事会",
        kind="council",
        area=street,
        place="街道党群服务中心",
        starts_at=now - timedelta(days=28),
        ends_at=now - timedelta(days=28, hours=-2),
        capacity=20,
        now=now - timedelta(days=35),
    )
    signups = [
        services.event_sign_up(event=held, actor=c, now=now - timedelta(days=33)) for c in citizens[:15]
    ]
    for s in signups[:12]:
        services.event_check_in(
            event=held, actor=cadre, code=services.checkin_code(s), now=now - timedelta(days=28)
        )
    services.event_minutes_record(
        event=held,
        actor=cadre,
        minutes="议事会讨论了停车难和加装电梯问题。",
        decisions="1. 增设停车位；2. 成立加装电梯协调小组。",
        now=now - timedelta(days=27),
    )
    services.event_follow_up_add(
        event=held,
        actor=cadre,
        text="协调物业在东门增设临时停车位",
        as_demand=True,
        now=now - timedelta(days=27),
    )
    upcoming = services.event_create(
        actor=cadre,
        title="垃圾分类志愿服务",
        kind="volunteer",
        area=street,
        place="和平社区广场",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=3),
        capacity=10,
    )
    for c in citizens[:12]:
        services.event_sign_up(event=upcoming, actor=c)

    # A happiness survey with 40 responses per community (the index is published).
    today = now.date()
    survey = services.survey_create(
        actor=cadre,
        title=f"{today.year}年度群众幸福指数调查",
        area=street,
        period_start=today - timedelta(days=30),
        period_end=today + timedelta(days=30),
        questions=[
            {"text": f"您对{label}的满意程度", "kind": "scale5", "dimension": d}
            for d, label in zip(
                DIMENSIONS,
                ["收入/就业", "住房", "教育", "医疗", "社保", "治安", "环境", "公共服务"],
                strict=True,
            )
        ]
        + [{"text": "您还有什么建议？", "kind": "text", "required": False}],
        now=now - timedelta(days=31),
    )
    survey = services.survey_open(survey=survey, actor=cadre)
    questions = list(survey.questions.filter(kind="scale5"))
    for community in communities:
        for i in range(40):
            answers = {q.pk: min(5, max(1, round(rng.gauss(3.8, 0.9)))) for q in questions}
            _respond(
                survey,
                answers,
                community,
                f"demo:{community.pk}:{i}",
                now - timedelta(days=rng.randrange(1, 25)),
            )
    ctx.log.append("Participation: 2 consultations, 1 poll, 2 events, 1 survey")


def _respond(survey, answers, area, identity, at):
    """A demo response without an SMS round-trip: the same rows `survey_respond` writes."""
    from lianxin.participation import happiness
    from lianxin.participation.models import SurveyAnswer, SurveyResponse

    qs = {q.pk: q for q in survey.questions.all()}
    scores = happiness.dimension_scores((qs[k].dimension, v, 5) for k, v in answers.items())
    index = happiness.response_index(scores, survey.weights)
    r = SurveyResponse.objects.create(
        survey=survey, area=area, identity=identity, scores=scores, index=index, at=at
    )
    SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(response=r, question=qs[k], value=v) for k, v in answers.items()]
    )
    survey.response_count += 1
    survey.save(update_fields=["response_count"])

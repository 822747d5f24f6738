"""Builders of participation objects through their services (so every test object has its timeline)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianxin.participation import services


def consultation(organiser, area, *, open_=True, questions=(), hours=48):
    now = timezone.now()
    c = services.consultation_create(
        actor=organiser,
        title="老旧小区改造方案（征求意见稿）",
        kind="plan",
        body="拟对辖区三个老旧小区实施改造。",
        area=area,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=hours),
        questions=list(questions),
    )
    if open_:
        c = services.consultation_publish(consultation=c, actor=organiser)
    return c


def poll(organiser, area, *, open_=True, **kw):
    now = timezone.now()
    p = services.poll_create(
        actor=organiser,
        title="2027年民生实事票决",
        area=area,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=3),
        candidates=[{"title": "加装电梯", "budget": "120"}, {"title": "口袋公园"}, {"title": "停车改造"}],
        **kw,
    )
    if open_:
        p = services.poll_open(poll=p, actor=organiser)
    return p


def event(organiser, area, *, capacity=2, hours=48):
    now = timezone.now()
    return services.event_create(
        actor=organiser,
        title="社区议事会",
        kind="council",
        area=area,
        place="社区活动中心",
        starts_at=now + timedelta(hours=hours),
        ends_at=now + timedelta(hours=hours + 2),
        capacity=capacity,
    )


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


def survey(organiser, area, *, open_=True, distribution="open"):
    today = timezone.localdate()
    qs = [{"text": f"您对{d}的满意度", "kind": "scale5", "dimension": d} for d in DIMENSIONS]
    qs.append(
        {"text": "您的年龄段", "kind": "single", "options": ["18-35", "36-60", "60+"], "required": False}
    )
    qs.append({"text": "其他建议", "kind": "text", "required": False})
    s = services.survey_create(
        actor=organiser,
        title="2026年幸福指数调查",
        area=area,
        period_start=today - timedelta(days=10),
        period_end=today + timedelta(days=10),
        questions=qs,
        distribution=distribution,
    )
    if open_:
        s = services.survey_open(survey=s, actor=organiser)
    return s

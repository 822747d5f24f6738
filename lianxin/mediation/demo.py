"""Demo data of mediation: five cases in the demo cadre's street, built through the services (after the
demands and contact loaders): one being mediated, one agreed at the town after escalation and performed,
one referred to the court, one opened from a complaint demand, and one past its deadline (red-carded)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lianxin.demands.choices import DemandType
from lianxin.demands.models import Demand
from lianxin.mediation import services
from lianxin.mediation.services import PartyInput
from lianxin.org.models import Area


def _parties(*names: tuple[str, str, str]) -> list[PartyInput]:
    return [PartyInput(name=n, role=r, phone=p) for n, r, p in names]


def load(ctx: Any) -> None:
    users = ctx.objects.get("users") or {}
    cadre, mediator, supervisor = users.get("cadre"), users.get("handler2"), users.get("supervisor")
    if cadre is None or mediator is None or cadre.area_scope is None:
        return
    street = cadre.area_scope
    local = Area.objects.filter(street.subtree_q()).exclude(pk=street.pk).order_by("path").first() or street
    now = ctx.now
    mediators = [mediator.pk]

    noise = services.case_open(
        actor=mediator,
        title="楼上装修噪音引发邻里矛盾",
        summary="楼上住户连续两个月晚间装修，楼下老人无法休息，双方多次争吵。",
        type="neighbour",
        parties=_parties(("王秀英", "applicant", "13700001111"), ("李德明", "respondent", "13700002222")),
        area=local,
        mediators=mediators,
        now=now - timedelta(days=6),
    )
    services.case_session(
        case=noise,
        actor=mediator,
        record="双方到场，约定装修时间为工作日 9:00-18:00。",
        place="社区调解室",
        now=now - timedelta(days=4),
    )

    wages = services.case_open(
        actor=mediator,
        title="装修工人追讨工资",
        summary="八名工人被拖欠工资三个月，工人称再不发工资就跳楼，已多次上访。",
        type="labour",
        parties=_parties(
            ("张志强", "applicant", "13700003333"),
            ("刘春生", "applicant", ""),
            ("某装饰工程有限公司", "respondent", ""),
        ),
        area=local,
        prior_petitions=2,
        mediators=mediators,
        now=now - timedelta(days=25),
    )
    services.case_escalate(
        case=wages, actor=mediator, note="涉及金额较大，提交街道调委会", now=now - timedelta(days=24)
    )
    services.case_session(
        case=wages, actor=mediator, record="公司同意分两期支付欠薪。", now=now - timedelta(days=20)
    )
    services.case_draft(
        case=wages,
        actor=mediator,
        terms="一、公司于十日内支付欠薪的一半；二、余款于次月底前付清。",
        now=now - timedelta(days=19),
    )
    wages.refresh_from_db()
    services.case_agree(
        case=wages,
        actor=mediator,
        signed_parties=list(wages.parties.values_list("pk", flat=True)),
        now=now - timedelta(days=18),
    )
    services.case_follow_up(
        case=wages,
        actor=mediator,
        date=(now - timedelta(days=2)).date(),
        performance="performed",
        note="欠薪已全部付清",
        now=now - timedelta(days=2),
    )
    services.case_close(case=wages, actor=mediator, now=now - timedelta(days=1))

    parking = services.case_open(
        actor=mediator,
        title="小区车位归属争议",
        summary="业主与物业公司对地下车位产权各执一词。",
        type="property",
        parties=_parties(("陈永红", "applicant", ""), ("某物业服务有限公司", "respondent", "")),
        area=local,
        mediators=mediators,
        now=now - timedelta(days=15),
    )
    services.case_session(
        case=parking, actor=mediator, record="双方分歧较大，未能达成一致。", now=now - timedelta(days=12)
    )
    services.case_refer(
        case=parking,
        actor=mediator,
        referral_to="court",
        referral_body="区人民法院",
        note="产权争议需司法确认",
        now=now - timedelta(days=10),
    )

    complaint = (
        Demand.objects.filter(street.subtree_q("area"), type=DemandType.COMPLAINT).order_by("pk").first()
    )
    if complaint is not None and supervisor is not None:
        services.case_open(
            actor=supervisor,
            title=complaint.title[:200],
            summary=complaint.content,
            type="neighbour",
            parties=_parties(("反映人", "applicant", ""), ("被反映方", "respondent", "")),
            demand=complaint,
            mediators=mediators,
            now=now - timedelta(days=3),
        )

    services.case_open(
        actor=mediator,
        title="宅基地边界纠纷",
        summary="两户村民因宅基地边界围墙发生争执。",
        type="land",
        parties=_parties(("周国庆", "applicant", ""), ("吴玉梅", "respondent", "")),
        area=local,
        mediators=mediators,
        now=now - timedelta(days=40),
    )
    carded = services.case_red_card_sweep(now=now)
    ctx.log.append(f"Mediation: 5 cases ({carded} red-carded)")

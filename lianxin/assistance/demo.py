"""Demo assistance ledger: each demo cadre's households in difficulty (tagged 困难户, 低保 or 零就业家庭 by
the contact loader) get a plan paired with that cadre, with measures and follow-ups over the last
three months; one household is lifted out of difficulty, one follow-up is overdue. Built through the
services; runs after the contact loader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from lianxin.accounts.models import Role, User, role_q
from lianxin.assistance import services
from lianxin.assistance.selectors import eligible_households

MEASURES = [
    ("employment", "in_progress", "推荐至辖区物业公司面试保洁岗位，并报名家政技能培训。", None),
    ("dibao", "approved", "协助提交低保申请材料，经审核已纳入低保。", "780"),
    ("temporary_relief", "applied", "因病申请临时救助，材料已报街道民政办。", "2000"),
    ("medical", "done", "协调社区卫生服务中心上门体检并签约家庭医生。", None),
    ("education", "done", "为在读子女申请教育资助。", "1500"),
]


def load(ctx: Any) -> None:
    users = ctx.objects.get("users") or {}
    admin = users.get("admin") or User.objects.filter(role_q(Role.ADMIN)).order_by("pk").first()
    if admin is None:
        return
    today = timezone.localdate(ctx.now)
    cadres = ctx.objects.get("cadres") or list(User.objects.filter(role_q(Role.CADRE)).order_by("pk"))
    plans = 0
    for index, cadre in enumerate(cadres):
        households = list(eligible_households(user=cadre)[:4])
        for h_index, household in enumerate(households):
            start = today - timedelta(days=85 - 5 * h_index)
            plan = services.plan_create(
                actor=admin,
                household=household,
                cadre=cadre,
                needs="家庭收入低，主要劳动力失业；子女就学和老人看病开支大。",
                start=start,
                every_days=30,
            )
            plans += 1
            kind, status, detail, amount = MEASURES[(index + h_index) % len(MEASURES)]
            services.measure_add(
                plan=plan,
                actor=cadre,
                kind=kind,
                status=status,
                detail=detail,
                day=start + timedelta(days=3),
                amount=amount,
            )
            # Follow-ups a month apart; the second household's cadre missed the last one (overdue).
            visits = 1 if h_index == 1 else 2
            for v in range(visits):
                services.follow_up_log(
                    plan=plan,
                    actor=cadre,
                    day=start + timedelta(days=28 + 30 * v),
                    note="入户了解近况，家庭成员身体状况稳定，就业推荐正在跟进。",
                )
            if h_index == 0 and index == 0:
                services.plan_assess(
                    plan=plan, actor=cadre, outcome="lifted", reason="户主已稳定就业，月收入超过低保标准。"
                )
            elif h_index == 2:
                services.plan_assess(
                    plan=plan, actor=cadre, outcome="still_in_need", reason="老人长期患病，仍需医疗救助。"
                )
    ctx.log.append(f"Assistance: {plans} assistance plans for households in difficulty")

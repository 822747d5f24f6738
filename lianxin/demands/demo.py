"""Demo demands: ~300, deterministic (seeded), spread over the three calendar months before load time,
in every state, each driven through the real services so that timelines, deadlines and measures are real.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from lianxin.demands import services
from lianxin.demands.choices import DemandType, Outcome, Satisfaction, Status, Urgency
from lianxin.demands.models import Demand, RoutingRule
from lianxin.demands.sweep import deadline_sweep
from lianxin.org.models import Category

COUNT = 300
ROUTES = {
    "城乡建设": "市住房和城乡建设局",
    "劳动和社会保障": "市人力资源和社会保障局",
    "教育文体": "市教育局",
    "商贸旅游": "市商务局",
    "卫生计生": "市卫生健康委员会",
    "环境保护": "市生态环境局",
    "交通运输": "市交通运输局",
    "政法": "市公安局",
    "经济管理": "市市场监督管理局",
    "国土资源": "市自然资源和规划局",
}
SAMPLES = [
    (
        "城乡建设",
        DemandType.COMPLAINT,
        "小区电梯频繁故障无人维修",
        "我们小区{n}栋电梯近一个月多次停运，物业一直推诿，老人上下楼很困难。",
    ),
    (
        "城乡建设",
        DemandType.HELP,
        "老旧小区屋顶漏水",
        "{n}号楼顶层住户家中屋顶漏水严重，下雨天无法居住，请求尽快维修。",
    ),
    (
        "城乡建设",
        DemandType.CONSULTATION,
        "公租房申请条件咨询",
        "请问本市公租房申请需要哪些条件和材料？在哪里办理？",
    ),
    (
        "劳动和社会保障",
        DemandType.COMPLAINT,
        "工地拖欠农民工工资",
        "某工地拖欠我们{n}名工人三个月工资，多次讨要未果。",
    ),
    (
        "劳动和社会保障",
        DemandType.CONSULTATION,
        "灵活就业社保缴费咨询",
        "灵活就业人员如何缴纳养老保险？每月缴费标准是多少？",
    ),
    (
        "教育文体",
        DemandType.COMPLAINT,
        "学校违规收取资料费",
        "孩子所在学校要求每人交{n}0元资料费，没有收据，请核查。",
    ),
    (
        "教育文体",
        DemandType.SUGGESTION,
        "建议增设社区图书室",
        "社区缺少阅读场所，建议利用闲置用房增设图书室。",
    ),
    ("卫生计生", DemandType.HELP, "社区卫生站缺少常用药", "社区卫生服务站降压药经常缺货，老人只能跑大医院。"),
    (
        "环境保护",
        DemandType.REPORT,
        "夜间工地噪音扰民",
        "附近工地每天晚上{n}点以后仍在施工，噪音严重影响休息。",
    ),
    ("环境保护", DemandType.COMPLAINT, "餐馆油烟直排", "楼下餐馆油烟直接排放到居民楼，窗户都不敢开。"),
    ("交通运输", DemandType.SUGGESTION, "建议增开公交线路", "新建小区到地铁站没有公交，建议增开接驳线路。"),
    ("交通运输", DemandType.COMPLAINT, "道路破损坑洼", "主干道有多处坑洼，已发生{n}起电动车摔倒事故。"),
    ("政法", DemandType.REPORT, "小区附近有人聚众赌博", "小区旁边门面每天有人聚众赌博，影响治安。"),
    ("商贸旅游", DemandType.COMPLAINT, "超市销售过期食品", "在某超市购买的牛奶已过期{n}天，商家拒绝退换。"),
    (
        "经济管理",
        DemandType.PRAISE,
        "表扬市场监管所工作人员",
        "市场监管所工作人员耐心帮我处理消费纠纷，特此表扬。",
    ),
    (
        "国土资源",
        DemandType.CONSULTATION,
        "不动产证办理进度",
        "购房已{n}年，不动产证迟迟办不下来，请问进度。",
    ),
]


def _final_state(rng, age_days: float) -> str:
    """Older demands are mostly finished; recent ones are spread over the open states."""
    r = rng.random()
    if age_days > 20:
        table = [
            (0.60, Status.CLOSED),
            (0.68, Status.REPLIED),
            (0.78, Status.IN_PROGRESS),
            (0.84, Status.REJECTED),
            (0.89, Status.MERGED),
            (0.93, Status.RETURNED),
            (0.96, Status.DISPATCHED),
            (1.00, "reopened"),
        ]
    else:
        table = [
            (0.15, Status.SUBMITTED),
            (0.25, Status.ACCEPTED),
            (0.38, Status.DISPATCHED),
            (0.58, Status.IN_PROGRESS),
            (0.65, Status.RETURNED),
            (0.78, Status.REPLIED),
            (0.95, Status.CLOSED),
            (1.00, Status.REJECTED),
        ]
    for bound, state in table:
        if r < bound:
            return state
    return Status.CLOSED


def load(ctx) -> None:
    o, rng, now = ctx.objects, ctx.rng, ctx.now
    users = o["users"]
    operator, supervisor = users["operator"], users["supervisor"]
    departments = o["departments"]
    handlers = {}
    for user in users.values():
        if user.has_role("handler") and user.unit_id:
            handlers.setdefault(user.unit_id, user)
    handlers[departments["市住房和城乡建设局"].pk] = users["handler"]
    roots = {c.name: c for c in Category.objects.filter(level=1)}
    leaves: dict[str, list[Category]] = {}
    for cat in Category.objects.filter(level=2).select_related("parent"):
        leaves.setdefault(cat.parent.name, []).append(cat)
    for name, unit_name in ROUTES.items():
        if name in roots:
            RoutingRule.objects.create(category=roots[name], unit=departments[unit_name], priority=100)
    street_units = {u.area_id: u for u in o["street_units"]}
    RoutingRule.objects.create(unit=o["street_units"][0], area=o["streets"][0], priority=50, note="街道属地")
    government = departments["市住房和城乡建设局"].parent
    RoutingRule.objects.create(unit=government, is_fallback=True, priority=0, note="兜底单位")

    month_start = now.date().replace(day=1)
    for _ in range(3):
        month_start = (month_start - timedelta(days=1)).replace(day=1)
    start = datetime.combine(month_start, datetime.min.time(), tzinfo=now.tzinfo)
    span = (now - start).total_seconds() - 3600
    communities = o["communities"]
    home_street = o["streets"][0]
    created_demands: list[Demand] = []
    for i in range(COUNT):
        created = start + timedelta(seconds=span * (i + rng.random()) / COUNT)
        root_name, dtype, title, content = SAMPLES[rng.randrange(len(SAMPLES))]
        community = communities[rng.randrange(len(communities))] if rng.random() < 0.7 else None
        if rng.random() < 0.3:
            community = [c for c in communities if c.parent_id == home_street.pk][rng.randrange(3)]
        category = rng.choice(leaves.get(root_name) or [roots.get(root_name)]) if root_name in roots else None
        urgency = (
            Urgency.CRITICAL
            if rng.random() < 0.03
            else Urgency.URGENT
            if rng.random() < 0.1
            else Urgency.NORMAL
        )
        by_citizen = rng.random() < 0.15
        demand, _ = services.demand_submit(
            actor=users["citizen"] if by_citizen else (operator if rng.random() < 0.5 else None),
            title=f"{community.name if community else ''}{title}",
            content=content.format(n=rng.randint(2, 9)),
            type=dtype,
            urgency=urgency,
            category=category,
            area=community,
            address=f"{community.name if community else 'A市'}{rng.randint(1, 40)}号" if community else "",
            contact_name=rng.choice(["王先生", "李女士", "刘阿姨", "陈师傅", "赵同学"]),
            contact_phone=f"139{rng.randint(10000000, 99999999)}",
            now=created,
        )
        age_days = (now - created).total_seconds() / 86400
        target = _final_state(rng, age_days)
        created_demands.append(
            _drive(demand, target, rng, now, operator, supervisor, handlers, street_units, created_demands)
        )
    deadline_sweep(now=now)
    by_status: dict[str, int] = {}
    for d in Demand.objects.values_list("status", flat=True):
        by_status[d] = by_status.get(d, 0) + 1
    o["demands"] = created_demands
    ctx.log.append(f"Demands: {sum(by_status.values())} {by_status}")


def _drive(d: Demand, target: str, rng, now, operator, supervisor, handlers, street_units, earlier) -> Demand:
    """Run the services from submitted toward `target`, stopping where the clock would pass `now`."""
    t = d.created_at

    def step(minutes_lo: float, minutes_hi: float) -> datetime | None:
        nonlocal t
        t = t + timedelta(minutes=rng.uniform(minutes_lo, minutes_hi))
        return t if t < now else None

    if target == Status.SUBMITTED:
        return d
    if target == Status.MERGED:
        parents = [
            e for e in earlier[-30:] if e.status not in (Status.CLOSED, Status.REJECTED, Status.MERGED)
        ]
        if parents and (m := step(5, 60)):
            parent = Demand.objects.get(pk=parents[-1].pk)
            return services.demand_merge(demand=d, actor=operator, parent=parent, note="重复诉求", now=m)
        return d
    if not (m := step(5, 90)):
        return d
    if target == Status.REJECTED:
        return services.demand_reject(
            demand=d, actor=operator, reason="不属于12345受理范围，已告知诉求人", now=m
        )
    d = services.demand_accept(demand=d, actor=operator, now=m)
    if target == Status.ACCEPTED or not (m := step(10, 150)):
        return d
    d = services.demand_dispatch(demand=d, actor=operator, now=m)
    handler = handlers.get(d.lead_unit_id)
    if target == Status.DISPATCHED or handler is None or not (m := step(30, 60 * 30)):
        return d
    if target == Status.RETURNED and rng.random() < 0.5:
        return services.demand_return(
            demand=d, actor=handler, reason="该事项属于属地管理，建议改派街道", now=m
        )
    d = services.demand_sign(demand=d, actor=handler, now=m)
    if target == Status.RETURNED:
        if not (m := step(60, 60 * 24)):
            return d
        d = services.demand_return(demand=d, actor=handler, reason="经核实不属于本单位职责", now=m)
        if rng.random() < 0.5 and (m := step(30, 120)):
            unit = street_units.get(d.area.parent_id) if d.area_id and d.area.parent_id else None
            if unit is not None and unit.pk != d.lead_unit_id:
                d = services.demand_dispatch(demand=d, actor=operator, unit=unit, note="改派属地街道", now=m)
        return d
    if rng.random() < 0.12 and (m := step(60, 60 * 24)) and m < (d.reply_due_at or now):
        d = services.demand_request_extension(
            demand=d, actor=handler, days=5, reason="需协调多部门现场核查", now=m
        )
        if m := step(30, 300):
            if rng.random() < 0.8:
                d = services.demand_approve_extension(demand=d, actor=supervisor, now=m)
            else:
                d = services.demand_deny_extension(demand=d, actor=operator, reason="时限内可以办结", now=m)
    if rng.random() < 0.1 and (m := step(60, 60 * 48)):
        d = services.demand_supervise(demand=d, actor=supervisor, note="群众反映强烈，请加快办理", now=m)
    if target == Status.IN_PROGRESS or not (m := step(60 * 6, 60 * 24 * rng.choice([2, 4, 8, 16]))):
        return d
    outcome = rng.choice(
        [Outcome.RESOLVED, Outcome.RESOLVED, Outcome.RESOLVED, Outcome.PARTLY_RESOLVED, Outcome.EXPLAINED]
    )
    d = services.demand_reply(
        demand=d,
        actor=handler,
        text="经现场核查，已协调相关单位处理，问题已按规定办理。",
        outcome=outcome,
        now=m,
    )
    if target == Status.REPLIED or not (m := step(60, 60 * 40)):
        return d
    satisfaction = rng.choices(
        [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED],
        weights=[70, 18, 12],
    )[0]
    resolved = outcome == Outcome.RESOLVED and satisfaction != Satisfaction.DISSATISFIED or rng.random() < 0.1
    if rng.random() < 0.1:
        return services.demand_close(demand=d, actor=operator, note="多次回访无人接听", now=m)
    d = services.demand_rate(demand=d, actor=operator, satisfaction=satisfaction, resolved=resolved, now=m)
    if target == "reopened" and (m := step(60, 60 * 24)):
        d = services.demand_reopen(demand=d, actor=operator, reason="群众不满意，要求重新办理", now=m)
    return d

"""Demo demands: ~300, deterministic (seeded), spread over the three calendar months before load time,
in every state, each driven through the real services so that timelines, deadlines and measures are real.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from lianxin.accounts.models import Role, User
from lianxin.core.demo import DemoContext
from lianxin.demands import services
from lianxin.demands.choices import DemandType, Outcome, Satisfaction, Status, Urgency
from lianxin.demands.models import Demand, RoutingRule, TransferTarget
from lianxin.demands.services.transfer import transfer_targets_ensure
from lianxin.demands.sweep import deadline_sweep
from lianxin.org.models import Category, Unit

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
# (category as 一级/二级 of the 附件1 taxonomy, type, title, content)
SAMPLES = [
    (
        "城乡建设/住房保障与房地产",
        DemandType.COMPLAINT,
        "小区电梯频繁故障无人维修",
        "我们小区{n}栋电梯近一个月多次停运，物业一直推诿，老人上下楼很困难。",
    ),
    (
        "城乡建设/住房保障与房地产",
        DemandType.HELP,
        "老旧小区屋顶漏水",
        "{n}号楼顶层住户家中屋顶漏水严重，下雨天无法居住，请求尽快维修。",
    ),
    (
        "城乡建设/住房保障与房地产",
        DemandType.CONSULTATION,
        "公租房申请条件咨询",
        "请问本市公租房申请需要哪些条件和材料？在哪里办理？",
    ),
    (
        "劳动和社会保障/工资福利",
        DemandType.COMPLAINT,
        "工地拖欠农民工工资",
        "某工地拖欠我们{n}名工人三个月工资，多次讨要未果。",
    ),
    (
        "劳动和社会保障/城镇职工社会保险",
        DemandType.CONSULTATION,
        "灵活就业社保缴费咨询",
        "灵活就业人员如何缴纳养老保险？每月缴费标准是多少？",
    ),
    (
        "教育文体/教育收费",
        DemandType.COMPLAINT,
        "学校违规收取资料费",
        "孩子所在学校要求每人交{n}0元资料费，没有收据，请核查。",
    ),
    (
        "教育文体/文化",
        DemandType.SUGGESTION,
        "建议增设社区图书室",
        "社区缺少阅读场所，建议利用闲置用房增设图书室。",
    ),
    (
        "卫生计生/公共卫生",
        DemandType.HELP,
        "社区卫生站缺少常用药",
        "社区卫生服务站降压药经常缺货，老人只能跑大医院。",
    ),
    (
        "环境保护/环境污染",
        DemandType.REPORT,
        "夜间工地噪音扰民",
        "附近工地每天晚上{n}点以后仍在施工，噪音严重影响休息。",
    ),
    (
        "环境保护/环境污染",
        DemandType.COMPLAINT,
        "餐馆油烟直排",
        "楼下餐馆油烟直接排放到居民楼，窗户都不敢开。",
    ),
    (
        "交通运输/客货运输",
        DemandType.SUGGESTION,
        "建议增开公交线路",
        "新建小区到地铁站没有公交，建议增开接驳线路。",
    ),
    (
        "交通运输/建设管理",
        DemandType.COMPLAINT,
        "道路破损坑洼",
        "主干道有多处坑洼，已发生{n}起电动车摔倒事故。",
    ),
    ("政法/社会治安", DemandType.REPORT, "小区附近有人聚众赌博", "小区旁边门面每天有人聚众赌博，影响治安。"),
    (
        "商贸旅游/市场监管",
        DemandType.COMPLAINT,
        "超市销售过期食品",
        "在某超市购买的牛奶已过期{n}天，商家拒绝退换。",
    ),
    (
        "经济管理/其他",
        DemandType.PRAISE,
        "表扬市场监管所工作人员",
        "市场监管所工作人员耐心帮我处理消费纠纷，特此表扬。",
    ),
    (
        "国土资源/土地资源管理",
        DemandType.CONSULTATION,
        "不动产证办理进度",
        "购房已{n}年，不动产证迟迟办不下来，请问进度。",
    ),
]

# Replies as handlers write them: facts found, measures taken, the basis, a contact. `_reply_text` uses
# the whole text for most demands, its first two sentences for some, and an evasive or a template-only
# reply for the rest, so that reply quality has something to tell apart.
REPLIES = {
    "小区电梯频繁故障无人维修": "经现场核查，该栋电梯主板老化导致多次停运，情况属实。我局已责令物业服务企业三日内更换主板并每周维保一次，"
    "区特种设备检验机构将于维修后复检。根据《特种设备安全法》第四十条，电梯使用单位须定期维护保养。如有疑问请联系0731-88665432。",
    "老旧小区屋顶漏水": "经实地查看，该楼顶层防水层破损，情况属实。已安排维修资金应急使用，施工单位本周进场修补，预计十日内完工。"
    "依据《住宅专项维修资金管理办法》第二十二条办理。联系电话：0731-88665433。",
    "公租房申请条件咨询": "您好，本市公租房申请条件为：本市城镇户籍或稳定就业满一年，家庭人均住房面积低于15平方米，收入符合标准。"
    "需提交身份证、户口簿、收入证明，到户籍所在街道政务服务中心申请。依据《A市公共租赁住房管理办法》第八条。咨询电话：0731-88665434。",
    "工地拖欠农民工工资": "经调查，该工地劳务分包单位拖欠工资情况属实。我局已责令总承包单位从工资保证金中先行支付，目前已发放两个月工资，"
    "余款限期十日内付清。根据《保障农民工工资支付条例》第三十条处理。如仍未到账请拨打0731-88665435。",
    "灵活就业社保缴费咨询": "您好，灵活就业人员可持身份证到社保经办窗口或通过A市人社网上办事大厅登记参保，"
    "缴费基数可在全省平均工资的60%至300%之间自选，按月或按年缴纳。依据《社会保险法》第十条。咨询电话：0731-88665436。",
    "学校违规收取资料费": "经核实，该校确有统一收取资料费情况。我局已责令学校全额退还所收费用，并对校长进行约谈，已在全区通报。"
    "根据《中小学教辅材料管理办法》规定，学校不得强制学生购买资料。监督电话：0731-88665437。",
    "建议增设社区图书室": "经了解，社区现有一间闲置用房可以改造。街道已将图书室纳入今年社区服务设施提升计划，"
    "下一步将配置书架和首批两千册图书，预计下月开放。联系电话：0731-88665438。",
    "社区卫生站缺少常用药": "经核查，该卫生服务站降压药因配送企业断供缺货，情况属实。已协调配送企业恢复供货，并增加常用慢病药品储备，"
    "本周内补齐。依据《基本药物目录管理办法》保障配备。咨询电话：0731-88665439。",
    "夜间工地噪音扰民": "经现场检查，该工地晚上十点后仍在施工，情况属实。我局已下达整改通知，责令停止夜间施工，对施工单位依法立案处罚。"
    "根据《噪声污染防治法》第四十三条，夜间施工须取得证明。夜间举报电话：0731-88665440。",
    "餐馆油烟直排": "经现场检查，该餐馆未安装油烟净化设施，情况属实。已责令其十五日内安装并通过检测，逾期将依法处罚。"
    "依据《大气污染防治法》第八十一条。联系电话：0731-88665441。",
    "建议增开公交线路": "经调查，该小区至地铁站确无公交线路。我局已将接驳线路纳入年度线网优化方案，下一步将开展客流调查，"
    "计划年内开通微循环公交。联系电话：0731-88665442。",
    "道路破损坑洼": "经现场勘察，该路段有多处坑洼，情况属实。已安排养护单位设置警示标志，并于三日内完成修补，"
    "后续纳入年度大修计划。根据《城市道路管理条例》第二十二条办理。联系电话：0731-88665443。",
    "小区附近有人聚众赌博": "经调查，辖区派出所已对该门面开展突击检查，查获赌博人员五名，依法给予行政处罚，"
    "并将该处列为重点巡逻点位。依据《治安管理处罚法》第七十条。报警请拨110，联系电话：0731-88665444。",
    "超市销售过期食品": "经现场检查，该超市确有过期牛奶在售，情况属实。已责令下架并立案调查，督促商家为您办理退货并按规定赔偿。"
    "依据《食品安全法》第一百四十八条。投诉电话：12315。",
    "表扬市场监管所工作人员": "感谢您对市场监管工作的肯定。我局已将您的表扬转达该所，并在单位内通报表扬，"
    "下一步将继续提升消费纠纷调解服务。联系电话：0731-88665445。",
    "不动产证办理进度": "经核实，该项目因开发企业未缴清土地出让金暂无法办证。我局已约谈开发企业，限期两个月内补缴，"
    "补缴后即为业主办理。依据《不动产登记暂行条例》第十四条。咨询电话：0731-88665446。",
}
_EVASIVE_REPLY = "您反映的问题已收悉，该事项需进一步研究，建议您向所在社区咨询。"
_TEMPLATE_REPLY = "经现场核查，已协调相关单位处理，问题已按规定办理。"


def _reply_text(d: Demand) -> str:
    """The handler's reply: mostly a full one, sometimes a short, an evasive or a template-only one.
    Drawn from its own generator seeded by the demand, so the demo's main sequence stays as it was."""
    title = next((t for t in REPLIES if d.title.endswith(t.removeprefix("社区"))), "")
    r = random.Random(d.pk).random()
    if not title or r >= 0.9:
        return _TEMPLATE_REPLY
    if r >= 0.8:
        return _EVASIVE_REPLY
    opening = f"您好！关于您反映的{d.title}问题，"
    if r >= 0.6:
        return opening + "。".join(REPLIES[title].split("。")[:2]) + "。"
    return opening + REPLIES[title]


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


def load(ctx: DemoContext) -> None:
    o, rng, now = ctx.objects, ctx.rng, ctx.now
    users = o["users"]
    operator, supervisor = users["operator"], users["supervisor"]
    departments = o["departments"]
    handlers: dict[int, User] = {}
    for user in users.values():
        if user.has_role(Role.HANDLER) and user.unit_id:
            handlers.setdefault(user.unit_id, user)
    handlers[departments["市住房和城乡建设局"].pk] = users["handler"]
    roots = {c.name: c for c in Category.objects.filter(level=1)}
    leaves = {
        (c.parent.name, c.name): c
        for c in Category.objects.filter(level=2).select_related("parent")
        if c.parent is not None  # every second-level category has one
    }
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
        path, dtype, title, content = SAMPLES[rng.randrange(len(SAMPLES))]
        root_name, leaf_name = path.split("/")
        community = communities[rng.randrange(len(communities))] if rng.random() < 0.7 else None
        if rng.random() < 0.3:
            community = [c for c in communities if c.parent_id == home_street.pk][rng.randrange(3)]
        category = leaves.get((root_name, leaf_name)) or roots.get(root_name)
        urgency = (
            Urgency.CRITICAL
            if rng.random() < 0.03
            else Urgency.URGENT
            if rng.random() < 0.1
            else Urgency.NORMAL
        )
        if dtype in (DemandType.PRAISE, DemandType.CONSULTATION):
            urgency = Urgency.NORMAL  # the draws above still happen, so the sequence stays the same
        if community and community.name.endswith("社区"):
            title = title.removeprefix("社区")  # 坡子街社区卫生站…, not 坡子街社区社区卫生站…
        by_citizen = rng.random() < 0.15
        submitter = users["citizen"] if by_citizen else (operator if rng.random() < 0.5 else None)
        if submitter is not operator:
            urgency = Urgency.NORMAL  # citizens and the web form do not set urgency; operators judge it
        demand, _ = services.demand_submit(
            actor=submitter,
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
    _transfer_one(created_demands, operator, now)
    deadline_sweep(now=now)
    by_status: dict[str, int] = {}
    for d in Demand.objects.values_list("status", flat=True):
        by_status[d] = by_status.get(d, 0) + 1
    o["demands"] = created_demands
    ctx.log.append(f"Demands: {sum(by_status.values())} {by_status}")


def _transfer_one(demands: list[Demand], operator: User, now: datetime) -> None:
    """紧急转办: the latest call still waiting is handed to an emergency line (the standard lines are
    seeded by migration); draws nothing from the generator, so the other demands stay as they were."""
    transfer_targets_ensure()  # the migration's rows are gone from a database flushed since
    target = TransferTarget.objects.filter(is_active=True).order_by("order", "id").first()
    waiting = [i for i, d in enumerate(demands) if d.status == Status.SUBMITTED]
    if target is None or not waiting:
        return
    i = waiting[-1]
    moment = min(now, demands[i].created_at + timedelta(minutes=3))
    demands[i] = services.demand_transfer(
        demand=demands[i], actor=operator, target=target, reference="JJ-0001", now=moment
    )


def _drive(
    d: Demand,
    target: str,
    rng: random.Random,
    now: datetime,
    operator: User,
    supervisor: User,
    handlers: dict[int, User],
    street_units: dict[int, Unit],
    earlier: list[Demand],
) -> Demand:
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
    handler = handlers.get(d.lead_unit_id) if d.lead_unit_id else None  # dispatch sets the lead unit
    if target == Status.DISPATCHED or handler is None or not (m := step(30, 60 * 30)):
        return d
    if target == Status.RETURNED and rng.random() < 0.5:
        return services.demand_return(
            demand=d, actor=handler, reason="该事项属于属地管理，建议改派街道", now=m
        )
    d = services.demand_sign(demand=d, actor=handler, now=m)
    if target == Status.RETURNED:
        return _drive_return(d, step, rng, operator, handler, street_units)
    d = _drive_handling(d, step, rng, now, operator, supervisor, handler)
    if target == Status.IN_PROGRESS or not (m := step(60 * 6, 60 * 24 * rng.choice([2, 4, 8, 16]))):
        return d
    outcome = rng.choice(
        [Outcome.RESOLVED, Outcome.RESOLVED, Outcome.RESOLVED, Outcome.PARTLY_RESOLVED, Outcome.EXPLAINED]
    )
    d = services.demand_reply(
        demand=d,
        actor=handler,
        text=_reply_text(d),
        outcome=outcome,
        now=m,
    )
    if target == Status.REPLIED or not (m := step(60, 60 * 40)):
        return d
    return _drive_followup(d, target, step, rng, m, outcome, operator)


Step = Callable[[float, float], datetime | None]


def _drive_return(
    d: Demand, step: Step, rng: random.Random, operator: User, handler: User, street_units: dict[int, Unit]
) -> Demand:
    """A signed demand returned by its unit, and half the time re-dispatched to the street (改派)."""
    if not (m := step(60, 60 * 24)):
        return d
    d = services.demand_return(demand=d, actor=handler, reason="经核实不属于本单位职责", now=m)
    if rng.random() < 0.5 and (m := step(30, 120)):
        area = d.area
        unit = street_units.get(area.parent_id) if area is not None and area.parent_id else None
        if unit is not None and unit.pk != d.lead_unit_id:
            d = services.demand_dispatch(demand=d, actor=operator, unit=unit, note="改派属地街道", now=m)
    return d


def _drive_handling(
    d: Demand,
    step: Step,
    rng: random.Random,
    now: datetime,
    operator: User,
    supervisor: User,
    handler: User,
) -> Demand:
    """While a unit handles a demand: sometimes an extension (mostly approved), sometimes 督办."""
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
    return d


def _drive_followup(
    d: Demand, target: str, step: Step, rng: random.Random, m: datetime, outcome: str, operator: User
) -> Demand:
    """回访: a rating (or a close when nobody answers), and for `reopened` a 重办."""
    satisfaction = rng.choices(
        [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED],
        weights=[70, 18, 12],
    )[0]
    resolved = outcome == Outcome.RESOLVED and satisfaction != Satisfaction.DISSATISFIED or rng.random() < 0.1
    if rng.random() < 0.1:
        return services.demand_close(demand=d, actor=operator, note="多次回访无人接听", now=m)
    d = services.demand_rate(demand=d, actor=operator, satisfaction=satisfaction, resolved=resolved, now=m)
    if target == "reopened" and (again := step(60, 60 * 24)):
        d = services.demand_reopen(demand=d, actor=operator, reason="群众不满意，要求重新办理", now=again)
    return d

"""Demo contact work: points, households and three calendar months of visits for the demo cadres.

Runs after the demands loader. Problems raised on visits become demands through the demands service;
older ones are taken through the loop (accept → dispatch → sign → reply → rate) so that reports and
scorecards of the previous month show problems found and solved.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from lianxin.accounts.models import Role, User, role_q
from lianxin.contact.models import ContactPoint, Household, HouseholdTag, PointKind, VisitKind
from lianxin.contact.periods import Period
from lianxin.contact.services import (
    ProblemInput,
    assignment_create,
    contact_point_create,
    household_create,
    visit_log,
)
from lianxin.demands import services as demand_services
from lianxin.org.models import Area, AreaLevel

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建华", "秀英", "桂兰", "志强", "国庆", "玉梅", "德明", "淑珍", "永红", "海燕", "春生", "金凤"]
SUMMARIES = [
    "走访了解居民生活情况，重点听取老旧小区改造和加装电梯的意见。",
    "与社区干部、居民代表座谈，梳理近期群众反映集中的问题。",
    "入户看望困难群众，了解低保政策落实和就业需求。",
    "电话回访上次走访反映的问题办理情况，群众表示基本满意。",
    "在线收集群众对社区停车、垃圾分类的意见建议。",
    "接待来访群众，听取对周边道路施工噪音的反映。",
]
PROBLEMS = [
    ("小区楼道照明损坏，老人夜间出行不便", "楼道感应灯损坏多日，独居老人夜间上下楼不便，希望尽快维修。"),
    ("老旧小区加装电梯进度缓慢", "加装电梯意见征集已完成两个月，施工迟迟未启动，居民希望明确时间表。"),
    ("低保复核材料不清楚", "困难户反映低保年度复核需要的材料不清楚，希望社区上门指导。"),
    ("路口积水严重影响出行", "雨后路口积水深达十公分，学生上学不便，希望疏通排水管道。"),
    ("零就业家庭希望获得就业培训", "家庭成员均失业，希望参加技能培训并推荐岗位。"),
    ("夜间施工噪音扰民", "周边工地夜间十点后仍在施工，噪音影响休息。"),
]
# The street office's replies to those problems (facts found, measures, a contact), by title.
REPLIES = {
    "小区楼道照明损坏，老人夜间出行不便": "经社区网格员上门查看，该栋楼道有六盏感应灯损坏，情况属实。街道已安排物业当天更换，"
    "并将独居老人楼栋列入每月巡查。联系电话：0731-85551201。",
    "老旧小区加装电梯进度缓慢": "经核实，该单元加装电梯因管线迁改方案未定而延期。街道已召集设计、施工单位和居民代表协调，"
    "管线迁改下周启动，电梯预计三个月内完工。依据《A市既有住宅加装电梯指导意见》办理。联系电话：0731-85551202。",
    "低保复核材料不清楚": "经了解，该户对年度复核材料确有疑问。社区工作人员已上门讲解，并协助准备身份证、收入证明和家庭财产申报表，"
    "复核已按时提交。依据《社会救助暂行办法》第十二条。咨询电话：0731-85551203。",
    "路口积水严重影响出行": "经现场查看，该路口雨水口被淤泥堵塞，情况属实。街道已协调市政养护单位疏通排水管道，"
    "并在雨季前增加一处雨水口。联系电话：0731-85551204。",
    "零就业家庭希望获得就业培训": "经核实，该户属零就业家庭。街道已为两名家庭成员报名下月的家政和电工技能培训，"
    "并推荐至辖区企业面试，一人已上岗。依据《就业促进法》第五十二条。联系电话：0731-85551205。",
    "夜间施工噪音扰民": "经现场检查，该工地夜间十点后仍在施工，情况属实。街道已会同生态环境部门责令其停止夜间施工，"
    "并安排网格员夜间巡查。夜间举报电话：0731-85551206。",
}
TAGS = [
    [HouseholdTag.HARDSHIP, HouseholdTag.DIBAO],
    [HouseholdTag.ELDERLY_ALONE],
    [HouseholdTag.ZERO_EMPLOYMENT],
    [],
]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _advance(demand, cadre, at: datetime, rng: random.Random) -> None:
    """Take a visit demand through the loop to a rating, as the centre would."""
    operator = User.objects.filter(role_q(Role.OPERATOR)).order_by("pk").first()
    unit = cadre.unit
    handler = User.objects.filter(role_q(Role.HANDLER), unit=unit).order_by("pk").first() if unit else None
    if operator is None or handler is None:
        return
    demand = demand_services.demand_accept(demand=demand, actor=operator, now=at + timedelta(minutes=20))
    demand = demand_services.demand_dispatch(
        demand=demand, actor=operator, unit=unit, now=at + timedelta(minutes=50)
    )
    demand = demand_services.demand_sign(demand=demand, actor=handler, now=at + timedelta(hours=3))
    demand = demand_services.demand_reply(
        demand=demand,
        actor=handler,
        text=REPLIES.get(demand.title, "已会同社区现场核实并处理，结果已告知群众。"),
        outcome="resolved",
        now=at + timedelta(days=rng.choice([2, 3, 4, 9])),
    )
    satisfied = rng.random() < 0.8
    demand_services.demand_rate(
        demand=demand,
        actor=operator,
        satisfaction="satisfied" if satisfied else "dissatisfied",
        resolved=satisfied,
        now=at + timedelta(days=10),
    )


def _points_for(index: int, street: Area) -> list[ContactPoint]:
    """A cadre's contact points: each community of their street, and for the first cadre a factory and a
    school."""
    communities = list(Area.objects.filter(parent=street, level=AreaLevel.COMMUNITY).order_by("code"))
    points = [
        contact_point_create(
            name=community.name,
            kind=PointKind.VILLAGE if community.name.endswith("村") else PointKind.COMMUNITY,
            area=community,
            address=f"{street.name}{community.name}党群服务中心",
            lat=community.lat,
            lng=community.lng,
        )
        for community in communities
    ]
    if index == 0 and communities:
        points.append(
            contact_point_create(
                name="东风机械厂",
                kind=PointKind.ENTERPRISE,
                area=communities[0],
                address="东风路88号",
                lat=(communities[0].lat or 28.2) + 0.003,
                lng=(communities[0].lng or 112.9) - 0.002,
            )
        )
        points.append(
            contact_point_create(
                name="东风路小学",
                kind=PointKind.SCHOOL,
                area=communities[-1],
                address="东风路12号",
                lat=(communities[-1].lat or 28.2) - 0.002,
                lng=(communities[-1].lng or 112.9) + 0.003,
            )
        )
    return points


def _households_for(index: int, points: list[ContactPoint], rng: random.Random) -> list[Household]:
    """Three households at each community or village point."""
    households: list[Household] = []
    for point in points:
        if point.kind in (PointKind.ENTERPRISE, PointKind.SCHOOL):
            continue
        for h in range(3):
            households.append(
                household_create(
                    head_name=_name(rng),
                    area=point.area,
                    size=rng.randint(1, 5),
                    phone=f"139{index:02d}{len(households):02d}{h:04d}"[:11],
                    address=f"{point.name}{rng.randint(1, 20)}栋{rng.randint(1, 6)}单元{rng.randint(101, 602)}室",
                    contact_point=point,
                    tags=TAGS[(len(households) + h) % len(TAGS)],
                )
            )
    return households


def _visits_for(
    *,
    cadre: User,
    index: int,
    points: list[ContactPoint],
    households: list[Household],
    this_month: Period,
    now: datetime,
    rng: random.Random,
    made: dict[str, int],
) -> None:
    """Visits over the last three months, some with a problem raised (and taken on through the loop)."""
    for back in (3, 2, 1):
        month = this_month.shift(-back)
        for p_index, point in enumerate(points):
            # The first cadre skips one point in the last full month: the coverage gap shows.
            if back == 1 and index == 0 and p_index == len(points) - 1:
                continue
            if back == 1 and index > 0 and p_index == 0 and index % 2:
                continue
            day = month.first_day + timedelta(days=min(27, 3 + 6 * p_index + rng.randint(0, 4)))
            met = [h for h in households if h.contact_point_id == point.pk]
            if back != 2:  # households quarterly: met in two of the three months
                met = met[: rng.randint(1, max(1, len(met)))]
            problems = []
            if rng.random() < 0.45:
                title, content = PROBLEMS[rng.randrange(len(PROBLEMS))]
                problems.append(
                    ProblemInput(title=title, content=content, household_id=met[0].pk if met else None)
                )
            at = timezone.make_aware(datetime.combine(day, time(10, 0)))
            visit = visit_log(
                cadre=cadre,
                date=day,
                kind=VisitKind.values[(p_index + back) % len(VisitKind.values)],
                summary=SUMMARIES[(p_index + back + index) % len(SUMMARIES)],
                contact_point=point,
                households=met,
                problems=problems,
                now=at,
            )
            made["visits"] += 1
            for problem in visit.problems.select_related("demand"):
                made["problems"] += 1
                if problem.demand and (now - at).days > 12:
                    _advance(problem.demand, cadre, at, rng)


def load(ctx) -> None:
    rng = random.Random(20260601)  # own seed: independent of what earlier loaders drew
    now = ctx.now
    today = timezone.localdate(now)
    this_month = Period.of(today)
    first = this_month.shift(-3)
    cadres = ctx.objects.get("cadres") or list(User.objects.filter(role_q(Role.CADRE)).order_by("pk"))
    made = {"points": 0, "households": 0, "visits": 0, "problems": 0}
    for index, cadre in enumerate(cadres):
        street = cadre.area_scope
        if street is None:
            continue
        points = _points_for(index, street)
        households = _households_for(index, points, rng)
        for point in points:
            assignment_create(cadre=cadre, contact_point=point, start=first.first_day)
        for household in households:
            assignment_create(cadre=cadre, household=household, start=first.first_day)
        made["points"] += len(points)
        made["households"] += len(households)
        _visits_for(
            cadre=cadre,
            index=index,
            points=points,
            households=households,
            this_month=this_month,
            now=now,
            rng=rng,
            made=made,
        )
    ctx.objects["contact"] = made
    ctx.log.append(
        f"Contact: {made['points']} points, {made['households']} households, {made['visits']} visits, "
        f"{made['problems']} problems turned into demands"
    )

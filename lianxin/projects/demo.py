"""Demo 民生实事: a small public ledger for the demo street — one project accepted with its survey, one in
progress with a red-carded milestone and a progress photo, one awaiting acceptance, one in draft —
built through the services (runs after the accounts and org loaders)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from lianxin.accounts.models import Role, User, role_q
from lianxin.projects import services as ps
from lianxin.projects.models import Source

PROJECTS = [
    (
        "老旧小区加装电梯",
        "为东风社区3个老旧小区加装电梯12部，解决高层老人上下楼难。",
        Source.POLL,
        "demo-poll-1",
        "360",
    ),
    (
        "社区食堂（长者饭堂）",
        "在东风社区建成长者饭堂1处，为60岁以上老人提供平价午餐。",
        Source.HOT_ISSUE,
        "demo-hot-1",
        "85",
    ),
    ("背街小巷路面改造", "改造背街小巷5条，修复破损路面、完善排水。", Source.UNIT, "demo-unit-1", "120"),
    ("口袋公园建设", "利用闲置地块建设口袋公园2处，增加健身和休憩设施。", Source.UNIT, "demo-unit-2", "60"),
]


def _photo(text: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 200), (70, 120, 180))
    ImageDraw.Draw(image).rectangle((20, 20, 300, 180), outline=(255, 255, 255), width=4)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return SimpleUploadedFile(f"{text}.png", buf.getvalue(), content_type="image/png")


def load(ctx: Any) -> None:
    users = ctx.objects.get("users") or {}
    cadre = users.get("cadre") or User.objects.filter(role_q(Role.CADRE)).order_by("pk").first()
    supervisor = (
        users.get("supervisor") or User.objects.filter(role_q(Role.SUPERVISOR)).order_by("pk").first()
    )
    if cadre is None or supervisor is None or cadre.area_scope is None:
        return
    today = timezone.localdate(ctx.now)
    made = []
    for title, goal, source, ref, budget in PROJECTS:
        made.append(
            ps.project_create(
                actor=supervisor,
                title=title,
                goal=goal,
                area=cadre.area_scope,
                source=source,
                source_ref=ref,
                unit=cadre.unit,
                cadre=cadre,
                budget=Decimal(budget),
            )
        )
    done, overdue, pending, draft = made
    # Accepted, with three citizens' ratings.
    for i, name in enumerate(("方案设计与意见征集", "施工", "竣工验收准备")):
        ps.milestone_add(project=done, actor=cadre, title=name, due=today + timedelta(days=i))
    ps.project_start(project=done, actor=cadre)
    for m in done.milestones.all():
        ps.milestone_done(milestone=m, actor=cadre)
    ps.progress_report(
        project=done,
        actor=cadre,
        text="12部电梯全部安装完毕并通过特种设备检验。",
        percent=100,
        photos=[_photo("elevator")],
    )
    ps.project_submit(project=done, actor=cadre)
    for i, score in enumerate((5, 4, 5)):
        ps.project_rate(project=done, identity=f"demo-identity-{i}", score=score)
    ps.project_accept(project=done, actor=supervisor, opinion="工程质量合格，群众满意，同意验收。")
    # In progress, one milestone past its date: the sweep red-cards it.
    ps.milestone_add(project=overdue, actor=cadre, title="选址与改造", due=today - timedelta(days=3))
    ps.milestone_add(project=overdue, actor=cadre, title="试运营", due=today + timedelta(days=30))
    ps.project_start(project=overdue, actor=cadre)
    ps.progress_report(
        project=overdue,
        actor=cadre,
        text="选址已确定，厨房改造因消防审批延后。",
        percent=30,
        photos=[_photo("canteen")],
    )
    ps.milestones_overdue_mark(today=today)
    comment = ps.comment_add(
        project=overdue, author=None, text="希望饭堂早点开张，老人们都盼着。", nickname="东风社区居民"
    )
    ps.comment_moderate(comment=comment, actor=cadre, approve=True)
    ps.comment_add(project=overdue, author=None, text="价格能不能再便宜一些？", nickname="老王")
    # Awaiting acceptance: the survey is open.
    ps.milestone_add(project=pending, actor=cadre, title="路面施工", due=today)
    ps.project_start(project=pending, actor=cadre)
    ps.milestone_done(milestone=pending.milestones.get(), actor=cadre)
    ps.project_submit(project=pending, actor=cadre, note="5条小巷已完工，请组织验收。")
    ps.project_rate(project=pending, identity="demo-identity-0", score=4)
    # Draft: only its managers see it.
    ps.milestone_add(project=draft, actor=cadre, title="选址论证", due=today + timedelta(days=45))
    ctx.objects["projects"] = made
    ctx.log.append(
        f"Projects: {len(made)} 民生实事 projects (completed, red-carded, awaiting acceptance, draft)"
    )

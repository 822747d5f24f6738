import json
import random

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lianxin.core.demo import DemoContext
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand, DemandEvent
from lianxin.org.models import Category


def test_import_csv_with_reply_and_refusals(db, tmp_path, capsys):
    Category.objects.create(code="C01", name="城乡建设")
    path = tmp_path / "m.csv"
    path.write_text(
        "留言编号,留言用户,留言主题,留言时间,留言详情,一级分类,答复意见,答复时间\n"
        "1,U1,路灯坏了,2019/4/25 9:32:09,小区路灯坏了,城乡建设,已修复,2019/5/10 14:56:53\n"
        "2,U2,,2019/4/25 9:32:09,,城乡建设,,\n"
        "3,U3,噪音,not a time,夜里施工,未知分类,,\n"
        "4,U4,噪音,2019-04-26 10:00:00,夜里施工,未知分类,,\n"
        "1,U1,重复,2019/4/25 9:32:09,重复行,城乡建设,,\n",
        encoding="utf-8",
    )
    call_command("import", "demands", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["taken"] == 2 and out["refused_by_reason"] == {
        "empty_text": 1,
        "bad_time": 1,
        "duplicate_id": 1,
    }
    d = Demand.objects.get(external_id="1")
    assert d.status == Status.CLOSED and d.reply_text == "已修复" and d.category.name == "城乡建设"
    assert list(DemandEvent.objects.filter(demand=d).values_list("action", flat=True)) == [
        "submit",
        "reply",
        "close",
    ]
    call_command("import", "demands", str(path), "--json")
    again = json.loads(capsys.readouterr().out)
    assert again["taken"] == 0 and again["refused_by_reason"]["already_imported"] == 2


def test_import_xlsx_text_column_and_missing_column(db, tmp_path, capsys):
    wb = openpyxl.Workbook()
    wb.active.append(["text", "label"])
    wb.active.append(["学校乱收费我要投诉", "教育文体"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    with pytest.raises(CommandError, match="留言时间"):  # no time column: refused, never dated by a guess
        call_command("import", "demands", str(path))
    assert not Demand.objects.exists()
    call_command("import", "demands", str(path), "--undated-now", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["undated"] == 1 and Demand.objects.get().title == "学校乱收费我要投诉"
    bad = tmp_path / "bad.csv"
    bad.write_text("留言编号,留言主题\n1,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="留言详情"):
        call_command("import", "demands", str(bad))


def test_demo_loads_every_state_over_three_months(db):
    from lianxin.accounts.demo import load as accounts_load
    from lianxin.demands.demo import load as demands_load
    from lianxin.org.demo import load as org_load

    now = timezone.now()
    ctx = DemoContext(now=now, rng=random.Random(20260101))
    org_load(ctx)
    accounts_load(ctx)
    demands_load(ctx)
    statuses = set(Demand.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert 280 <= Demand.objects.count() <= 320
    first = Demand.objects.order_by("created_at").first().created_at
    assert (now - first).days >= 59
    handler_unit = ctx.objects["users"]["handler"].unit
    assert Demand.objects.filter(lead_unit=handler_unit).count() > 10
    cadre_area = ctx.objects["users"]["cadre"].area_scope
    assert Demand.objects.filter(cadre_area.subtree_q("area")).count() > 10
    assert Demand.objects.filter(requester=ctx.objects["users"]["citizen"]).exists()

"""Batch import from CSV and JSON: rows taken and refused, unknown categories refused by name."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from lianxin.portal import services
from lianxin.portal.models import Article, ArticleState, PortalCategory
from tests.portal.factories import PortalCategoryFactory

pytestmark = pytest.mark.django_db


def test_csv_import_takes_good_rows_and_refuses_an_unknown_category(tmp_path, capsys):
    PortalCategoryFactory(name="政策解读", slug="policy")
    path = tmp_path / "a.csv"
    path.write_text(
        "title,category,time,source,body,author_unit,tags\n"
        '第一篇,政策解读,2024-01-02 08:00:00,市政府,"第一段\n第二段",办公室,政策 解读\n'
        "第二篇,不存在的栏目,2024-01-03,市政府,正文,办公室,\n"
        ",政策解读,2024-01-03,市政府,没有标题,办公室,\n"
        "第四篇,policy,2024-01-04 09:30,市政府,正文四,,民生\n",
        encoding="utf-8",
    )
    call_command("portal", "import", str(path), "--json")
    report = json.loads(capsys.readouterr().out)
    assert [r["row"] for r in report] == [1, 2, 3, 4]
    assert "id" in report[0] and report[0]["url"] == f"/portal/policy/{report[0]['id']}.html"
    assert "不存在的栏目" in report[1]["error"]
    assert "标题" in report[2]["error"]
    assert "id" in report[3]
    first = Article.objects.get(pk=report[0]["id"])
    assert first.state == ArticleState.PUBLISHED and first.body == "<p>第一段</p><p>第二段</p>"
    assert first.published_at.strftime("%Y-%m-%d %H:%M") in ("2024-01-02 00:00", "2024-01-02 08:00")
    assert sorted(first.tags.values_list("name", flat=True)) == sorted(["政策", "解读"])
    assert first.revisions.get().action == "import"
    assert not PortalCategory.objects.filter(name="不存在的栏目").exists()


def test_json_import_with_create_categories(tmp_path, capsys):
    path = tmp_path / "a.json"
    rows = [
        {
            "title": "新栏目文章",
            "category": "法规讲解",
            "time": "2024-05-01",
            "body": "<p>正文</p>",
            "tags": ["法规", "讲解"],
        },
        {"标题": "中文列名", "分类": "法规讲解", "正文": "正文二", "作者单位": "司法局"},
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    call_command("portal", "import", str(path), "--create-categories", "--json")
    report = json.loads(capsys.readouterr().out)
    assert all("id" in r for r in report)
    assert PortalCategory.objects.filter(name="法规讲解").count() == 1
    assert Article.objects.get(pk=report[1]["id"]).author_unit == "司法局"


def test_a_file_without_a_needed_column_is_refused_by_name(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("title,body\n标题,正文\n", encoding="utf-8")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="category"):
        call_command("portal", "import", str(path))


def test_import_report_in_text(tmp_path, capsys):
    PortalCategoryFactory(name="新闻", slug="xinwen")
    path = tmp_path / "a.csv"
    path.write_text("标题,分类,正文\n一,新闻,正文\n二,没有,正文\n", encoding="utf-8")
    call_command("portal", "import", str(path))
    out = capsys.readouterr().out
    assert "imported 1, already there 0, refused 1" in out and "没有" in out


def test_importing_the_same_file_again_reports_the_articles_already_there(tmp_path, capsys):
    PortalCategoryFactory(name="新闻", slug="xinwen")
    path = tmp_path / "a.csv"
    path.write_text("标题,分类,正文\n一,新闻,正文一\n二,新闻,正文二\n", encoding="utf-8")
    call_command("portal", "import", str(path), "--json")
    first = json.loads(capsys.readouterr().out)
    path.write_text("标题,分类,正文\n一,新闻,正文一\n二,新闻,正文二改\n", encoding="utf-8")
    call_command("portal", "import", str(path), "--json")
    second = json.loads(capsys.readouterr().out)
    assert second[0] == {**first[0], "existing": True}  # the same article: not imported twice
    assert "existing" not in second[1] and second[1]["id"] != first[1]["id"]  # the body changed
    assert Article.objects.filter(title="一").count() == 1


def test_import_service_refuses_oversized_body(settings):
    settings.LIANXIN_PORTAL_MAX_BODY_CHARS = 100
    PortalCategoryFactory(name="新闻")
    outcomes = services.articles_import(rows=[{"title": "长", "category": "新闻", "body": "字" * 200}])
    assert "正文过长" in outcomes[0].error


def test_a_summary_made_from_the_body_ends_at_a_sentence_or_with_an_ellipsis(tmp_path, capsys):
    PortalCategoryFactory(name="新闻", slug="xinwen")
    sentence = "本市公租房申请条件已调整，符合条件的家庭可到街道政务服务中心申请。"
    long_number = "咨询请拨打" + "1234567890" * 20
    path = tmp_path / "a.json"
    rows = [
        {"title": "句子", "category": "新闻", "body": sentence + "具体材料清单见附件，" * 12},
        {"title": "号码", "category": "新闻", "body": long_number},
    ]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    call_command("portal", "import", str(path), "--json")
    report = json.loads(capsys.readouterr().out)
    assert Article.objects.get(pk=report[0]["id"]).summary == sentence
    cut = Article.objects.get(pk=report[1]["id"]).summary
    assert cut.endswith("…") and len(cut) == 120

import shutil

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from lianxin.core.errors import ValidationFailed
from lianxin.org.importers import categories_import
from lianxin.org.models import Category
from tests.conftest import require_shared

pytestmark = pytest.mark.django_db


def test_shared_taxonomy_imports_as_three_levels():
    data = require_shared("附件1.xlsx")
    call_command("import", "categories", str(data / "附件1.xlsx"))
    counts = {level: Category.objects.filter(level=level).count() for level in (1, 2, 3)}
    # 15 first-level names, 103 second-level names; third-level names repeat under different parents.
    assert counts[1] == 15
    assert counts[2] >= 103
    assert counts[3] >= 390
    leaf = Category.objects.get(name="事故处理", parent__name="安全生产", parent__parent__name="城乡建设")
    assert leaf.parent.parent.name == "城乡建设"
    assert leaf.path.startswith(leaf.parent.parent.code + "/")


def test_reimport_is_a_no_op(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "一级分类,二级分类,三级分类\n城乡建设,安全生产,事故处理\n城乡建设,物业管理,物业服务\n",
        encoding="utf-8",
    )
    first = categories_import(path)
    second = categories_import(path)
    assert (first.created, second.created, second.existing) == (5, 0, 2)
    assert Category.objects.count() == 5


def _broken_copy(tmp_path, mutate):
    data = require_shared("附件1.xlsx")
    target = tmp_path / "broken.xlsx"
    shutil.copy(data / "附件1.xlsx", target)
    workbook = openpyxl.load_workbook(target)
    mutate(workbook.worksheets[0])
    workbook.save(target)
    return target


def test_broken_copy_with_a_gap_is_refused_naming_row_and_column(tmp_path):
    def mutate(sheet):
        sheet.cell(row=200, column=2).value = None  # 二级分类 empty while 三级分类 is filled

    target = _broken_copy(tmp_path, mutate)
    with pytest.raises(CommandError, match=r"第 200 行「二级分类」列为空，但「三级分类」列已填写"):
        call_command("import", "categories", str(target))
    assert Category.objects.count() == 0  # nothing half-imported


def test_file_without_a_needed_column_is_refused_naming_it(tmp_path):
    def mutate(sheet):
        sheet.cell(row=1, column=3).value = "第三级"

    target = _broken_copy(tmp_path, mutate)
    with pytest.raises(ValidationFailed, match="三级分类"):
        categories_import(target)
    assert Category.objects.count() == 0


def test_file_that_is_not_a_workbook_is_refused(tmp_path):
    target = tmp_path / "fake.xlsx"
    target.write_bytes(b"not a zip at all")
    with pytest.raises(ValidationFailed, match=r"fake\.xlsx：不是可读取的 \.xlsx 文件"):
        categories_import(target)


def test_refusal_is_chinese_by_default_and_english_in_english(tmp_path):
    target = tmp_path / "c.csv"
    target.write_text("一级分类,二级分类,三级分类\n,安全生产,事故处理\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as chinese:
        categories_import(target)
    assert chinese.value.message == "c.csv：第 2 行「一级分类」列为空，但「二级分类」列已填写"
    assert chinese.value.fields == {"一级分类": ["第 2 行"]}
    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        categories_import(target)
    assert english.value.message == "c.csv: row 2, column 「一级分类」 is empty but 「二级分类」 is filled"
    assert english.value.fields == {"一级分类": ["row 2"]}

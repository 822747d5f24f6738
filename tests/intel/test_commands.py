"""The command-line doors: `classify`, `hotspots`, `reply_quality` (through Django's call_command)."""

from __future__ import annotations

import json
from io import StringIO

import pytest

from tests.intel.conftest import CONTRACT_KEYS, synthetic_corpus

django = pytest.importorskip("django")
from django.conf import settings  # noqa: E402

if not settings.configured:
    pytest.skip("Django settings are not configured (run with pytest-django)", allow_module_level=True)

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def labelled(tmp_path):
    texts, labels = synthetic_corpus(8)
    path = tmp_path / "labelled.csv"
    rows = ["留言编号,留言主题,留言详情,一级分类"] + [
        f"{i},{t[:10]},{t[10:]},{label}" for i, (t, label) in enumerate(zip(texts, labels))
    ]
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def test_classify_cv_prints_only_the_contract_json_on_stdout(labelled):
    out, _ = run("classify", "cv", "--data", str(labelled), "--folds", "3", "--json")
    result = json.loads(out)
    assert set(result) >= CONTRACT_KEYS
    assert result["n_test"] == 24


def test_classify_evaluate_and_train_then_predict(labelled, tmp_path):
    out, _ = run("classify", "evaluate", "--train", str(labelled), "--test", str(labelled), "--json")
    assert set(json.loads(out)) >= CONTRACT_KEYS
    model = tmp_path / "model.bin"
    out, _ = run(
        "classify", "train", "--data", str(labelled), "--out", str(model), "--cv-folds", "3", "--json"
    )
    assert json.loads(out)["n_train"] == 24 and model.exists()
    out, _ = run("classify", "predict", "--model", str(model), "--data", str(labelled), "--json")
    predictions = json.loads(out)
    assert len(predictions) == 24 and len(predictions[0]["top"]) == 3


def test_a_missing_column_is_a_command_error_naming_it(tmp_path):
    path = tmp_path / "nolabel.csv"
    path.write_text("留言编号,留言主题\n1,停水\n", encoding="utf-8")
    with pytest.raises(CommandError, match="一级分类"):
        run("classify", "cv", "--data", str(path), "--json")


def test_a_broken_model_file_is_a_command_error(tmp_path, labelled):
    model = tmp_path / "broken.bin"
    model.write_bytes(b"nonsense")
    with pytest.raises(CommandError, match="not a Lianxin model"):
        run("classify", "predict", "--model", str(model), "--data", str(labelled))


def test_hotspots_json_list(tmp_path):
    path = tmp_path / "hot.csv"
    rows = ["留言编号,留言用户,留言主题,留言时间,留言详情,点赞数,反对数"]
    for i in range(4):
        rows.append(
            f"{i},U{i},魅力之城小区油烟扰民,2019/9/{i + 1} 10:00,魅力之城小区楼下烧烤油烟直排扰民,{i},0"
        )
    rows.append("9,U9,春华镇停水,2019/9/2,停水三天,0,0")
    path.write_text("\n".join(rows), encoding="utf-8")
    out, err = run("hotspots", "--data", str(path), "--top", "5", "--json")
    issues = json.loads(out)
    assert [i["message_ids"] for i in issues] == [["0", "1", "2", "3"]]
    assert {"rank", "heat", "start", "end", "place_or_group", "summary", "message_ids"} <= set(issues[0])


def test_reply_quality_json(tmp_path):
    path = tmp_path / "replies.csv"
    path.write_text(
        "留言编号,留言主题,留言时间,留言详情,答复意见,答复时间\n"
        "1,小区停水,2019/9/2,停水三天,经核实，已责令自来水公司于9月4日前恢复供水。,2019/9/3\n"
        "2,路灯坏了,2019/9/2,晚上很黑,您的留言已收悉，已转相关部门。,2019/12/2\n",
        encoding="utf-8",
    )
    out, _ = run("reply_quality", "--data", str(path), "--json")
    result = json.loads(out)
    assert result["summary"]["n"] == 2
    first, second = result["replies"]
    assert first["score"] > second["score"]
    assert "forward_only" in second["flags"] and "late" in second["flags"]


def test_an_enormous_message_is_cut_and_noted_on_stderr_and_in_the_predictions(labelled, tmp_path, capsys):
    model = tmp_path / "model.bin"
    run("classify", "train", "--data", str(labelled), "--out", str(model), "--cv-folds", "0", "--json")
    path = tmp_path / "huge.csv"
    path.write_text(
        f"留言编号,留言主题,留言详情\n1,噪音,{'吵' * 60_000}\n2,停水,停水三天\n", encoding="utf-8"
    )
    capsys.readouterr()
    out, _ = run("classify", "predict", "--model", str(model), "--data", str(path), "--json")
    huge, plain = json.loads(out)
    assert any("60000" in note for note in huge["notes"]) and "notes" not in plain
    err = capsys.readouterr().err  # notes go beside the progress bars, on the process's stderr
    assert "huge.csv row 2 (id 1): 留言详情" in err and "id 2" not in err
    out, _ = run("hotspots", "--data", str(path), "--json")
    assert isinstance(json.loads(out), list) and "row 2 (id 1)" in capsys.readouterr().err

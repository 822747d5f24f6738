"""Confidence keys of classify evaluate|cv: top-3 accuracy, calibration error, share auto at 95 %."""

import pytest

from lianxin.intel.classifier import confidence_metrics


def test_top3_counts_truth_among_first_three():
    truth = ["a", "b", "c", "d"]
    ranked = [["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"], ["a", "b", "c"]]
    out = confidence_metrics(truth, ranked, [0.9, 0.5, 0.4, 0.3])
    assert out["top3_accuracy"] == 0.75


def test_ece_zero_when_confidence_matches_accuracy_and_large_when_overconfident():
    truth = ["a"] * 10
    half = [["a"]] * 5 + [["b"]] * 5
    assert confidence_metrics(truth, half, [0.55] * 10)["ece"] == pytest.approx(0.05)
    assert confidence_metrics(truth, half, [0.99] * 10)["ece"] == pytest.approx(0.49)


def test_auto_share_takes_the_confident_right_ones_only():
    truth = ["a"] * 100
    ranked = [["a"]] * 40 + [["b"]] * 60  # the 40 most confident are right, the rest wrong
    conf = [0.99 - i * 0.001 for i in range(40)] + [0.5] * 60
    out = confidence_metrics(truth, ranked, conf)
    assert out["auto_share_at_95"] == pytest.approx(0.40)  # the tie at 0.5 brings in 60 wrong ones
    assert out["auto_threshold"] is not None


def test_auto_share_zero_when_never_precise():
    truth = ["a"] * 50
    ranked = [["b"]] * 50
    out = confidence_metrics(truth, ranked, [0.9] * 50)
    assert out["auto_share_at_95"] == 0.0 and out["auto_threshold"] is None


def test_cv_json_carries_the_confidence_keys():
    from lianxin.intel.classifier import classifier_cross_validate

    topics = {
        "交通运输": ["公交车", "红绿灯", "道路拥堵", "停车位", "出租车"],
        "环境保护": ["噪音扰民", "油烟污染", "垃圾堆放", "污水排放", "粉尘"],
        "教育文体": ["学校招生", "补课收费", "幼儿园", "教师工资", "学区划分"],
    }
    texts, labels = [], []
    for label, words in topics.items():
        for i in range(20):
            texts.append(f"反映{words[i % 5]}问题，小区{i}号楼附近{words[(i + 2) % 5]}严重，请求处理")
            labels.append(label)
    out = classifier_cross_validate(texts, labels, folds=3).as_dict()
    assert {"top3_accuracy", "ece", "auto_share_at_95", "auto_threshold", "macro_f1"} <= set(out)
    assert out["top3_accuracy"] == 1.0  # three classes: the truth is always among the three
    assert 0.0 <= out["ece"] <= 1.0 and 0.0 <= out["auto_share_at_95"] <= 1.0

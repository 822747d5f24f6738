"""Fixtures for the intel tests: no database; real data from ../shared when present (else skip)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TIPDM = SHARED / "data" / "tipdm2020c"
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
# The JSON keys contract.md gives `classify evaluate` and `classify cv`.
CONTRACT_KEYS = {
    "macro_f1",
    "accuracy",
    "per_class",
    "n_train",
    "n_test",
    "train_seconds",
    "predict_per_second",
}


def need_shared(name: str) -> Path:
    """The path of a file of ../shared/data/tipdm2020c, or skip the test with the reason."""
    path = TIPDM / name
    if not path.exists():
        pytest.skip(f"{path} is absent: tests on real messages need the ../shared data folder")
    return path


# A small labelled corpus written for these tests: three categories a classifier can tell apart.
_TOPICS = {
    "环境保护": ["油烟扰民", "噪音污染", "污水直排", "垃圾焚烧冒黑烟", "工地扬尘", "河道发臭"],
    "教育文体": [
        "学校乱收费",
        "学区划分不合理",
        "幼儿园收费太高",
        "老师有偿补课",
        "校车不安全",
        "招生不公平",
    ],
    "劳动和社会保障": [
        "拖欠农民工工资",
        "社保断缴",
        "养老金发放",
        "工伤认定",
        "公司不签劳动合同",
        "医保报销难",
    ],
}
_PLACES = ["A市A5区魅力之城小区", "A7县星沙街道", "A2区丽发新城", "K9县春华镇", "A3区梅溪湖", "B4区红星路"]
_FILLERS = ["请有关部门尽快处理", "希望领导重视", "已经反映多次没有结果", "严重影响我们的生活", "望早日解决"]


def synthetic_corpus(n_per_label: int = 20, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, topics in _TOPICS.items():
        for _ in range(n_per_label):
            topic = rng.choice(topics)
            texts.append(f"{rng.choice(_PLACES)}{topic}的问题。{topic}，{rng.choice(_FILLERS)}。")
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return synthetic_corpus()


@pytest.fixture(scope="session")
def trained(corpus):
    """A classifier trained once per session on the synthetic corpus (fast: 60 short texts)."""
    from lianxin.intel.classifier import classifier_train

    texts, labels = corpus
    return classifier_train(texts, labels, cv_folds=3)


@pytest.fixture(scope="session")
def saved_model(trained, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "classifier.bin"
    trained.save(path)
    return path

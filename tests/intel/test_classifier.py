"""The demand classifier: predictions, model files, evaluation JSON, bad input."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianxin.intel.classifier import (
    FORMAT_VERSION,
    MAGIC,
    DemandClassifier,
    classifier_cross_validate,
    classifier_evaluate,
    classifier_train,
)
from lianxin.intel.errors import IntelError
from lianxin.intel.text import stopwords
from tests.intel.conftest import CONTRACT_KEYS, need_shared, synthetic_corpus


def test_predicts_the_category_with_three_calibrated_suggestions(trained):
    prediction = trained.predict_one("K9县春华镇工地扬尘太大，请环保部门处理")
    assert prediction.label == "环境保护"
    assert [s.label for s in prediction.top][0] == prediction.label
    assert len(prediction.top) == 3
    probabilities = [s.probability for s in prediction.top]
    assert probabilities == sorted(probabilities, reverse=True)
    assert 0.0 < sum(probabilities) <= 1.0001


def test_model_file_round_trip_keeps_predictions_and_metadata(trained, saved_model):
    loaded = DemandClassifier.load(saved_model)
    texts = ["学校乱收费", "拖欠工资三个月", "河道发臭"]
    assert [p.label for p in loaded.predict(texts)] == [p.label for p in trained.predict(texts)]
    info = DemandClassifier.read_info(saved_model)
    assert info.format_version == FORMAT_VERSION
    assert info.n_train == 60
    assert set(info.labels) == {"环境保护", "教育文体", "劳动和社会保障"}
    assert info.cv and info.cv["folds"] == 3 and 0.0 <= info.cv["macro_f1"] <= 1.0
    assert len(info.checksum) == 64 and info.created and info.version


def test_a_model_reads_words_as_far_as_it_was_trained_to(trained, saved_model, monkeypatch):
    from lianxin.intel import classifier

    assert DemandClassifier.load(saved_model).features.word_chars == classifier.WORD_CHARS
    assert trained.features.drop_stopwords
    assert DemandClassifier.load(saved_model).features.stopwords == stopwords()  # kept with the model
    assert (
        not set(trained.features.vocabularies[0]) & stopwords()
    )  # 请, 领导, 的… say nothing of the category
    monkeypatch.setattr(classifier, "WORD_CHARS", 5)  # a later release reading fewer characters
    seen = []
    real = classifier.tokens
    monkeypatch.setattr(classifier, "tokens", lambda text, **kw: seen.append(text) or real(text, **kw))
    DemandClassifier.load(saved_model).predict(["拖欠工资" * 200])
    assert len(seen[0]) > 5  # the model's own setting, not the module constant
    state = dict(trained.features.__dict__)
    del state["word_chars"], state["stopwords"]
    old = classifier.Features.__new__(classifier.Features)
    old.__setstate__(state)
    assert old.word_chars == 400  # models saved before the setting was kept read 400 characters
    assert old.drop_stopwords is False  # and kept stopwords


def _corrupt(path, tmp_path, name, mutate):
    data = bytearray(path.read_bytes())
    target = tmp_path / name
    target.write_bytes(bytes(mutate(data)))
    return target


@pytest.mark.parametrize(
    ("name", "mutate", "message"),
    [
        ("garbage.bin", lambda d: b"this is not a model at all", "not a Lianxin model"),
        ("empty.bin", lambda d: b"", "not a Lianxin model"),
        ("truncated.bin", lambda d: d[: len(d) // 2], "truncated"),
        ("flipped.bin", lambda d: d[:-10] + bytes([d[-10] ^ 0xFF]) + d[-9:], "checksum"),
        ("header.bin", lambda d: d[: len(MAGIC) + 9] + b"#" + d[len(MAGIC) + 10 :], "metadata"),
    ],
)
def test_a_damaged_or_foreign_model_file_is_refused_with_a_clear_error(
    saved_model, tmp_path, name, mutate, message
):
    target = _corrupt(saved_model, tmp_path, name, mutate)
    with pytest.raises(IntelError, match=message):
        DemandClassifier.load(target)


def test_a_model_from_a_newer_lianxin_is_refused(saved_model, tmp_path):
    data = saved_model.read_bytes()
    header_len, payload_len = struct.unpack(">II", data[len(MAGIC) : len(MAGIC) + 8])
    start = len(MAGIC) + 8
    meta = json.loads(data[start : start + header_len])
    meta["format_version"] = FORMAT_VERSION + 1
    header = json.dumps(meta).encode()
    target = tmp_path / "newer.bin"
    target.write_bytes(
        MAGIC + struct.pack(">II", len(header), payload_len) + header + data[start + header_len :]
    )
    with pytest.raises(IntelError, match="newer"):
        DemandClassifier.load(target)


def test_a_missing_model_file_is_refused(tmp_path):
    with pytest.raises(IntelError, match="no such model"):
        DemandClassifier.load(tmp_path / "absent.bin")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "!!!@@@###", "The quick brown fox jumps over the lazy dog", "😀" * 50, "教" * 60_000, None],
)
def test_odd_texts_are_predicted_without_crashing(trained, text):
    prediction = trained.predict_one(text)  # type: ignore[arg-type]
    assert prediction.label in trained.labels
    assert 0.0 <= prediction.probability <= 1.0


@given(st.text(max_size=80))
def test_character_keys_are_the_character_ngrams(text):
    from lianxin.intel.classifier import char_keys, gram_key
    from lianxin.intel.text import char_ngrams

    assert sorted(char_keys(text).tolist()) == sorted(gram_key(g) for g in char_ngrams(text, (1, 2)))


def test_prediction_features_equal_the_training_counts(corpus):
    """`Features.transform` (texts looked up by word and character key, as `predict` does) gives the
    matrix that the training path builds from string term counts, for held-out texts too."""
    from lianxin.intel.classifier import Features, count_texts
    from lianxin.intel.text import normalize

    texts, _ = corpus
    texts = [*texts, "", "😀表情 abc Ａ５区１２号", "新词" * 700]
    counts = count_texts(texts)
    train = np.arange(0, len(texts), 2)
    held_out = np.arange(1, len(texts), 2)
    features, _ = Features.fit(counts, train)
    for rows in (train, held_out):
        expected = features.transform_counts(counts, rows)
        actual = features.transform([normalize(texts[i]) for i in rows])
        assert actual.shape == expected.shape
        assert abs(actual - expected).max() == 0.0


def test_an_empty_text_prediction_carries_a_note(trained):
    assert trained.predict_one("").notes


@pytest.mark.parametrize("text", ["The street light outside No. 5 is broken", "😀😀😀", "12345 !!! ###"])
def test_a_text_without_chinese_is_said_to_be_a_guess(trained, text):
    prediction = trained.predict_one(text)
    assert prediction.notes == ["no Chinese text: the category is a guess"]


def test_a_long_text_says_how_much_of_it_the_category_is_judged_on(trained):
    assert trained.predict_one("路灯坏了。" * 300).notes == [
        "the category is judged on the first 1000 characters"
    ]
    assert trained.predict_one("路灯坏了").notes == []


def test_training_needs_two_learnable_categories():
    with pytest.raises(IntelError, match="two categories"):
        classifier_train(["a", "b", "c"], ["x", "x", "x"])


def test_rare_labels_are_left_out_and_listed(corpus):
    texts, labels = corpus
    model = classifier_train([*texts, "孤单的一条"], [*labels, "民政"])
    assert "民政" not in model.labels
    assert model.info.left_out == {"label": ["民政"]}


def test_deeper_levels_are_learnt_where_labels_exist(corpus):
    texts, labels = corpus
    second = [
        "噪音" if "噪音" in t else "其他污染" if lab == "环境保护" else "" for t, lab in zip(texts, labels)
    ]
    model = classifier_train(texts, labels, deeper={"label2": second})
    prediction = model.predict_one("工地夜间施工噪音污染")
    assert "label2" in prediction.deeper
    assert prediction.deeper["label2"].label in {"噪音", "其他污染"}


def test_evaluation_json_has_exactly_the_contract_keys(corpus):
    texts, labels = corpus
    test_texts, test_labels = synthetic_corpus(5, seed=1)
    result = classifier_evaluate(texts, labels, test_texts, test_labels).as_dict()
    assert set(result) >= CONTRACT_KEYS
    assert result["n_train"] == 60 and result["n_test"] == 15
    assert result["macro_f1"] > 0.9
    assert set(result["per_class"]["环境保护"]) == {"precision", "recall", "f1", "support"}


def test_cross_validation_json_and_fold_scores(corpus):
    texts, labels = corpus
    result = classifier_cross_validate(texts, labels, folds=3).as_dict()
    assert set(result) >= CONTRACT_KEYS
    assert result["n_test"] == 60 and len(result["fold_macro_f1"]) == 3


def test_cross_validation_on_real_messages_beats_a_plain_baseline():
    """A 3-fold CV on 900 real labelled messages (the full 5-fold figure is in the benchmark)."""
    from lianxin.intel.data import read_messages

    messages = read_messages(need_shared("messages_labeled_dev.csv"), need=("text", "label"))[:900]
    result = classifier_cross_validate([m.text for m in messages], [m.label for m in messages], folds=3)
    assert result.macro_f1 > 0.8

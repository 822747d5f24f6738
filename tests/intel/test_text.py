"""Normalisation, truncation, segmentation and places."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.intel.text import MAX_CHARS, area_codes, clean, normalize, place_names, primary_area, tokens


def test_normalize_folds_full_width_and_drops_stray_whitespace_between_chinese():
    assert normalize("　A５区\t\t魅力之城\n小区　ＯＫ  ok ") == "A5区魅力之城小区OK ok"


def test_normalize_keeps_one_space_between_latin_words():
    assert normalize("hello \t\n  world") == "hello world"


def test_normalize_drops_control_and_zero_width_characters():
    assert normalize("油\u200b烟\x00扰\x07民") == "油烟扰民"


def test_normalize_of_none_and_non_text_is_text():
    assert normalize(None) == ""
    assert normalize(12.5) == "12.5"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_never_raises(value):
    once = normalize(value)
    assert normalize(once) == once


def test_clean_cuts_enormous_texts_with_a_note():
    result = clean("诉" * (MAX_CHARS + 10))
    assert len(result.text) == MAX_CHARS
    assert result.truncated
    assert result.note and str(MAX_CHARS) in result.note


def test_clean_leaves_short_texts_alone():
    result = clean("小区停水")
    assert result.text == "小区停水" and not result.truncated and result.note is None


def test_tokens_keep_area_codes_whole_and_drop_stopwords_and_punctuation():
    words = tokens("我们是A5区魅力之城小区的业主，K9县也有油烟扰民！")
    assert "A5区" in words and "K9县" in words
    assert "的" not in words and "我们" not in words and "，" not in words
    assert "油烟" in words


def test_domain_dictionary_is_used_for_government_terms():
    assert "接诉即办" in tokens("关于接诉即办工作的建议")
    assert "住房公积金" in tokens("住房公积金提取太难")


def test_tokens_of_garbage_or_empty_text_are_empty_or_harmless():
    assert tokens("") == []
    assert tokens("!!!???…… ——") == []
    assert isinstance(tokens("ĦĦĦ ☃☃ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"), list)


def test_area_codes_and_primary_area():
    text = "A市A5区劳动东路"
    assert area_codes(text) == ["A市", "A5区"]
    assert primary_area(text) == "A5区"
    assert primary_area("A市的问题") == "A市"
    assert primary_area("没有地名") == ""


def test_place_names_find_roads_estates_and_schools_without_leading_noise():
    assert place_names("A5区劳动东路魅力之城小区临街门面油烟扰民") == ["劳动东路", "魅力之城小区"]
    assert place_names("我们是万科魅力之城小区的业主") == ["万科魅力之城小区"]
    assert place_names("西地省涉外经济学院组织学生外出打工") == ["涉外经济学院"]
    assert "导致小区" not in place_names("施工导致小区停水")
    assert place_names("请给道路安装路灯") == []
    # "only able to go to a big hospital" names no place: a verb before 医院 ends the backwards walk
    assert place_names("社区卫生服务站降压药经常缺货，老人只能跑大医院。") == []
    assert place_names("东风社区表扬市场监管所工作人员") == ["东风社区"]


def test_stopword_file_comments_are_not_stopwords():
    from lianxin.intel.text import STOPWORDS_FILE, stopwords

    comment_words = {"words", "that", "say", "nothing", "the", "classifier"}
    assert "#" in STOPWORDS_FILE.read_text(encoding="utf-8")
    assert not comment_words & stopwords()
    assert {"的", "请", "领导"} <= stopwords()

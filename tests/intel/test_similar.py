"""Similar open demands: same problem and same place."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lianxin.intel.checks import similar_evaluate, similar_index_of, similar_queries
from lianxin.intel.data import read_messages
from lianxin.intel.similar import OpenDemand, SimilarIndex
from tests.intel.conftest import DATA, need_shared

NOW = datetime(2019, 9, 1, 12, 0)
OPEN = [
    OpenDemand(1, "A5区魅力之城小区楼下烧烤店油烟扰民，每天营业到凌晨，油烟噪音让人无法休息", "A5区", NOW),
    OpenDemand(2, "A5区魅力之城小区电梯经常困人，物业不维修", "A5区", NOW),
    OpenDemand(3, "A2区丽发新城小区旁边建搅拌站，灰尘和噪音污染严重", "A2区", NOW),
    OpenDemand(4, "A3区梅溪湖润芳园小区临街门面烧烤油烟扰民，凌晨还在营业", "A3区", NOW),
    OpenDemand(5, "K9县春华镇金鼎村水泥路一直没有修通，村民出行困难", "K9县", NOW),
]


@pytest.fixture
def index() -> SimilarIndex:
    built = SimilarIndex()
    built.add_many(OPEN)
    return built


def test_a_paraphrase_about_the_same_problem_and_place_is_found(index):
    matches = index.query("魅力之城小区底层烧烤夜宵摊油烟很大，凌晨还在营业", area="A5区", time=NOW)
    assert [m.id for m in matches][:1] == [1]
    assert matches[0].same_area and "魅力之城小区" in matches[0].shared_places


def test_the_same_problem_in_another_area_is_not_similar(index):
    matches = index.query("A3区魅力之城小区楼下烧烤店油烟扰民，每天营业到凌晨", area="A3区", time=NOW)
    assert 1 not in [m.id for m in matches]


def test_another_problem_at_the_same_place_is_not_similar(index):
    matches = index.query("A5区魅力之城小区的路灯坏了，晚上一片漆黑", area="A5区", time=NOW)
    assert matches == []


def test_removed_demands_are_no_longer_found_and_readding_replaces(index):
    assert index.remove(1) and 1 not in index and len(index) == 4
    assert not index.remove(1)
    text = "A5区魅力之城小区楼下烧烤店油烟扰民，每天营业到凌晨"
    assert 1 not in [m.id for m in index.query(text, time=NOW)]
    index.add(OpenDemand(1, text, "A5区", NOW))
    index.add(OpenDemand(1, text, "A5区", NOW))
    assert len(index) == 5
    assert [m.id for m in index.query(text, time=NOW)] == [1]


def test_demands_outside_the_time_window_are_not_compared():
    index = SimilarIndex(window_days=30)
    index.add(OpenDemand(1, OPEN[0].text, "A5区", NOW - timedelta(days=120)))
    assert index.query(OPEN[0].text, area="A5区", time=NOW) == []
    assert [m.id for m in index.query(OPEN[0].text, area="A5区", time=NOW - timedelta(days=100))] == [1]


def test_coordinates_far_apart_are_different_places():
    index = SimilarIndex()
    index.add(OpenDemand(1, "小区门口的下水道堵了，污水漫到路上", lat=28.20, lng=112.90))
    near = index.query("小区门口下水道堵塞，污水漫到马路上", lat=28.201, lng=112.901)
    far = index.query("小区门口下水道堵塞，污水漫到马路上", lat=28.30, lng=113.10)
    assert [m.id for m in near] == [1] and near[0].distance_m is not None and near[0].distance_m < 1000
    assert far == []


def test_queries_exclude_the_demand_itself(index):
    assert 1 not in [m.id for m in index.query(OPEN[0].text, area="A5区", time=NOW, exclude=1)]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "hello world", "😀😀😀", "诉" * 60_000])
def test_odd_queries_and_an_empty_index_are_harmless(index, text):
    assert isinstance(index.query(text), list)
    assert SimilarIndex().query(OPEN[0].text) == []


def test_the_index_keeps_working_across_sealed_blocks_and_removals():
    index = SimilarIndex(window_days=None)
    demands = [
        OpenDemand(i, f"第{i}号问题：{['油烟', '噪音', '停水', '路灯'][i % 4]}问题在K{i % 7}县出现")
        for i in range(5000)
    ]
    index.add_many(demands)
    for i in range(0, 5000, 2):
        index.remove(i)
    assert len(index) == 2500
    target = OpenDemand(
        "new", "A5区魅力之城小区楼下烧烤店油烟扰民，每天营业到凌晨，油烟噪音让人无法休息", "A5区"
    )
    index.add(target)
    assert [m.id for m in index.query(target.text, area="A5区")][:1] == ["new"]


def test_check_set_precision_and_recall_on_real_messages():
    messages = read_messages(need_shared("附件3.xlsx"), need=("id", "text"))
    queries = similar_queries(messages, DATA / "similar_checks.csv")
    result = similar_evaluate(similar_index_of(messages), queries)
    written = result.by_kind["near_duplicate"]
    assert result.by_kind["exact_duplicate"]["correct"] == result.by_kind["exact_duplicate"]["expected"]
    assert written["correct"] / written["returned"] >= 0.9  # pooled truth: precision of what is shown
    assert written["correct"] / written["expected"] >= 0.6
    assert result.by_kind["different"]["returned"] <= 2


def test_adding_a_batch_that_repeats_ids_replaces_them_without_losing_the_index():
    demands = [OpenDemand(id=i, text=f"A{i % 9}区第{i}号楼门口路灯坏了", time=None) for i in range(1100)]
    index = SimilarIndex(window_days=None)
    index.add_many(demands)
    index.add_many(demands + demands)  # replacing more than half the index compacts it: once, afterwards
    assert len(index) == 1100 and all(d.id in index for d in demands)

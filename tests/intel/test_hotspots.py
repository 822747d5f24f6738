"""Hot issues: grouping by problem and place, heat, and the worked examples of 附件3."""

from __future__ import annotations

from datetime import datetime, timedelta

from lianxin.intel.data import read_messages
from lianxin.intel.hotspots import HotMessage, heat_index, hotspots_find
from tests.intel.conftest import need_shared

DAY = datetime(2019, 9, 1)


def _messages() -> list[HotMessage]:
    smoke = [
        ("A5区魅力之城小区油烟扰民", "魅力之城小区楼下烧烤店油烟直排，每天到凌晨"),
        ("魅力之城小区夜宵摊噪音油烟", "小区临街门面夜宵摊油烟大，噪音扰民"),
        ("A5区魅力之城小区底层餐馆油烟", "底层餐馆没有烟道，油烟进屋"),
        ("魅力之城小区烧烤油烟熏人", "楼下烧烤摊油烟熏人，晚上无法开窗"),
    ]
    cracks = [
        ("A5区魅力之城小区楼板开裂", "交房一年楼板墙面开裂，开发商不管"),
        ("魅力之城小区房屋墙面开裂", "多户房屋墙面楼板开裂，请质监部门检查"),
    ]
    other = [
        ("A3区润芳园小区油烟扰民", "润芳园小区临街门面烧烤油烟扰民"),
        ("K9县春华镇停水", "春华镇停水三天"),
    ]
    rows = []
    for k, (title, content) in enumerate(smoke + cracks + other):
        rows.append(
            HotMessage(
                id=str(100 + k),
                title=title,
                content=content,
                user=f"U{k}",
                time=DAY + timedelta(days=k),
                likes=k % 3,
            )
        )
    return rows


def test_one_problem_at_one_place_is_one_issue_and_other_problems_or_places_are_not():
    issues = hotspots_find(_messages(), top=10)
    by_ids = [set(i.message_ids) for i in issues]
    assert {"100", "101", "102", "103"} in by_ids
    assert {"104", "105"} in by_ids
    assert not any("106" in ids for ids in by_ids)  # one message at another place is no issue
    assert issues[0].message_ids == ["100", "101", "102", "103"]  # more people, hotter
    assert issues[0].rank == 1 and issues[0].place_or_group.endswith("魅力之城小区")


def test_output_has_the_contract_keys_in_order_of_heat():
    issues = [i.as_dict() for i in hotspots_find(_messages(), top=5)]
    assert issues
    for issue in issues:
        assert {"rank", "heat", "start", "end", "place_or_group", "summary", "message_ids"} <= set(issue)
    assert [i["heat"] for i in issues] == sorted((i["heat"] for i in issues), reverse=True)
    assert issues[0]["start"] == "2019-09-01 00:00:00"


def test_the_window_keeps_only_its_messages():
    issues = hotspots_find(_messages(), start=DAY + timedelta(days=4), end=DAY + timedelta(days=30))
    assert [set(i.message_ids) for i in issues] == [{"104", "105"}]


def test_heat_grows_with_people_support_concentration_and_recency():
    base = {"n_messages": 5, "n_users": 5, "likes": 0, "dislikes": 0}
    times = [DAY + timedelta(days=d) for d in range(5)]
    now = DAY + timedelta(days=5)
    heat, parts = heat_index(**base, times=times, now=now)
    assert set(parts) == {"voices", "support", "concentration", "recency"}
    assert heat_index(**{**base, "n_users": 2}, times=times, now=now)[0] < heat
    assert heat_index(**{**base, "likes": 100}, times=times, now=now)[0] > heat
    spread = [DAY + timedelta(days=90 * d) for d in range(5)]
    assert heat_index(**base, times=spread, now=spread[-1] + timedelta(days=1))[0] < heat
    assert heat_index(**base, times=times, now=now + timedelta(days=365))[0] < heat


def test_empty_garbage_and_timeless_input_do_not_crash():
    assert hotspots_find([]) == []
    odd = [
        HotMessage(id=str(i), title=t, content=t)
        for i, t in enumerate(["", "!!!", "hello", "😀" * 10, "诉" * 60_000])
    ]
    assert isinstance(hotspots_find(odd), list)


def test_the_two_worked_examples_of_the_problem_statement_are_one_issue_each_in_the_top_ten():
    messages = read_messages(need_shared("附件3.xlsx"), need=("id", "text"))
    hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
    issues = hotspots_find(hot, top=10)
    for first, last in ((360100, 360109), (360110, 360114)):
        example = {str(i) for i in range(first, last + 1)}
        holders = [i for i in issues if example & set(i.message_ids)]
        assert len(holders) == 1, f"{first}–{last} split over {[h.rank for h in holders]}"
        assert example <= set(holders[0].message_ids)


def test_a_place_with_many_problems_is_not_one_issue():
    messages = read_messages(need_shared("附件3.xlsx"), need=("id", "text"))
    hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
    # 泉塘 (A7县): a subway branch line, a new middle school, a school's loudspeakers, a road crossing
    street = {"256590", "276880", "225191", "284056"}
    mixed = hotspots_find(hot, top=10, coherence=0.0)  # without the re-split: one issue of the street
    assert any(len(street & set(i.message_ids)) >= 3 for i in mixed)
    issues = hotspots_find(hot, top=10_000)
    assert all(len(street & set(i.message_ids)) <= 1 for i in issues)
    loudspeakers = {
        "225191",
        "257595",
    }  # 泉塘三小广播扰民, twice: each problem of the street is its own issue
    assert any(loudspeakers <= set(i.message_ids) for i in issues)


def test_the_summary_speaks_of_the_place_the_label_names():
    rows = [
        ("烧烤油烟扰民", "魅力之城小区楼下烧烤油烟扰民，烧烤油烟扰民"),
        ("魅力之城小区夜宵摊", "魅力之城小区夜宵摊烧烤油烟扰民"),
        ("魅力之城小区门面烟道", "魅力之城小区门面没有烟道，烧烤油烟扰民"),
        ("魅力之城小区楼下烧烤", "魅力之城小区楼下烧烤油烟熏人"),
    ]
    hot = [
        HotMessage(id=str(k), title=t, content=c, user=f"U{k}", time=DAY + timedelta(days=k))
        for k, (t, c) in enumerate(rows)
    ]
    issue = hotspots_find(hot, top=1)[0]
    assert len(issue.message_ids) == 4 and issue.place_or_group.endswith("魅力之城小区")
    assert "魅力之城" in issue.summary  # not the most central title, 烧烤油烟扰民, which names no place

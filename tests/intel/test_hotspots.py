"""Hot issues: grouping by problem and place, heat, and the worked examples of 附件3."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from lianxin.intel.data import read_messages
from lianxin.intel.hotspots import (
    GAP_DAYS,
    GENERIC_GROUPS,
    MAX_SPAN_DAYS,
    HotMessage,
    _full_name,
    heat_index,
    hotspots_find,
    named_groups,
)
from lianxin.intel.text import normalize
from tests.intel.conftest import SHARED, need_shared

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


def test_the_worked_examples_are_issues_and_the_second_one_is_only_its_own_window():
    messages = read_messages(need_shared("附件3.xlsx"), need=("id", "text"))
    hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
    issues = hotspots_find(hot, top=20)
    first = {str(i) for i in range(360100, 360110)}
    holders = [i for i in issues[:10] if first & set(i.message_ids)]
    assert len(holders) == 1 and first <= set(holders[0].message_ids)
    # 360110–360114 (经济学院 sends students to factories) span 2017-06 to 2019-11: the letters of
    # November 2019 are one issue; those of 2017, 2018 and April 2019 lie outside its window.
    november = [i for i in issues if {"360110", "360111"} <= set(i.message_ids)]
    assert len(november) == 1
    assert not {"360112", "360113", "360114"} & set(november[0].message_ids)
    assert "经济学院" in november[0].place_or_group


def test_a_place_with_many_problems_is_not_one_issue():
    messages = read_messages(need_shared("附件3.xlsx"), need=("id", "text"))
    hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
    # 泉塘 (A7县): a subway branch line, a new middle school, a school's loudspeakers, a road crossing
    street = {"256590", "276880", "225191", "284056"}
    issues = hotspots_find(hot, top=10_000)
    assert all(len(street & set(i.message_ids)) <= 1 for i in issues)
    loudspeakers = {
        "225191",
        "257595",
    }  # 泉塘三小广播扰民, twice: each problem of the street is its own issue
    assert any(loudspeakers <= set(i.message_ids) for i in issues)


def test_the_summary_names_the_place_and_the_problem_its_messages_share():
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
    assert issue.summary.startswith("魅力之城小区：") and "烧烤" in issue.summary
    assert issue.summary not in {normalize(t) for t, _ in rows}  # the cluster's words, not one title


def _hot(rows, start=DAY, step=1, place=""):
    return [
        HotMessage(
            id=f"{place}{k}", title=t, content=c, user=f"U{place}{k}", time=start + timedelta(days=step * k)
        )
        for k, (t, c) in enumerate(rows)
    ]


SMOKE = [
    ("魅力之城小区烧烤油烟扰民", "魅力之城小区楼下烧烤店油烟直排，烧烤油烟扰民"),
    ("魅力之城小区夜宵烧烤油烟", "魅力之城小区夜宵摊烧烤油烟扰民，晚上无法开窗"),
    ("魅力之城小区门面烧烤油烟", "魅力之城小区门面没有烟道，烧烤油烟扰民"),
]


def test_the_same_problem_years_later_is_a_new_issue_linked_to_the_earlier_one():
    early = _hot(SMOKE, start=datetime(2019, 5, 1), place="a")
    late = _hot(SMOKE, start=datetime(2021, 6, 1), place="b")
    issues = hotspots_find(early + late, top=10)
    by_ids = {frozenset(i.message_ids): i for i in issues}
    assert frozenset({"a0", "a1", "a2"}) in by_ids and frozenset({"b0", "b1", "b2"}) in by_ids
    newer = by_ids[frozenset({"b0", "b1", "b2"})]
    assert newer.previous is not None and newer.previous["message_ids"] == ["a0", "a1", "a2"]
    assert newer.previous["start"] == "2019-05-01 00:00:00" and newer.previous["n_messages"] == 3
    assert by_ids[frozenset({"a0", "a1", "a2"})].previous is None
    assert newer.as_dict()["previous"] == newer.previous


def test_no_issue_spans_more_than_its_bounded_window():
    # the same complaint every 40 days for two years: never one issue of two years
    rows = [SMOKE[k % 3] for k in range(19)]
    issues = hotspots_find(_hot(rows, step=40), top=50)
    assert issues and all((i.end - i.start).days <= MAX_SPAN_DAYS for i in issues)
    assert len(issues) >= 4
    assert sum(1 for i in issues if i.previous) >= len(issues) - 1  # each later run links to the one before


def test_a_gap_longer_than_the_window_splits_an_issue():
    rows = _hot(SMOKE, start=datetime(2019, 1, 1), place="a") + _hot(
        SMOKE, start=datetime(2019, 1, 1) + timedelta(days=GAP_DAYS + 10), place="b"
    )
    issues = hotspots_find(rows, top=10)
    assert {frozenset(i.message_ids) for i in issues} == {
        frozenset({"a0", "a1", "a2"}),
        frozenset({"b0", "b1", "b2"}),
    }
    merged = hotspots_find(rows, top=10, gap_days=GAP_DAYS + 20)
    assert len(merged) == 1 and len(merged[0].message_ids) == 6


def test_one_policys_applicants_are_one_issue_though_they_live_in_different_places():
    rows = [
        ("A1区东山村代课教师补贴", "我是A1区东山村的代课教师，代课教师补贴一直没有发放，教龄补助也没有"),
        ("A3区西湖村代课教师补贴问题", "A3区西湖村小学代课教师补贴没有发放，代课教师的教龄补助何时发放"),
        ("A6区南岭镇代课教师补贴", "南岭镇原代课教师反映代课教师补贴和教龄补助没有发放"),
        ("K9县北塘乡代课教师补贴何时发放", "北塘乡代课教师的补贴和教龄补助至今没有发放"),
        ("A1区东山村道路破损", "东山村道路破损严重"),
    ]
    issues = hotspots_find(_hot(rows), top=5)
    assert issues and set(issues[0].message_ids) == {"0", "1", "2", "3"}
    assert issues[0].place_or_group == "代课教师"
    assert "补贴" in issues[0].summary


def test_one_employers_workers_are_one_named_group():
    rows = [
        ("鑫达建筑公司拖欠工资", "A1区鑫达建筑公司的职工反映，公司拖欠职工工资半年"),
        ("讨要工资", "我们是鑫达建筑公司职工，住在A3区，公司拖欠工资半年不发"),
        ("鑫达建筑公司职工工资", "鑫达建筑公司全体职工被拖欠工资，请求帮助讨要工资"),
    ]
    issues = hotspots_find(_hot(rows), top=5)
    assert len(issues) == 1 and len(issues[0].message_ids) == 3
    assert issues[0].place_or_group.endswith("鑫达建筑公司") or issues[0].place_or_group.endswith(
        "鑫达建筑公司职工"
    )


def test_group_words_need_a_name_and_place_names_are_whole():
    assert named_groups("小区业主反映停车难") == []
    assert named_groups("魅力之城小区业主反映停车难", ["魅力之城小区"]) == ["魅力之城小区业主"]
    assert named_groups("XX公司的全体职工被拖欠工资") == ["XX公司职工"]
    assert named_groups("退役士兵安置问题") == ["退役士兵"]
    bodies = ["A7县恒大翡翠华庭小区内幼儿园收费", "A7县星沙恒大翡翠华庭小区幼儿园收费是否合理"]
    assert _full_name("大翡翠华庭小区", bodies) == "恒大翡翠华庭小区"
    assert _full_name("魅力之城小区", ["A5区劳动东路魅力之城小区油烟"] * 2) == "魅力之城小区"
    assert _full_name("长株潭城", ["投诉长株潭城铁调整车次", "长株潭城铁谷山站"]) == ""
    for bare in ("关于小区", "门口道路", "公寓小区", "024年入园"):
        assert _full_name(bare, [bare]) == ""
    rows = [
        ("业主反映停车难", "业主反映小区停车难，物业乱收停车费，业主很不满"),
        ("业主停车难", "业主停车难，物业乱收停车费"),
        ("小区业主停车难", "小区业主反映停车难，物业乱收停车费"),
    ]
    issues = hotspots_find(_hot(rows), top=3)
    assert issues and all(i.place_or_group not in GENERIC_GROUPS for i in issues)


def test_on_both_cities_labels_are_never_bare_and_issues_stay_in_their_window():
    for name in ("tipdm2020c/附件3.xlsx", "shanghai_xfb/letters.csv"):
        path = SHARED / "data" / name
        if not path.exists():
            pytest.skip(f"{path} is absent: tests on real messages need the ../shared data folder")
        messages = read_messages(path, need=("id", "text"))
        hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
        issues = hotspots_find(hot, top=20)
        assert len(issues) == 20
        for issue in issues:
            assert issue.place_or_group not in GENERIC_GROUPS
            assert (issue.end - issue.start).days <= MAX_SPAN_DAYS
            times = sorted(m.time for m in hot if m.id in set(issue.message_ids))
            assert all((b - a).days <= GAP_DAYS for a, b in zip(times, times[1:]))


SEGMENT_IN_PROCESSES = """
import json
import lianxin.intel.hotspots as hotspots
from tests.intel.test_hotspots import SMOKE, _hot

rows = [SMOKE[k % 3] for k in range(30)] + [
    (f"K9县春华镇第{k}组停水", f"春华镇第{k}组停水三天，自来水公司不管") for k in range(30)
]
messages = _hot(rows, step=1)
alone = [i.as_dict() for i in hotspots.hotspots_find(messages, top=10, workers=1)]
hotspots.PARALLEL_MIN = 10
assert hotspots._may_fork(), "a fresh process has one thread"
together = [i.as_dict() for i in hotspots.hotspots_find(messages, top=10, workers=2)]
print(json.dumps({"issues": len(alone), "same": together == alone}))
"""


def test_segmenting_in_worker_processes_gives_the_same_issues():
    """Run where forking is allowed: a fresh single-threaded process (a test worker of pytest-xdist has
    threads of its own, so there the miner rightly segments alone)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SEGMENT_IN_PROCESSES], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["issues"] > 0 and result["same"] is True

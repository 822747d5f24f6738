"""Urgency proposals from the words of a demand."""

from __future__ import annotations

import pytest

from lianxin.intel.urgency import detect_urgency


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我妈妈昏迷不醒，快来人", "life"),
        ("小区燃气泄漏了，闻到很大的煤气味", "life"),
        ("老板再不发工资他说就要跳楼", "self_harm"),
        ("我活不下去了", "self_harm"),
        ("邻居持刀闯进我家", "violence"),
        ("上百名工人集体讨薪，围堵了公司大门", "mass"),
    ],
)
def test_danger_to_life_self_harm_violence_and_mass_incidents_are_critical(text, kind):
    result = detect_urgency(text)
    assert result.level == "critical"
    assert kind in result.kinds
    assert result.reason


def test_a_phrase_met_twice_is_one_piece_of_evidence():
    result = detect_urgency("邻居要跳楼。楼顶有人要跳楼，还拿着刀说要持刀")
    assert len(result.signals) == 3
    assert [(s.kind, s.phrase) for s in result.evidence] == [("self_harm", "跳楼"), ("violence", "持刀")]
    assert result.reason == "self_harm: 跳楼; violence: 持刀"


def test_negated_danger_does_not_count():
    assert detect_urgency("经抢救已经没有生命危险").level != "critical"


def test_feared_danger_is_a_hazard_not_an_emergency():
    result = detect_urgency("楼道堆满杂物，一旦发生火灾后果不堪设想")
    assert result.level == "urgent"
    assert result.kinds == ["hazard"]


def test_outages_and_vulnerable_people_are_urgent():
    assert detect_urgency("小区停水三天了").level == "urgent"
    assert detect_urgency("独居老人家里没人照顾").level == "urgent"


@pytest.mark.parametrize("text", ["路灯坏了请维修", "", None, "hello world", "!!!", "教" * 60_000])
def test_ordinary_empty_or_odd_texts_are_normal(text):
    assert detect_urgency(text).level == "normal"


def test_signals_point_into_the_normalised_text():
    result = detect_urgency("他说要跳楼")
    (signal,) = result.signals
    assert "他说要跳楼"[signal.start : signal.end] == "跳楼"


@pytest.mark.parametrize(
    "text", ["社区强奸民意加建烟道", "这条拥堵路线每天堵车", "非得一哭二闹三上吊才有人管吗"]
)
def test_idioms_and_words_around_a_signal_are_not_emergencies(text):
    assert detect_urgency(text).level != "critical"


def test_a_warned_mass_incident_is_urgent_not_critical():
    assert detect_urgency("春节将近，请领导重视，不要酿成群体性事件").level == "urgent"

"""Reply-quality rules of issue 17 part 4: direct answers, numbered measures, vague promises, referrals,
identical texts, replies dated before their letter, and the hand-labelled check set per city."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from lianxin.intel.reply_checks import draw, load_messages, load_reply_checks
from lianxin.intel.reply_quality import reply_score
from tests.intel.conftest import TIPDM, need_shared

SHARED = TIPDM.parent

TITLE = "小区路灯不亮"
DEMAND = "本人反映，浦江镇某小区3号楼前路灯已坏两个月，晚上漆黑，请求尽快修复。"


def test_numbered_dated_measures_score_above_the_same_reply_unnumbered_and_undated():
    numbered = reply_score(
        DEMAND,
        "经现场核实，3号楼前路灯线路老化属实。一是已安排维修单位更换线路；二是计划于10月15日前完成全部路灯修复。",
        title=TITLE,
    )
    plain = reply_score(DEMAND, "经现场核实，3号楼前路灯线路老化属实。我们会安排维修单位处理。", title=TITLE)
    assert numbered.found["numbered"] and numbered.found["dated"]
    assert not plain.found["numbered"] and not plain.found["dated"]
    assert numbered.score > plain.score


def test_promises_without_date_or_owner_are_flagged_and_cost():
    vague = reply_score(DEMAND, "关于路灯问题，我们高度重视，将认真研究，妥善解决。", title=TITLE)
    concrete = reply_score(DEMAND, "路灯已修复，经与您电话联系，您表示满意。", title=TITLE)
    assert "vague_promise" in vague.flags and "vague_promise" not in concrete.flags
    assert concrete.found["outcome"] and concrete.score > vague.score


def test_referral_is_evasive_unless_it_says_why_and_where():
    bare = reply_score(DEMAND, "您好，建议您向相关部门咨询。", title=TITLE)
    explained = reply_score(
        DEMAND,
        "您好，小区内路灯属于物业共用设施，根据《上海市住宅物业管理规定》由物业负责维修，"
        "建议您向小区物业服务中心报修，电话021-64581234。",
        title=TITLE,
    )
    assert "evasive" in bare.flags
    assert "evasive" not in explained.flags and explained.score > bare.score


def test_a_direct_answer_to_a_question_counts():
    asked = "请问经济适用房下半年是否还会开启受理？"
    answer = reply_score(
        asked, "经核实，2023年度申请已经截止，每年申请一次，下半年不会再开启受理。", title="受理时间"
    )
    assert answer.found["direct_answer"]


def test_a_settled_matter_ranks_above_an_action_taken_above_a_matter_put_off():
    settled = reply_score(
        DEMAND, "经现场核实，路灯线路老化。维修单位已于9月8日更换线路，路灯已修复完毕。", title=TITLE
    )
    acted = reply_score(DEMAND, "经现场核实，路灯线路老化。街道已督促物业联系维修单位处理。", title=TITLE)
    put_off = reply_score(
        DEMAND, "经现场核实，路灯线路老化。因资金原因暂时无法更换，待明年预算下达后再研究处理。", title=TITLE
    )
    assert settled.found["outcome"] and not acted.found["outcome"] and acted.found["done"]
    assert put_off.found["deferred"] and "deferred" in put_off.flags and not put_off.found["done"]
    assert settled.score > acted.score > put_off.score


def test_results_are_found_in_several_wordings():
    for reply in (
        "经了解，目前情况已经得到改善。",
        "文化馆已经购买了一台冷热两用直饮水设备且已安装完毕。",
        "为避免拥堵，我们现做了如下调整：收运时间调整至6点。",
        "截至目前，已查处违规出租车三十余台。",
        "医院积极协调相关部门为您解决了生活补贴的事情。",
    ):
        assert reply_score(DEMAND, reply, title=TITLE).found["outcome"], reply
    # closing the letter's file is not settling the matter; a promise is not a result
    for reply in ("您提出的信访事项，我单位已处理完毕。", "今后将建立长效机制，确保违规行为不再发生。"):
        assert not reply_score(DEMAND, reply, title=TITLE).found["outcome"], reply


def test_a_how_to_answer_to_a_request_for_information_counts_as_a_direct_answer():
    asked = "请求公开小区全部的设计图、施工图。"
    result = reply_score(
        asked,
        "经核，该项目规划审批依法合规。关于图纸公开，可通过现场查阅或政府信息公开方式获取。",
        title="设计图公示",
    )
    assert result.found["direct_answer"] and result.found["facts"]


def test_identical_texts_get_identical_scores_whatever_the_dates():
    reply = "经现场核实，路灯已修复。"
    first = reply_score(DEMAND, reply, title=TITLE, asked_at=date(2023, 9, 1), replied_at=date(2023, 9, 4))
    second = reply_score(DEMAND, reply, title=TITLE, asked_at=date(2023, 9, 1), replied_at=date(2023, 11, 30))
    assert first.score == second.score and first.timeliness == 1 and "late" in second.flags


def test_a_reply_dated_before_its_letter_is_flagged_not_scored_fast():
    result = reply_score(
        DEMAND,
        "经现场核实，路灯已修复。",
        title=TITLE,
        asked_at=date(2023, 9, 5),
        replied_at=date(2023, 9, 1),
    )
    assert "dated_before_letter" in result.flags
    assert result.timeliness is None and result.working_days is None


def test_the_check_set_is_the_seeded_stratified_draw():
    need_shared("附件4.xlsx")
    rows = (Path(__file__).parent / "data" / "reply_checks.csv").read_text(encoding="utf-8").splitlines()[1:]
    ids = [r.split(",")[1] for r in rows if r.startswith("tipdm,")]
    drawn = draw(load_messages(SHARED, "tipdm"))
    assert ids == [i for i, _ in drawn] and len(ids) >= 100


def test_scores_follow_the_hand_labels_on_the_tipdm_check_set():
    need_shared("附件4.xlsx")
    checks = load_reply_checks(Path(__file__).parent / "data" / "reply_checks.csv", SHARED, cities=["tipdm"])
    assert len(checks) >= 100 and all(1 <= c.final <= 5 for c in checks)
    scores = [
        reply_score(c.message.content or c.message.text, c.message.reply, title=c.message.title).score
        for c in checks
    ]
    assert spearmanr(scores, [c.final for c in checks]).statistic > 0.5
    # forwarding notes (labelled 1) score below every reply labelled 5
    ones = [s for s, c in zip(scores, checks) if c.final == 1]
    fives = [s for s, c in zip(scores, checks) if c.final == 5]
    assert max(ones) < min(fives)
    assert not any(re.search(r"\s", c.id) for c in checks)


def test_scores_follow_the_hand_labels_on_the_shanghai_check_set():
    if not (SHARED / "shanghai_xfb" / "letters.csv").exists():
        pytest.skip("../shared/data/shanghai_xfb/letters.csv is absent")
    checks = load_reply_checks(
        Path(__file__).parent / "data" / "reply_checks.csv", SHARED, cities=["shanghai"]
    )
    assert len(checks) >= 100
    scores = [
        reply_score(c.message.content or c.message.text, c.message.reply, title=c.message.title).score
        for c in checks
    ]
    # 0.33 before the settled / action taken / put off ladder (docs/intel.md § Reply quality)
    assert spearmanr(scores, [c.final for c in checks]).statistic > 0.4

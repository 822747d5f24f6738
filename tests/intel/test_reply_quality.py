"""Reply quality: parts, flags, timeliness and rank quality on the hand-labelled set."""

from __future__ import annotations

import csv
from datetime import datetime

from lianxin.intel.checks import rank_quality
from lianxin.intel.data import read_messages
from lianxin.intel.reply_quality import reply_score, weekdays_between
from tests.intel.conftest import DATA, need_shared

DEMAND = "A5区劳动东路魅力之城小区楼下烧烤店油烟扰民，每天营业到凌晨，请求处理"
TITLE = "魅力之城小区烧烤店油烟扰民"
GOOD = (
    "网友您好！经调查核实，魅力之城小区临街烧烤店确实存在油烟直排问题。根据《大气污染防治法》第八十一条，"
    "我局已于9月3日责令该店安装油烟净化设施并限期整改，下一步将加强夜间巡查。如有疑问请致电0731-84567890。"
)
FORWARD = "您好，您的留言已收悉，已转相关部门办理。感谢您的支持！"


def test_a_complete_specific_reply_scores_far_above_a_forwarding_note():
    good = reply_score(DEMAND, GOOD, title=TITLE)
    forward = reply_score(DEMAND, FORWARD, title=TITLE)
    assert {k: good.found[k] for k in ("facts", "measures", "basis", "contact")} == {
        "facts": True,
        "measures": True,
        "basis": True,
        "contact": True,
    }
    assert good.relevance > 0.5 and good.flags == []
    assert forward.flags[0] == "forward_only"
    assert good.score > 3 * forward.score


def test_evasive_replies_are_flagged():
    result = reply_score(DEMAND, "您好，建议您通过法律途径解决，或向相关部门咨询。", title=TITLE)
    assert "evasive" in result.flags


def test_quoting_the_title_back_is_not_relevance():
    quoted = reply_score(DEMAND, f"您反映的“{TITLE}”问题已收悉，已转交处理。", title=TITLE)
    assert quoted.relevance < 0.2


def test_timeliness_uses_working_days_and_a_callers_calendar():
    asked, replied = datetime(2019, 9, 2, 10), datetime(2019, 9, 30, 10)  # Monday to Monday, four weeks
    assert weekdays_between(asked, replied) == 20
    late = reply_score(DEMAND, GOOD, title=TITLE, asked_at=asked, replied_at=replied)
    assert late.working_days == 20 and "late" in late.flags and late.timeliness < 1
    on_time = reply_score(
        DEMAND, GOOD, title=TITLE, asked_at=asked, replied_at=replied, working_days=lambda a, b: 3
    )
    assert on_time.working_days == 3 and on_time.timeliness == 1 > late.timeliness
    assert on_time.score == late.score  # the score is the texts' own: lateness is reported beside it


def test_weekday_count_skips_weekends():
    assert weekdays_between(datetime(2019, 9, 6, 9), datetime(2019, 9, 9, 9)) == 1  # Friday to Monday
    assert weekdays_between(datetime(2019, 9, 9), datetime(2019, 9, 9)) == 0


def test_empty_and_odd_replies_score_low_without_crashing():
    assert reply_score(DEMAND, "").flags == ["empty"] and reply_score(DEMAND, "").score == 0
    for reply in ["!!!", "ok", "😀" * 20, "答" * 60_000]:
        assert 0 <= reply_score(DEMAND, reply).score <= 100
    assert 0 <= reply_score("", GOOD).score <= 100


def _rank_quality_of(labels_file: str):
    messages = {m.id: m for m in read_messages(need_shared("附件4.xlsx"), need=("id", "text", "reply"))}
    with (DATA / labels_file).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    scores = [
        reply_score(
            messages[r["id"]].content,
            messages[r["id"]].reply,
            title=messages[r["id"]].title,
            asked_at=messages[r["id"]].time,
            replied_at=messages[r["id"]].reply_time,
        ).score
        for r in rows
    ]
    return rank_quality(scores, [int(r["label"]) for r in rows])


def test_scores_rank_the_hand_labelled_replies():
    quality = _rank_quality_of("reply_labels.csv")
    assert quality.n == 80
    assert quality.auc_good_vs_poor > 0.9 and quality.spearman > 0.6


def test_scores_rank_the_held_out_labels_too():
    quality = _rank_quality_of("reply_labels_holdout.csv")
    assert quality.n == 40
    # these 1–3 labels fold lateness in ("thorough but seven weeks late" = 2); the score no longer does
    assert quality.auc_good_vs_poor > 0.85 and quality.spearman > 0.3

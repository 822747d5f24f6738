from lianxin.mediation.risk import risk_propose


def test_plain_dispute_is_low():
    assert risk_propose("楼上装修噪音影响休息", parties=2).level == "low"


def test_self_harm_threat_raises_to_high_at_least():
    p = risk_propose("工人说再不发工资就跳楼", parties=2)
    assert p.level in ("high", "major")
    assert any(r["sign"] == "self_harm" for r in p.reasons)


def test_self_harm_happening_now_is_major():
    assert risk_propose("有人站在楼顶要跳楼，情绪激动", parties=2).level == "major"


def test_many_parties_raise_the_level():
    assert risk_propose("欠薪纠纷", parties=5).level == "medium"
    assert risk_propose("欠薪纠纷", parties=12).level == "high"


def test_repeated_petitions_raise_one_level():
    assert risk_propose("欠薪纠纷", parties=2, prior_petitions=3).level == "medium"
    raised = risk_propose("欠薪纠纷，申请人反复信访", parties=5)
    assert raised.level == "high"
    assert any(r.get("phrase") == "反复信访" for r in raised.reasons)


def test_negated_signal_does_not_count():
    assert risk_propose("双方争吵，但没有人员受伤，也没有生命危险", parties=2).level == "low"


def test_a_mass_petition_stated_by_intel_and_repeated_is_major():
    # intel reads 工人多次上访 as a (warned) mass incident → high; the repeated petitions raise it once more
    assert risk_propose("欠薪纠纷，工人多次上访", parties=2).level == "major"
